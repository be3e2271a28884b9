package guard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	yaml3 "go.yaml.in/yaml/v3"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16BE = []byte{0xFE, 0xFF}
	bomUTF16LE = []byte{0xFF, 0xFE}
)

// LooksYAML reports whether kustomize reads a file of this name as YAML
// (manifests, patches, kustomization files). Other files (generator
// sources) may legitimately be binary: they become binaryData.
func LooksYAML(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return filepath.Base(path) == "Kustomization"
}

// CheckContent inspects the content of file before kustomize parses it.
// yamlExpected says the file must be YAML (see LooksYAML): binary content
// and invalid UTF-8 are then refused. Any text content is checked for
// documents, nesting and alias expansion, since kustomize may parse it as
// YAML whatever its name. A syntax error is not a violation: kustomize
// reports it with its line.
func CheckContent(file string, b []byte, l Limits, yamlExpected bool) (v *Violation) {
	l = l.WithDefaults()
	if int64(len(b)) > l.MaxFileBytes {
		return &Violation{File: file, Rule: RuleFileTooLarge, Message: fmt.Sprintf(
			"file is %s, more than the %s limit (limits.maxFileBytes in kvet.yaml)", Bytes(int64(len(b))), Bytes(l.MaxFileBytes))}
	}
	if bytes.HasPrefix(b, bomUTF16BE) || bytes.HasPrefix(b, bomUTF16LE) {
		if !yamlExpected {
			return nil
		}
		return &Violation{File: file, Line: 1, Rule: RuleInvalidUTF8,
			Message: "file is UTF-16 encoded (byte-order mark): Kubernetes manifests must be UTF-8; convert it (e.g. iconv -f UTF-16 -t UTF-8)"}
	}
	text := bytes.TrimPrefix(b, bomUTF8)
	if i := bytes.IndexByte(text, 0); i >= 0 {
		if !yamlExpected {
			return nil
		}
		return &Violation{File: file, Line: lineAt(text, i), Rule: RuleBinaryFile,
			Message: fmt.Sprintf("file holds binary content (a NUL byte at offset %d), not YAML: remove it from the kustomization, or use a configMapGenerator/secretGenerator file source for binary data", i+len(b)-len(text))}
	}
	if !utf8.Valid(text) {
		if !yamlExpected {
			return nil
		}
		i := firstInvalidUTF8(text)
		return &Violation{File: file, Line: lineAt(text, i), Rule: RuleInvalidUTF8,
			Message: fmt.Sprintf("invalid UTF-8 at byte offset %d: YAML must be UTF-8; fix the encoding of the file", i+len(b)-len(text))}
	}
	return checkStructure(file, text, l)
}

func checkStructure(file string, b []byte, l Limits) (v *Violation) {
	defer func() {
		// The YAML parser is not kvet's code: whatever it does on hostile
		// input must not take kvet down. A panic here is left to kustomize,
		// which is guarded the same way.
		if r := recover(); r != nil {
			v = nil
		}
	}()
	dec := yaml3.NewDecoder(bytes.NewReader(b))
	w := &walker{file: file, l: l, memo: map[*yaml3.Node]shape{}, active: map[*yaml3.Node]bool{}}
	docs := 0
	for {
		var doc yaml3.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if strings.Contains(err.Error(), "exceeded max depth") {
				return &Violation{File: file, Rule: RuleDepthLimit, Message: fmt.Sprintf(
					"YAML nesting is deeper than the %d levels allowed (limits.maxDepth in kvet.yaml): %v", l.MaxDepth, err)}
			}
			return nil // a syntax error: kustomize reports it with its line
		}
		docs++
		if docs > l.MaxDocuments {
			return &Violation{File: file, Line: doc.Line, Rule: RuleTooManyDocuments, Message: fmt.Sprintf(
				"file holds more than %d YAML documents (limits.maxDocumentsPerFile in kvet.yaml): split it", l.MaxDocuments)}
		}
		if _, v := w.visit(&doc, 0); v != nil {
			return v
		}
	}
}

// shape is what the walk memoises of a node: its size with every alias
// expanded and its height (the mappings and sequences nested in it,
// itself included).
type shape struct{ size, height int }

type walker struct {
	file   string
	l      Limits
	memo   map[*yaml3.Node]shape
	active map[*yaml3.Node]bool
	// extra counts the nodes aliases add to the file when expanded.
	extra int
}

// visit returns the expanded shape of n, which sits inside `level`
// mappings and sequences, or the first limit it breaks. Recursion never goes deeper than
// MaxDepth, and each node is expanded once: the walk is linear in the
// size of the file whatever its aliases do.
func (w *walker) visit(n *yaml3.Node, level int) (shape, *Violation) {
	if n == nil {
		return shape{}, nil
	}
	if n.Kind == yaml3.AliasNode {
		t := n.Alias
		if t == nil {
			return shape{size: 1}, nil
		}
		if w.active[t] {
			return shape{}, &Violation{File: w.file, Line: n.Line, Rule: RuleAliasLimit, Message: fmt.Sprintf(
				"alias *%s refers to the node that contains it: expanding it never ends", n.Value)}
		}
		s, ok := w.memo[t]
		if ok && level+s.height > w.l.MaxDepth {
			return s, w.tooDeep(n)
		}
		if !ok { // an anchor is complete before its aliases: only for safety
			var v *Violation
			if s, v = w.visit(t, level); v != nil {
				return s, v
			}
		}
		w.extra = satAdd(w.extra, s.size)
		if w.extra > w.l.MaxAliasExpansion {
			return s, &Violation{File: w.file, Line: n.Line, Rule: RuleAliasLimit, Message: fmt.Sprintf(
				"YAML aliases expand to more than %d extra nodes (limits.maxAliasExpansion in kvet.yaml); this is how a YAML \"billion laughs\" bomb exhausts memory: write the values out, or remove the aliases", w.l.MaxAliasExpansion)}
		}
		return s, nil
	}
	if s, ok := w.memo[n]; ok {
		if level+s.height > w.l.MaxDepth {
			return s, w.tooDeep(n)
		}
		return s, nil
	}
	collection := n.Kind == yaml3.MappingNode || n.Kind == yaml3.SequenceNode
	inner := level
	if collection {
		inner++
		if inner > w.l.MaxDepth {
			return shape{}, w.tooDeep(n)
		}
	}
	w.active[n] = true
	defer delete(w.active, n)
	s := shape{size: 1}
	for _, c := range n.Content {
		cs, v := w.visit(c, inner)
		if v != nil {
			return s, v
		}
		s.size = satAdd(s.size, cs.size)
		s.height = max(s.height, cs.height)
	}
	if collection {
		s.height++
	}
	w.memo[n] = s
	return s, nil
}

func (w *walker) tooDeep(n *yaml3.Node) *Violation {
	return &Violation{File: w.file, Line: n.Line, Rule: RuleDepthLimit, Message: fmt.Sprintf(
		"YAML nesting is deeper than the %d levels allowed (limits.maxDepth in kvet.yaml)", w.l.MaxDepth)}
}

func satAdd(a, b int) int {
	const limit = 1 << 40
	if a+b > limit || a+b < 0 {
		return limit
	}
	return a + b
}

func lineAt(b []byte, offset int) int {
	if offset > len(b) {
		offset = len(b)
	}
	return bytes.Count(b[:offset], []byte{'\n'}) + 1
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}
