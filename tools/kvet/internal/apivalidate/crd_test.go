package apivalidate

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const widgetCRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: "self.minReplicas <= self.maxReplicas"
              message: "minReplicas must not exceed maxReplicas"
            - rule: "!has(self.mode) || self.mode != 'legacy' || has(self.legacyConfig)"
              message: "legacy mode needs legacyConfig"
              fieldPath: ".legacyConfig"
            properties:
              minReplicas: {type: integer, default: 1}
              maxReplicas: {type: integer, default: 3}
              mode: {type: string}
              legacyConfig: {type: string}
              tags:
                type: array
                x-kubernetes-list-type: set
                items: {type: string}
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    port: {type: integer}
              template:
                type: object
                x-kubernetes-embedded-resource: true
                x-kubernetes-preserve-unknown-fields: true
              image:
                type: string
                x-kubernetes-validations:
                - rule: "self.contains(':')"
                  message: "image must carry a tag"
  - name: v2
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`

func newWidgetValidator(t *testing.T) *CRDValidator {
	t.Helper()
	v, err := NewCRDValidator([]map[string]any{mustYAML(t, widgetCRD)})
	require.NoError(t, err)
	require.True(t, v.Knows("example.com/v1", "Widget"))
	return v
}

func TestCRDValidator(t *testing.T) {
	v := newWidgetValidator(t)
	tests := []struct {
		name string
		spec string
		rule string
		path string
		msg  string
	}{
		{"valid", "{minReplicas: 1, maxReplicas: 2, image: 'a:1', tags: [a, b], ports: [{name: a}, {name: b}]}", "", "", ""},
		{"cross-field rule", "{minReplicas: 5, maxReplicas: 2}", RuleCELValidation, "spec", "minReplicas must not exceed maxReplicas"},
		{"rule sees defaults", "{minReplicas: 5}", RuleCELValidation, "spec", "minReplicas must not exceed maxReplicas"},
		{"rule with fieldPath", "{mode: legacy}", RuleCELValidation, "spec.legacyConfig", "legacy mode needs legacyConfig"},
		{"rule on a string field", "{image: nginx}", RuleCELValidation, "spec.image", "image must carry a tag"},
		{"duplicate set item", "{tags: [a, a]}", RuleListUniqueness, "spec.tags[1]", `"a"`},
		{"duplicate map key", "{ports: [{name: a, port: 1}, {name: a, port: 2}]}", RuleListUniqueness, "spec.ports[1]", "name"},
		{"embedded resource without kind", "{template: {apiVersion: v1, metadata: {name: x}}}", RuleInvalidMetadata, "spec.template.kind", "Required"},
		{"embedded resource labels", "{template: {apiVersion: v1, kind: ConfigMap, metadata: {labels: {'a b': x}}}}", RuleInvalidMetadata, "spec.template.metadata.labels", "a b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := mustYAML(t, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: ns}\nspec: "+tc.spec)
			issues := v.Validate(obj)
			if tc.rule == "" {
				assert.Empty(t, issues)
				return
			}
			require.NotEmpty(t, issues)
			var found *Issue
			for i := range issues {
				if issues[i].Rule == tc.rule && issues[i].Path == tc.path {
					found = &issues[i]
				}
			}
			require.NotNil(t, found, "want %s at %s, got %+v", tc.rule, tc.path, issues)
			assert.Contains(t, found.Message, tc.msg)
		})
	}
}

func TestCRDValidatorIgnoresOtherKindsAndVersions(t *testing.T) {
	v := newWidgetValidator(t)
	assert.Empty(t, v.Validate(mustYAML(t, "apiVersion: example.com/v2\nkind: Widget\nmetadata: {name: w}\nspec: {minReplicas: 5, maxReplicas: 1}")))
	assert.Empty(t, v.Validate(mustYAML(t, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}")))
	var nilV *CRDValidator
	assert.Empty(t, nilV.Validate(mustYAML(t, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}")))
}

func TestCRDValidatorDoesNotMutateInput(t *testing.T) {
	v := newWidgetValidator(t)
	obj := mustYAML(t, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {unknown: 1}")
	v.Validate(obj)
	spec := obj["spec"].(map[string]any)
	assert.Contains(t, spec, "unknown")
	assert.NotContains(t, spec, "minReplicas")
}

func TestCRDValidatorConcurrent(t *testing.T) {
	v := newWidgetValidator(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				obj := mustYAML(t, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {minReplicas: 5, maxReplicas: 2}")
				assert.Len(t, v.Validate(obj), 1)
			}
		}()
	}
	wg.Wait()
}

func TestNewCRDValidatorRejectsNonCRD(t *testing.T) {
	_, err := NewCRDValidator([]map[string]any{{"apiVersion": "v1", "kind": "ConfigMap"}})
	assert.Error(t, err)
}

func TestNewCRDValidatorSkipsNonStructural(t *testing.T) {
	crd := mustYAML(t, `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  names: {plural: gadgets, kind: Gadget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {}
`)
	v, err := NewCRDValidator([]map[string]any{crd})
	require.NoError(t, err)
	assert.False(t, v.Knows("example.com/v1", "Gadget"))
	assert.Len(t, v.Skipped(), 1)
}
