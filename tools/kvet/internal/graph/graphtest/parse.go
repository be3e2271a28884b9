// Package graphtest parses what package graph writes, for tests: the
// Mermaid flowchart and the DOT digraph, line by line, strictly (every line
// must be one that graph writes), checking that every edge and class joins
// declared nodes. Tests of kvet graph and of the Markdown report's picture
// use it, so both read the one renderer's output the same way.
package graphtest

import (
	"fmt"
	"regexp"
	"strings"
)

// Parsed is a drawn graph: node ids with their labels (decoded), edges, and
// for Mermaid the classes and which nodes have them.
type Parsed struct {
	Labels  map[string]string
	Edges   []Edge
	Classes map[string]string // class name -> CSS
	ClassOf map[string]string // node id -> class name
}

// Edge joins two node ids.
type Edge struct {
	From, To, Kind string
	Dashed         bool
}

// Node returns the id of the node labelled label (its first line for
// Mermaid labels of several lines), or "".
func (p *Parsed) Node(label string) string {
	for id, l := range p.Labels {
		if l == label || strings.SplitN(l, "\n", 2)[0] == label {
			return id
		}
	}
	return ""
}

var (
	mermaidNode  = regexp.MustCompile(`^  (n\d+)(?:\(\["([^"]*)"\]\)|\{\{"([^"]*)"\}\}|\[\["([^"]*)"\]\]|\["([^"]*)"\])$`)
	mermaidEdge  = regexp.MustCompile(`^  (n\d+) (-->|-\.->)\|([A-Za-z]+)\| (n\d+)$`)
	mermaidDef   = regexp.MustCompile(`^  classDef ([a-z]+) ([a-z-]+:[^ ,;]+(?:,[a-z-]+:[^ ,;]+)*)$`)
	mermaidClass = regexp.MustCompile(`^  class (n\d+(?:,n\d+)*) ([a-z]+)$`)
	dotID        = `"((?:[^"\\]|\\.)*)"`
	dotNode      = regexp.MustCompile(`^  ` + dotID + ` \[label="((?:[^"\\]|\\.)*)", shape=\w+\];$`)
	dotEdge      = regexp.MustCompile(`^  ` + dotID + ` -> ` + dotID + ` \[label="([A-Za-z]+)"(, style=dashed)?\];$`)

	mermaidText = strings.NewReplacer("#35;", "#", "#quot;", `"`, "#lt;", "<", "#gt;", ">", "<br/>", "\n", "#96;", "`")
	dotText     = strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\n`, "\n")
)

// ParseMermaid parses a flowchart graph.WriteMermaidStyled wrote.
func ParseMermaid(text string) (*Parsed, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if lines[0] != "flowchart LR" {
		return nil, fmt.Errorf("first line %q, want flowchart LR", lines[0])
	}
	p := newParsed()
	for i, l := range lines[1:] {
		var err error
		switch {
		case mermaidNode.MatchString(l):
			m := mermaidNode.FindStringSubmatch(l)
			err = p.declare(m[1], mermaidText.Replace(m[2]+m[3]+m[4]+m[5]))
		case mermaidEdge.MatchString(l):
			m := mermaidEdge.FindStringSubmatch(l)
			p.Edges = append(p.Edges, Edge{From: m[1], To: m[4], Kind: m[3], Dashed: m[2] == "-.->"})
		case mermaidDef.MatchString(l):
			m := mermaidDef.FindStringSubmatch(l)
			p.Classes[m[1]] = m[2]
		case mermaidClass.MatchString(l):
			m := mermaidClass.FindStringSubmatch(l)
			if _, ok := p.Classes[m[2]]; !ok {
				err = fmt.Errorf("class %s used before its classDef", m[2])
			}
			for _, id := range strings.Split(m[1], ",") {
				p.ClassOf[id] = m[2]
			}
		default:
			err = fmt.Errorf("not a node, edge or class")
		}
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %w", i+2, l, err)
		}
	}
	return p, p.check()
}

// ParseDOT parses a digraph graph.WriteDOT wrote.
func ParseDOT(text string) (*Parsed, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	head := []string{"digraph kvet {", "  rankdir=LR;", `  node [fontname="Helvetica"];`}
	if len(lines) < len(head)+1 || strings.Join(lines[:len(head)], "\n") != strings.Join(head, "\n") || lines[len(lines)-1] != "}" {
		return nil, fmt.Errorf("not a kvet digraph: %q", text)
	}
	p := newParsed()
	for i, l := range lines[len(head) : len(lines)-1] {
		var err error
		switch {
		case dotNode.MatchString(l):
			m := dotNode.FindStringSubmatch(l)
			err = p.declare(dotText.Replace(m[1]), dotText.Replace(m[2]))
		case dotEdge.MatchString(l):
			m := dotEdge.FindStringSubmatch(l)
			p.Edges = append(p.Edges, Edge{From: dotText.Replace(m[1]), To: dotText.Replace(m[2]), Kind: m[3], Dashed: m[4] != ""})
		default:
			err = fmt.Errorf("not a node or edge")
		}
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %w", i+len(head)+1, l, err)
		}
	}
	return p, p.check()
}

func newParsed() *Parsed {
	return &Parsed{Labels: map[string]string{}, Classes: map[string]string{}, ClassOf: map[string]string{}}
}

func (p *Parsed) declare(id, label string) error {
	if _, dup := p.Labels[id]; dup {
		return fmt.Errorf("node %s declared twice", id)
	}
	p.Labels[id] = label
	return nil
}

// check: every edge and class joins declared nodes.
func (p *Parsed) check() error {
	for _, e := range p.Edges {
		if _, ok := p.Labels[e.From]; !ok {
			return fmt.Errorf("edge %s -> %s: %s is not declared", e.From, e.To, e.From)
		}
		if _, ok := p.Labels[e.To]; !ok {
			return fmt.Errorf("edge %s -> %s: %s is not declared", e.From, e.To, e.To)
		}
	}
	for id := range p.ClassOf {
		if _, ok := p.Labels[id]; !ok {
			return fmt.Errorf("class of %s, which is not declared", id)
		}
	}
	return nil
}
