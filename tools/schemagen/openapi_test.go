package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// defsFrom decodes OpenAPI definitions the way loadOpenAPI does.
func defsFrom(t *testing.T, doc string) map[string]map[string]any {
	t.Helper()
	var defs map[string]map[string]any
	require.NoError(t, decodeJSON([]byte(doc), &defs))
	return defs
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// kindDoc wraps the definitions of a test in a kind "test.example/v1 Thing"
// whose spec is the definition "Spec".
func kindDoc(specDefs string) string {
	return `{
	  "Thing": {
	    "type": "object",
	    "required": ["spec"],
	    "properties": {
	      "apiVersion": {"type": "string", "description": "doc"},
	      "kind": {"type": "string"},
	      "spec": {"allOf": [{"$ref": "#/components/schemas/Spec"}], "default": {}, "description": "doc"}
	    },
	    "x-kubernetes-group-version-kind": [{"group": "test.example", "version": "v1", "kind": "Thing"}]
	  },
	  "IntOrString": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString"},
	  "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"format": "int-or-string", "oneOf": [{"type": "integer"}, {"type": "string"}]},
	  "io.k8s.apimachinery.pkg.api.resource.Quantity": {"oneOf": [{"type": "string"}, {"type": "number"}]},
	  "io.k8s.apimachinery.pkg.runtime.RawExtension": {"type": "object", "description": "raw"},
	  ` + specDefs + `
	}`
}

func TestKindSchema(t *testing.T) {
	thing := GVK{Group: "test.example", Version: "v1", Kind: "Thing"}
	root := func(spec string) string {
		return `{
		  "$schema": "http://json-schema.org/draft-04/schema#",
		  "type": "object",
		  "additionalProperties": false,
		  "required": ["apiVersion", "kind", "spec"],
		  "properties": {
		    "apiVersion": {"type": "string", "enum": ["test.example/v1"]},
		    "kind": {"type": "string", "enum": ["Thing"]},
		    "spec": ` + spec + `
		  }
		}`
	}
	tests := []struct {
		name     string
		specDefs string
		want     string // the converted spec
	}{
		{
			name:     "objects are closed and optional fields nullable",
			specDefs: `"Spec": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "count": {"type": "integer", "format": "int64"}}}`,
			want: `{"type": "object", "additionalProperties": false, "required": ["name"], "properties": {
			  "name": {"type": "string"},
			  "count": {"type": ["integer", "null"], "format": "int64"}}}`,
		},
		{
			name:     "maps stay maps",
			specDefs: `"Spec": {"type": "object", "properties": {"labels": {"type": "object", "additionalProperties": {"type": "string", "default": ""}}}}`,
			want: `{"type": "object", "additionalProperties": false, "properties": {
			  "labels": {"type": ["object", "null"], "additionalProperties": {"type": "string"}}}}`,
		},
		{
			name:     "empty structs are closed",
			specDefs: `"Spec": {"type": "object"}`,
			want:     `{"type": "object", "additionalProperties": false}`,
		},
		{
			name: "preserve-unknown-fields and raw extensions stay open",
			specDefs: `"Spec": {"type": "object", "properties": {
			  "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {"a": {"type": "string"}}},
			  "raw": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.runtime.RawExtension"}]}}}`,
			want: `{"type": "object", "additionalProperties": false, "properties": {
			  "free": {"type": ["object", "null"], "properties": {"a": {"type": ["string", "null"]}}},
			  "raw": {"type": ["object", "null"]}}}`,
		},
		{
			name: "int-or-string in every spelling",
			specDefs: `"Spec": {"type": "object", "required": ["byRef"], "properties": {
			  "byRef": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString"}]},
			  "byFormat": {"type": "string", "format": "int-or-string"},
			  "byExtension": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]}}}`,
			want: `{"type": "object", "additionalProperties": false, "required": ["byRef"], "properties": {
			  "byRef": {"type": ["integer", "string"]},
			  "byFormat": {"type": ["integer", "string", "null"]},
			  "byExtension": {"type": ["integer", "string", "null"]}}}`,
		},
		{
			name: "quantities accept numbers and well-formed strings",
			specDefs: `"Spec": {"type": "object", "properties": {
			  "limits": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity"}}}}`,
			want: `{"type": "object", "additionalProperties": false, "properties": {
			  "limits": {"type": ["object", "null"], "additionalProperties": {"type": ["number", "string"], "minLength": 1, "pattern": ` + toJSON(t, quantityPattern) + `}}}}`,
		},
		{
			name: "references are inlined, bare and wrapped",
			specDefs: `"Spec": {"type": "object", "properties": {
			    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
			    "main": {"allOf": [{"$ref": "#/components/schemas/Item"}], "description": "x", "default": {}}}},
			  "Item": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "format": "int32"}}}`,
			want: `{"type": "object", "additionalProperties": false, "properties": {
			  "items": {"type": ["array", "null"], "items": {"type": "object", "additionalProperties": false, "required": ["id"],
			    "properties": {"id": {"type": "integer", "format": "int32", "minimum": -2147483648, "maximum": 2147483647}}}},
			  "main": {"type": ["object", "null"], "additionalProperties": false, "required": ["id"],
			    "properties": {"id": {"type": "integer", "format": "int32", "minimum": -2147483648, "maximum": 2147483647}}}}}`,
		},
		{
			name: "enums and nullable",
			specDefs: `"Spec": {"type": "object", "required": ["mode"], "properties": {
			  "mode": {"type": "string", "enum": ["a", "b"]},
			  "opt": {"type": "string", "enum": ["a"]},
			  "n": {"type": "object", "nullable": true, "required": ["x"], "properties": {"x": {"type": "string"}}}}}`,
			want: `{"type": "object", "additionalProperties": false, "required": ["mode"], "properties": {
			  "mode": {"type": "string", "enum": ["a", "b"]},
			  "opt": {"type": ["string", "null"], "enum": ["a", null]},
			  "n": {"type": ["object", "null"], "additionalProperties": false, "required": ["x"], "properties": {"x": {"type": "string"}}}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewConverter(defsFrom(t, kindDoc(tt.specDefs)))
			require.NoError(t, err)
			got, err := c.KindSchema("Thing", thing)
			require.NoError(t, err)
			assert.JSONEq(t, root(tt.want), toJSON(t, got))
		})
	}
}

func TestKindSchemaRecursiveDefinitions(t *testing.T) {
	c, err := NewConverter(defsFrom(t, kindDoc(`
	  "Spec": {"type": "object", "properties": {"schema": {"allOf": [{"$ref": "#/components/schemas/Props"}]}}},
	  "Props": {"type": "object", "properties": {
	    "$ref": {"type": "string"},
	    "properties": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Props"}},
	    "not": {"allOf": [{"$ref": "#/components/schemas/Props"}]}}}`)))
	require.NoError(t, err)
	got, err := c.KindSchema("Thing", GVK{Group: "test.example", Version: "v1", Kind: "Thing"})
	require.NoError(t, err)

	ref := `{"$ref": "#/definitions/Props"}`
	nullableRef := `{"anyOf": [{"type": "null"}, ` + ref + `]}`
	assert.JSONEq(t, nullableRef, toJSON(t, got["properties"].(map[string]any)["spec"].(map[string]any)["properties"].(map[string]any)["schema"]))
	assert.JSONEq(t, `{"Props": {"type": "object", "additionalProperties": false, "properties": {
	  "$ref": {"type": ["string", "null"]},
	  "properties": {"type": ["object", "null"], "additionalProperties": `+ref+`},
	  "not": `+nullableRef+`}}}`, toJSON(t, got["definitions"]))
}

func TestKindSchemaErrors(t *testing.T) {
	tests := []struct {
		name     string
		specDefs string
		wantErr  string
	}{
		{name: "unresolved reference", specDefs: `"Spec": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/Missing"}}}`, wantErr: "unresolved $ref Missing"},
		{name: "remote reference", specDefs: `"Spec": {"type": "object", "properties": {"a": {"$ref": "other.json#/x"}}}`, wantErr: "unsupported $ref"},
		{name: "unknown keyword", specDefs: `"Spec": {"type": "object", "properties": {"a": {"type": "string", "x-new-rule": 1}}}`, wantErr: `unsupported keyword "x-new-rule"`},
		{name: "constraint next to a reference", specDefs: `"Spec": {"type": "object", "properties": {"a": {"allOf": [{"$ref": "#/components/schemas/Spec"}], "maxProperties": 1}}}`, wantErr: "next to a $ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewConverter(defsFrom(t, kindDoc(tt.specDefs)))
			if err == nil {
				_, err = c.KindSchema("Thing", GVK{Group: "test.example", Version: "v1", Kind: "Thing"})
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestKinds(t *testing.T) {
	defs := defsFrom(t, `{
	  "io.k8s.api.apps.v1.Deployment": {"type": "object", "properties": {"metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]}},
	    "x-kubernetes-group-version-kind": [{"group": "apps", "version": "v1", "kind": "Deployment"}]},
	  "io.k8s.api.apps.v1.DeploymentList": {"type": "object", "properties": {"metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"}]}},
	    "x-kubernetes-group-version-kind": [{"group": "apps", "version": "v1", "kind": "DeploymentList"}]},
	  "io.k8s.api.core.v1.Pod": {"type": "object", "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Pod"}]},
	  "io.istio.networking.v1.Gateway": {"type": "object", "x-kubernetes-group-version-kind": [{"group": "networking.istio.io", "version": "v1", "kind": "Gateway"}]},
	  "io.k8s.gateway.v1.Gateway": {"type": "object", "x-kubernetes-group-version-kind": [{"group": "networking.k8s.io", "version": "v1", "kind": "Gateway"}]},
	  "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {"type": "object"},
	  "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta": {"type": "object"},
	  "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent": {"type": "object", "x-kubernetes-group-version-kind": [{"group": "apps", "version": "v1", "kind": "WatchEvent"}]}
	}`)
	c, err := NewConverter(defs)
	require.NoError(t, err)
	kinds, err := c.Kinds()
	require.NoError(t, err)
	keys := map[string]string{}
	for gvk, def := range kinds {
		keys[gvk.Key()] = def
	}
	assert.Equal(t, map[string]string{
		"apps/v1/Deployment":             "io.k8s.api.apps.v1.Deployment",
		"v1/Pod":                         "io.k8s.api.core.v1.Pod",
		"networking.istio.io/v1/Gateway": "io.istio.networking.v1.Gateway",
		"networking.k8s.io/v1/Gateway":   "io.k8s.gateway.v1.Gateway",
	}, keys)

	defs["io.k8s.api.apps.v1.Other"] = map[string]any{"type": "object", "x-kubernetes-group-version-kind": []any{
		map[string]any{"group": "apps", "version": "v1", "kind": "Deployment"}}}
	_, err = c.Kinds()
	require.ErrorContains(t, err, "kind apps/v1/Deployment is defined by both")
}

func TestMergeDefinition(t *testing.T) {
	gvk := func(g string) map[string]any {
		return map[string]any{"group": g, "version": "v1", "kind": "DeleteOptions"}
	}
	defs := map[string]map[string]any{}
	require.NoError(t, mergeDefinition(defs, "D", map[string]any{"type": "object", "x-kubernetes-group-version-kind": []any{gvk("")}}))
	require.NoError(t, mergeDefinition(defs, "D", map[string]any{"type": "object", "x-kubernetes-group-version-kind": []any{gvk("apps"), gvk("")}}))
	assert.Equal(t, []any{gvk(""), gvk("apps")}, defs["D"]["x-kubernetes-group-version-kind"])
	require.ErrorContains(t, mergeDefinition(defs, "D", map[string]any{"type": "string"}), "differs between documents")
}
