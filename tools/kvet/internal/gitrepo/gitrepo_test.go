package gitrepo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=kvet", "GIT_AUTHOR_EMAIL=kvet@example.com", "GIT_COMMITTER_NAME=kvet", "GIT_COMMITTER_EMAIL=kvet@example.com")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}

func write(t *testing.T, p, s string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
}

// repo has a first commit with files, an in-tree symlink, a symlink out of
// the tree, and an export-ignore attribute (which Export must not honour).
func repo(t *testing.T) (*Repo, string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write(t, filepath.Join(dir, "a/one.yaml"), "one: 1\n")
	write(t, filepath.Join(dir, "b/two.yaml"), "two: 2\n")
	write(t, filepath.Join(dir, ".gitattributes"), "b/** export-ignore\n")
	require.NoError(t, os.Symlink("../a/one.yaml", filepath.Join(dir, "b/link.yaml")))
	require.NoError(t, os.Symlink("/etc/hostname", filepath.Join(dir, "b/escape.yaml")))
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "first")
	r, err := Open(context.Background(), dir)
	require.NoError(t, err)
	return r, dir
}

func TestExport(t *testing.T) {
	r, _ := repo(t)
	ctx := context.Background()
	commit, err := r.Resolve(ctx, "HEAD")
	require.NoError(t, err)
	dst := t.TempDir()
	require.NoError(t, r.Export(ctx, commit, dst))
	b, err := os.ReadFile(filepath.Join(dst, "b/two.yaml"))
	require.NoError(t, err, "export-ignore does not apply")
	assert.Equal(t, "two: 2\n", string(b))
	b, err = os.ReadFile(filepath.Join(dst, "b/link.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "one: 1\n", string(b), "in-tree links are kept")
	_, err = os.Lstat(filepath.Join(dst, "b/escape.yaml"))
	assert.True(t, os.IsNotExist(err), "links out of the export are dropped")

	_, err = r.Resolve(ctx, "no-such-ref")
	assert.Error(t, err)
	_, err = r.Resolve(ctx, "--output=/tmp/x")
	assert.Error(t, err, "options are not revisions")
}

func TestChangedFiles(t *testing.T) {
	r, dir := repo(t)
	ctx := context.Background()
	commit, err := r.Resolve(ctx, "HEAD")
	require.NoError(t, err)
	write(t, filepath.Join(dir, "a/one.yaml"), "one: 11\n") // unstaged
	write(t, filepath.Join(dir, "c/new.yaml"), "new: 1\n")  // untracked
	require.NoError(t, os.Rename(filepath.Join(dir, "b/two.yaml"), filepath.Join(dir, "b/three.yaml")))
	git(t, dir, "add", "b") // staged rename
	write(t, filepath.Join(dir, ".gitignore"), "ignored.yaml\n")
	write(t, filepath.Join(dir, "ignored.yaml"), "x: 1\n")
	got, err := r.ChangedFiles(ctx, commit)
	require.NoError(t, err)
	slices.Sort(got)
	assert.Equal(t, []string{".gitignore", "a/one.yaml", "b/three.yaml", "b/two.yaml", "c/new.yaml"}, got)
}
