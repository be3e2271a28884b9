package paths

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRel(t *testing.T) {
	root := filepath.FromSlash("/repo")
	tests := []struct {
		p, want string
		inside  bool
	}{
		{"/repo", ".", true},
		{"/repo/overlays/prod", "overlays/prod", true},
		{"/repo/..data/x", "..data/x", true}, // a name starting with dots is inside
		{"/other/x", "../other/x", false},    // never an absolute path
		{"/repo-x/y", "../repo-x/y", false},
		{"relative/x", "relative/x", false}, // cannot be made relative to an absolute root
	}
	for _, tt := range tests {
		p := filepath.FromSlash(tt.p)
		assert.Equal(t, tt.want, Rel(root, p), tt.p)
		assert.Equal(t, tt.inside, Inside(root, p), tt.p)
	}
}

func TestIsDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	link := filepath.Join(dir, "l")
	require.NoError(t, os.Symlink(dir, link))
	assert.True(t, IsDir(dir))
	assert.True(t, IsDir(link), "symlinks are followed")
	assert.False(t, IsDir(file))
	assert.False(t, IsDir(filepath.Join(dir, "missing")))
}
