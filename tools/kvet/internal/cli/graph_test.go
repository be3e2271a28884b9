package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
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
		assertGraphWellFormed(t, format, stdout)
		if format == "json" {
			var g graphJSON
			require.NoError(t, json.Unmarshal([]byte(stdout), &g))
			assert.Len(t, g.Edges, 3, stdout) // applies, builds, resources
		}
	}
}

var (
	mermaidNode = regexp.MustCompile(`^  (n\d+)(?:\(\["[^"]*"\]\)|\{\{"[^"]*"\}\}|\[\["[^"]*"\]\]|\["[^"]*"\])$`)
	mermaidEdge = regexp.MustCompile(`^  (n\d+) (?:-->|-\.->)\|[A-Za-z]+\| (n\d+)$`)
	dotID       = `"((?:[^"\\]|\\.)*)"`
	dotNode     = regexp.MustCompile(`^  ` + dotID + ` \[label="(?:[^"\\]|\\.)*", shape=\w+\];$`)
	dotEdge     = regexp.MustCompile(`^  ` + dotID + ` -> ` + dotID + ` \[label="[A-Za-z]+"(?:, style=dashed)?\];$`)
)

// assertGraphWellFormed parses the output: every line is a node or an
// edge declaration, node ids are unique and every edge joins declared nodes.
func assertGraphWellFormed(t *testing.T, format, out string) {
	t.Helper()
	nodes := map[string]bool{}
	type edge struct{ from, to string }
	var edges []edge
	declare := func(id string) {
		assert.False(t, nodes[id], "node %s declared twice", id)
		nodes[id] = true
	}
	switch format {
	case "json":
		var g graphJSON
		require.NoError(t, json.Unmarshal([]byte(out), &g))
		for _, n := range g.Nodes {
			declare(n.ID)
		}
		for _, e := range g.Edges {
			edges = append(edges, edge{e.From, e.To})
		}
	case "mermaid":
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		require.Equal(t, "flowchart LR", lines[0])
		for _, l := range lines[1:] {
			if m := mermaidNode.FindStringSubmatch(l); m != nil {
				declare(m[1])
			} else if m := mermaidEdge.FindStringSubmatch(l); m != nil {
				edges = append(edges, edge{m[1], m[2]})
			} else {
				t.Errorf("not a Mermaid node or edge: %q", l)
			}
		}
	case "dot":
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		require.GreaterOrEqual(t, len(lines), 4)
		assert.Equal(t, []string{"digraph kvet {", "  rankdir=LR;", `  node [fontname="Helvetica"];`}, lines[:3])
		assert.Equal(t, "}", lines[len(lines)-1])
		for _, l := range lines[3 : len(lines)-1] {
			if m := dotNode.FindStringSubmatch(l); m != nil {
				declare(m[1])
			} else if m := dotEdge.FindStringSubmatch(l); m != nil {
				edges = append(edges, edge{m[1], m[2]})
			} else {
				t.Errorf("not a DOT node or edge: %q", l)
			}
		}
	}
	require.NotEmpty(t, nodes)
	require.NotEmpty(t, edges)
	for _, e := range edges {
		assert.True(t, nodes[e.from] && nodes[e.to], "edge %s -> %s joins an undeclared node", e.from, e.to)
	}
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
