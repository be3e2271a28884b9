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

	// Only the reused parse knows that overlays/dev now reads widget.yaml.
	edit(t, repo, "overlays/prod/widget.yaml", "size: big", "size: huge")
	_, hit, misses = kustRun(t, repo, dir)
	assert.False(t, hit)
	assert.Equal(t, []string{cacheFlux, cacheDev, cacheProd}, misses)
}

// TestCacheKustomizationsCorrupt: a spoilt kustomizations entry is read
// again, never trusted, and rewritten.
func TestCacheKustomizationsCorrupt(t *testing.T) {
	t.Parallel()
	repo, dir := cacheRepo(t), t.TempDir()
	cold, _, _ := kustRun(t, repo, dir)
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		b[len(b)-3] ^= 0x20
		return os.WriteFile(p, b, 0o600)
	}))
	warm, hit, _ := kustRun(t, repo, dir)
	assert.False(t, hit)
	assert.Equal(t, string(cold), string(warm))
	_, hit, misses := kustRun(t, repo, dir)
	assert.True(t, hit, "the spoilt entry was rewritten")
	assert.Empty(t, misses)
}
