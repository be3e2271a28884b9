package main

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A version is removed in the first release whose CRD no longer serves it;
// the replacement is the bundled CRD's storage version.
func TestHistoryOf(t *testing.T) {
	crd := func(versions ...string) string {
		out := `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
`
		for i, v := range versions {
			storage := "false"
			if i == len(versions)-1 {
				storage = "true"
			}
			served := "true"
			if v == "v1beta1-unserved" {
				v, served = "v1beta1", "false"
			}
			out += "  - {name: " + v + ", served: " + served + ", storage: " + storage + ", schema: {openAPIV3Schema: {type: object}}}\n"
		}
		return out
	}
	fsys := fstest.MapFS{
		"dist/v2.9.0/widgets.yaml":  {Data: []byte(crd("v1"))},
		"dist/v2.10.0/widgets.yaml": {Data: []byte(crd("v1"))},
		"dist/v2.2.3/widgets.yaml":  {Data: []byte(crd("v1alpha1", "v1beta1", "v1"))},
		"dist/v2.6.4/widgets.yaml":  {Data: []byte(crd("v1beta1", "v1"))},
		"dist/v2.7.0/widgets.yaml":  {Data: []byte(crd("v1beta1-unserved", "v1"))},
		"dist/notes/README.md":      {Data: []byte("not a release")},
	}
	current, err := readCRDs(fsys, "dist/v2.10.0/widgets.yaml")
	require.NoError(t, err)
	bundled := map[string]sourcedCRD{"widgets.example.com": {crd: current[0]}}
	got, err := historyOf(fsys, historySource{Project: "Widgets", Dir: "dist"}, bundled)
	require.NoError(t, err)
	assert.Equal(t, []removedVersion{
		{Group: "example.com", Version: "v1alpha1", Kind: "Widget", Project: "Widgets", RemovedIn: "v2.6.4", LastServedIn: "v2.2.3", Use: "example.com/v1"},
		{Group: "example.com", Version: "v1beta1", Kind: "Widget", Project: "Widgets", RemovedIn: "v2.7.0", LastServedIn: "v2.6.4", Use: "example.com/v1"},
	}, got, "releases sort as versions (v2.10.0 after v2.9.0); a version served: false is removed")
}
