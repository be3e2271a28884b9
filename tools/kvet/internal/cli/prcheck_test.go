package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The pull-request script (.github/scripts/pr-check.sh), run as the
// workflow runs it, on a temporary git repository whose pull request
// breaks an overlay: every report is still written (summary, SARIF,
// annotations) and the script exits non-zero at the end.
func TestPullRequestScript(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "..", "..", ".github", "scripts", "pr-check.sh"))
	require.NoError(t, err)
	tmp := t.TempDir()
	repo, out := filepath.Join(tmp, "repo"), filepath.Join(tmp, "out")
	write := func(p, s string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(repo, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(repo, p), []byte(s), 0o644))
	}
	run := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1")
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", b)
	}
	write("base/kustomization.yaml", "resources: [cm.yaml]\n")
	write("base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: \"1\"\n")
	write("overlays/dev/kustomization.yaml", "resources: [../../base]\nnamePrefix: dev-\n")
	write("overlays/prod/kustomization.yaml", "resources: [../../base]\nnamePrefix: prod-\n")
	run(git, "init", "-q", "-b", "main")
	run(git, "add", ".")
	run(git, "commit", "-qm", "base")
	// The pull request: prod no longer builds, dev gets a schema error.
	write("overlays/prod/kustomization.yaml", "resources: [../../base, missing.yaml]\nnamePrefix: prod-\n")
	write("overlays/dev/kustomization.yaml", "resources: [../../base, bad.yaml]\nnamePrefix: dev-\n")
	write("overlays/dev/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndatta:\n  a: \"1\"\n")

	// kvet is this test binary (TestMain in safety_test.go runs cli.Main).
	kvet := filepath.Join(tmp, "kvet")
	require.NoError(t, os.WriteFile(kvet, []byte("#!/bin/sh\nKVET_TEST_MAIN=1 exec "+os.Args[0]+" \"$@\"\n"), 0o755))
	cmd := exec.Command(bash, script, "HEAD")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "KVET="+kvet, "OUT="+out, "GITHUB_STEP_SUMMARY=", "GIT_CONFIG_NOSYSTEM=1")
	stdout, err := cmd.Output()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "a broken overlay fails the check")
	assert.Equal(t, 1, ee.ExitCode(), "%s", ee.Stderr)

	summary, err := os.ReadFile(filepath.Join(out, "kvet-summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(summary), "| validate, affected targets (annotations) | **error findings** |")
	assert.Contains(t, string(summary), "overlays/prod", "the rendered diff is in the summary")
	assert.Contains(t, string(summary), "What deploys the 2 targets the change since `HEAD` affects", "the picture of the affected targets")
	assert.Contains(t, string(summary), "```mermaid\nflowchart LR\n")

	sarif, err := os.ReadFile(filepath.Join(out, "kvet.sarif"))
	require.NoError(t, err)
	var doc struct {
		Runs []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(sarif, &doc))
	require.Len(t, doc.Runs, 1)
	var rules []string
	for _, r := range doc.Runs[0].Results {
		rules = append(rules, r.RuleID)
	}
	assert.Contains(t, rules, "missing-file")
	assert.Contains(t, rules, "unknown-field")

	annotations, err := os.ReadFile(filepath.Join(out, "kvet-annotations.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(annotations), "::error file=overlays/prod/kustomization.yaml")
	assert.Contains(t, string(annotations), "::error file=overlays/dev/bad.yaml,line=5")
	assert.True(t, strings.Contains(string(stdout), "::error "), "annotations are printed for GitHub")
}
