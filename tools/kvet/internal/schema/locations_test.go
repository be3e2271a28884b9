package schema

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLocationPath(t *testing.T) {
	const tpl = "/s/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
	tests := []struct {
		apiVersion, kind string
		want             string // "" when nothing may be read
	}{
		{"cert-manager.io/v1", "Certificate", "/s/cert-manager.io/certificate_v1.json"},
		{"v1", "ConfigMap", "/s/v1/configmap_v1.json"},
		// Values from the repository's objects must not leave the directory.
		{"../../etc/v1", "Thing", ""},
		{"../v1", "Thing", ""},
		{"example.com/v1", "../x", ""},
		{"example.com/..", "Thing", ""},
		{"a/b/c", "Thing", ""},
	}
	for _, tt := range tests {
		got, ok := locationPath(tpl, tt.apiVersion, tt.kind, "1.37.2")
		if tt.want == "" {
			assert.False(t, ok, "%s %s gave %s", tt.apiVersion, tt.kind, got)
			continue
		}
		assert.True(t, ok)
		assert.Equal(t, filepath.FromSlash(tt.want), got)
	}
}

// A location in kubeconform's other form, a directory, gets the layout
// kubeconform appends; URLs are refused.
func TestParseSchemaLocation(t *testing.T) {
	tpl, err := ParseSchemaLocation("/k8s-schemas")
	require.NoError(t, err)
	p, ok := locationPath(tpl, "apps/v1", "Deployment", "1.37.2")
	require.True(t, ok)
	assert.Equal(t, filepath.FromSlash("/k8s-schemas/v1.37.2-standalone-strict/deployment-apps-v1.json"), p)

	for _, bad := range []string{"https://example.com/{{.ResourceKind}}.json", "default", "/x/{{.Nope"} {
		_, err := ParseSchemaLocation(bad)
		assert.Error(t, err, bad)
	}
	assert.Equal(t, "/x/schemas", FixedDir("/x/schemas/{{.Group}}/{{.ResourceKind}}.json"))
}
