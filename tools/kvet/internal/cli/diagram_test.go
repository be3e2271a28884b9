package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
	"github.com/example/gitops-go-stack/tools/kvet/internal/graph/graphtest"
)

// fleetFiles: a cluster whose Flux Kustomization builds overlays/prod
// (a base and a component; a deprecated field: a warning); overlays/dev
// includes the same base and has a schema error; other/ is unrelated.
var fleetFiles = map[string]string{
	"clusters/prod/kustomization.yaml": "resources:\n- apps.yaml\n",
	"clusters/prod/apps.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\n" +
		"spec:\n  interval: 1m\n  path: ./overlays/prod\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
	"base/kustomization.yaml":             "resources:\n- configmap.yaml\n",
	"base/configmap.yaml":                 cvConfigMap,
	"components/extra/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefix: extra-\n",
	"overlays/prod/kustomization.yaml":    "resources:\n- ../../base\ncomponents:\n- ../../components/extra\ncommonLabels:\n  env: prod\n",
	"overlays/dev/kustomization.yaml":     "resources:\n- ../../base\n- bad.yaml\n",
	"overlays/dev/bad.yaml":               "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  n: 3\n",
	"other/kustomization.yaml":            "resources:\n- configmap.yaml\n",
	"other/configmap.yaml":                cvConfigMap,
}

var mermaidBlock = regexp.MustCompile("(?s)```mermaid\n(.*?)```")

// drawnClasses parses the Markdown report's picture with the parser of
// kvet graph's tests and returns each drawn node's class by label ("" for
// what is drawn as context).
func drawnClasses(t *testing.T, markdown string) map[string]string {
	t.Helper()
	m := mermaidBlock.FindStringSubmatch(markdown)
	require.NotNil(t, m, "a mermaid block: %s", markdown)
	p, err := graphtest.ParseMermaid(m[1])
	require.NoError(t, err)
	out := map[string]string{}
	for id, label := range p.Labels {
		out[label] = p.ClassOf[id]
	}
	return out
}

// fleetDrawn is the picture of fleetFiles' targets with findings: each
// node's class by label, "" for what is drawn as context.
func fleetDrawn() map[string]string {
	return map[string]string{
		"clusters/prod": "",
		"Flux Kustomization flux-system/apps\nclusters/prod/apps.yaml": "warning",
		"overlays/prod":    "warning",
		"overlays/dev":     "error",
		"base":             "",
		"components/extra": "",
	}
}

// TestGoldenMarkdownDiagram: without --changed-since the picture draws the
// targets with findings, with what deploys them and what they include.
func TestGoldenMarkdownDiagram(t *testing.T) {
	cvRepo(t, fleetFiles)
	code, stdout, stderr := cvMain(t, "validate", "--no-policies", "-o", "markdown", ".")
	require.Equal(t, cli.ExitFindings, code, stderr)
	golden(t, "markdown/findings.md", stdout)
	assert.Equal(t, fleetDrawn(), drawnClasses(t, stdout), "other/ and the clean cluster target are not drawn")
}

// TestGoldenMarkdownDiagramChangedSince: with --changed-since the picture
// draws every target the change affects, clean ones green.
func TestGoldenMarkdownDiagramChangedSince(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	dir := cvRepo(t, fleetFiles)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, ".git")))
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"commit", "-qm", "fleet"}} {
		cmd := exec.Command(git, args...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1")
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", b)
	}
	// The change: the base's ConfigMap, which both overlays include, and
	// other/'s, which is clean.
	for _, f := range []string{"base", "other"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f, "configmap.yaml"), []byte(cvConfigMap+"  EXTRA: x\n"), 0o644))
	}
	code, stdout, stderr := cvMain(t, "validate", "--no-policies", "-o", "markdown", "--changed-since", "HEAD", ".")
	require.Equal(t, cli.ExitFindings, code, stderr)
	golden(t, "markdown/changed-since.md", stdout)
	want := fleetDrawn()
	want["other"] = "ok"
	assert.Equal(t, want, drawnClasses(t, stdout), "the clean cluster target is not affected")
	assert.Contains(t, stdout, "the 4 targets the change since `HEAD` affects")
}
