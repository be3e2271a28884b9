package runner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// TestHelmCRDs: the crds/ directory of an in-repository chart is rendered
// (as helm template --include-crds, and as an install applies it) for a
// HelmRelease unless spec.install.crds is Skip, and for an Argo CD Helm
// source unless helm.skipCrds; kvet's CRD collection sees it, so the
// chart's custom resources are checked against it (a wrong type is caught,
// no no-schema error).
func TestHelmCRDs(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "helm-crds"), nil)
	const app, hr = "apps/apps.yaml#Application/argocd/", "clusters/prod/releases.yaml#HelmRelease/shop/"
	require.Equal(t, []report.Target{
		{Path: app + "widgets", Resources: 2},      // the CRD and the Widget
		{Path: app + "widgets-skip", Resources: 1}, // skipCrds: the Widget only
		{Path: hr + "widgets", Resources: 2},
		{Path: hr + "widgets-skip", Resources: 1}, // install.crds: Skip
	}, targets(rep))
	assert.Equal(t, []got{
		{hr + "widgets", "error", "schema", "invalid-type", res("example.com/v1", "Widget", "shop/widgets"), "spec.size", "charts/widgets/templates/widget.yaml:6"},
	}, nonPolicy(rep), dump(rep))
}
