package schema_test

import (
	"encoding/json"
	"testing"

	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
)

// FuzzConvertCRD: CRDs come from the repository; any decoded JSON is
// converted or refused with an error, never a panic, and the schemas it
// gives encode as JSON.
func FuzzConvertCRD(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"things.example.com"},
"spec":{"group":"example.com","names":{"kind":"Thing","plural":"things"},"scope":"Namespaced",
"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object",
"properties":{"spec":{"type":"object","required":["size"],"properties":{"size":{"type":"integer"},
"tags":{"type":"array","items":{"type":"string"}},"free":{"x-kubernetes-preserve-unknown-fields":true},
"port":{"x-kubernetes-int-or-string":true},"m":{"type":"object","additionalProperties":{"type":"string"}}}}}}}}]}}`))
	f.Add([]byte(`{"spec":{"versions":[{"name":"v1","served":true,"schema":{"openAPIV3Schema":{"allOf":[{"properties":{"a":{"nullable":true}}}]}}}]}}`))
	f.Add([]byte(`{"spec":{"validation":{"openAPIV3Schema":{}},"versions":"x"}}`))
	objectMeta := map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}}
	f.Fuzz(func(t *testing.T, b []byte) {
		var crd map[string]any
		if json.Unmarshal(b, &crd) != nil {
			return
		}
		versions, err := schema.ConvertCRD(crd, objectMeta)
		if err != nil {
			return
		}
		for _, v := range versions {
			if _, err := json.Marshal(v.Schema); err != nil {
				t.Fatalf("schema of %s %s does not encode: %v", v.APIVersion, v.Kind, err)
			}
		}
	})
}
