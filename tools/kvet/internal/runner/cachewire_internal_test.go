package runner

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/yamljson"
)

// TestObjectListWire: object lists round-trip (nil and empty kept apart,
// strings of any bytes), and every truncation of one is an error, never a
// shorter list.
func TestObjectListWire(t *testing.T) {
	t.Parallel()
	objs := []cachedObject{
		{Index: 0, Resource: report.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "web", Name: "api"},
			Source: report.Source{File: "base/deployment.yaml", Line: 3}, Size: 120, JSON: true},
		{Index: -1, Resource: report.Resource{APIVersion: "v1", Kind: "ConfigMap", Name: "ünï\x00code"}, Applier: yamljson.Kubectl,
			Source: report.Source{File: "base/deployment.yaml", Line: 1 << 40}, Err: "kustomize cannot encode this object"},
	}
	for name, in := range map[string][]cachedObject{"nil": nil, "empty": {}, "objects": objs} {
		t.Run(name, func(t *testing.T) {
			b := encodeObjectList(in)
			out, err := decodeObjectList(b)
			require.NoError(t, err)
			assert.Equal(t, in, out)
			for n := range len(b) {
				_, err := decodeObjectList(b[:n])
				assert.Error(t, err, "truncated to %d bytes", n)
			}
			_, err = decodeObjectList(append(b, 0))
			assert.Error(t, err, "trailing bytes")
		})
	}
	rs := []report.Resource{objs[0].Resource, objs[1].Resource}
	for name, in := range map[string][]report.Resource{"nil": nil, "empty": {}, "resources": rs} {
		t.Run("resources "+name, func(t *testing.T) {
			b := encodeResources(in)
			out, err := decodeResources(b)
			require.NoError(t, err)
			assert.Equal(t, in, out)
			for n := range len(b) {
				_, err := decodeResources(b[:n])
				assert.Error(t, err, "truncated to %d bytes", n)
			}
			_, err = decodeResources(append(b, 0))
			assert.Error(t, err, "trailing bytes")
		})
	}
}
