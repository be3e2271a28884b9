package bundled

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

const featureGatesFile = "featuregates.json.gz"

// FeatureGate is a feature gate as a release's API server starts with it,
// read by tools/schemagen from that release's own
// k8s.io/kubernetes pkg/features/kube_features.go (the versioned defaults
// of defaultVersionedKubernetesFeatureGates evaluated at the release).
type FeatureGate struct {
	Default bool `json:"default"`
	// PreRelease is Alpha, Beta, GA or Deprecated.
	PreRelease string `json:"preRelease"`
	// LockToDefault: the API server refuses to start with another value.
	LockToDefault bool `json:"lockToDefault,omitempty"`
}

// FeatureGates are the gates of every bundled release.
type FeatureGates struct {
	// Source names the input modules and file.
	Source string `json:"source"`
	// Releases maps a minor ("1.37") to its gates by name.
	Releases map[string]map[string]FeatureGate `json:"releases"`
}

// LoadFeatureGates decompresses the feature gate bundle. The result is
// shared: read it, never modify it.
func LoadFeatureGates() (*FeatureGates, error) {
	return decoded(featureGatesFile, func() (*FeatureGates, error) {
		var g FeatureGates
		if err := readBundle(featureGatesFile, &g); err != nil {
			return nil, err
		}
		return &g, nil
	})
}

// Release returns the gates of a bundled minor ("1.37", "v1.37", "1.37.2").
func (g *FeatureGates) Release(version string) (map[string]FeatureGate, error) {
	minor, ok := minorOf(version)
	if gates, found := g.Releases[minor]; ok && found {
		return gates, nil
	}
	return nil, fmt.Errorf("no feature gates bundled for kubernetes version %q (supported: %s)",
		version, strings.Join(slices.Sorted(maps.Keys(g.Releases)), ", "))
}

// Names returns every gate name of any bundled release, sorted.
func (g *FeatureGates) Names() []string {
	set := map[string]bool{}
	for _, gates := range g.Releases {
		for name := range gates {
			set[name] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}
