package runner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// TestFluxBuild: a directory a Flux Kustomization names is built the way
// kustomize-controller builds it, whether as a bare target or as the entry
// point: the controller's generator (a sub-directory with its own
// kustomization is one resource), no kustomization-root load restriction
// (only there: the kustomize CLI's own targets keep it), no raw check of a
// directory only ever applied with postBuild substitution (apps/vars, and
// apps/vars/tenant, a root kustomization the generator includes), and
// exclude: does not drop an entry point.
func TestFluxBuild(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "flux-build"), func(o *runner.Options) {
		o.Config = &config.Config{Exclude: []string{"apps/excluded/**", "apps/excluded"}}
	})
	var paths []string
	for _, tg := range rep.Targets {
		paths = append(paths, tg.Path)
		if tg.Path != "apps/cli-only" {
			assert.Empty(t, tg.Error, tg.Path)
		}
	}
	const flux = "clusters/prod/flux.yaml#Kustomization/flux-system/"
	assert.Equal(t, []string{
		"apps/cli-only", "apps/loose", "apps/nested", "apps/nested/sub",
		flux + "excluded", flux + "loose", flux + "nested", flux + "vars",
	}, paths)

	root := fixture(t, "flux-build")
	var gots []got
	for _, f := range rep.Findings {
		assert.NotContains(t, f.Message, root, "no machine path in a message")
		if f.Check == report.CheckPolicy {
			continue
		}
		gots = append(gots, project(f))
	}
	assert.ElementsMatch(t, []got{
		// the kustomize CLI refuses a file outside the kustomization root
		{"apps/cli-only", "error", "build", "root-escape", "", "", "apps/cli-only/kustomization.yaml:5"},
		// real defects stay caught, in the sub-kustomization too (one
		// finding, reached through three targets)
		{"apps/nested", "error", "schema", "unknown-field", res("v1", "ConfigMap", "nested/settings"), "", "apps/nested/sub/settings.yaml:5"},
		{flux + "vars", "error", "build", "unset-variable", res("v1", "ConfigMap", "prod/cluster"), "", "apps/vars/namespace.yaml:6"},
	}, gots, dump(rep))
	for _, f := range rep.Findings {
		if f.Rule == "unknown-field" {
			assert.Equal(t, []string{"apps/nested", "apps/nested/sub", flux + "nested"}, f.Targets)
		}
	}
}
