package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The shape of kube_features.go: local and imported gate constants, specs
// in version order, a gate that only exists from a later release.
const kubeFeaturesSample = `package features

var defaultVersionedKubernetesFeatureGates = map[featuregate.Feature]featuregate.VersionedSpecs{
	HPAScaleToZero: {
		{Version: version.MustParse("1.16"), Default: false, PreRelease: featuregate.Alpha},
		{Version: version.MustParse("1.37"), Default: true, PreRelease: featuregate.Beta},
	},
	genericfeatures.APIServerTracing: {
		{Version: version.MustParse("1.22"), Default: false, PreRelease: featuregate.Alpha},
		{Version: version.MustParse("1.27"), Default: true, PreRelease: featuregate.Beta},
		{Version: version.MustParse("1.34"), Default: true, PreRelease: featuregate.GA, LockToDefault: true},
	},
	Future: {
		{Version: version.MustParse("1.40"), Default: false, PreRelease: featuregate.Alpha},
	},
}
`

func TestParseFeatureGates(t *testing.T) {
	tests := []struct {
		minor string
		want  map[string]featureGate
	}{
		{"1.36", map[string]featureGate{
			"HPAScaleToZero":   {Default: false, PreRelease: "Alpha"},
			"APIServerTracing": {Default: true, PreRelease: "GA", LockToDefault: true},
		}},
		{"1.37", map[string]featureGate{
			"HPAScaleToZero":   {Default: true, PreRelease: "Beta"},
			"APIServerTracing": {Default: true, PreRelease: "GA", LockToDefault: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.minor, func(t *testing.T) {
			got, err := parseFeatureGates([]byte(kubeFeaturesSample), tt.minor)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := parseFeatureGates([]byte("package features\n"), "1.37")
	assert.Error(t, err)
}
