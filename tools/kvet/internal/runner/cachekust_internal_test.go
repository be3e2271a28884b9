package runner

import (
	"encoding/json"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// TestCachedKustRoundTrip: every kustomization of kvet's test fixtures
// decodes from the kustomizations entry to the same fields a fresh parse
// gives (what discovery and the input sets read).
func TestCachedKustRoundTrip(t *testing.T) {
	t.Parallel()
	var parsed []cachedKust
	require.NoError(t, filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !slices.Contains(kustfile.Names(), d.Name()) {
			return err
		}
		if f, err := kustfile.Load(filepath.Dir(p)); err == nil {
			parsed = append(parsed, cachedKust{Dir: f.Dir, Path: f.Path, K: f.K})
		}
		return nil
	}))
	require.Greater(t, len(parsed), 100)
	payload, err := json.Marshal(parsed)
	require.NoError(t, err)
	files, ok := decodeKustomizations(payload)
	require.True(t, ok)
	require.Len(t, files, len(parsed))
	values := func(f *kustfile.File) []string {
		var out []string
		for _, r := range f.Refs() {
			out = append(out, r.Field+" "+r.Value)
		}
		return out
	}
	for i, f := range files {
		// Equal but for empty lists, which come back nil (`resources: []`).
		want, err := json.Marshal(parsed[i].K)
		require.NoError(t, err)
		got, err := json.Marshal(f.K)
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(got), parsed[i].Path)
		orig := &kustfile.File{Dir: parsed[i].Dir, Path: parsed[i].Path, K: parsed[i].K}
		assert.Equal(t, values(orig), values(f), parsed[i].Path)
		assert.Equal(t, orig.IsComponent(), f.IsComponent())
		assert.Equal(t, parsed[i].Dir, f.Dir)
		assert.Equal(t, parsed[i].Path, f.Path)
	}
}

// TestCachedKustForeign: a payload with a valid checksum that is not a
// kustomizations entry is refused.
func TestCachedKustForeign(t *testing.T) {
	t.Parallel()
	for name, payload := range map[string]string{
		"a build entry":    `{"Dir":"/","Objects":[]}`,
		"garbage":          "\x00\x01",
		"file outside dir": `[{"Dir":"/a","Path":"/b/kustomization.yaml"}]`,
		"no directory":     `[{"Dir":"","Path":"kustomization.yaml"}]`,
	} {
		_, ok := decodeKustomizations([]byte(payload))
		assert.False(t, ok, name)
	}
}
