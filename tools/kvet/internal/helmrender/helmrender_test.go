package helmrender

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
)

// TestSymlinkOutsideChart: a chart file linking out of the chart
// directory is refused, never read.
func TestSymlinkOutsideChart(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	chart := filepath.Join(root, "chart")
	require.NoError(t, os.MkdirAll(filepath.Join(chart, "templates"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(chart, "Chart.yaml"), []byte("apiVersion: v2\nname: c\nversion: 0.1.0\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "secret.yaml"), []byte("a: b\n"), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(root, "secret.yaml"), filepath.Join(chart, "templates", "leak.yaml")))
	_, err := Render(Options{ChartDir: chart, ReleaseName: "r", Namespace: "ns"})
	var e *Error
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, guard.RuleSymlinkEscape, e.Rule)
	assert.Contains(t, e.Msg, "outside the chart directory")
}

// TestLookupIsInert: lookup returns nothing and getHostByName "" (no
// cluster, no DNS); Capabilities follow the requested version.
func TestLookupIsInert(t *testing.T) {
	t.Parallel()
	chart := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(chart, "templates"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(chart, "Chart.yaml"), []byte("apiVersion: v2\nname: c\nversion: 0.1.0\n"), 0o644))
	tpl := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  found: {{ len (lookup \"v1\" \"Secret\" \"ns\" \"x\") | quote }}\n  host: {{ getHostByName \"example.com\" | quote }}\n  kube: {{ .Capabilities.KubeVersion.Minor | quote }}\n"
	require.NoError(t, os.WriteFile(filepath.Join(chart, "templates", "cm.yaml"), []byte(tpl), 0o644))
	r, err := Render(Options{ChartDir: chart, ReleaseName: "r", Namespace: "ns", KubeVersion: "1.33"})
	require.NoError(t, err)
	require.Len(t, r.Manifests, 1)
	assert.Contains(t, r.Manifests[0].Content, `found: "0"`)
	assert.Contains(t, r.Manifests[0].Content, `host: ""`)
	assert.Contains(t, r.Manifests[0].Content, `kube: "33"`)
	assert.Equal(t, filepath.Join(chart, "templates", "cm.yaml"), r.Manifests[0].File)
}
