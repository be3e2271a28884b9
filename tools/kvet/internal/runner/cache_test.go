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

const (
	cacheDev  = "overlays/dev"
	cacheProd = "overlays/prod"
	cacheFlux = "clusters/prod/flux.yaml#Kustomization/flux-system/greet"
	cacheCRDs = "crds"
)

// cacheRun validates repo with the cache in dir (version v; no cache when
// dir is empty) and returns the JSON report and the targets whose build
// was not reused.
func cacheRun(t *testing.T, repo, dir, v string, cfg *config.Config) ([]byte, []string) {
	t.Helper()
	var mu sync.Mutex
	misses := []string{}
	opts := runner.Options{Root: repo, Paths: []string{repo}, Config: cfg, Jobs: 4,
		CacheUsed: func(target string, hit bool) {
			mu.Lock()
			defer mu.Unlock()
			if !hit {
				misses = append(misses, target)
			}
		}}
	if dir != "" {
		c, err := cache.Open(dir, v)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		opts.Cache = c
	}
	rep, err := runner.Run(context.Background(), opts)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, report.Write(&out, "json", rep))
	sort.Strings(misses)
	return out.Bytes(), misses
}

func cacheRepo(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	require.NoError(t, os.CopyFS(repo, os.DirFS(filepath.Join("testdata", "cache"))))
	return repo
}

func edit(t *testing.T, repo, file, old, new string) {
	t.Helper()
	p := filepath.Join(repo, filepath.FromSlash(file))
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Contains(t, string(b), old, file)
	require.NoError(t, os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o600))
}

// TestCacheInvalidation: after a warm-up, a change to one kind of input
// rebuilds exactly the targets that read it (the entry point, whose
// substituteFrom lookups read the whole repository, on any change), and
// the report equals the report of a run without cache, byte for byte.
func TestCacheInvalidation(t *testing.T) {
	t.Parallel()
	all := []string{cacheFlux, cacheCRDs, cacheDev, cacheProd}
	tests := []struct {
		name    string
		change  func(t *testing.T, repo string)
		cfg     *config.Config
		version string
		misses  []string
		// changes: the report must differ from the cold one
		changes bool
	}{
		{name: "nothing changed", change: func(*testing.T, string) {}, misses: []string{}},
		{name: "a resource", change: func(t *testing.T, r string) {
			edit(t, r, "base/deployment.yaml", "web:1.0.0", "web:2.0.0")
		}, misses: []string{cacheFlux, cacheDev, cacheProd}},
		{name: "an overlay's patch", change: func(t *testing.T, r string) {
			edit(t, r, "overlays/dev/patch.yaml", "web:1.0.1", "web:1.0.2")
		}, misses: []string{cacheFlux, cacheDev}},
		{name: "a component's patch", change: func(t *testing.T, r string) {
			edit(t, r, "components/extra/patch.yaml", "replicas: 2", "replicas: 3\n  paused: maybe")
		}, misses: []string{cacheFlux, cacheDev}},
		{name: "a substituteFrom ConfigMap", change: func(t *testing.T, r string) {
			edit(t, r, "clusters/prod/vars.yaml", "GREETING: hello", "OTHER: hello")
		}, misses: []string{cacheFlux}},
		{name: "a CRD another target renders", change: func(t *testing.T, r string) {
			// overlays/prod's build is reused, its schema findings are not
			edit(t, r, "crds/widget.yaml", "type: string", "type: integer")
		}, misses: []string{cacheFlux, cacheCRDs}, changes: true},
		{name: "a file no build reads", change: func(t *testing.T, r string) {
			edit(t, r, "README.md", "cache", "cached")
		}, misses: []string{cacheFlux}},
		{name: "a new file in a base", change: func(t *testing.T, r string) {
			require.NoError(t, os.WriteFile(filepath.Join(r, "base", "extra.yaml"), []byte("kind: Nothing\n"), 0o600))
		}, misses: []string{cacheFlux}},
		{name: "the configuration", change: func(*testing.T, string) {},
			cfg: &config.Config{ExternalKinds: []string{"example.com/*"}}, misses: all},
		{name: "kvet's version", change: func(*testing.T, string) {}, version: "test-2", misses: all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo, dir := cacheRepo(t), t.TempDir()
			cold, misses := cacheRun(t, repo, dir, "test-1", &config.Config{})
			require.Equal(t, all, misses, "a cold run builds everything")
			tt.change(t, repo)
			cfg, v := tt.cfg, tt.version
			if cfg == nil {
				cfg = &config.Config{}
			}
			if v == "" {
				v = "test-1"
			}
			warm, misses := cacheRun(t, repo, dir, v, cfg)
			assert.Equal(t, tt.misses, misses)
			fresh, _ := cacheRun(t, repo, "", "", cfg)
			assert.Equal(t, string(fresh), string(warm), "a warm report is the report of a run without cache")
			if len(tt.misses) == 0 {
				assert.Equal(t, string(cold), string(warm))
			}
			if tt.changes {
				assert.NotEqual(t, string(cold), string(warm))
			}
			again, misses := cacheRun(t, repo, dir, v, cfg)
			assert.Empty(t, misses, "the rebuilt targets are cached again")
			assert.Equal(t, string(warm), string(again))
		})
	}
}

// TestCacheFindings: the fixture's findings (a schema error written by a
// component, an unset variable) come out of the cache unchanged, at the
// same file:line.
func TestCacheFindings(t *testing.T) {
	t.Parallel()
	repo, dir := cacheRepo(t), t.TempDir()
	edit(t, repo, "components/extra/patch.yaml", "replicas: 2", "replicas: 2\n  paused: maybe")
	edit(t, repo, "apps/greet/configmap.yaml", "${GREETING}", "${GREETING} ${MISSING}")
	cold, _ := cacheRun(t, repo, dir, "v", &config.Config{})
	assert.Contains(t, string(cold), `"file": "components/extra/patch.yaml"`)
	assert.Contains(t, string(cold), `unset-variable`)
	warm, misses := cacheRun(t, repo, dir, "v", &config.Config{})
	assert.Empty(t, misses)
	assert.Equal(t, string(cold), string(warm))
}

// TestCacheCorruption: entries that are truncated, flipped or replaced by
// foreign bytes are rebuilt, never trusted, and the report is unchanged.
func TestCacheCorruption(t *testing.T) {
	t.Parallel()
	for name, spoil := range map[string]func([]byte) []byte{
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"flipped":   func(b []byte) []byte { b = bytes.Clone(b); b[len(b)-3] ^= 0x20; return b },
		"foreign":   func([]byte) []byte { return []byte(`{"Dir":"/","Objects":[]}`) },
		"empty":     func([]byte) []byte { return nil },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			repo, dir := cacheRepo(t), t.TempDir()
			cold, _ := cacheRun(t, repo, dir, "v", &config.Config{})
			entries := 0
			require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(p)
				require.NoError(t, err)
				entries++
				return os.WriteFile(p, spoil(b), 0o600)
			}))
			require.Positive(t, entries)
			warm, misses := cacheRun(t, repo, dir, "v", &config.Config{})
			assert.Equal(t, []string{cacheFlux, cacheCRDs, cacheDev, cacheProd}, misses)
			assert.Equal(t, string(cold), string(warm))
			_, misses = cacheRun(t, repo, dir, "v", &config.Config{})
			assert.Empty(t, misses, "the spoilt entries were rewritten")
		})
	}
}

// TestCacheConcurrentRuns: runs sharing a cache directory, cold and warm
// at once, all produce the report of a run without cache.
func TestCacheConcurrentRuns(t *testing.T) {
	t.Parallel()
	repo, dir := cacheRepo(t), t.TempDir()
	want, _ := cacheRun(t, repo, "", "", &config.Config{})
	var wg sync.WaitGroup
	reports := make([][]byte, 6)
	for i := range reports {
		wg.Go(func() {
			reports[i], _ = cacheRun(t, repo, dir, "v", &config.Config{})
		})
	}
	wg.Wait()
	for _, r := range reports {
		assert.Equal(t, string(want), string(r))
	}
	again, misses := cacheRun(t, repo, dir, "v", &config.Config{})
	assert.Empty(t, misses)
	assert.Equal(t, string(want), string(again))
}

// TestCacheNotUsed: a target whose input is a symlink is built every time
// (the link's target may change without the link changing), and a run
// that may read outside the repository (plugins) caches nothing.
func TestCacheNotUsed(t *testing.T) {
	t.Parallel()
	t.Run("symlinked input", func(t *testing.T) {
		t.Parallel()
		repo, dir := cacheRepo(t), t.TempDir()
		p := filepath.Join(repo, "overlays", "dev", "patch.yaml")
		require.NoError(t, os.Rename(p, filepath.Join(repo, "overlays", "dev", "real-patch.yaml")))
		require.NoError(t, os.Symlink("real-patch.yaml", p))
		cold, misses := cacheRun(t, repo, dir, "v", &config.Config{})
		assert.Equal(t, []string{cacheFlux, cacheCRDs, cacheProd}, misses, "overlays/dev is not cacheable")
		edit(t, repo, "overlays/dev/real-patch.yaml", "web:1.0.1", "web:1.0.2")
		warm, misses := cacheRun(t, repo, dir, "v", &config.Config{})
		assert.Equal(t, []string{cacheFlux}, misses)
		fresh, _ := cacheRun(t, repo, "", "", &config.Config{})
		assert.Equal(t, string(fresh), string(warm))
		assert.Equal(t, string(cold), string(warm))
	})
	t.Run("plugins", func(t *testing.T) {
		t.Parallel()
		repo, dir := cacheRepo(t), t.TempDir()
		c, err := cache.Open(dir, "v")
		require.NoError(t, err)
		defer c.Close()
		used := false
		run(t, repo, func(o *runner.Options) {
			o.Cache = c
			o.Build.EnablePlugins = true
			o.CacheUsed = func(string, bool) { used = true }
		})
		assert.False(t, used)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, entries)
	})
}

// TestCacheInsideRepository: a cache directory inside the repository is no
// input (its entries change with every run).
func TestCacheInsideRepository(t *testing.T) {
	t.Parallel()
	repo := cacheRepo(t)
	dir := filepath.Join(repo, ".cache", "kvet")
	cold, _ := cacheRun(t, repo, dir, "v", &config.Config{})
	warm, misses := cacheRun(t, repo, dir, "v", &config.Config{})
	assert.Empty(t, misses)
	assert.Equal(t, string(cold), string(warm))
}

// TestCacheSourceIgnore: a plain directory a Flux Kustomization names
// lists what source-controller's .sourceignore files leave in, wherever
// they are: editing one rebuilds it.
func TestCacheSourceIgnore(t *testing.T) {
	t.Parallel()
	repo, dir := t.TempDir(), t.TempDir()
	require.NoError(t, os.CopyFS(repo, os.DirFS(filepath.Join("testdata", "flux-sourceignore"))))
	const entry = "clusters/prod/flux.yaml#Kustomization/flux-system/web"
	_, misses := cacheRun(t, repo, dir, "test-1", &config.Config{})
	require.Equal(t, []string{"apps/web", entry}, misses)
	edit(t, repo, ".sourceignore", "drafts/", "nothing/")
	warm, misses := cacheRun(t, repo, dir, "test-1", &config.Config{})
	assert.Equal(t, []string{"apps/web", entry}, misses)
	fresh, _ := cacheRun(t, repo, "", "", &config.Config{})
	assert.Equal(t, string(fresh), string(warm))
}

// TestCacheNarrowedRuns: a run of some targets reuses what a run of all of
// them stored, and keeps its own records apart: the full run after it
// still finds everything.
func TestCacheNarrowedRuns(t *testing.T) {
	t.Parallel()
	repo, dir := cacheRepo(t), t.TempDir()
	c, err := cache.Open(dir, "v")
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	run := func(paths ...string) []string {
		misses := []string{}
		var mu sync.Mutex
		_, err := runner.Run(context.Background(), runner.Options{Root: repo, Paths: paths, Config: &config.Config{}, Jobs: 2, Cache: c,
			CacheUsed: func(target string, hit bool) {
				mu.Lock()
				defer mu.Unlock()
				if !hit {
					misses = append(misses, target)
				}
			}})
		require.NoError(t, err)
		sort.Strings(misses)
		return misses
	}
	require.Equal(t, []string{cacheFlux, cacheCRDs, cacheDev, cacheProd}, run(repo))
	dev := filepath.Join(repo, "overlays", "dev")
	assert.Empty(t, run(dev), "the full run's records serve a run of one overlay")
	edit(t, repo, "overlays/dev/patch.yaml", "web:1.0.1", "web:1.0.2")
	assert.Equal(t, []string{cacheDev}, run(dev))
	assert.Equal(t, []string{cacheFlux, cacheDev}, run(repo), "the narrowed run did not replace the full run's records")
	assert.Empty(t, run(dev))
	assert.Empty(t, run(repo))
}
