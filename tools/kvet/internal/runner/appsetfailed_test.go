package runner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAppSetTemplateFailed: an ApplicationSet whose template Argo CD cannot
// fill is an error on the ApplicationSet's line that names the generator
// and the template error, never silence; one that fills cleanly is not; one
// whose generators kvet does not expand is a note naming them.
func TestAppSetTemplateFailed(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "appset-failed"), nil)
	assert.Equal(t, []got{{
		"argocd/appsets.yaml#ApplicationSet/argocd/broken", "error", "build", "appset-template-failed",
		res("argoproj.io/v1alpha1", "ApplicationSet", "argocd/broken"), "", "argocd/appsets.yaml:5",
	}}, nonPolicy(rep), dump(rep))
	for _, f := range rep.Findings {
		if f.Rule == "appset-template-failed" {
			assert.Contains(t, f.Message, "spec.generators[0] (list)")
			assert.Contains(t, f.Message, `map has no entry for key "env"`)
			assert.Contains(t, f.Message, "ErrorOccurred")
		}
	}

	var notes []string
	for _, tg := range rep.Targets {
		if tg.Path == "argocd/appsets.yaml#ApplicationSet/argocd/fleet" {
			notes = tg.Notes
		}
	}
	assert.Equal(t, []string{"Argo CD ApplicationSet argocd/fleet is not rendered: kvet expands git directory and list generators only: the Applications of spec.generators[0] (clusters), spec.generators[1] (matrix) are not rendered"}, notes)
}
