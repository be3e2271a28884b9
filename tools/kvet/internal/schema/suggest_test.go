package schema

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// TestUnknownFieldSuggestsTheClosestField: a typo gets the closest field
// of that object's own schema (built-in and CRD), a made-up key none.
func TestUnknownFieldSuggestsTheClosestField(t *testing.T) {
	v, _, err := New(Options{})
	require.NoError(t, err)
	deployment := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: web:1\n"
	flux := "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 5m\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
	tests := []struct {
		name, doc, want string
	}{
		{"container field", deployment + "        imagePullPolice: Always\n", "unknown field imagePullPolice in spec.template.spec.containers[web]: did you mean imagePullPolicy?"},
		{"pod spec field", deployment + "      serviceAcountName: web\n", "unknown field serviceAcountName in spec.template.spec: did you mean serviceAccountName?"},
		{"metadata field", deployment + "  replica: 2\n", "unknown field replica in spec: did you mean replicas?"},
		{"CRD field", flux + "  intervall: 5m\n", "unknown field intervall in spec: did you mean interval?"},
		{"no close field", deployment + "        frobnicate: true\n", "unknown field frobnicate in spec.template.spec.containers[web]: the API server rejects"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			js, err := yaml.YAMLToJSON([]byte(tc.doc))
			require.NoError(t, err)
			var body map[string]any
			require.NoError(t, json.Unmarshal(js, &body))
			meta := body["metadata"].(map[string]any)
			ns, _ := meta["namespace"].(string)
			obj := Object{Resource: report.Resource{APIVersion: body["apiVersion"].(string), Kind: body["kind"].(string), Namespace: ns, Name: meta["name"].(string)}, Body: body}
			var got []string
			for _, f := range v.Validate(obj) {
				if f.Rule == "unknown-field" {
					got = append(got, f.Message)
				}
			}
			require.Len(t, got, 1)
			assert.Contains(t, got[0], tc.want)
		})
	}
}

// TestUnknownKindSuggestsTheClosestKind: a kind typo gets the closest kind
// of the same apiVersion, built-in or from the CRD catalog.
func TestUnknownKindSuggestsTheClosestKind(t *testing.T) {
	v, _, err := New(Options{})
	require.NoError(t, err)
	tests := []struct{ apiVersion, kind, want string }{
		{"apps/v1", "Deploymnet", "(did you mean Deployment?)"},
		{"v1", "ConfigMpa", "(did you mean ConfigMap?)"},
		{"kustomize.toolkit.fluxcd.io/v1", "Kustomisation", "(did you mean Kustomization?)"},
		{"apps/v1", "Frobnicator", ""},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			body := map[string]any{"apiVersion": tc.apiVersion, "kind": tc.kind, "metadata": map[string]any{"name": "x"}}
			fs := v.Validate(Object{Resource: report.Resource{APIVersion: tc.apiVersion, Kind: tc.kind, Name: "x"}, Body: body})
			require.Len(t, fs, 1)
			assert.Equal(t, "no-schema", fs[0].Rule)
			if tc.want == "" {
				assert.NotContains(t, fs[0].Message, "did you mean")
			} else {
				assert.Contains(t, fs[0].Message, tc.want)
			}
		})
	}
}
