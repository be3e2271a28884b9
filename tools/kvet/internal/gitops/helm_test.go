package gitops

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHelmNotRenderedNamesItsSource: every note of a HelmRelease kvet does
// not render names the chart and the source, or says what the manifest
// lacks (never "chart (unnamed) comes from  ,"); a HelmRelease patch
// (no chart, no chartRef: an overlay's values patch) is no entry point.
func TestHelmNotRenderedNamesItsSource(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	file := filepath.Join(root, "releases.yaml")
	writeFile(t, file, `# an overlay's patch of the base's HelmRelease: not a release
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: patch, namespace: podinfo}
spec:
  chart: {spec: {version: ">=1.0.0"}}
  values: {replicaCount: 2}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: repo, namespace: podinfo}
spec:
  chart: {spec: {chart: podinfo, sourceRef: {kind: HelmRepository, name: podinfo}}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: no-kind, namespace: podinfo}
spec:
  chart: {spec: {chart: podinfo, sourceRef: {name: podinfo, namespace: flux-system}}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: no-name, namespace: podinfo}
spec:
  chart: {spec: {chart: podinfo, sourceRef: {kind: HelmRepository}}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: no-chart, namespace: podinfo}
spec:
  chart: {spec: {sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}}}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: oci, namespace: podinfo}
spec:
  chartRef: {kind: OCIRepository, name: podinfo}
`)
	got := map[string]string{}
	for _, e := range Parse(root, file, NewRepo(root, nil, 0)) {
		got[e.Name] = e.Helm.NotRendered
	}
	assert.Equal(t, map[string]string{
		"repo":     "chart podinfo comes from HelmRepository podinfo/podinfo, not from this repository",
		"no-kind":  "chart podinfo comes from a sourceRef with no kind (flux-system/podinfo), not from this repository",
		"no-name":  "chart podinfo comes from a HelmRepository with no name, not from this repository",
		"no-chart": "a chart with no name (spec.chart.spec.chart is empty) from GitRepository flux-system/flux-system: nothing to render",
		"oci":      "chart comes from OCIRepository podinfo/podinfo (chartRef), not from this repository",
	}, got)
	for name, note := range got {
		for _, bad := range []string{"  ", " ,", "/,", "(unnamed)"} {
			assert.False(t, strings.Contains(note, bad), "%s: %q", name, note)
		}
	}
}
