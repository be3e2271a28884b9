package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/diff"
)

// gitFixture copies testdata/gitrepo into a new repository and commits it,
// then commits a second change (prod replicas 2 -> 3). It isolates git from
// the user's configuration and points TMPDIR at a directory the test can
// check kvet leaves empty.
func gitFixture(t *testing.T) (repo, tmp string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	repo = t.TempDir()
	tmp = t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_AUTHOR_NAME", "kvet")
	t.Setenv("GIT_AUTHOR_EMAIL", "kvet@example.com")
	t.Setenv("GIT_COMMITTER_NAME", "kvet")
	t.Setenv("GIT_COMMITTER_EMAIL", "kvet@example.com")
	require.NoError(t, os.CopyFS(repo, os.DirFS("testdata/gitrepo")))
	git(t, repo, "init", "-q", "-b", "main")
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "first")
	write(t, filepath.Join(repo, "overlays/prod/replicas.yaml"),
		"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n")
	git(t, repo, "commit", "-q", "-am", "second")
	return repo, tmp
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return string(out)
}

func write(t *testing.T, p, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

func kvet(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestDiff(t *testing.T) {
	repo, tmp := gitFixture(t)
	// Uncommitted work: delete one overlay, add an untracked one.
	require.NoError(t, os.RemoveAll(filepath.Join(repo, "overlays/old")))
	write(t, filepath.Join(repo, "overlays/new/kustomization.yaml"), "namespace: new\nresources:\n  - ../../base\n")
	t.Chdir(repo)
	status := git(t, repo, "status", "--porcelain")
	index, err := os.ReadFile(filepath.Join(repo, ".git/index"))
	require.NoError(t, err)

	code, out, stderr := kvet(t, "diff", "--base", "HEAD~1", "-o", "json")
	require.Equal(t, ExitOK, code, stderr)
	var res diff.Result
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	byPath := map[string]diff.Target{}
	for _, tg := range res.Targets {
		byPath[tg.Path] = tg
	}
	require.Len(t, byPath, 3)
	assert.Equal(t, diff.Added, byPath["overlays/new"].Change)
	assert.Equal(t, diff.Removed, byPath["overlays/old"].Change)
	prod := byPath["overlays/prod"]
	assert.Equal(t, diff.Changed, prod.Change)
	require.Len(t, prod.Objects, 1)
	assert.Equal(t, "Deployment/shop/web", prod.Objects[0].Resource.String())
	assert.Contains(t, prod.Objects[0].Diff, "-  replicas: 2\n+  replicas: 3\n")
	assert.Equal(t, diff.Summary{Targets: 3, ChangedTargets: 3, Added: 1, Removed: 1, Changed: 1}, res.Summary)
	assert.Equal(t, strings.TrimSpace(git(t, repo, "rev-parse", "HEAD~1")), res.BaseCommit)

	// Nothing of the user's changed, and the export is gone.
	assert.Equal(t, status, git(t, repo, "status", "--porcelain"))
	after, err := os.ReadFile(filepath.Join(repo, ".git/index"))
	require.NoError(t, err)
	assert.Equal(t, index, after, "the index is untouched")
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "the temporary export is removed")
}

func TestDiffExitStatus(t *testing.T) {
	repo, _ := gitFixture(t)
	t.Chdir(repo)
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"changes exit 0", []string{"diff", "--base", "HEAD~1"}, ExitOK, "overlays/prod  (1 changed)"},
		{"--exit-code with changes", []string{"diff", "--base", "HEAD~1", "--exit-code"}, ExitFindings, "~ apps/v1 Deployment/shop/web"},
		{"--exit-code without changes", []string{"diff", "--base", "HEAD", "--exit-code", "overlays/prod"}, ExitOK, "no rendered change against HEAD"},
		{"one path", []string{"diff", "--base", "HEAD~1", "-o", "markdown", "overlays/old"}, ExitOK, "### kvet diff: no rendered change"},
		{"unknown ref", []string{"diff", "--base", "no-such-branch"}, ExitUsage, ""},
		{"missing --base", []string{"diff"}, ExitUsage, ""},
		{"bad format", []string{"diff", "--base", "HEAD", "-o", "sarif"}, ExitUsage, ""},
		{"missing path", []string{"diff", "--base", "HEAD", "nowhere"}, ExitUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := kvet(t, tt.args...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, out, tt.out)
		})
	}
}

func TestDiffBrokenTarget(t *testing.T) {
	repo, _ := gitFixture(t)
	write(t, filepath.Join(repo, "overlays/prod/kustomization.yaml"), "resources:\n  - missing.yaml\n")
	t.Chdir(repo)
	code, out, _ := kvet(t, "diff", "--base", "HEAD", "overlays/prod")
	assert.Equal(t, ExitFindings, code, "a target that no longer builds fails the diff")
	assert.Contains(t, out, "does not build")
}

// TestDiffSourcesAsTheWorkTree: the exported base revision has no .git, so
// both trees take this repository's URLs and branches from the work tree's
// checkout: a tenant source on another branch is a note on both sides, not
// a rendered target at the base and a note in the work tree.
func TestDiffSourcesAsTheWorkTree(t *testing.T) {
	repo, _ := gitFixture(t)
	git(t, repo, "remote", "add", "origin", "https://github.com/example/fleet.git")
	write(t, filepath.Join(repo, "clusters/tenant.yaml"), `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: tenant, namespace: apps}
spec: {url: "git@github.com:example/fleet.git", ref: {branch: tenant}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: tenant, namespace: apps}
spec: {path: ./overlays/prod, sourceRef: {kind: GitRepository, name: tenant}}
`)
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "tenant")
	t.Chdir(repo)
	code, out, stderr := kvet(t, "diff", "--base", "HEAD", "--exit-code")
	assert.Equal(t, ExitOK, code, "%s\n%s", out, stderr)
	assert.Contains(t, out, "no rendered change")
}
