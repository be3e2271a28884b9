package runner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// TestAppSetTemplateFailed: an ApplicationSet whose template Argo CD cannot
// fill is an error on the ApplicationSet's line that names the generator
// and the template error, never silence; one that fills cleanly is not.
func TestAppSetTemplateFailed(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "appset-failed"), nil)
	var gots []got
	for _, f := range rep.Findings {
		if f.Check == report.CheckPolicy {
			continue
		}
		gots = append(gots, project(f))
		assert.Contains(t, f.Message, "spec.generators[0] (list)")
		assert.Contains(t, f.Message, `map has no entry for key "env"`)
		assert.Contains(t, f.Message, "ErrorOccurred")
	}
	assert.Equal(t, []got{{
		"argocd/appsets.yaml#ApplicationSet/argocd/broken", "error", "build", "appset-template-failed",
		res("argoproj.io/v1alpha1", "ApplicationSet", "argocd/broken"), "", "argocd/appsets.yaml:5",
	}}, gots, dump(rep))
}
