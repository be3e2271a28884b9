package runner_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

const hrFile = "clusters/prod/releases.yaml#HelmRelease/shop/"

// TestHelmRelease: charts stored in the repository are rendered with the
// HelmRelease's values (defaults, valuesFrom, values) and checked; remote
// charts only get a note; chart errors are build findings on the chart.
func TestHelmRelease(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "helmrelease"), nil)
	byPath := map[string]report.Target{}
	for _, tg := range rep.Targets {
		byPath[tg.Path] = tg
	}
	assert.Equal(t, []report.Target{
		{Path: "clusters/prod", Resources: 10},
		{Path: hrFile + "bad", Resources: 2},
		{Path: hrFile + "broken", Error: byPath[hrFile+"broken"].Error},
		{Path: hrFile + "nodeps", Error: byPath[hrFile+"nodeps"].Error},
		{Path: hrFile + "podinfo"},
		{Path: hrFile + "web", Resources: 3},
	}, targets(rep))
	require.Len(t, byPath[hrFile+"podinfo"].Notes, 1)
	assert.Contains(t, byPath[hrFile+"podinfo"].Notes[0], "chart not rendered: chart podinfo comes from HelmRepository flux-system/podinfo")
	assert.Empty(t, byPath[hrFile+"web"].Notes)

	assert.ElementsMatch(t, []got{
		// only the HelmRelease's values make the chart's output invalid
		{hrFile + "bad", "error", "schema", "invalid-type", res("apps/v1", "Deployment", "shop/bad-web"), "spec.replicas", "charts/web/templates/deployment.yaml:0"},
		{hrFile + "broken", "error", "build", "build-failed", "", "", "charts/broken/templates/configmap.yaml:6"},
		{hrFile + "nodeps", "error", "build", "build-failed", "", "", "charts/nodeps/Chart.yaml:5"},
	}, projectAll(rep.Findings), dump(rep))
}

// TestRenderHelmRelease: values from the chart, its subchart (enabled by
// a valuesFrom ConfigMap), valuesFrom targetPath and spec.values; release
// name and namespace as helm-controller sets them.
func TestRenderHelmRelease(t *testing.T) {
	t.Parallel()
	root := fixture(t, "helmrelease")
	targets, err := discover.Discover(context.Background(), discover.Options{Root: root}, []string{root})
	require.NoError(t, err)
	for _, tg := range targets {
		if tg.Path != hrFile+"web" {
			continue
		}
		out, err := build.New(build.Options{Root: root}).Render(context.Background(),
			build.Spec{Dir: tg.Dir, Generate: tg.Generated, Recurse: tg.Recurse, Entry: tg.Entry})
		require.NoError(t, err)
		want := readGolden(t, "helmrelease-golden/web.yaml", out)
		assert.Equal(t, want, string(out))
		return
	}
	t.Fatal("no HelmRelease target")
}
