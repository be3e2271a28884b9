package sourcemap

import (
	"bytes"
	"errors"
	"io"

	yaml3 "go.yaml.in/yaml/v3"
)

// docs reads every YAML document of a file with positions. Unreadable
// files give no documents: source mapping only ever improves a finding's
// location, it never fails a run.
func docs(b []byte) []*yaml3.Node {
	var out []*yaml3.Node
	dec := yaml3.NewDecoder(bytes.NewReader(b))
	for {
		var n yaml3.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) || err != nil {
			return out
		}
		if len(n.Content) > 0 {
			out = append(out, n.Content[0])
		}
	}
}

// field returns the key and value nodes of key in mapping n.
func field(n *yaml3.Node, key string) (k, v *yaml3.Node) {
	if n == nil || n.Kind != yaml3.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func str(n *yaml3.Node, path ...string) string {
	for _, p := range path {
		_, n = field(n, p)
	}
	if n == nil || n.Kind != yaml3.ScalarNode {
		return ""
	}
	return n.Value
}

// walk follows segs from n and returns the line to edit for the deepest
// node reached (a mapping key's line, a list item's first line) and how
// many segments were found. depth == len(segs) means the field is written
// in this document.
func walk(n *yaml3.Node, segs []segment) (line, depth int) {
	line = n.Line
	cur := n
	for _, s := range segs {
		if cur.Kind == yaml3.AliasNode && cur.Alias != nil {
			cur = cur.Alias
		}
		switch cur.Kind {
		case yaml3.MappingNode:
			k, v := field(cur, s.key)
			if k == nil {
				return line, depth
			}
			line, cur = k.Line, v
		case yaml3.SequenceNode:
			item := seqItem(cur, s)
			if item == nil {
				return line, depth
			}
			line, cur = item.Line, item
		default:
			return line, depth
		}
		depth++
	}
	return line, depth
}

// seqItem picks a list item by its name, else by its index (a patch's
// list has other items than the rendered one, so names come first). Where
// names repeat (valuesFrom reads one ConfigMap under several keys), the
// item at the index wins when it bears the name.
func seqItem(seq *yaml3.Node, s segment) *yaml3.Node {
	if s.scalar {
		// A list of strings is matched by value: a patch that replaces the
		// list holds the value at another position, or not at all.
		for _, it := range seq.Content {
			if it.Kind == yaml3.ScalarNode && it.Value == s.name {
				return it
			}
		}
		return nil
	}
	if s.name != "" {
		if s.index >= 0 && s.index < len(seq.Content) && str(seq.Content[s.index], "name") == s.name {
			return seq.Content[s.index]
		}
		for _, it := range seq.Content {
			if str(it, "name") == s.name {
				return it
			}
		}
	}
	if s.index >= 0 && s.index < len(seq.Content) {
		it := seq.Content[s.index]
		if n := str(it, "name"); n == "" || n == s.name {
			return it
		}
	}
	return nil
}

// Docs, Field and Scalar are docs, field and str for kvet lsp, which reads
// editor buffers the same way (a half-typed buffer gives the documents
// before its first error).
func Docs(b []byte) []*yaml3.Node { return docs(b) }

// Field returns the key and value nodes of key in mapping n.
func Field(n *yaml3.Node, key string) (k, v *yaml3.Node) { return field(n, key) }

// Scalar is the scalar value at path under n, "" when there is none.
func Scalar(n *yaml3.Node, path ...string) string { return str(n, path...) }
