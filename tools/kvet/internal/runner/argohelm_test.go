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

// TestArgoHelmSource: an Argo CD Application whose path holds Chart.yaml is
// a Helm source, rendered with the Helm SDK and the Application's
// spec.source.helm (valueFiles, values, parameters, releaseName,
// destination namespace); a chart whose dependencies are not vendored is a
// note; Chart.yaml is never read as a manifest (no bare-directory targets
// for the charts). A real defect in a chart's template is still caught.
func TestArgoHelmSource(t *testing.T) {
	t.Parallel()
	root := fixture(t, "argo-helm")
	rep := run(t, root, nil)
	const app = "apps/apps.yaml#Application/argocd/"
	require.Equal(t, []report.Target{
		{Path: app + "deps"},
		{Path: app + "plain", Resources: 1},
		{Path: app + "web", Resources: 1},
	}, targets(rep))
	assert.Contains(t, rep.Targets[0].Notes[0], `dependency "redis" is not vendored`)

	var gots []got
	for _, f := range rep.Findings {
		if f.Check != report.CheckPolicy {
			gots = append(gots, project(f))
		}
	}
	assert.Equal(t, []got{
		{app + "plain", "error", "schema", "unknown-field", res("v1", "ConfigMap", "plain/plain-settings"), "", "charts/plain/templates/settings.yaml:0"},
	}, gots, dump(rep))

	targets, err := discover.Discover(context.Background(), discover.Options{Root: root}, []string{root})
	require.NoError(t, err)
	var web discover.Target
	for _, tg := range targets {
		if tg.Path == app+"web" {
			web = tg
		}
	}
	require.NotNil(t, web.Entry)
	out, err := build.New(build.Options{Root: root}).Render(t.Context(), build.Spec{Dir: web.Dir, Entry: web.Entry})
	require.NoError(t, err)
	for _, s := range []string{
		"name: shop-web",  // helm.releaseName
		"namespace: shop", // destination namespace
		"replicas: 2",     // parameters
		"team: shop,web",  // forceString parameter, comma kept
		"prod/web:1.2.3",  // valueFiles, then values
	} {
		assert.Contains(t, string(out), s)
	}
}
