package runner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// TestFluxSourceIgnore: a directory a Flux Kustomization names holds only
// what source-controller puts into the artifact: the repository's
// .sourceignore files (drafts/) and the GitRepository's spec.ignore
// (/apps/web/local.yaml, anchored at the repository root) leave files out,
// for the entry point and for the plain-directory target alike; a file the
// anchored pattern does not match stays.
func TestFluxSourceIgnore(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "flux-sourceignore"), nil)
	require.Equal(t, []report.Target{
		{Path: "apps/web", Resources: 2},
		{Path: "clusters/prod/flux.yaml#Kustomization/flux-system/web", Resources: 2},
	}, targets(rep))
	for _, f := range rep.Findings {
		assert.Equal(t, report.CheckPolicy, f.Check, "%s %s", f.Rule, f.Message)
	}
}
