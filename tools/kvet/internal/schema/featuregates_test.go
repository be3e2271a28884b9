package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/apivalidate"
)

func TestAPIOptionsFollowTheRelease(t *testing.T) {
	tests := []struct {
		minor     string
		overrides map[string]bool
		want      bool
	}{
		{"1.35", nil, false},
		{"1.36", nil, false},
		{"1.37", nil, true},
		{"1.36", map[string]bool{apivalidate.GateHPAScaleToZero: true}, true},
		{"1.37", map[string]bool{apivalidate.GateHPAScaleToZero: false}, false},
	}
	for _, tt := range tests {
		opts, err := apiOptions(tt.minor, tt.overrides)
		require.NoError(t, err)
		assert.Equal(t, tt.want, opts.FeatureGates[apivalidate.GateHPAScaleToZero], "%s %v", tt.minor, tt.overrides)
	}
	// A GA gate locked to its default cannot be turned off: the API
	// server would refuse to start.
	_, err := apiOptions("1.37", map[string]bool{"CRDValidationRatcheting": false})
	assert.ErrorContains(t, err, "locked")
	_, err = apiOptions("1.37", map[string]bool{"NoSuchGate": true})
	assert.ErrorContains(t, err, "not a feature gate of Kubernetes 1.37")
}
