package build

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// unreadableFS is the disk, except that reading files fails as it does for
// a file kvet's user may not read (tests run as root, where chmod 000
// does not stop a read).
type unreadableFS struct{ filesys.FileSystem }

func (unreadableFS) ReadFile(path string) ([]byte, error) {
	return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission}
}

func guardTarget(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources: [cm.yaml]\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cm.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"), 0o644))
	return dir
}

func TestUnreadableFile(t *testing.T) {
	dir := guardTarget(t)
	b := &Builder{opts: Options{Root: dir, HelmCommand: "helm"}, fs: unreadableFS{filesys.MakeFsOnDisk()}}
	res := b.Build(context.Background(), Spec{Dir: dir})
	require.Error(t, res.Err)
	require.Len(t, res.Findings, 1)
	assert.Equal(t, "unreadable-file", res.Findings[0].Rule)
	assert.Equal(t, filepath.Join(dir, "kustomization.yaml"), res.Findings[0].Source.File)
	assert.Contains(t, res.Findings[0].Message, "permission denied")
}

func TestMemoryBudgetAbandonsTheBuild(t *testing.T) {
	dir := guardTarget(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(ErrMemoryBudget)
	res := New(Options{Root: dir}).Build(ctx, Spec{Dir: dir})
	require.Error(t, res.Err)
	require.Len(t, res.Findings, 1)
	assert.Equal(t, "memory-budget", res.Findings[0].Rule)
	assert.Contains(t, res.Findings[0].Message, "2 GiB (limits.memoryBudget")
}

func TestGuardedFSRefusesWrites(t *testing.T) {
	dir := guardTarget(t)
	g := New(Options{Root: dir}).guarded()
	ofs := newOverlayFS(g)
	assert.ErrorIs(t, ofs.WriteFile(filepath.Join(dir, "x"), []byte("x")), fs.ErrPermission)
	_, err := g.ReadFile(filepath.Join(dir, "cm.yaml"))
	assert.NoError(t, err)
	assert.Empty(t, g.findings())
}
