package contents_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/contents"
)

// TestStore: kept contents win over the disk until released; the budget
// bounds what is kept; a nil Store reads the disk.
func TestStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	require.NoError(t, os.WriteFile(a, []byte("on disk a"), 0o600))
	require.NoError(t, os.WriteFile(b, []byte("on disk b"), 0o600))

	s := contents.New(10)
	s.Keep(a, []byte("kept a"))
	s.Keep(b, []byte("kept b, beyond the budget"))
	got, err := s.ReadFile(a)
	require.NoError(t, err)
	assert.Equal(t, "kept a", string(got), "the first read's bytes, not the disk's")
	got, err = s.ReadFile(b)
	require.NoError(t, err)
	assert.Equal(t, "on disk b", string(got), "not kept: over the budget")

	s.Release()
	got, err = s.ReadFile(a)
	require.NoError(t, err)
	assert.Equal(t, "on disk a", string(got))
	s.Keep(a, []byte("kept again"))
	got, _ = s.ReadFile(a)
	assert.Equal(t, "on disk a", string(got), "nothing is kept after Release")

	var none *contents.Store
	none.Keep(a, []byte("x"))
	got, err = none.ReadFile(a)
	require.NoError(t, err)
	assert.Equal(t, "on disk a", string(got))
	_, err = none.ReadFile(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}
