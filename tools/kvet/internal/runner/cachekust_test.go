package runner_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cache"
	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// kustRun is cacheRun that also says whether the kustomizations came from
// the cache.
func kustRun(t *testing.T, repo, dir string) (rep []byte, kustHit bool, misses []string) {
	t.Helper()
	var mu sync.Mutex
	misses = []string{}
	told := 0
	c, err := cache.Open(dir, "v")
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	opts := runner.Options{Root: repo, Paths: []string{repo}, Config: &config.Config{}, Jobs: 4, Cache: c,
		KustomizationsCached: func(hit bool) { told++; kustHit = hit },
		CacheUsed: func(target string, hit bool) {
			mu.Lock()
			defer mu.Unlock()
			if !hit {
				misses = append(misses, target)
			}
		}}
	r, err := runner.Run(context.Background(), opts)
	require.NoError(t, err)
	require.Equal(t, 1, told, "one kustomizations lookup per run")
	var out bytes.Buffer
	require.NoError(t, report.Write(&out, "json", r))
	sort.Strings(misses)
	return out.Bytes(), kustHit, misses
}

// TestCacheKustomizations: the parsed kustomizations are reused only on
// an unchanged tree; after a kustomization changes they are read again,
// and the input sets computed from the reused parse still see the files
// the changed kustomization added (a later edit of one rebuilds the
// target). Every report equals a run without cache.
func TestCacheKustomizations(t *testing.T) {
	t.Parallel()
	repo, dir := cacheRepo(t), t.TempDir()
	cold, hit, _ := kustRun(t, repo, dir)
	assert.False(t, hit, "a cold run reads the kustomizations")

	warm, hit, misses := kustRun(t, repo, dir)
	assert.True(t, hit, "an unchanged tree reuses them")
	assert.Empty(t, misses)
	assert.Equal(t, string(cold), string(warm))

	edit(t, repo, "overlays/dev/kustomization.yaml", "  - ../../base\n", "  - ../../base\n  - ../prod/widget.yaml\n")
	changed, hit, misses := kustRun(t, repo, dir)
	assert.False(t, hit, "a changed kustomization is read again")
	assert.Equal(t, []string{cacheFlux, cacheDev}, misses)
	assert.NotEqual(t, string(cold), string(changed))
	assert.Contains(t, string(changed), "overlays/prod/widget.yaml")
	fresh, _ := cacheRun(t, repo, "", "", &config.Config{})
	assert.Equal(t, string(fresh), string(changed))

	again, hit, misses := kustRun(t, repo, dir)
	assert.True(t, hit)
	assert.Empty(t, misses)
	assert.Equal(t, string(changed), string(again))

	// A file that is no kustomization: the parse is reused, and only it
	// says that overlays/dev now reads widget.yaml.
	edit(t, repo, "overlays/prod/widget.yaml", "size: big", "size: huge")
	edited, hit, misses := kustRun(t, repo, dir)
	assert.True(t, hit, "no kustomization changed")
	assert.Equal(t, []string{cacheFlux, cacheDev, cacheProd}, misses)
	fresh, _ = cacheRun(t, repo, "", "", &config.Config{})
	assert.Equal(t, string(fresh), string(edited))
}

// TestCacheKustomizationsSymlink: a kustomization reached through a
// symlink is never taken from the cache (the key sees the link, not the
// file it points to), so pointing the link elsewhere is seen: here it
// decides which overlay is included (no target of its own) and which is.
// (kustomize refuses a directory with two kustomization files; discovery
// still follows the preferred one.)
func TestCacheKustomizationsSymlink(t *testing.T) {
	t.Parallel()
	repo, dir := cacheRepo(t), t.TempDir()
	for name, overlay := range map[string]string{"a.yaml": "../dev", "b.yaml": "../prod"} {
		require.NoError(t, os.WriteFile(filepath.Join(repo, "overlays", name), []byte("resources:\n  - "+overlay+"\n"), 0o600))
	}
	link := filepath.Join(repo, "overlays", "link")
	require.NoError(t, os.Mkdir(link, 0o700))
	require.NoError(t, os.Symlink("../a.yaml", filepath.Join(link, "kustomization.yaml")))
	// A regular kustomization of lower preference beside it: the directory
	// is read with the others, through the link.
	require.NoError(t, os.WriteFile(filepath.Join(link, "Kustomization"), []byte("resources: []\n"), 0o600))
	cold, _, _ := kustRun(t, repo, dir)
	require.NoError(t, os.Remove(filepath.Join(link, "kustomization.yaml")))
	require.NoError(t, os.Symlink("../b.yaml", filepath.Join(link, "kustomization.yaml")))
	warm, _, _ := kustRun(t, repo, dir)
	fresh, _ := cacheRun(t, repo, "", "", &config.Config{})
	assert.NotEqual(t, string(cold), string(fresh), "the link decides which overlay is a target")
	assert.Equal(t, string(fresh), string(warm))
}
