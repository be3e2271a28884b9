package lsp

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// restrictedRules are the Pod Security "restricted" rules a container's
// securityContext satisfies once it has kvet's defaults (restricted()).
var restrictedRules = []string{"privileged-container", "allow-privilege-escalation", "run-as-non-root", "capabilities", "seccomp-profile"}

// codeActions offers the mechanical fixes for the findings on the lines of
// rng: remove a patches entry that matches nothing, rename an unknown
// field to the suggested one, give a container a securityContext that
// satisfies the restricted profile.
func (s *Server) codeActions(u protocol.DocumentURI, rng protocol.Range) []protocol.CodeAction {
	s.mu.Lock()
	p := s.file(u)
	if p == "" {
		s.mu.Unlock()
		return nil
	}
	rel, enc := paths.Rel(s.root, p), s.enc
	var found []report.Finding
	seen := map[diagnosticKey]bool{}
	for _, r := range s.state.results {
		for _, f := range r.findings {
			k := diagnosticKey{line: f.Source.Line, rule: f.Rule, message: f.Message}
			if f.Source.File == rel && f.Source.Line >= int(rng.Start.Line)+1 && f.Source.Line <= int(rng.End.Line)+1 && !seen[k] {
				seen[k] = true
				found = append(found, f)
			}
		}
	}
	s.mu.Unlock()
	slices.SortFunc(found, func(a, b report.Finding) int { return a.Source.Line - b.Source.Line })
	text := s.text(p)
	lines := splitLines(text)
	var out []protocol.CodeAction
	titles := map[string]bool{}
	for _, f := range found {
		var title string
		var edit *protocol.TextEdit
		switch {
		case f.Rule == "patch-no-match":
			for _, field := range []string{"patches", "patchesStrategicMerge", "patchesJson6902"} {
				if e := removeListItem(text, field, f.Source.Line); e != nil {
					title, edit = "Remove the "+field+" entry that matches nothing", e
					break
				}
			}
		case f.Rule == "unknown-field" && f.Suggestion != "" && len(f.Pointer) > 0:
			key := f.Pointer[len(f.Pointer)-1]
			title, edit = fmt.Sprintf("Rename %s to %s", key, f.Suggestion), renameKey(lines, f.Source.Line, key, f.Suggestion, enc)
		case slices.Contains(restrictedRules, f.Rule):
			title, edit = "Set the restricted securityContext defaults on this container", restrictedEdit(text, f.Source.Line)
		}
		if edit == nil || titles[title] {
			continue
		}
		titles[title] = true
		out = append(out, protocol.CodeAction{
			Title:       title,
			Kind:        protocol.QuickFix,
			Diagnostics: []protocol.Diagnostic{diagnostic(f, nil, lines, enc)},
			IsPreferred: true,
			Edit:        &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{uri.File(p): {*edit}}},
		})
	}
	return out
}

// wholeLines is the range of lines first..last (1-based, inclusive).
func wholeLines(first, last int) protocol.Range {
	return protocol.Range{Start: protocol.Position{Line: uint32(first - 1)}, End: protocol.Position{Line: uint32(last)}}
}

// removeListItem deletes the item of the top-level sequence field that
// starts on line, and the field itself when it was its only item.
func removeListItem(text []byte, field string, line int) *protocol.TextEdit {
	ds := docs(text)
	if len(ds) == 0 {
		return nil
	}
	k, seq := mapField(ds[0], field)
	if seq == nil || seq.Kind != yaml3.SequenceNode {
		return nil
	}
	for i, it := range seq.Content {
		if it.Line != line {
			continue
		}
		first, last := it.Line, lastLine(it)
		switch {
		case len(seq.Content) == 1:
			first, last = k.Line, lastLine(seq)
		case i+1 < len(seq.Content):
			last = seq.Content[i+1].Line - 1
		}
		return &protocol.TextEdit{Range: wholeLines(first, last), NewText: ""}
	}
	return nil
}

// renameKey replaces the key written on line.
func renameKey(lines []string, line int, key, to string, enc encoding) *protocol.TextEdit {
	if line < 1 || line > len(lines) {
		return nil
	}
	l := lines[line-1]
	i := strings.Index(l, key+":")
	if i < 0 || strings.TrimLeft(l[:i], " -") != "" {
		return nil
	}
	return &protocol.TextEdit{
		Range:   protocol.Range{Start: enc.position(lines, line-1, i), End: enc.position(lines, line-1, i+len(key))},
		NewText: to,
	}
}

// container finds the innermost item of a containers, initContainers or
// ephemeralContainers list that holds line.
func container(n *yaml3.Node, line int) *yaml3.Node {
	if n.Kind != yaml3.MappingNode {
		for _, c := range n.Content {
			if r := container(c, line); r != nil {
				return r
			}
		}
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if line < v.Line && line != k.Line || line > lastLine(v) {
			continue
		}
		if r := container(v, line); r != nil {
			return r
		}
		switch k.Value {
		case "containers", "initContainers", "ephemeralContainers":
			if v.Kind == yaml3.SequenceNode {
				for _, it := range v.Content {
					if it.Kind == yaml3.MappingNode && line >= it.Line && line <= lastLine(it) {
						return it
					}
				}
			}
		}
	}
	return nil
}

// restrictedEdit writes the container's securityContext with what the
// restricted profile requires, keeping its other settings.
func restrictedEdit(text []byte, line int) *protocol.TextEdit {
	var c *yaml3.Node
	for _, d := range docs(text) {
		if line >= d.Line && line <= lastLine(d) {
			c = container(d, line)
		}
	}
	if c == nil || len(c.Content) == 0 {
		return nil
	}
	indent := strings.Repeat(" ", c.Content[0].Column-1)
	k, sc := mapField(c, "securityContext")
	if sc == nil || sc.Kind != yaml3.MappingNode {
		sc = &yaml3.Node{Kind: yaml3.MappingNode}
	}
	restricted(sc)
	var buf bytes.Buffer
	enc := yaml3.NewEncoder(&buf)
	enc.SetIndent(2)
	doc := &yaml3.Node{Kind: yaml3.MappingNode, Content: []*yaml3.Node{{Kind: yaml3.ScalarNode, Value: "securityContext"}, sc}}
	if err := enc.Encode(doc); err != nil {
		return nil
	}
	var block strings.Builder
	for _, l := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		block.WriteString(indent + l + "\n")
	}
	if k != nil {
		return &protocol.TextEdit{Range: wholeLines(k.Line, lastLine(sc)), NewText: block.String()}
	}
	// After the line the container's first key is on (usually "- name: x"):
	// a place no multi-line value can straddle.
	at := c.Content[0].Line
	if v := c.Content[1]; v.Kind != yaml3.ScalarNode || v.Style&(yaml3.LiteralStyle|yaml3.FoldedStyle) != 0 {
		return nil
	}
	return &protocol.TextEdit{Range: protocol.Range{Start: protocol.Position{Line: uint32(at)}, End: protocol.Position{Line: uint32(at)}}, NewText: block.String()}
}

// restricted sets in sc what the restricted Pod Security profile requires
// of a container: no privilege, no escalation, non-root, every capability
// dropped (NET_BIND_SERVICE may stay added), the runtime's seccomp profile.
func restricted(sc *yaml3.Node) {
	set := func(m *yaml3.Node, key string, v *yaml3.Node) {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				m.Content[i+1] = v
				return
			}
		}
		m.Content = append(m.Content, &yaml3.Node{Kind: yaml3.ScalarNode, Value: key}, v)
	}
	del := func(m *yaml3.Node, key string) {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				m.Content = slices.Delete(m.Content, i, i+2)
				return
			}
		}
	}
	boolean := func(b bool) *yaml3.Node {
		return &yaml3.Node{Kind: yaml3.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(b)}
	}
	del(sc, "privileged")
	set(sc, "allowPrivilegeEscalation", boolean(false))
	set(sc, "runAsNonRoot", boolean(true))
	if scalar(sc, "runAsUser") == "0" {
		del(sc, "runAsUser")
	}
	_, caps := mapField(sc, "capabilities")
	if caps == nil || caps.Kind != yaml3.MappingNode {
		caps = &yaml3.Node{Kind: yaml3.MappingNode}
	}
	if _, add := mapField(caps, "add"); add != nil {
		keep := &yaml3.Node{Kind: yaml3.SequenceNode, Style: add.Style}
		for _, c := range add.Content {
			if c.Value == "NET_BIND_SERVICE" {
				keep.Content = append(keep.Content, c)
			}
		}
		if len(keep.Content) > 0 {
			set(caps, "add", keep)
		} else {
			del(caps, "add")
		}
	}
	set(caps, "drop", &yaml3.Node{Kind: yaml3.SequenceNode, Style: yaml3.FlowStyle, Content: []*yaml3.Node{{Kind: yaml3.ScalarNode, Value: "ALL"}}})
	set(sc, "capabilities", caps)
	if t := scalar(sc, "seccompProfile", "type"); t != "RuntimeDefault" && t != "Localhost" {
		set(sc, "seccompProfile", &yaml3.Node{Kind: yaml3.MappingNode, Content: []*yaml3.Node{
			{Kind: yaml3.ScalarNode, Value: "type"}, {Kind: yaml3.ScalarNode, Value: "RuntimeDefault"}}})
	}
}
