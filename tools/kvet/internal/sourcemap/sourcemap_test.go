package sourcemap

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	yaml3 "go.yaml.in/yaml/v3"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
)

// buildTarget builds a fixture target with kvet's builder, so the origins
// the map starts from are the ones kvet really gets.
func buildTarget(t *testing.T, dir string) (map[string]Object, string) {
	t.Helper()
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	res := build.New(build.Options{}).Build(context.Background(), build.Spec{Dir: abs})
	require.NoError(t, res.Err)
	require.Empty(t, res.Findings)
	objs := map[string]Object{}
	for _, o := range res.Objects {
		js, err := o.Node.MarshalJSON()
		require.NoError(t, err)
		var body map[string]any
		require.NoError(t, json.Unmarshal(js, &body))
		objs[o.Resource.Kind+"/"+o.Resource.Name] = Object{Body: body, File: o.Source.File, Line: o.Source.Line}
	}
	return objs, abs
}

func TestLocate(t *testing.T) {
	tree, err := filepath.Abs("testdata/tree")
	require.NoError(t, err)
	objs, dir := buildTarget(t, "testdata/tree/overlays/prod")
	m := New(dir)
	const (
		deploy   = "base/deployment.yaml"
		kust     = "overlays/prod/kustomization.yaml"
		security = "components/hardening/security.yaml"
	)
	c := "spec.template.spec.containers"
	tests := []struct {
		object, path string
		want         string // file:line relative to the fixture tree
	}{
		// Written in the base.
		{"Deployment/prod-web", "", deploy + ":1"},
		{"Deployment/prod-web", "metadata.name", deploy + ":4"},
		{"Deployment/prod-web", "spec.selector.matchLabels", deploy + ":10"},
		{"Deployment/prod-web", c + "[web].ports[http].containerPort", deploy + ":24"},
		{"Deployment/prod-web", c + "[web].env[LOG_LEVEL].value", deploy + ":27"},
		{"Deployment/prod-web", c + "[sidecar].image", deploy + ":19"},
		// An index is resolved against the rendered object (the merge put
		// web first), then found by name.
		{"Deployment/prod-web", c + "[1].image", deploy + ":19"},
		// Missing fields: the container that lacks them.
		{"Deployment/prod-web", c + "[sidecar].securityContext", deploy + ":18"},
		{"Deployment/prod-web", c + "[web].livenessProbe", deploy + ":20"},
		{"Deployment/prod-web", c + "[web].resources.requests", "overlays/prod/resources.yaml:10"},
		// ...or the deepest object that lacks it, where that is written.
		{"Deployment/prod-web", c + "[web].securityContext.readOnlyRootFilesystem", security + ":10"},
		// A list item is where it is defined, not where patches merge into it.
		{"Deployment/prod-web", c + "[web]", deploy + ":20"},
		{"Deployment/prod-web", c + "[sidecar]", deploy + ":18"},
		{"Deployment/prod-web", "spec.template.spec.initContainers[logger]", "overlays/prod/resources.yaml:14"},
		{"Deployment/prod-web", "spec.template.spec.initContainers[logger].image", "overlays/prod/resources.yaml:15"},
		{"Deployment/prod-web", "spec.template.spec.initContainers[logger].securityContext", "overlays/prod/resources.yaml:14"},
		// Strategic-merge patch files: the overlay's and the component's.
		{"Deployment/prod-web", c + "[web].resources.limits.cpu", "overlays/prod/resources.yaml:12"},
		{"Deployment/prod-web", c + "[web].resources.limits[cpu]", "overlays/prod/resources.yaml:12"},
		{"Deployment/prod-web", c + "[web].securityContext", security + ":10"},
		{"Deployment/prod-web", c + "[web].securityContext.runAsNonRoot", security + ":11"},
		{"Deployment/prod-web", c + "[web].securityContext.allowPrivilegeEscalation", security + ":12"},
		// An item of a list of strings is the patch's item, named by its
		// value or by its index in the rendered list.
		{"Deployment/prod-web", c + "[web].securityContext.capabilities.add[NET_ADMIN]", security + ":18"},
		{"Deployment/prod-web", c + "[web].securityContext.capabilities.add[1]", security + ":18"},
		{"Deployment/prod-web", c + "[web].securityContext.capabilities.add[NET_BIND_SERVICE]", security + ":17"},
		// ...or the JSON6902 operation that writes or appends it ("-"
		// matches any index: the value tells which item it wrote).
		{"Deployment/prod-web", c + "[sidecar].args[--verbose]", "components/hardening/probes.json:5"},
		{"Deployment/prod-web", c + "[sidecar].args[0]", "components/hardening/probes.json:5"},
		{"Deployment/prod-web", c + "[sidecar].args[--trace]", "components/hardening/probes.json:8"},
		// JSON6902 file from the component, with an index.
		{"Deployment/prod-web", c + "[sidecar].readinessProbe.httpGet.port", "components/hardening/probes.json:3"},
		// Inline patches in the kustomization: JSON6902 and strategic merge.
		{"Deployment/prod-web", "spec.replicas", kust + ":17"},
		{"Deployment/prod-web", "spec.template.spec.hostNetwork", kust + ":29"},
		// images:, namespace: and replacements: entries.
		{"Deployment/prod-web", c + "[web].image", kust + ":31"},
		{"Deployment/prod-web", "metadata.namespace", kust + ":3"},
		{"Deployment/prod-web", "spec.template.metadata.annotations.app-name", kust + ":34"},
		// The second document of a file.
		{"Service/prod-web", "spec.ports[http].port", "base/services.yaml:10"},
		{"Service/prod-web-headless", "spec.ports[http].port", "base/services.yaml:22"},
		{"Service/prod-web-headless", "spec.clusterIP", "base/services.yaml:17"},
		// Generated: the generator entry.
		{"ConfigMap/prod-web-config-hf678c7m2b", "data.LOG_LEVEL", "base/kustomization.yaml:5"},
	}
	for _, tt := range tests {
		t.Run(tt.object+" "+tt.path, func(t *testing.T) {
			o, ok := objs[tt.object]
			require.True(t, ok, "object %s not rendered", tt.object)
			src, ok := m.Locate(o, Pointer(o.Body, tt.path))
			require.True(t, ok)
			rel, err := filepath.Rel(tree, src.File)
			require.NoError(t, err)
			assert.Equal(t, tt.want, fmt.Sprintf("%s:%d", filepath.ToSlash(rel), src.Line))
		})
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		in   string
		want []segment
	}{
		{"spec.replicas", []segment{{key: "spec", index: -1}, {key: "replicas", index: -1}}},
		{"a[web].b", []segment{{key: "a", index: -1}, {key: "web", name: "web", index: -1, bracket: true}, {key: "b", index: -1}}},
		{"a[0]", []segment{{key: "a", index: -1}, {key: "0", index: 0, bracket: true}}},
		{`metadata.labels["app.kubernetes.io/name"]`, []segment{{key: "metadata", index: -1}, {key: "labels", index: -1},
			{key: "app.kubernetes.io/name", name: "app.kubernetes.io/name", index: -1, bracket: true}}},
		{"", nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, parsePath(tt.in), tt.in)
	}
}

func TestUnknownOrigin(t *testing.T) {
	m := New(t.TempDir())
	_, ok := m.Locate(Object{Body: map[string]any{"kind": "X"}}, []string{"spec"})
	assert.False(t, ok)
}

// TestRenderUnchanged: source mapping reads files only; the rendered output
// carries none of the annotations the build uses to find origins.
func TestRenderUnchanged(t *testing.T) {
	out, err := build.New(build.Options{}).Render(context.Background(), build.Spec{Dir: "testdata/tree/overlays/prod"})
	require.NoError(t, err)
	for _, leak := range []string{"config.kubernetes.io/origin", "alpha.config.kubernetes.io/transformations", "kvet.internal", "x-kvet-internal"} {
		assert.NotContains(t, string(out), leak)
	}
	objs, dir := buildTarget(t, "testdata/tree/overlays/prod")
	m := New(dir)
	for _, o := range objs {
		_, _ = m.Locate(o, []string{"spec", "template", "spec", "containers", "0", "image"})
		annos, _ := o.Body["metadata"].(map[string]any)["annotations"].(map[string]any)
		for k := range annos {
			assert.NotContains(t, k, "config.kubernetes.io", "built objects carry no build annotations")
		}
	}
}

// TestLocateKeysWithSlashAndTilde: JSON-pointer tokens name keys that hold
// "/", "." or "~" exactly, in the resource and in JSON6902 paths
// (example.com~1owner).
func TestLocateKeysWithSlashAndTilde(t *testing.T) {
	tree, err := filepath.Abs("testdata/keys")
	require.NoError(t, err)
	objs, dir := buildTarget(t, "testdata/keys")
	m := New(dir)
	o := objs["Deployment/web"]
	tests := []struct {
		ptr      []string
		readable string
		want     string
	}{
		{[]string{"metadata", "annotations", "example.com/tier"}, `metadata.annotations["example.com/tier"]`, "deploy.yaml:6"},
		{[]string{"metadata", "annotations", "example.com/owner"}, `metadata.annotations["example.com/owner"]`, "kustomization.yaml:10"},
		{[]string{"spec", "template", "spec", "nodeSelector", "kubernetes.io/os"}, `spec.template.spec.nodeSelector["kubernetes.io/os"]`, "deploy.yaml:17"},
		{[]string{"spec", "template", "spec", "nodeSelector", "pool~blue"}, "spec.template.spec.nodeSelector.pool~blue", "kustomization.yaml:13"},
		{[]string{"spec", "template", "spec", "containers", "0", "image"}, "spec.template.spec.containers[web].image", "deploy.yaml:20"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.ptr, Pointer(o.Body, tt.readable), tt.readable)
		src, ok := m.Locate(o, tt.ptr)
		require.True(t, ok)
		rel, err := filepath.Rel(tree, src.File)
		require.NoError(t, err)
		assert.Equal(t, tt.want, fmt.Sprintf("%s:%d", filepath.ToSlash(rel), src.Line), tt.readable)
	}
}

// Items that share a name (HelmRelease valuesFrom reading one ConfigMap
// under several keys) are told apart by their index; a name alone still
// finds the item a patch lists elsewhere.
func TestSeqItemRepeatedNames(t *testing.T) {
	var doc yaml3.Node
	require.NoError(t, yaml3.Unmarshal([]byte("- name: values\n- name: values\n  valuesKey: prod.yaml\n- name: other\n"), &doc))
	seq := doc.Content[0]
	assert.Equal(t, 2, seqItem(seq, segment{name: "values", index: 1}).Line)
	assert.Equal(t, 1, seqItem(seq, segment{name: "values", index: 0}).Line)
	assert.Equal(t, 1, seqItem(seq, segment{name: "values", index: 2}).Line, "index of another item: first by name")
	assert.Equal(t, 4, seqItem(seq, segment{name: "other", index: 0}).Line)
}
