package runner_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// TestRulesFollowTheKubernetesVersion: an HPA that scales to zero on an
// External metric is valid from 1.37 (HPAScaleToZero beta, on by default),
// refused before, and featureGates in kvet.yaml say what a cluster differs
// in; the HPA that scales to zero on CPU is refused by every release.
func TestRulesFollowTheKubernetesVersion(t *testing.T) {
	t.Parallel()
	cpuOnly := got{".", E, "schema", "invalid-value", res("autoscaling/v2", "HorizontalPodAutoscaler", "jobs/web"), "spec.metrics", "hpa.yaml:27"}
	cpuOnlyOff := got{".", E, "schema", "invalid-value", res("autoscaling/v2", "HorizontalPodAutoscaler", "jobs/web"), "spec.minReplicas", "hpa.yaml:25"}
	external := got{".", E, "schema", "invalid-value", res("autoscaling/v2", "HorizontalPodAutoscaler", "jobs/worker"), "spec.minReplicas", "hpa.yaml:9"}
	tests := []struct {
		name    string
		version string
		gates   map[string]bool
		want    []got
	}{
		{"1.37: on by default", "1.37", nil, []got{cpuOnly}},
		{"1.36: off by default", "1.36", nil, []got{cpuOnlyOff, external}},
		{"1.35: off by default", "1.35", nil, []got{cpuOnlyOff, external}},
		{"1.36 with the gate on", "1.36", map[string]bool{"HPAScaleToZero": true}, []got{cpuOnly}},
		{"1.37 with the gate off", "1.37", map[string]bool{"HPAScaleToZero": false}, []got{cpuOnlyOff, external}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep := run(t, fixture(t, "hpa-scale-to-zero"), func(o *runner.Options) {
				o.KubernetesVersion = tt.version
				o.Config = &config.Config{FeatureGates: tt.gates}
				o.Checkers = nil
			})
			var schemaFindings []report.Finding
			for _, f := range rep.Findings {
				if f.Check == report.CheckSchema {
					schemaFindings = append(schemaFindings, f)
				}
			}
			assert.Equal(t, tt.want, projectAll(schemaFindings), dump(rep))
		})
	}
}

// TestFluxOperatorEventSources: the notification CRDs the Flux Operator
// installs accept its kinds as event sources; stock Flux's do not. A
// misspelt kind is refused either way.
func TestFluxOperatorEventSources(t *testing.T) {
	t.Parallel()
	paths := func(target string) []string {
		rep := run(t, fixture(t, "flux-operator/"+target), nil)
		var out []string
		for _, f := range rep.Findings {
			if f.Rule == "invalid-value" {
				out = append(out, f.Path+" "+f.Source.File+":"+fmt.Sprint(f.Source.Line))
			}
		}
		return out
	}
	misspelt := "spec.eventSources[apps].kind alert.yaml:14"
	// Each sign that the operator installs Flux: its chart through an
	// OCIRepository or a HelmRelease, a FluxInstance, a CRD of its group.
	for _, dir := range []string{"with-operator", "with-chart", "with-fluxinstance", "with-crd"} {
		assert.Equal(t, []string{misspelt}, paths(dir), "%s: FluxInstance is in the enum the operator installs; the misspelt kind is not", dir)
	}
	assert.ElementsMatch(t, []string{"spec.eventSources[flux].kind alert.yaml:10", misspelt}, paths("without-operator"),
		"stock Flux knows no FluxInstance")
}
