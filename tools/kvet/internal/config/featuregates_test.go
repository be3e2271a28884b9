package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFeatureGates(t *testing.T) {
	c, err := Parse([]byte("featureGates: {HPAScaleToZero: true}\n"))
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"HPAScaleToZero": true}, c.FeatureGates)

	tests := []struct{ yaml, want string }{
		{"featureGates: {HPAScaleToZer: true}\n", `"HPAScaleToZer" is not a feature gate of Kubernetes 1.35, 1.36, 1.37 (did you mean "HPAScaleToZero"?)`},
		{"featureGates: {hpascaletozero: true}\n", `(did you mean "HPAScaleToZero"?)`},
		{"featureGates: {NoSuchThingAtAll: true}\n", `"NoSuchThingAtAll" is not a feature gate`},
		{"featureGates: {HPAScaleToZero: yes-please}\n", "kvet.yaml:1: cannot unmarshal !!str `yes-please` into bool"},
		{"featureGates:\n  HPAScaleToZer: true\n", `kvet.yaml:2: featureGates["HPAScaleToZer"]: "HPAScaleToZer" is not a feature gate`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.yaml))
		assert.ErrorContains(t, err, tt.want, tt.yaml)
	}
	_, err = Parse([]byte("featureGates: {NoSuchThingAtAll: true}\n"))
	assert.NotContains(t, err.Error(), "did you mean", "no suggestion when nothing is close")
}
