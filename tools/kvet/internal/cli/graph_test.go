package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
	"github.com/example/gitops-go-stack/tools/kvet/internal/graph/graphtest"
)

// repositoryRoot is this repository, whose graph the goldens hold.
func repositoryRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", "..", ".."))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "kvet.yaml"))
	return root
}

// TestGoldenGraph: this repository's graph in every format.
// Regenerate with `go test ./tools/kvet/internal/cli -run Golden -update`.
func TestGoldenGraph(t *testing.T) {
	t.Chdir(repositoryRoot(t))
	for format, name := range map[string]string{"mermaid": "graph/repository.mmd", "dot": "graph/repository.dot", "json": "graph/repository.json"} {
		t.Run(format, func(t *testing.T) {
			code, stdout, stderr := cvMain(t, "graph", "-o", format)
			require.Equal(t, cli.ExitOK, code, stderr)
			golden(t, name, stdout)
			assertGraphWellFormed(t, format, stdout)
		})
	}
}

type graphJSON struct {
	Nodes []struct{ ID, Kind, Label string } `json:"nodes"`
	Edges []struct{ From, To, Kind string }  `json:"edges"`
}

// TestGraphRepository: what the picture must say about this repository:
// a cluster applies its Flux Kustomizations, apps depends on the
// infrastructure of its own cluster (not of the other one), the overlay
// includes its base and components.
func TestGraphRepository(t *testing.T) {
	t.Chdir(repositoryRoot(t))
	code, stdout, stderr := cvMain(t, "graph", "-o", "json")
	require.Equal(t, cli.ExitOK, code, stderr)
	var g graphJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &g))
	edges := map[string]bool{}
	for _, e := range g.Edges {
		edges[e.From+" "+e.Kind+" "+e.To] = true
	}
	const prodApps = "clusters/production/apps.yaml#Kustomization/flux-system/apps"
	for _, want := range []string{
		"clusters/production applies " + prodApps,
		prodApps + " builds overlays/production",
		prodApps + " dependsOn clusters/production/infrastructure.yaml#Kustomization/flux-system/infrastructure-configs",
		"overlays/production resources overlays/production/app",
	} {
		assert.True(t, edges[want], "missing edge %q", want)
	}
	assert.False(t, edges[prodApps+" dependsOn clusters/staging/infrastructure.yaml#Kustomization/flux-system/infrastructure-configs"],
		"dependsOn resolves within the cluster")
}

// TestGraphEscapes: directory names with quotes, '#', '<' and spaces give
// Mermaid and DOT output whose every edge joins declared nodes.
func TestGraphEscapes(t *testing.T) {
	dir := `we "ird" #1 <x>`
	cvRepo(t, map[string]string{
		dir + "/kustomization.yaml":       "resources:\n- cm.yaml\n- ../base\n",
		dir + "/cm.yaml":                  cvConfigMap,
		"base/kustomization.yaml":         "resources:\n- cm.yaml\n",
		"base/cm.yaml":                    cvConfigMap,
		"clusters/one/kustomization.yaml": "resources:\n- apps.yaml\n",
		"clusters/one/apps.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\n" +
			"spec:\n  interval: 1m\n  path: './" + dir + "'\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
	})
	for _, format := range []string{"mermaid", "dot", "json"} {
		code, stdout, stderr := cvMain(t, "graph", "-o", format)
		require.Equal(t, cli.ExitOK, code, stderr)
		p := assertGraphWellFormed(t, format, stdout)
		assert.NotEmpty(t, p.Node(dir), "%s: the label reads back as the directory", format)
		if format == "json" {
			var g graphJSON
			require.NoError(t, json.Unmarshal([]byte(stdout), &g))
			assert.Len(t, g.Edges, 3, stdout) // applies, builds, resources
		}
	}
}

// assertGraphWellFormed parses the output (graphtest: every line is a node
// or an edge declaration, node ids are unique and every edge joins declared
// nodes) and wants at least one node and one edge.
func assertGraphWellFormed(t *testing.T, format, out string) *graphtest.Parsed {
	t.Helper()
	var p *graphtest.Parsed
	var err error
	switch format {
	case "json":
		var g graphJSON
		require.NoError(t, json.Unmarshal([]byte(out), &g))
		p = &graphtest.Parsed{Labels: map[string]string{}}
		for _, n := range g.Nodes {
			assert.NotContains(t, p.Labels, n.ID, "node declared twice")
			p.Labels[n.ID] = n.Label
		}
		for _, e := range g.Edges {
			assert.Contains(t, p.Labels, e.From)
			assert.Contains(t, p.Labels, e.To)
			p.Edges = append(p.Edges, graphtest.Edge{From: e.From, To: e.To, Kind: e.Kind})
		}
	case "mermaid":
		p, err = graphtest.ParseMermaid(out)
	case "dot":
		p, err = graphtest.ParseDOT(out)
	}
	require.NoError(t, err)
	require.NotEmpty(t, p.Labels)
	require.NotEmpty(t, p.Edges)
	return p
}

// TestGraphIncludes: the overlays and entry points that render a base file.
func TestGraphIncludes(t *testing.T) {
	t.Chdir(repositoryRoot(t))
	code, stdout, stderr := cvMain(t, "graph", "--includes", "base/go-app/hpa.yaml")
	require.Equal(t, cli.ExitOK, code, stderr)
	assert.Equal(t, []string{
		"apps/go-app-applicationset.yaml#ApplicationSet/go-app/Application/go-app-dev",
		"apps/go-app-applicationset.yaml#ApplicationSet/go-app/Application/go-app-production",
		"apps/go-app-applicationset.yaml#ApplicationSet/go-app/Application/go-app-staging",
		"clusters/production/apps.yaml#Kustomization/flux-system/apps",
		"clusters/staging/apps.yaml#Kustomization/flux-system/apps",
		"overlays/dev",
		"overlays/production",
		"overlays/staging",
	}, strings.Fields(stdout))
}

// TestGraphConfined: PATH and FILE must be inside the repository.
func TestGraphConfined(t *testing.T) {
	dir := cvRepo(t, map[string]string{"base/kustomization.yaml": "resources: []\n"})
	outside := filepath.Join(filepath.Dir(dir), "outside.yaml")
	require.NoError(t, os.WriteFile(outside, []byte(cvConfigMap), 0o644))
	for _, args := range [][]string{
		{"graph", ".."},
		{"graph", "--includes", outside},
		{"graph", "--includes", "../outside.yaml"},
		{"graph", "--includes", "nope.yaml"},
		{"graph", "-o", "png"},
	} {
		code, stdout, stderr := cvMain(t, args...)
		assert.Equal(t, cli.ExitUsage, code, "%v: %s", args, stdout)
		assert.NotEmpty(t, stderr, "%v says why", args)
	}
}
