package yamljson_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/yamljson"
)

// The expected JSON is what the clients print: `kubectl kustomize` (kustomize
// v5) for Kustomize, sigs.k8s.io/yaml (kubectl apply -f, Helm) for Kubectl.
func TestEncode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		yaml    string
		applier yamljson.Applier
		want    string
		// keyErr is "path key tag line" when kustomize refuses the object.
		keyErr string
	}{
		{"kustomize: YAML 1.1 words stay strings", "a: yes\nb: on\ny: n\n", yamljson.Kustomize, `{"a":"yes","b":"on","y":"n"}`, ""},
		{"kubectl: YAML 1.1 words are booleans, also as keys", "a: yes\nb: on\ny: n\n", yamljson.Kubectl, `{"a":true,"b":true,"true":false}`, ""},
		{"kustomize: octal and hex are integers", "o: 0777\nh: 0x1F\n", yamljson.Kustomize, `{"h":31,"o":511}`, ""},
		{"kubectl: octal and hex are integers", "o: 0777\nh: 0x1F\n", yamljson.Kubectl, `{"h":31,"o":511}`, ""},
		{"kustomize: timestamps become RFC 3339 strings", "d: 2002-12-14\n", yamljson.Kustomize, `{"d":"2002-12-14T00:00:00Z"}`, ""},
		{"kubectl: timestamps stay as written", "d: 2002-12-14\n", yamljson.Kubectl, `{"d":"2002-12-14"}`, ""},
		{"kustomize: merge keys expanded", "b: &b {x: \"1\"}\nc:\n  <<: *b\n  z: \"3\"\n", yamljson.Kustomize, `{"b":{"x":"1"},"c":{"x":"1","z":"3"}}`, ""},
		{"kubectl: merge keys expanded", "b: &b {x: \"1\"}\nc:\n  <<: *b\n  z: \"3\"\n", yamljson.Kubectl, `{"b":{"x":"1"},"c":{"x":"1","z":"3"}}`, ""},
		{"kubectl: non-string keys become strings", "data:\n  5: i\n  3.14: f\n  true: b\n", yamljson.Kubectl, `{"data":{"3.14":"f","5":"i","true":"b"}}`, ""},
		{"kustomize: integer key", "data:\n  5: i\n", yamljson.Kustomize, "", "data 5 !!int 2"},
		{"kustomize: float key in a label", "metadata:\n  labels:\n    3.14: f\n", yamljson.Kustomize, "", "metadata.labels 3.14 !!float 3"},
		{"kustomize: boolean key in a list item", "spec:\n  l:\n  - true: b\n", yamljson.Kustomize, "", "spec.l[0] true !!bool 3"},
		{"kustomize: null key under a dotted name", "metadata:\n  annotations:\n    a.b/c:\n      ~: x\n", yamljson.Kustomize, "", `metadata.annotations["a.b/c"] ~ !!null 4`},
		{"kustomize: quoted keys are strings", "data:\n  \"5\": i\n  'true': b\n", yamljson.Kustomize, `{"data":{"5":"i","true":"b"}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := kyaml.Parse(tt.yaml)
			require.NoError(t, err)
			js, err := yamljson.Encode(n, tt.applier)
			if tt.keyErr == "" {
				require.NoError(t, err)
				assert.JSONEq(t, tt.want, string(js))
				return
			}
			ke, ok := yamljson.IsKeyError(err)
			require.True(t, ok, "want a KeyError, got %v", err)
			assert.Equal(t, tt.keyErr, ke.Path+" "+ke.Key+" "+ke.Tag+" "+itoa(ke.Line))
			assert.Contains(t, ke.Error(), "quote it")
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// A kubeconform fixture's shape, through FromNode as repository files are read.
func TestFromNodeDocument(t *testing.T) {
	t.Parallel()
	var doc kyaml.Node
	require.NoError(t, kyaml.Unmarshal([]byte("kind: ConfigMap\ndata:\n  5: integer\n"), &doc))
	js, err := yamljson.FromNode(&doc, yamljson.Kubectl)
	require.NoError(t, err)
	assert.JSONEq(t, `{"kind":"ConfigMap","data":{"5":"integer"}}`, string(js))
	_, err = yamljson.FromNode(&doc, yamljson.Kustomize)
	_, ok := yamljson.IsKeyError(err)
	assert.True(t, ok)
}
