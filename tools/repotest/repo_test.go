package repotest

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// obj identifies a rendered object; Namespace "" means "any namespace".
type obj struct {
	APIVersion, Kind, Namespace, Name string
}

// repoRoot walks up from the test's working directory to the directory holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.mod above the test directory")
		dir = parent
	}
}

// build renders one kustomization directory (relative to the repository root) the way
// kvet does: in-process, plugins disabled, files loaded only from inside each root.
func build(t *testing.T, root, target string) []*resource.Resource {
	t.Helper()
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	opts.PluginConfig = types.DisabledPluginConfig()
	m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), filepath.Join(root, target))
	require.NoError(t, err, "kustomize build %s", target)
	return m.Resources()
}

func index(res []*resource.Resource) map[obj]*resource.Resource {
	out := make(map[obj]*resource.Resource, len(res))
	for _, r := range res {
		out[obj{r.GetApiVersion(), r.GetKind(), r.GetNamespace(), r.GetName()}] = r
	}
	return out
}

// has reports whether want (Namespace "" = any) is among the rendered objects.
func has(idx map[obj]*resource.Resource, want obj) bool {
	for o := range idx {
		if o.APIVersion == want.APIVersion && o.Kind == want.Kind && o.Name == want.Name &&
			(want.Namespace == "" || o.Namespace == want.Namespace) {
			return true
		}
	}
	return false
}

// requiredKinds: every kind issue 4 asks for must render in at least one overlay.
var requiredKinds = []string{
	"v1 Namespace", "v1 ResourceQuota", "v1 LimitRange", "v1 ConfigMap", "v1 Service", "v1 ServiceAccount",
	"apps/v1 Deployment", "apps/v1 StatefulSet", "apps/v1 DaemonSet",
	"autoscaling/v2 HorizontalPodAutoscaler", "policy/v1 PodDisruptionBudget",
	"networking.k8s.io/v1 NetworkPolicy", "networking.k8s.io/v1 Ingress",
	"rbac.authorization.k8s.io/v1 Role", "rbac.authorization.k8s.io/v1 RoleBinding",
	"rbac.authorization.k8s.io/v1 ClusterRole", "rbac.authorization.k8s.io/v1 ClusterRoleBinding",
	"apiextensions.k8s.io/v1 CustomResourceDefinition", "example.com/v1 GoApplication",
	"networking.istio.io/v1 VirtualService", "networking.istio.io/v1 DestinationRule",
	"security.istio.io/v1 PeerAuthentication",
	"opentelemetry.io/v1alpha1 Instrumentation", "opentelemetry.io/v1beta1 OpenTelemetryCollector",
	"monitoring.coreos.com/v1 ServiceMonitor", "monitoring.coreos.com/v1 PrometheusRule",
	"external-secrets.io/v1 ExternalSecret",
}

// overlays: per environment, the objects that must be there (names where they matter).
var overlays = []struct {
	env  string
	ns   string
	want []obj
}{
	{
		env: "dev", ns: "go-app-dev",
		want: []obj{
			{"apps/v1", "Deployment", "go-app-dev", "go-app"},
			{"v1", "Service", "go-app-dev", "go-app"},
			{"v1", "Service", "go-app-dev", "go-app-headless"},
			{"autoscaling/v2", "HorizontalPodAutoscaler", "go-app-dev", "go-app"},
			{"opentelemetry.io/v1alpha1", "Instrumentation", "go-app-dev", "go-app"},
			{"example.com/v1", "GoApplication", "go-app-dev", "hello"},
			{"monitoring.coreos.com/v1", "ServiceMonitor", "go-app-dev", "go-app"},
		},
	},
	{
		env: "staging", ns: "go-app-staging",
		want: []obj{
			{"apps/v1", "Deployment", "go-app-staging", "go-app"},
			{"apps/v1", "Deployment", "go-app-staging", "go-app-canary"},
			{"networking.istio.io/v1", "VirtualService", "go-app-staging", "go-app"},
			{"networking.istio.io/v1", "DestinationRule", "go-app-staging", "go-app"},
			{"monitoring.coreos.com/v1", "PrometheusRule", "go-app-staging", "go-app"},
		},
	},
	{
		env: "production", ns: "go-app-production",
		want: []obj{
			{"v1", "Namespace", "", "go-app-production"},
			{"apps/v1", "Deployment", "go-app-production", "go-app"},
			{"apps/v1", "Deployment", "go-app-production", "go-app-canary"},
			{"autoscaling/v2", "HorizontalPodAutoscaler", "go-app-production", "go-app"},
			{"policy/v1", "PodDisruptionBudget", "go-app-production", "go-app"},
			{"networking.k8s.io/v1", "NetworkPolicy", "go-app-production", "default-deny-all"},
			{"networking.k8s.io/v1", "NetworkPolicy", "go-app-production", "go-app"},
			{"networking.k8s.io/v1", "Ingress", "go-app-production", "go-app"},
			{"networking.istio.io/v1", "VirtualService", "go-app-production", "go-app"},
			{"networking.istio.io/v1", "DestinationRule", "go-app-production", "go-app"},
			{"apps/v1", "StatefulSet", "go-app-production", "postgres"},
			{"opentelemetry.io/v1beta1", "OpenTelemetryCollector", "go-app-production", "otel"},
			{"external-secrets.io/v1", "ExternalSecret", "go-app-production", "go-app-database"},
			{"apps/v1", "DaemonSet", "logging", "fluent-bit"},
			{"apps/v1", "Deployment", "go-app-system", "go-app-operator"},
			{"apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "goapplications.example.com"},
		},
	},
}

func TestOverlays(t *testing.T) {
	root := repoRoot(t)
	seen := map[string]bool{}
	for _, tc := range overlays {
		t.Run(tc.env, func(t *testing.T) {
			res := build(t, root, filepath.Join("overlays", tc.env))
			idx := index(res)
			for o := range idx {
				seen[o.APIVersion+" "+o.Kind] = true
			}
			for _, w := range tc.want {
				assert.True(t, has(idx, w), "overlays/%s does not render %s %s %s/%s", tc.env, w.APIVersion, w.Kind, w.Namespace, w.Name)
			}
			// The go-app stack lives in the environment's namespace; only the cluster-wide
			// pieces keep their own.
			allowed := map[string]bool{tc.ns: true, "": true, "logging": true, "go-app-system": true}
			for o := range idx {
				assert.True(t, allowed[o.Namespace], "%s %s/%s in unexpected namespace", o.Kind, o.Namespace, o.Name)
			}
		})
	}
	var missing []string
	for _, k := range requiredKinds {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "kinds that render in no overlay")
}

// TestCanary checks the traffic split and that the canary is a distinct release.
func TestCanary(t *testing.T) {
	root := repoRoot(t)
	for _, env := range []string{"staging", "production"} {
		t.Run(env, func(t *testing.T) {
			idx := index(build(t, root, filepath.Join("overlays", env)))
			ns := "go-app-" + env
			dr := idx[obj{"networking.istio.io/v1", "DestinationRule", ns, "go-app"}]
			require.NotNil(t, dr)
			subsets := map[string]string{}
			items, err := dr.GetSlice("spec.subsets")
			require.NoError(t, err)
			for _, s := range items {
				m := s.(map[string]any)
				subsets[m["name"].(string)] = m["labels"].(map[string]any)["version"].(string)
			}
			assert.Equal(t, map[string]string{"stable": "stable", "canary": "canary"}, subsets)

			for name, version := range map[string]string{"go-app": "stable", "go-app-canary": "canary"} {
				d := idx[obj{"apps/v1", "Deployment", ns, name}]
				require.NotNil(t, d, "Deployment %s", name)
				got, err := d.GetString("spec.template.metadata.labels.version")
				require.NoError(t, err)
				assert.Equal(t, version, got, "pod label version of %s", name)
			}
		})
	}
}

// TestEntryPoints: apps/ and clusters/* build, and every path Argo CD or Flux names
// exists as a kustomization directory.
func TestEntryPoints(t *testing.T) {
	root := repoRoot(t)
	cases := []struct {
		target string
		want   []obj
	}{
		{"apps", []obj{
			{"argoproj.io/v1alpha1", "AppProject", "argocd", "go-app"},
			{"argoproj.io/v1alpha1", "ApplicationSet", "argocd", "go-app"},
			{"argoproj.io/v1alpha1", "Application", "argocd", "gitops-root"},
		}},
		{"clusters/staging", []obj{
			{"source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system", "flux-system"},
			{"kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system", "apps"},
		}},
		{"clusters/production", []obj{
			{"source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system", "flux-system"},
			{"kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system", "apps"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			res := build(t, root, tc.target)
			idx := index(res)
			for _, w := range tc.want {
				assert.True(t, has(idx, w), "%s does not render %s %s/%s", tc.target, w.Kind, w.Namespace, w.Name)
			}
			for _, r := range res {
				var path string
				switch r.GetKind() {
				case "Kustomization":
					path, _ = r.GetString("spec.path")
				case "Application":
					path, _ = r.GetString("spec.source.path")
				default:
					continue
				}
				require.NotEmpty(t, path, "%s %s has no path", r.GetKind(), r.GetName())
				// Each path Flux or Argo CD syncs must itself build.
				build(t, root, filepath.Clean(path))
			}
		})
	}
}

// TestFluxLayers: platform before apps, and the app layer points at the right overlay.
func TestFluxLayers(t *testing.T) {
	root := repoRoot(t)
	for _, env := range []string{"staging", "production"} {
		t.Run(env, func(t *testing.T) {
			idx := index(build(t, root, "clusters/"+env))
			apps := idx[obj{"kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system", "apps"}]
			require.NotNil(t, apps)
			path, err := apps.GetString("spec.path")
			require.NoError(t, err)
			assert.Equal(t, "./overlays/"+env, path)
			dep, err := apps.GetSlice("spec.dependsOn")
			require.NoError(t, err)
			require.Len(t, dep, 1)
			assert.Equal(t, "infrastructure-configs", dep[0].(map[string]any)["name"])

			// HelmReleases of the platform layer render and refer to defined repositories.
			infra := index(build(t, root, "clusters/"+env+"/infrastructure/controllers"))
			for _, name := range []string{"ingress-nginx", "kube-prometheus-stack", "istiod", "external-secrets", "opentelemetry-operator"} {
				hr := infra[obj{"helm.toolkit.fluxcd.io/v2", "HelmRelease", "flux-system", name}]
				if !assert.NotNil(t, hr, "HelmRelease %s", name) {
					continue
				}
				repo, err := hr.GetString("spec.chart.spec.sourceRef.name")
				require.NoError(t, err)
				assert.True(t, has(infra, obj{"source.toolkit.fluxcd.io/v1", "HelmRepository", "flux-system", repo}), "HelmRepository %s", repo)
			}
		})
	}
}
