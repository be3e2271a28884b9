package runner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// TestYAMLSemantics: every object reaches the checks as the API server
// receives it from kustomize's output (kustomize build, kubectl apply -k,
// Flux, Argo CD all print objects with kyaml's JSON encoding). Non-string
// keys make kustomize itself fail, so they are build findings at the key in
// every position (data, labels, annotations, nested in a custom resource),
// never an internal error; YAML 1.1 words (yes, on, y, n) and timestamps
// are strings, octals are integers, merge keys are expanded.
func TestYAMLSemantics(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "yaml-semantics"), nil)
	cm := func(name string) string { return res("v1", "ConfigMap", name) }
	want := []got{
		{"non-string-keys", E, "build", "build-failed", cm("data-keys"), "data", "non-string-keys/objects.yaml:9"},
		{"non-string-keys", E, "build", "build-failed", cm("annotation-keys"), "metadata.annotations", "non-string-keys/objects.yaml:25"},
		{"non-string-keys", E, "build", "build-failed", cm("label-keys"), "metadata.labels", "non-string-keys/objects.yaml:18"},
		{"non-string-keys", E, "build", "build-failed", res("example.com/v1", "Widget", "nested"), "spec.settings.inner[0].limits", "non-string-keys/widget.yaml:10"},
		{"yaml11-scalars", E, "schema", "invalid-type", cm("yaml11-numbers"), "data.mode", "yaml11-scalars/cm.yaml:26"},
	}
	assert.ElementsMatch(t, want, projectAll(rep.Findings), dump(rep))
	for _, f := range rep.Findings {
		assert.NotEqual(t, "internal-error", f.Rule, f.Message)
		if f.Rule == "build-failed" {
			assert.Contains(t, f.Message, "quote it")
		}
	}
	// The quoted keys, the YAML 1.1 words and the merged Deployment are
	// rendered and accepted.
	var objects []string
	for _, tg := range rep.Targets {
		for _, o := range tg.Objects {
			objects = append(objects, tg.Path+" "+o.Kind+"/"+o.Name)
		}
	}
	require.Subset(t, objects, []string{"non-string-keys ConfigMap/quoted-keys", "yaml11-scalars ConfigMap/yaml11-strings", "merge-keys Deployment/merged"})
}

// TestAppliers: a plain directory only Argo CD applies is read as kubectl
// reads it (non-string keys become strings, yes is a boolean); Flux builds
// plain directories with kustomize (the key fails the build, yes is a
// string). Both the directory targets and the entry points agree.
func TestAppliers(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "appliers"), nil)
	argo, flux := "argocd/app.yaml#Application/argocd/plain", "clusters/flux.yaml#Kustomization/flux-system/plain"
	words, keys := res("v1", "ConfigMap", "shop/words"), res("v1", "ConfigMap", "shop/keys")
	// One defect, one finding: the directory and its entry point agree.
	want := []got{
		{"apps/argo-plain", E, "schema", "invalid-type", words, "data.enabled", "apps/argo-plain/cm.yaml:18"},
		{"apps/flux-plain", E, "build", "build-failed", keys, "data", "apps/flux-plain/cm.yaml:9"},
	}
	assert.Equal(t, want, projectAll(rep.Findings), dump(rep))
	if assert.Len(t, rep.Findings, 2) {
		assert.Equal(t, []string{"apps/argo-plain", argo}, rep.Findings[0].Targets)
		assert.Equal(t, []string{"apps/flux-plain", flux}, rep.Findings[1].Targets)
	}
}

// TestHelmOutputAsKubectlReadsIt: a chart's output reaches the API server
// through Helm's kube client (sigs.k8s.io/yaml): non-string keys are
// strings, not a crash nor a kustomize build failure; yes is a boolean.
func TestHelmOutputAsKubectlReadsIt(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "helm-yaml"), nil)
	hr := "clusters/prod/release.yaml#HelmRelease/shop/keys"
	assert.Equal(t, []got{
		{hr, E, "schema", "invalid-type", res("v1", "ConfigMap", "shop/keys-words"), "data.enabled", "charts/keys/templates/configmap.yaml:0"},
	}, projectAll(rep.Findings), dump(rep))
	assert.Contains(t, targets(rep), report.Target{Path: hr, Resources: 2})
}
