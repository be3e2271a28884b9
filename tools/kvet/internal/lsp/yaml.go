package lsp

import (
	yaml3 "go.yaml.in/yaml/v3"

	"github.com/example/gitops-go-stack/tools/kvet/internal/sourcemap"
)

// step is one level of a field's path as written: a key, or a list item
// (named by its name field when it has one).
type step struct {
	key   string
	item  bool
	name  string
	index int
}

// lastLine is the last line n or anything under it is written on.
func lastLine(n *yaml3.Node) int {
	l := n.Line
	for _, c := range n.Content {
		l = max(l, lastLine(c))
	}
	return l
}

// fieldAt finds the field written on line (1-based) in text: its document
// and the path to it. The innermost key on the line wins.
func fieldAt(text []byte, line int) (*yaml3.Node, []step, bool) {
	for _, d := range docs(text) {
		if line < d.Line || line > lastLine(d) {
			continue
		}
		if path, ok := find(d, line, nil); ok {
			return d, path, true
		}
	}
	return nil, nil, false
}

func find(n *yaml3.Node, line int, path []step) ([]step, bool) {
	switch n.Kind {
	case yaml3.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := append(append([]step(nil), path...), step{key: k.Value})
			if k.Line == line && (v.Kind == yaml3.ScalarNode || v.Line != line) {
				return p, true
			}
			if line >= v.Line && line <= lastLine(v) {
				if r, ok := find(v, line, p); ok {
					return r, true
				}
				if k.Line == line {
					return p, true
				}
			}
		}
	case yaml3.SequenceNode:
		for i, it := range n.Content {
			if line < it.Line || line > lastLine(it) {
				continue
			}
			p := append(append([]step(nil), path...), step{item: true, name: scalar(it, "name"), index: i})
			if r, ok := find(it, line, p); ok {
				return r, true
			}
			return p, true
		}
	}
	return nil, false
}

// docs, mapField and scalar read YAML as the source maps do.
func docs(text []byte) []*yaml3.Node                        { return sourcemap.Docs(text) }
func mapField(n *yaml3.Node, key string) (k, v *yaml3.Node) { return sourcemap.Field(n, key) }
func scalar(n *yaml3.Node, path ...string) string           { return sourcemap.Scalar(n, path...) }
