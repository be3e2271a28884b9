package runner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestArgoDirectory: a plain directory an Argo CD Application names is read
// as Argo CD's repo-server reads it: a YAML file that is no manifest (a
// values file) is ignored, extensions are case-sensitive, sub-directories
// only with directory.recurse (hidden ones included), and a recursed
// sub-directory's kustomization.yaml is read as a manifest, a real defect
// reported on that file.
func TestArgoDirectory(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "argo-dir"), nil)
	const app = "argocd/apps.yaml#Application/argocd/"
	resources := map[string]int{}
	for _, tg := range rep.Targets {
		resources[tg.Path] = tg.Resources
	}
	assert.Equal(t, map[string]int{
		"apps/deep": 2, "apps/nested": 0, "apps/nested/sub/k": 1, "apps/plain": 1,
		app + "deep": 2, app + "nested": 0, app + "plain": 1,
	}, resources)

	assert.Equal(t, []got{
		{"apps/nested", "error", "build", "build-failed", "", "", "apps/nested/sub/k/kustomization.yaml:1"},
	}, nonPolicy(rep), dump(rep))
	for _, f := range rep.Findings {
		if f.Rule == "build-failed" {
			assert.Contains(t, f.Message, "directory.recurse reads sub/k/kustomization.yaml as a manifest")
		}
	}
}
