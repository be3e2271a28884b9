package runner_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cache"
	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// clusterChecker is a CachedChecker whose one finding per target names
// the target's objects and its cluster's, so that a stale cluster shows.
type clusterChecker struct {
	fp       string
	prepared *atomic.Int32
}

func (c clusterChecker) Check(_ context.Context, t runner.Target, objs []runner.Object) ([]report.Finding, error) {
	var names []string
	if t.Cluster != nil {
		for _, o := range t.Cluster.Objects() {
			names = append(names, o.Resource.String())
		}
	}
	return []report.Finding{{Severity: report.SeverityWarning, Check: report.CheckPolicy, Rule: "cluster-" + c.fp,
		Message: fmt.Sprintf("%d objects; cluster: %s", len(objs), strings.Join(names, ", "))}}, nil
}

func (c clusterChecker) Fingerprint() (string, bool) { return c.fp, c.fp != "uncacheable" }

func (c clusterChecker) Prepare(context.Context) error {
	c.prepared.Add(1)
	return nil
}

// plainChecker is a Checker the cache knows nothing about.
type plainChecker struct{}

func (plainChecker) Check(_ context.Context, t runner.Target, objs []runner.Object) ([]report.Finding, error) {
	return nil, nil
}

// checkRun is one run of repo with the cache in dir ("": none) and the
// given checkers; it returns the JSON report, the targets whose checks
// missed the cache, and what the run had to prepare.
type checkRun struct {
	report      string
	checkMisses []string
	checkHits   int
	prepared    []string
}

func runChecks(t *testing.T, repo, dir string, checkers ...runner.Checker) checkRun {
	t.Helper()
	var mu sync.Mutex
	var out checkRun
	opts := runner.Options{Root: repo, Paths: []string{repo}, Config: &config.Config{}, Jobs: 4, Checkers: checkers,
		ChecksCached: func(target string, hit bool) {
			mu.Lock()
			defer mu.Unlock()
			if hit {
				out.checkHits++
			} else {
				out.checkMisses = append(out.checkMisses, target)
			}
		},
		Prepared: func(what string) { out.prepared = append(out.prepared, what) },
	}
	if dir != "" {
		c, err := cache.Open(dir, "v")
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		opts.Cache = c
	}
	rep, err := runner.Run(context.Background(), opts)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, report.Write(&b, "json", rep))
	out.report = b.String()
	sort.Strings(out.checkMisses)
	return out
}

// clusterRepo is the cache fixture plus clusters/prod as a target of its
// own: it renders the Flux Kustomization, so it and the entry point's
// target share one cluster.
func clusterRepo(t *testing.T) string {
	t.Helper()
	repo := cacheRepo(t)
	require.NoError(t, os.WriteFile(filepath.Join(repo, "clusters", "prod", "kustomization.yaml"),
		[]byte("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - flux.yaml\n  - vars.yaml\n"), 0o600))
	return repo
}

// TestCacheChecks: a target's checks (schemas, the Checkers' findings)
// come from the cache when nothing they read changed; a run whose every
// target hits compiles neither the schemas nor the Checkers; a change to
// a target another target's cluster holds re-checks that other target
// too, although its build is reused; a new fingerprint re-checks all.
func TestCacheChecks(t *testing.T) {
	t.Parallel()
	const clusterTarget = "clusters/prod"
	all := []string{clusterTarget, cacheFlux, cacheCRDs, cacheDev, cacheProd}
	tests := []struct {
		name   string
		change func(t *testing.T, repo string)
		fp     string
		misses []string
	}{
		{name: "nothing changed", change: func(*testing.T, string) {}, fp: "a"},
		{name: "a resource of the entry point's cluster", change: func(t *testing.T, r string) {
			edit(t, r, "apps/greet/configmap.yaml", "name: greet", "name: greeting")
		}, fp: "a", misses: []string{clusterTarget, cacheFlux}},
		{name: "a base of two overlays", change: func(t *testing.T, r string) {
			edit(t, r, "base/deployment.yaml", "web:1.0.0", "web:2.0.0")
		}, fp: "a", misses: []string{clusterTarget, cacheFlux, cacheDev, cacheProd}},
		{name: "the checkers' fingerprint", change: func(*testing.T, string) {}, fp: "b", misses: all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo, dir := clusterRepo(t), t.TempDir()
			var prepared atomic.Int32
			cold := runChecks(t, repo, dir, clusterChecker{fp: "a", prepared: &prepared})
			require.Equal(t, all, cold.checkMisses)
			assert.Equal(t, []string{"schema", "checks"}, cold.prepared)
			require.Contains(t, cold.report, "cluster: ConfigMap/flux-system/cluster-vars", "clusters/prod has a cluster view")

			tt.change(t, repo)
			prepared.Store(0)
			warm := runChecks(t, repo, dir, clusterChecker{fp: tt.fp, prepared: &prepared})
			assert.Equal(t, tt.misses, warm.checkMisses)
			fresh := runChecks(t, repo, "", clusterChecker{fp: tt.fp, prepared: &atomic.Int32{}})
			assert.Equal(t, fresh.report, warm.report, "a warm report is the report of a run without cache")
			if len(tt.misses) == 0 {
				assert.Empty(t, warm.prepared, "nothing compiled when every check is cached")
				assert.Zero(t, prepared.Load())
				assert.Equal(t, cold.report, warm.report)
			} else {
				assert.Equal(t, []string{"schema", "checks"}, warm.prepared)
				assert.Equal(t, int32(1), prepared.Load())
			}
			again := runChecks(t, repo, dir, clusterChecker{fp: tt.fp, prepared: &atomic.Int32{}})
			assert.Empty(t, again.checkMisses, "the re-checked targets are cached again")
			assert.Empty(t, again.prepared)
			assert.Equal(t, warm.report, again.report)
		})
	}
}

// TestCacheChecksNotUsed: checks are not cached when a Checker does not
// say what its findings depend on, or says they must not be reused.
func TestCacheChecksNotUsed(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]runner.Checker{
		"plain checker":       plainChecker{},
		"uncacheable checker": clusterChecker{fp: "uncacheable", prepared: &atomic.Int32{}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			repo, dir := cacheRepo(t), t.TempDir()
			runChecks(t, repo, dir, c)
			warm := runChecks(t, repo, dir, c)
			assert.Zero(t, warm.checkHits)
			assert.Empty(t, warm.checkMisses)
			assert.Contains(t, warm.prepared, "checks")
		})
	}
}
