package runner_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

const (
	fluxWeb   = "clusters/prod/flux.yaml#Kustomization/flux-system/web"
	fluxPlain = "clusters/prod/flux.yaml#Kustomization/flux-system/plain"
	argoWeb   = "argocd/app.yaml#Application/argocd/argo-web"
)

// TestEntryPoints: targets reached through Flux Kustomizations and Argo CD
// Applications are rendered as their controllers render them; the bare
// directories stay targets of their own, except those only ever applied
// through Flux Kustomizations that substitute variables (apps/web,
// apps/plain): raw, their ${VAR}s would be false errors.
func TestEntryPoints(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "entrypoints"), nil)
	var paths []string
	for _, tg := range rep.Targets {
		assert.Empty(t, tg.Error, tg.Path)
		paths = append(paths, tg.Path)
	}
	assert.Equal(t, []string{
		"apps/argo", "apps/plain/sub",
		"argocd/app.yaml#Application/argocd/argo-web",
		"argocd/app.yaml#ApplicationSet/argocd/dirs/Application/dir-argo",
		"argocd/app.yaml#ApplicationSet/argocd/lists/Application/list-blue",
		"clusters/prod/flux.yaml#Kustomization/flux-system/loop-a",
		"clusters/prod/flux.yaml#Kustomization/flux-system/loop-b",
		fluxPlain, fluxWeb,
	}, paths)

	var gots []got
	for _, f := range rep.Findings {
		if f.Check == report.CheckPolicy {
			continue
		}
		gots = append(gots, project(f))
	}
	assert.ElementsMatch(t, []got{
		// dependsOn graph
		{".", "error", "build", "depends-on-cycle", res("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system/loop-a"), "spec.dependsOn", "clusters/prod/flux.yaml:73"},
		{".", "error", "build", "depends-on-missing", res("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system/plain"), "spec.dependsOn", "clusters/prod/flux.yaml:57"},
		// errors only the entry points' own patches introduce
		{argoWeb, "error", "schema", "unknown-field", res("apps/v1", "Deployment", "argo-shop/argo-web"), "spec.template.spec.containers[web]", "apps/argo/deployment.yaml:16"},
		{fluxWeb, "error", "schema", "unknown-field", res("apps/v1", "Deployment", "shop/prod-web-v1"), "spec", "apps/web/deployment.yaml:7"},
		{fluxWeb, "error", "build", "patch-no-match", "", "", "clusters/prod/flux.yaml:27"},
		// a variable without value or default
		{fluxPlain, "error", "build", "unset-variable", res("v1", "ConfigMap", "shop/greeting"), "", "apps/plain/greeting.yaml:1"},
	}, gots, dump(rep))
	for _, f := range rep.Findings {
		if f.Rule == "unset-variable" {
			assert.Contains(t, f.Message, "${GREETING}")
			assert.Contains(t, f.Message, "Flux Kustomization flux-system/plain")
			// kustomize-controller v1.9+ (StrictPostBuildSubstitutions on by
			// default) fails the build; make e2e shows it with the real controller.
			assert.Contains(t, f.Message, "kustomize-controller fails the build")
		}
	}
}

// TestRenderEntryPoint: what each controller applies.
func TestRenderEntryPoint(t *testing.T) {
	t.Parallel()
	root := fixture(t, "entrypoints")
	targets, err := discover.Discover(context.Background(), discover.Options{Root: root}, []string{root})
	require.NoError(t, err)
	byPath := map[string]discover.Target{}
	for _, tg := range targets {
		byPath[tg.Path] = tg
	}
	tests := []struct {
		target string
		want   string
	}{
		{fluxWeb, "../../testdata/entrypoints-golden/flux-web.yaml"},
		{fluxPlain, "../../testdata/entrypoints-golden/flux-plain.yaml"},
		{argoWeb, "../../testdata/entrypoints-golden/argo-web.yaml"},
		{"argocd/app.yaml#ApplicationSet/argocd/lists/Application/list-blue", "../../testdata/entrypoints-golden/list-blue.yaml"},
		{"argocd/app.yaml#ApplicationSet/argocd/dirs/Application/dir-argo", "../../testdata/entrypoints-golden/dir-argo.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			tg, ok := byPath[tc.target]
			require.True(t, ok, "no target %s", tc.target)
			out, err := build.New(build.Options{}).Render(context.Background(),
				build.Spec{Dir: tg.Dir, Generate: tg.Generated, Recurse: tg.Recurse, Entry: tg.Entry})
			require.NoError(t, err)
			want := readGolden(t, "entrypoints-golden/"+lastName(tc.want), out)
			assert.Equal(t, want, string(out))
		})
	}
}
