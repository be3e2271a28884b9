package gitops

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	yaml3 "go.yaml.in/yaml/v3"
)

// TestFluxKustomization: kustomize-controller's own generator. A plain
// directory lists every manifest recursively, a sub-directory with its own
// kustomization as one resource, nothing source-controller leaves out of an
// artifact (.github/); a directory with a kustomization keeps it and gets
// the Kustomization's fields, images merged into its own.
func TestFluxKustomization(t *testing.T) {
	tests := []struct {
		name, dir, spec, want string
	}{
		{name: "plain directory", dir: "plain", want: `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ./a.yaml
- ./deep/b.yml
- ./sub
`},
		{name: "own kustomization, no resources", dir: "own", spec: `
targetNamespace: shop
namePrefix: prod-
images:
  - name: web
    newName: registry.example.com/web
patches:
  - patch: '[{"op": "add", "path": "/metadata/labels/x", "value": "y"}]'
    target: {kind: Deployment}
`, want: `apiVersion: kustomize.config.k8s.io/v1beta1
buildMetadata:
- originAnnotations
images:
- name: web
  newName: registry.example.com/web
  newTag: "1"
kind: Kustomization
namePrefix: prod-
namespace: shop
patches:
- patch: '[{"op": "add", "path": "/metadata/labels/x", "value": "y"}]'
  target:
    kind: Deployment
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var spec FluxSpec
			require.NoError(t, yaml3.Unmarshal([]byte("path: ./x\n"+tc.spec), &spec))
			got, err := FluxKustomization(filepath.Join("testdata", "generator", tc.dir), spec.raw, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
}
