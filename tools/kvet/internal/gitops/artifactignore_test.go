package gitops

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestArtifactFilter: what source-controller leaves out of an artifact,
// matched from the repository root: its defaults, .sourceignore files
// scoped to their directory (a ! pattern re-includes), spec.ignore; with
// several candidate GitRepositories (one flux-system per cluster), only
// what all of them leave out.
func TestArtifactFilter(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFile(t, filepath.Join(root, ".sourceignore"), "*.draft.yaml\n")
	writeFile(t, filepath.Join(root, "apps", ".sourceignore"), "# scoped to apps/\nlocal/\n!keep.draft.yaml\n")
	for _, f := range []string{"apps/a.yaml", "apps/b.draft.yaml", "apps/keep.draft.yaml", "apps/local/x.yaml", "local/y.yaml", "apps/.github/ci.yaml", "tenants/t.yaml"} {
		writeFile(t, filepath.Join(root, f), "{}\n")
	}
	excluded := func(f *ArtifactFilter) []string {
		var out []string
		for _, p := range []string{"apps/a.yaml", "apps/b.draft.yaml", "apps/keep.draft.yaml", "apps/local/x.yaml", "local/y.yaml", "apps/.github/ci.yaml", "tenants/t.yaml"} {
			if f.Excluded(filepath.Join(root, p), false) {
				out = append(out, p)
			}
		}
		return out
	}
	f, err := NewArtifactFilter(root, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"apps/b.draft.yaml", "apps/local/x.yaml", "apps/.github/ci.yaml"}, excluded(f))

	f, err = NewArtifactFilter(root, []string{"/tenants/\n"})
	require.NoError(t, err)
	assert.Equal(t, []string{"apps/b.draft.yaml", "apps/local/x.yaml", "apps/.github/ci.yaml", "tenants/t.yaml"}, excluded(f))

	// Two candidates: tenants/ is left out by one only, so it stays.
	f, err = NewArtifactFilter(root, []string{"/tenants/\n", "/local/\n"})
	require.NoError(t, err)
	assert.Equal(t, []string{"apps/b.draft.yaml", "apps/local/x.yaml", "apps/.github/ci.yaml"}, excluded(f))

	pats, err := f.patternsUnder(filepath.Join(root, "apps"))
	require.NoError(t, err)
	assert.Equal(t, "/.github/\n/b.draft.yaml\n/local/\n", pats)
}
