package runner

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// fakeBuilt is a built target rendering objs ("apiVersion", "kind",
// "namespace", "name", "file").
func fakeBuilt(t *testing.T, root string, tgt discover.Target, objs ...[5]string) built {
	t.Helper()
	res := &build.Result{Dir: tgt.Dir}
	b := built{target: tgt, result: res}
	for i, o := range objs {
		r := report.Resource{APIVersion: o[0], Kind: o[1], Namespace: o[2], Name: o[3]}
		res.Objects = append(res.Objects, build.Object{Index: i, Resource: r, Source: report.Source{File: filepath.Join(root, o[4]), Line: 1}})
		js, err := json.Marshal(map[string]any{"apiVersion": o[0], "kind": o[1], "metadata": map[string]any{"name": o[3], "namespace": o[2]}, "data": map[string]any{"k": "v"}})
		require.NoError(t, err)
		b.encoded = append(b.encoded, encodedObject{json: js})
	}
	return b
}

func entry(file, name, dir string) *gitops.EntryPoint {
	return &gitops.EntryPoint{Source: gitops.Source{File: file}, Kind: "Kustomization", Name: name, Path: dir, Flux: &gitops.FluxSpec{}}
}

// TestClusterViews: targets linked by the entry points they render share
// one view; separate cluster entry points stay separate; a plain directory
// that entry points build sees their cluster; a lone target sees itself.
func TestClusterViews(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d := func(p string) string { return filepath.Join(root, p) }
	const ks = "kustomize.toolkit.fluxcd.io/v1"
	results := []built{
		fakeBuilt(t, root, discover.Target{Dir: d("clusters/prod"), Path: "clusters/prod"},
			[5]string{ks, "Kustomization", "flux-system", "apps", "clusters/prod/apps.yaml"}),
		fakeBuilt(t, root, discover.Target{Dir: d("apps/prod"), Path: "clusters/prod/apps.yaml#Kustomization/apps", Entry: entry("clusters/prod/apps.yaml", "apps", "apps/prod")},
			[5]string{"apps/v1", "Deployment", "shop", "web", "apps/prod/web.yaml"}),
		fakeBuilt(t, root, discover.Target{Dir: d("apps/prod"), Path: "apps/prod"},
			[5]string{"apps/v1", "Deployment", "", "web", "apps/prod/web.yaml"}),
		fakeBuilt(t, root, discover.Target{Dir: d("clusters/staging"), Path: "clusters/staging"},
			[5]string{ks, "Kustomization", "flux-system", "apps", "clusters/staging/apps.yaml"}),
		fakeBuilt(t, root, discover.Target{Dir: d("apps/staging"), Path: "clusters/staging/apps.yaml#Kustomization/apps", Entry: entry("clusters/staging/apps.yaml", "apps", "apps/staging")},
			[5]string{"v1", "ConfigMap", "shop", "settings", "apps/staging/cm.yaml"},
			[5]string{"helm.toolkit.fluxcd.io/v2", "HelmRelease", "shop", "api", "apps/staging/release/hr.yaml"}),
		// a plain directory linked through the HelmRelease entry point it
		// renders without namespace: the entry point's namespaced copy wins
		fakeBuilt(t, root, discover.Target{Dir: d("apps/staging/release"), Path: "apps/staging/release"},
			[5]string{"helm.toolkit.fluxcd.io/v2", "HelmRelease", "", "api", "apps/staging/release/hr.yaml"}),
		fakeBuilt(t, root, discover.Target{Dir: d("apps/staging/release"), Path: "apps/staging/release/hr.yaml#HelmRelease/api",
			Entry: &gitops.EntryPoint{Source: gitops.Source{File: "apps/staging/release/hr.yaml"}, Kind: "HelmRelease", Name: "api", Helm: &gitops.HelmSpec{}}}),
		fakeBuilt(t, root, discover.Target{Dir: d("lonely"), Path: "lonely"},
			[5]string{"v1", "ConfigMap", "shop", "alone", "lonely/cm.yaml"}),
	}
	views := clusterViews(root, results)
	require.Len(t, views, 8)
	prod, staging := views[0], views[3]
	require.NotNil(t, prod)
	require.NotNil(t, staging)
	assert.Same(t, prod, views[1])
	assert.Same(t, prod, views[2], "a plain directory sees the cluster of the entry points building it")
	assert.Same(t, staging, views[4])
	assert.NotSame(t, prod, staging)
	assert.Same(t, staging, views[5])
	assert.Same(t, staging, views[6])
	assert.Nil(t, views[7], "a target nothing links is its own inventory")

	names := func(c *Cluster) []string {
		var out []string
		for _, o := range c.Objects() {
			out = append(out, o.Resource.Kind+"/"+o.Resource.Namespace+"/"+o.Resource.Name)
			if o.Resource.Kind == "ConfigMap" {
				data, _ := o.Body["data"].(map[string]any)
				assert.Contains(t, data, "k", "ConfigMap keys are part of the cluster view (key references resolve against them)")
				for k, v := range data {
					assert.Empty(t, v, "ConfigMap values are not part of the cluster view, their keys (%s) are", k)
				}
			}
		}
		return out
	}
	// (the plain directory's own objects are its inventory, not the view)
	assert.ElementsMatch(t, []string{"Kustomization/flux-system/apps", "Deployment/shop/web"}, names(prod))
	assert.ElementsMatch(t, []string{"Kustomization/flux-system/apps", "ConfigMap/shop/settings", "HelmRelease/shop/api"}, names(staging))
}
