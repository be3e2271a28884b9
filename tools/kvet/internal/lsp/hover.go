package lsp

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
	"github.com/example/gitops-go-stack/tools/kvet/internal/sourcemap"
)

// hover shows, for the field on the line, its final value in every target
// of the last check that renders the document's object, and the file:line
// that sets it when that is not this line:
//
//	replicas: 3 (overlays/dev) · 6 (overlays/production, set by overlays/production/replicas.yaml:8)
func (s *Server) hover(u protocol.DocumentURI, pos protocol.Position) *protocol.Hover {
	s.mu.Lock()
	p := s.file(u)
	s.mu.Unlock()
	if p == "" {
		return nil
	}
	line := int(pos.Line) + 1
	doc, path, ok := fieldAt(s.text(p), line)
	if !ok || len(path) == 0 || path[len(path)-1].item {
		return nil
	}
	kind, name := scalar(doc, "kind"), scalar(doc, "metadata", "name")
	if kind == "" || kind == "Kustomization" || kind == "Component" {
		return nil
	}
	s.mu.Lock()
	root := s.root
	rel := paths.Rel(root, p)
	type hit struct {
		target string
		res    *result
		obj    runner.Object
	}
	var hits []hit
	fsys := newOverlayFS(root, s.limits(), s.snapshot())
	including := map[string]bool{}
	for _, t := range s.state.including(root, rel, fsys) {
		including[t.Path] = true
	}
	for t, r := range s.state.results {
		if !including[t] {
			continue // a patch of one overlay says nothing about another
		}
		for _, o := range r.objects {
			if o.Resource.Kind == kind && sameObject(o, rel, name) {
				hits = append(hits, hit{t, r, o})
			}
		}
	}
	s.mu.Unlock()
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b hit) int { return strings.Compare(a.target, b.target) })
	var parts []string
	maps := map[string]*sourcemap.Map{}
	for _, h := range hits {
		ptr, v, ok := valueAt(h.obj.Body, path)
		if !ok {
			parts = append(parts, fmt.Sprintf("not set (%s)", h.target))
			continue
		}
		where := h.target
		if h.res.dir != "" && h.obj.Source.File != "" {
			sm := maps[h.target]
			if sm == nil {
				sm = sourcemap.NewReading(h.res.dir, fsys.ReadFile)
				maps[h.target] = sm
			}
			src, ok := sm.Locate(sourcemap.Object{Body: h.obj.Body, File: filepath.Join(root, filepath.FromSlash(h.obj.Source.File)), Line: h.obj.Source.Line}, ptr)
			if ok {
				at := report.Source{File: paths.Rel(root, src.File), Line: src.Line}
				if at.File != rel || at.Line != line {
					where += fmt.Sprintf(", set by %s:%d", at.File, at.Line)
				}
			}
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", v, where))
	}
	last := path[len(path)-1].key
	text := fmt.Sprintf("%s: %s", last, strings.Join(parts, " · "))
	s.mu.Lock()
	enc := s.enc
	s.mu.Unlock()
	cur := lineText(s.text(p), line)
	return &protocol.Hover{
		Contents: protocol.MarkupContent{Kind: protocol.PlainText, Value: text},
		Range: &protocol.Range{
			Start: protocol.Position{Line: pos.Line},
			End:   protocol.Position{Line: pos.Line, Character: enc.character(cur, len(cur))},
		},
	}
}

// sameObject: the rendered object is the document's object: written in
// this file, or (a patch) of the same name up to the prefixes and
// suffixes overlays add.
func sameObject(o runner.Object, rel, name string) bool {
	if name == "" {
		return o.Source.File == rel
	}
	n := o.Resource.Name
	return n == name || strings.HasPrefix(n, name+"-") || strings.HasSuffix(n, "-"+name) ||
		strings.HasPrefix(n, name) && o.Source.File == rel || strings.HasSuffix(n, name) && o.Source.File == rel
}

// valueAt follows the written path in the rendered body: list items by
// their name, else by position. It returns the JSON-pointer tokens and
// the value as short text.
func valueAt(body map[string]any, path []step) ([]string, string, bool) {
	var cur any = body
	var ptr []string
	for _, st := range path {
		switch {
		case st.item:
			list, ok := cur.([]any)
			if !ok {
				return nil, "", false
			}
			idx := -1
			if st.name != "" {
				for i, it := range list {
					if m, ok := it.(map[string]any); ok && m["name"] == st.name {
						idx = i
					}
				}
			} else if st.index < len(list) {
				idx = st.index
			}
			if idx < 0 {
				return nil, "", false
			}
			cur = list[idx]
			ptr = append(ptr, strconv.Itoa(idx))
		default:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, "", false
			}
			v, ok := m[st.key]
			if !ok {
				return nil, "", false
			}
			cur = v
			ptr = append(ptr, st.key)
		}
	}
	switch v := cur.(type) {
	case string:
		return ptr, v, true
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, "", false
		}
		if len(b) > 120 {
			b = append(b[:117], "..."...)
		}
		return ptr, string(b), true
	}
}

func lineText(text []byte, line int) string {
	ls := splitLines(text)
	if line < 1 || line > len(ls) {
		return ""
	}
	return ls[line-1]
}
