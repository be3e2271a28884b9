package bundled

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFeatureGatesFollowTheRelease(t *testing.T) {
	g, err := LoadFeatureGates()
	require.NoError(t, err)
	assert.Contains(t, g.Source, "pkg/features/kube_features.go")
	// Every bundled release has its gates.
	for _, minor := range KubernetesVersions() {
		gates, err := g.Release(minor)
		require.NoError(t, err, minor)
		assert.Greater(t, len(gates), 100, minor)
	}
	tests := []struct {
		version string
		want    FeatureGate
	}{
		{"1.35", FeatureGate{Default: false, PreRelease: "Alpha"}},
		{"1.36.3", FeatureGate{Default: false, PreRelease: "Alpha"}},
		{"v1.37", FeatureGate{Default: true, PreRelease: "Beta"}},
	}
	for _, tt := range tests {
		gates, err := g.Release(tt.version)
		require.NoError(t, err)
		assert.Equal(t, tt.want, gates["HPAScaleToZero"], tt.version)
	}
	_, err = g.Release("1.20")
	assert.ErrorContains(t, err, "1.35, 1.36, 1.37")
	assert.Contains(t, g.Names(), "HPAScaleToZero")
}
