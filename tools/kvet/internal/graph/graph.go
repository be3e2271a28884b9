// Package graph draws what deploys what in a repository, statically (no
// object is built): the directories whose manifests declare GitOps entry
// points (clusters, app-of-apps), the entry points (Flux Kustomizations,
// Argo CD Applications, HelmReleases) with their dependsOn, the
// directories they build and the bases and components those include.
package graph

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/affected"
	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
)

// Node kinds.
const (
	// KindCluster is a directory whose manifests declare entry points.
	KindCluster = "cluster"
	// KindEntry is a Flux Kustomization, HelmRelease or Argo CD Application.
	KindEntry = "entrypoint"
	// KindDirectory is a kustomization or plain manifest directory.
	KindDirectory = "directory"
	// KindComponent is a kustomize Component.
	KindComponent = "component"
)

// Edge kinds.
const (
	EdgeApplies    = "applies"    // a directory declares an entry point
	EdgeBuilds     = "builds"     // an entry point builds a directory
	EdgeResources  = "resources"  // a kustomization includes a directory
	EdgeComponents = "components" // a kustomization or entry point adds a component
	EdgeDependsOn  = "dependsOn"  // a Flux Kustomization waits for another
)

// Node is a directory or an entry point. ID is the repository-relative
// directory ("/"-separated) or the entry point's ID (FILE#Kind/ns/name).
type Node struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Label string `json:"label"`
}

// Edge goes From a node To another.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
}

// Graph is sorted: nodes by ID, edges by From, To, Kind.
type Graph struct {
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
}

type builder struct {
	root    string
	nodes   map[string]*Node
	edges   map[Edge]bool
	walked  map[string]bool
	entries map[string][]string // manifest file -> entry point IDs
}

// Build returns the graph of the targets discover found (root absolute).
// Only directories inside root are followed.
func Build(root string, targets []discover.Target) Graph {
	b := &builder{root: root, nodes: map[string]*Node{}, edges: map[Edge]bool{}, walked: map[string]bool{}, entries: map[string][]string{}}
	var fluxKs []*gitops.EntryPoint
	for _, t := range targets {
		if e := t.Entry; e != nil {
			b.entries[e.Source.File] = append(b.entries[e.Source.File], t.Path)
			if e.Flux != nil && e.App == "" {
				fluxKs = append(fluxKs, e)
			}
		}
	}
	for _, t := range targets {
		e := t.Entry
		if e == nil {
			b.dir(t.Dir, t.Recurse)
			continue
		}
		b.node(t.Path, KindEntry, e.Describe()+"\n"+e.Source.File)
		if e.NotRendered == "" && e.Helm == nil {
			b.edge(t.Path, b.dir(t.Dir, e.Recurse), EdgeBuilds)
		}
		if h := e.Helm; h != nil && h.ChartPath != "" {
			b.edge(t.Path, b.dir(filepath.Join(root, filepath.FromSlash(h.ChartPath)), false), EdgeBuilds)
		}
		var comps []string
		if e.Flux != nil {
			comps = e.Flux.Components
		}
		if e.Argo != nil && e.Argo.Kustomize != nil {
			comps = e.Argo.Kustomize.Components
		}
		for _, c := range comps {
			if kustfile.IsURL(c) {
				continue
			}
			if id := b.dir(filepath.Join(t.Dir, filepath.FromSlash(c)), false); id != "" {
				b.edge(t.Path, id, EdgeComponents)
			}
		}
		if e.Flux != nil {
			for _, d := range e.Flux.DependsOn {
				for _, o := range dependencies(e, d, fluxKs) {
					b.edge(t.Path, o.ID(), EdgeDependsOn)
				}
			}
		}
	}
	g := Graph{Nodes: []Node{}, Edges: []Edge{}}
	for _, n := range b.nodes {
		g.Nodes = append(g.Nodes, *n)
	}
	slices.SortFunc(g.Nodes, func(x, y Node) int { return strings.Compare(x.ID, y.ID) })
	for e := range b.edges {
		if b.nodes[e.From] != nil && b.nodes[e.To] != nil {
			g.Edges = append(g.Edges, e)
		}
	}
	slices.SortFunc(g.Edges, func(x, y Edge) int {
		return cmp.Or(strings.Compare(x.From, y.From), strings.Compare(x.To, y.To), strings.Compare(x.Kind, y.Kind))
	})
	return g
}

// dependencies are the Flux Kustomizations a dependsOn entry d of e names.
// The controller looks them up in e's cluster; statically, of the
// Kustomizations with that name, those declared nearest to e (the longest
// common directory of their manifests) are taken, so that
// clusters/production's apps depends on clusters/production's
// infrastructure, not staging's.
func dependencies(e *gitops.EntryPoint, d gitops.DependencyRef, fluxKs []*gitops.EntryPoint) []*gitops.EntryPoint {
	ns := cmp.Or(d.Namespace, e.Namespace)
	var out []*gitops.EntryPoint
	best := -1
	for _, o := range fluxKs {
		if o.Kind != e.Kind || o.Name != d.Name || (o.Namespace != ns && o.Namespace != "" && ns != "") {
			continue
		}
		switch n := commonDirs(e.Source.File, o.Source.File); {
		case n > best:
			best, out = n, []*gitops.EntryPoint{o}
		case n == best:
			out = append(out, o)
		}
	}
	return out
}

// commonDirs counts the leading directories two "/"-separated files share.
func commonDirs(a, b string) int {
	da, db := strings.Split(path.Dir(a), "/"), strings.Split(path.Dir(b), "/")
	n := 0
	for n < len(da) && n < len(db) && da[n] == db[n] {
		n++
	}
	return n
}

func (b *builder) node(id, kind, label string) {
	if n, ok := b.nodes[id]; ok {
		// A directory that declares entry points is a cluster whatever
		// else includes it.
		if kind == KindCluster || kind == KindComponent {
			n.Kind = kind
		}
		return
	}
	b.nodes[id] = &Node{ID: id, Kind: kind, Label: label}
}

func (b *builder) edge(from, to, kind string) {
	if from != "" && to != "" && from != to {
		b.edges[Edge{From: from, To: to, Kind: kind}] = true
	}
}

// dir adds the directory abs and what it includes, and returns its node
// ID ("" for a directory outside the repository or that does not exist).
func (b *builder) dir(abs string, recurse bool) string {
	abs = filepath.Clean(abs)
	if !paths.Inside(b.root, abs) || !paths.IsDir(abs) {
		return ""
	}
	id := paths.Rel(b.root, abs)
	if b.walked[id] {
		return id
	}
	b.walked[id] = true
	b.node(id, KindDirectory, id)
	f, err := affected.LoadKustomization(b.root, abs)
	if err != nil {
		// A plain directory (or one kvet cannot read): the entry points
		// its manifests declare, as the controller's generator reads them.
		b.plainEntries(id, abs, recurse)
		return id
	}
	if f.IsComponent() {
		b.node(id, KindComponent, id)
	}
	for _, r := range f.Refs() {
		if kustfile.LooksRemote(r.Value) {
			continue
		}
		p := filepath.Clean(filepath.Join(abs, filepath.FromSlash(r.Value)))
		if paths.IsDir(p) {
			kind := EdgeResources
			if r.Field == "components" {
				kind = EdgeComponents
			}
			b.edge(id, b.dir(p, false), kind)
			continue
		}
		if paths.Inside(b.root, p) {
			b.applies(id, paths.Rel(b.root, p))
		}
	}
	return id
}

// plainEntries links a plain directory to the entry points declared in
// its files (and its subdirectories' with recurse).
func (b *builder) plainEntries(id, abs string, recurse bool) {
	for file := range b.entries {
		d := filepath.Dir(filepath.Join(b.root, filepath.FromSlash(file)))
		if d == abs || (recurse && paths.Inside(abs, d)) {
			b.applies(id, file)
		}
	}
}

func (b *builder) applies(dirID, file string) {
	for _, e := range b.entries[file] {
		b.node(dirID, KindCluster, dirID)
		b.edge(dirID, e, EdgeApplies)
	}
}

// Includes returns the paths of the targets that read file
// (repository-relative, "/"-separated), sorted.
func Includes(root string, targets []discover.Target, file string) []string {
	var out []string
	l := affected.NewLoader(root)
	for _, t := range targets {
		if l.TargetInputs(t).Touches(file) {
			out = append(out, t.Path)
		}
	}
	slices.Sort(out)
	return out
}

// Formats are the output formats of Write.
func Formats() []string { return []string{"mermaid", "dot", "json"} }

// WriteMermaid writes g as a Mermaid flowchart. Node ids are n0, n1, ...
// in node order; labels are quoted with Mermaid's entity codes for the
// characters that would end or change them.
func WriteMermaid(w io.Writer, g Graph) error { return WriteMermaidStyled(w, g, Style{}) }

// Style colours nodes of a Mermaid flowchart: Classes maps a class name
// to its CSS (Mermaid's classDef), Of maps a node ID to its class.
type Style struct {
	Classes map[string]string
	Of      map[string]string
}

// WriteMermaidStyled writes g as WriteMermaid does, then the classes of
// style (sorted) and which nodes have them.
func WriteMermaidStyled(w io.Writer, g Graph, style Style) error {
	var sb strings.Builder
	sb.WriteString("flowchart LR\n")
	ids := make(map[string]string, len(g.Nodes))
	for i, n := range g.Nodes {
		id := fmt.Sprintf("n%d", i)
		ids[n.ID] = id
		open, closing := `["`, `"]`
		switch n.Kind {
		case KindCluster:
			open, closing = `(["`, `"])`
		case KindEntry:
			open, closing = `{{"`, `"}}`
		case KindComponent:
			open, closing = `[["`, `"]]`
		}
		fmt.Fprintf(&sb, "  %s%s%s%s\n", id, open, mermaidText(n.Label), closing)
	}
	for _, e := range g.Edges {
		arrow := "-->"
		if e.Kind == EdgeDependsOn {
			arrow = "-.->"
		}
		fmt.Fprintf(&sb, "  %s %s|%s| %s\n", ids[e.From], arrow, e.Kind, ids[e.To])
	}
	members := map[string][]string{}
	for _, n := range g.Nodes {
		if c := style.Of[n.ID]; c != "" && style.Classes[c] != "" {
			members[c] = append(members[c], ids[n.ID])
		}
	}
	for _, c := range slices.Sorted(maps.Keys(members)) {
		fmt.Fprintf(&sb, "  classDef %s %s\n  class %s %s\n", c, style.Classes[c], strings.Join(members[c], ","), c)
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// Around is the part of g that shows the nodes ids: each of them, what
// deploys it (every node with a path of edges to it, dependsOn aside) and
// what it builds and includes (builds, resources and components edges
// from it), with every edge of g between those nodes. It draws at most
// maxNodes nodes: ids are taken in order while their part fits, and
// those whose part no longer fits (or that are no node of g) are
// returned as left out.
func (g Graph) Around(ids []string, maxNodes int) (sub Graph, left []string) {
	known := make(map[string]bool, len(g.Nodes))
	for _, n := range g.Nodes {
		known[n.ID] = true
	}
	up, down := map[string][]string{}, map[string][]string{}
	for _, e := range g.Edges {
		if e.Kind == EdgeDependsOn {
			continue
		}
		up[e.To] = append(up[e.To], e.From)
		if e.Kind != EdgeApplies {
			down[e.From] = append(down[e.From], e.To)
		}
	}
	keep := map[string]bool{}
	for _, id := range ids {
		if !known[id] {
			left = append(left, id)
			continue
		}
		part := reach(id, up)
		maps.Copy(part, reach(id, down))
		add := 0
		for n := range part {
			if !keep[n] {
				add++
			}
		}
		if len(keep)+add > maxNodes {
			left = append(left, id)
			continue
		}
		maps.Copy(keep, part)
	}
	sub = Graph{Nodes: []Node{}, Edges: []Edge{}}
	for _, n := range g.Nodes {
		if keep[n.ID] {
			sub.Nodes = append(sub.Nodes, n)
		}
	}
	for _, e := range g.Edges {
		if keep[e.From] && keep[e.To] {
			sub.Edges = append(sub.Edges, e)
		}
	}
	return sub, left
}

// reach is id and every node next leads to from it.
func reach(id string, next map[string][]string) map[string]bool {
	seen := map[string]bool{id: true}
	stack := []string{id}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, m := range next[n] {
			if !seen[m] {
				seen[m] = true
				stack = append(stack, m)
			}
		}
	}
	return seen
}

var mermaidEscaper = strings.NewReplacer(`#`, `#35;`, `"`, `#quot;`, `<`, `#lt;`, `>`, `#gt;`, "\n", "<br/>", "`", "#96;")

func mermaidText(s string) string { return mermaidEscaper.Replace(s) }

// WriteDOT writes g as a Graphviz digraph; node ids are the quoted IDs.
func WriteDOT(w io.Writer, g Graph) error {
	var sb strings.Builder
	sb.WriteString("digraph kvet {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n")
	for _, n := range g.Nodes {
		shape := "box"
		switch n.Kind {
		case KindCluster:
			shape = "folder"
		case KindEntry:
			shape = "hexagon"
		case KindComponent:
			shape = "component"
		}
		fmt.Fprintf(&sb, "  %s [label=%s, shape=%s];\n", dotQuote(n.ID), dotQuote(n.Label), shape)
	}
	for _, e := range g.Edges {
		style := ""
		if e.Kind == EdgeDependsOn {
			style = ", style=dashed"
		}
		fmt.Fprintf(&sb, "  %s -> %s [label=%s%s];\n", dotQuote(e.From), dotQuote(e.To), dotQuote(e.Kind), style)
	}
	sb.WriteString("}\n")
	_, err := io.WriteString(w, sb.String())
	return err
}

var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")

func dotQuote(s string) string { return `"` + dotEscaper.Replace(s) + `"` }
