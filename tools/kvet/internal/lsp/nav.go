package lsp

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
)

// definition goes from a resources, bases, components or patches entry of
// a kustomization to the file it names (a directory's kustomization file).
func (s *Server) definition(u protocol.DocumentURI, pos protocol.Position) []protocol.Location {
	s.mu.Lock()
	p := s.file(u)
	root := s.root
	s.mu.Unlock()
	if p == "" || !isKustomization(p) {
		return nil
	}
	text := s.text(p)
	f, err := kustfile.Parse(filepath.Dir(p), p, text)
	if err != nil {
		return nil
	}
	line := int(pos.Line) + 1
	cur := lineText(text, line)
	var target string
	for _, r := range f.Refs() {
		if r.Line == line {
			target = r.Value
		}
	}
	for i, pt := range f.K.Patches {
		// The item starts on "- path: x" or "- target:", with path on a
		// line of its own: both lead to the patch file.
		if pt.Path != "" && (f.Line("patches", i) == line || strings.Contains(cur, "path:") && strings.Contains(cur, pt.Path)) {
			target = pt.Path
		}
	}
	for i, pt := range f.K.PatchesStrategicMerge { //nolint:staticcheck // still applied by kustomize
		if f.Line("patchesStrategicMerge", i) == line {
			target = string(pt)
		}
	}
	if target == "" || kustfile.LooksRemote(target) {
		return nil
	}
	dest := filepath.Join(f.Dir, filepath.FromSlash(target))
	if !paths.Inside(root, dest) {
		return nil
	}
	if paths.IsDir(dest) {
		k, err := kustfile.Find(dest)
		if err != nil {
			return nil
		}
		dest = k
	}
	return []protocol.Location{{URI: uri.File(dest)}}
}

func isKustomization(p string) bool {
	switch filepath.Base(p) {
	case "kustomization.yaml", "kustomization.yml", "Kustomization":
		return true
	}
	return false
}

// codeLenses puts "included by N targets" on the first line of a file:
// the targets kvet validate checks it through (kvet graph --includes).
func (s *Server) codeLenses(u protocol.DocumentURI) []protocol.CodeLens {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.file(u)
	if p == "" || s.session == nil {
		return nil
	}
	st := s.state
	fsys := newOverlayFS(s.root, s.limits(), s.snapshot())
	if st.targets == nil {
		targets, err := discoverTargets(context.Background(), s.root, s.session, fsys)
		if err != nil {
			return nil
		}
		st.targets = targets
	}
	var names []string
	for _, t := range st.including(s.root, paths.Rel(s.root, p), fsys) {
		names = append(names, t.Path)
	}
	title := "included by no target"
	switch n := len(names); {
	case n == 1:
		title = "included by 1 target: " + names[0]
	case n > 1 && n <= 3:
		title = fmt.Sprintf("included by %d targets: %s", n, strings.Join(names, ", "))
	case n > 3:
		title = fmt.Sprintf("included by %d targets: %s, ...", n, strings.Join(names[:3], ", "))
	}
	return []protocol.CodeLens{{
		Range:   protocol.Range{},
		Command: &protocol.Command{Title: title, Command: "", Arguments: []any{names}},
	}}
}
