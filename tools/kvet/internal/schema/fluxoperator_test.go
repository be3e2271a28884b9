package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

// TestFluxOperatorCRD patches the bundled notification CRDs as the
// operator does, in every version, on a copy: the shared catalog and the
// other CRDs stay as they are.
func TestFluxOperatorCRD(t *testing.T) {
	var catalog []map[string]any
	for _, group := range []string{notificationGroup, "source.toolkit.fluxcd.io", "fluxcd.controlplane.io"} {
		crds, err := bundled.GroupCRDs(group)
		require.NoError(t, err)
		catalog = append(catalog, crds...)
	}
	fields := map[string]string{"Alert": "eventSources", "Receiver": "resources"}
	seen := map[string]bool{}
	for _, crd := range catalog {
		kind := str(get(crd, "spec", "names", "kind"))
		field, ok := fields[kind]
		if str(get(crd, "spec", "group")) != notificationGroup || !ok {
			assert.Equal(t, crd, fluxOperatorCRD(crd), "other CRDs unchanged")
			continue
		}
		seen[kind] = true
		patched := fluxOperatorCRD(crd)
		versions, _ := get(patched, "spec", "versions").([]any)
		require.NotEmpty(t, versions)
		for i, ver := range versions {
			enum, _ := get(ver, "schema", "openAPIV3Schema", "properties", "spec", "properties", field, "items", "properties", "kind", "enum").([]any)
			require.NotEmpty(t, enum, "%s version %d", kind, i)
			for _, k := range fluxOperatorEventSourceKinds {
				assert.Contains(t, enum, k, "%s version %d", kind, i)
			}
			orig, _ := get(crd, "spec", "versions").([]any)
			origEnum, _ := get(orig[i], "schema", "openAPIV3Schema", "properties", "spec", "properties", field, "items", "properties", "kind", "enum").([]any)
			assert.NotContains(t, origEnum, "FluxInstance", "the shared catalog is not modified")
		}
		assert.Equal(t, patched, fluxOperatorCRD(patched), "patching twice adds nothing")
	}
	assert.Equal(t, map[string]bool{"Alert": true, "Receiver": true}, seen)
}
