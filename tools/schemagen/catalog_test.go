package main

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadCRDs(t *testing.T) {
	const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
  labels: {app: widgets}
  annotations: {controller-gen.kubebuilder.io/version: v0.19.0}
spec:
  group: example.com
  names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
  scope: Namespaced
  conversion: {strategy: None}
  versions:
  - name: v1
    served: true
    storage: true
    deprecated: true
    deprecationWarning: use v2
    additionalPrinterColumns: [{name: Age, type: date, jsonPath: .metadata.creationTimestamp}]
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        description: Widget is a widget.
        type: object
        properties:
          spec:
            description: The spec.
            type: object
            properties:
              description: {type: string, description: a field named description}
              max: {type: integer, maximum: 9223372036854775807}
              list: {type: array, items: {type: string, description: item}}
              any: {anyOf: [{type: integer, description: i}, {type: string}]}
              extra: {type: object, additionalProperties: {type: string, description: v}}
              flag: {type: object, additionalProperties: true}
              example: {type: string, default: "keep: description", example: {description: kept}}
`
	fsys := fstest.MapFS{
		"crds/a.yaml":             {Data: []byte(crd)},
		"crds/kustomization.yaml": {Data: []byte("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n")},
		"crds/notes.txt":          {Data: []byte("not yaml: [")},
		"install.yaml":            {Data: []byte("---\napiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n--- # the CRD\n" + crd + "---\n")},
	}

	want := `{
	  "apiVersion": "apiextensions.k8s.io/v1",
	  "kind": "CustomResourceDefinition",
	  "metadata": {"name": "widgets.example.com"},
	  "spec": {
	    "group": "example.com",
	    "names": {"kind": "Widget", "listKind": "WidgetList", "plural": "widgets", "singular": "widget"},
	    "scope": "Namespaced",
	    "versions": [{
	      "name": "v1", "served": true, "storage": true, "deprecated": true, "deprecationWarning": "use v2",
	      "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object", "properties": {
	        "description": {"type": "string"},
	        "max": {"type": "integer", "maximum": 9223372036854775807},
	        "list": {"type": "array", "items": {"type": "string"}},
	        "any": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
	        "extra": {"type": "object", "additionalProperties": {"type": "string"}},
	        "flag": {"type": "object", "additionalProperties": true},
	        "example": {"type": "string", "default": "keep: description", "example": {"description": "kept"}}
	      }}}}}
	    }]
	  }
	}`
	for _, path := range []string{"crds", "install.yaml"} {
		t.Run(path, func(t *testing.T) {
			crds, err := readCRDs(fsys, path)
			require.NoError(t, err)
			require.Len(t, crds, 1)
			// Encoded exactly as the bundle is, so json.Number must round-trip.
			assert.JSONEq(t, want, toJSON(t, crds[0]))
		})
	}
}

func TestSplitYAMLDocuments(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{in: "a: 1\n", want: []string{"a: 1\n"}},
		{in: "---\na: 1\n---\n\n---\nb: 2\n", want: []string{"a: 1\n", "b: 2\n"}},
		{in: "a: |\n  ---x\n--- # c\nb: 2", want: []string{"a: |\n  ---x\n", "b: 2\n"}},
	}
	for _, tt := range tests {
		var got []string
		for _, d := range splitYAMLDocuments([]byte(tt.in)) {
			got = append(got, string(d))
		}
		assert.Equal(t, tt.want, got, tt.in)
	}
}

// OpenShift writes one manifest per API version directory and feature
// set: the versions merge, and the preferred feature set wins.
func TestReadSourceVariants(t *testing.T) {
	crd := func(version, field string) string {
		return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec:
  group: example.com
  names: {kind: Thing, plural: things}
  scope: Cluster
  versions:
  - name: ` + version + `
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {` + field + `: {type: string}}}}
`
	}
	fsys := fstest.MapFS{
		"v1/m/a-CustomNoUpgrade.crd.yaml": {Data: []byte(crd("v1", "all"))},
		"v1/m/a-Default.crd.yaml":         {Data: []byte(crd("v1", "some"))},
		"v1alpha1/m/a.crd.yaml":           {Data: []byte(crd("v1alpha1", "old"))},
		"example/m/a.crd.yaml":            {Data: []byte(crd("v9", "x"))},
	}
	var all []map[string]any
	for _, p := range []string{"*/m"} {
		paths, err := expand(fsys, p, []string{"example/*"})
		require.NoError(t, err)
		assert.Equal(t, []string{"v1/m", "v1alpha1/m"}, paths)
	}
	at := map[string]map[string]string{"things.example.com": {}}
	for _, f := range []string{"v1/m/a-CustomNoUpgrade.crd.yaml", "v1/m/a-Default.crd.yaml", "v1alpha1/m/a.crd.yaml"} {
		crds, err := readCRDs(fsys, f)
		require.NoError(t, err)
		if all == nil {
			all = crds
			at["things.example.com"]["v1"] = f
			continue
		}
		mergeVariant(all[0], crds[0], at["things.example.com"], f, "-CustomNoUpgrade.")
	}
	assert.Equal(t, []string{"v1", "v1alpha1"}, versionNames(all[0]))
	v1 := get(all[0], "spec", "versions").([]any)[0]
	assert.NotNil(t, get(v1, "schema", "openAPIV3Schema", "properties", "all"), "the CustomNoUpgrade copy of v1 is kept")
}

// OpenShift's own API server kinds are read from its OpenAPI document by
// their definition names.
func TestOpenAPIKind(t *testing.T) {
	ref := &openAPIRef{Prefix: "com.github.openshift.api.", Packages: map[string]string{"apps": "apps.openshift.io"}}
	top := map[string]any{"properties": map[string]any{"apiVersion": map[string]any{}, "kind": map[string]any{}, "metadata": map[string]any{}}}
	tests := []struct {
		name string
		def  map[string]any
		want GVK
		ok   bool
	}{
		{"com.github.openshift.api.apps.v1.DeploymentConfig", top, GVK{"apps.openshift.io", "v1", "DeploymentConfig"}, true},
		{"com.github.openshift.api.apps.v1.DeploymentConfigSpec", map[string]any{"properties": map[string]any{"replicas": map[string]any{}}}, GVK{}, false},
		{"com.github.openshift.api.route.v1.Route", top, GVK{}, false}, // not a listed package (a CRD)
		{"io.k8s.api.apps.v1.Deployment", top, GVK{}, false},
	}
	for _, tt := range tests {
		got, ok := openAPIKind(ref, tt.name, tt.def)
		assert.Equal(t, tt.ok, ok, tt.name)
		assert.Equal(t, tt.want, got, tt.name)
	}
}
