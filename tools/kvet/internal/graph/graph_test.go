package graph

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/graph/graphtest"
)

// An empty repository is an empty graph, not JSON nulls.
func TestEmptyGraph(t *testing.T) {
	b, err := json.Marshal(Build(t.TempDir(), nil))
	require.NoError(t, err)
	assert.JSONEq(t, `{"nodes":[],"edges":[]}`, string(b))
}

func TestEscapes(t *testing.T) {
	tests := []struct{ in, mermaid, dot string }{
		{`a"b`, `a#quot;b`, `"a\"b"`},
		{`x#1;`, `x#35;1;`, `"x#1;"`},
		{"<i>\nb", `#lt;i#gt;<br/>b`, `"<i>\nb"`},
		{`c:\d`, `c:\d`, `"c:\\d"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.mermaid, mermaidText(tt.in))
		assert.Equal(t, tt.dot, dotQuote(tt.in))
		assert.NotContains(t, mermaidText(tt.in), `"`)
		assert.False(t, strings.Contains(mermaidText(tt.in), "\n"))
	}
}

// dependsOn is resolved among the Kustomizations declared nearest.
func TestCommonDirs(t *testing.T) {
	assert.Equal(t, 2, commonDirs("clusters/prod/apps.yaml", "clusters/prod/infra.yaml"))
	assert.Equal(t, 1, commonDirs("clusters/prod/apps.yaml", "clusters/staging/infra.yaml"))
	assert.Equal(t, 0, commonDirs("a/x.yaml", "b/y.yaml"))
}

// fleet: a cluster applies two Flux Kustomizations that build two
// overlays of one base; the first overlay adds a component, the second
// Kustomization depends on the first.
func fleet() Graph {
	n := func(id, kind string) Node { return Node{ID: id, Kind: kind, Label: id} }
	return Graph{
		Nodes: []Node{n("base", KindDirectory), n("c", KindCluster), n("c/a.yaml#K/a", KindEntry), n("c/b.yaml#K/b", KindEntry),
			n("comp", KindComponent), n("o1", KindDirectory), n("o2", KindDirectory)},
		Edges: []Edge{
			{"c", "c/a.yaml#K/a", EdgeApplies}, {"c", "c/b.yaml#K/b", EdgeApplies},
			{"c/a.yaml#K/a", "o1", EdgeBuilds}, {"c/b.yaml#K/b", "c/a.yaml#K/a", EdgeDependsOn}, {"c/b.yaml#K/b", "o2", EdgeBuilds},
			{"o1", "base", EdgeResources}, {"o1", "comp", EdgeComponents}, {"o2", "base", EdgeResources},
		},
	}
}

func ids(g Graph) []string {
	var out []string
	for _, n := range g.Nodes {
		out = append(out, n.ID)
	}
	return out
}

// Around draws a node with what deploys it and what it includes, not its
// siblings, within the bound.
func TestAround(t *testing.T) {
	tests := []struct {
		name  string
		ids   []string
		max   int
		nodes []string
		left  []string
		edges int
	}{
		{"an overlay: its entry point and cluster, base and component", []string{"o1"}, 50,
			[]string{"base", "c", "c/a.yaml#K/a", "comp", "o1"}, nil, 4},
		{"an entry point: its cluster and what it builds", []string{"c/b.yaml#K/b"}, 50,
			[]string{"base", "c", "c/b.yaml#K/b", "o2"}, nil, 3},
		{"both overlays, dependsOn between drawn nodes kept", []string{"o1", "o2"}, 50,
			[]string{"base", "c", "c/a.yaml#K/a", "c/b.yaml#K/b", "comp", "o1", "o2"}, nil, 8},
		{"the bound leaves the second out", []string{"o1", "o2"}, 6,
			[]string{"base", "c", "c/a.yaml#K/a", "comp", "o1"}, []string{"o2"}, 4},
		{"a later target that fits is still drawn", []string{"o1", "o2", "comp"}, 6,
			[]string{"base", "c", "c/a.yaml#K/a", "comp", "o1"}, []string{"o2"}, 4},
		{"no node: left out", []string{".", "o2"}, 50,
			[]string{"base", "c", "c/b.yaml#K/b", "o2"}, []string{"."}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, left := fleet().Around(tt.ids, tt.max)
			assert.Equal(t, tt.nodes, ids(sub))
			assert.Equal(t, tt.left, left)
			assert.Len(t, sub.Edges, tt.edges)
		})
	}
}

// The styled flowchart parses, and its classes land on the nodes asked.
func TestWriteMermaidStyled(t *testing.T) {
	sub, _ := fleet().Around([]string{"o1", "o2"}, 50)
	var b strings.Builder
	style := Style{Classes: map[string]string{"error": "fill:#ffebe9,stroke:#cf222e", "ok": "fill:#dafbe1,stroke:#1a7f37", "unused": "fill:#fff"},
		Of: map[string]string{"o1": "error", "o2": "ok", "gone": "ok"}}
	require.NoError(t, WriteMermaidStyled(&b, sub, style))
	p, err := graphtest.ParseMermaid(b.String())
	require.NoError(t, err, b.String())
	assert.Equal(t, "error", p.ClassOf[p.Node("o1")])
	assert.Equal(t, "ok", p.ClassOf[p.Node("o2")])
	assert.Len(t, p.ClassOf, 2)
	assert.NotContains(t, p.Classes, "unused", "a class no node has is not defined")
	assert.Len(t, p.Edges, 8)
	var dashed int
	for _, e := range p.Edges {
		if e.Dashed {
			dashed++
			assert.Equal(t, EdgeDependsOn, e.Kind)
		}
	}
	assert.Equal(t, 1, dashed)

	var plain strings.Builder
	require.NoError(t, WriteMermaid(&plain, sub))
	assert.True(t, strings.HasPrefix(b.String(), plain.String()), "the styled flowchart is the plain one plus classes")
}
