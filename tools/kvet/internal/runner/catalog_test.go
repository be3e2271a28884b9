package runner_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// TestBundledGroups: every file of testdata/catalog-groups holds a valid
// object of one bundled project's CRD (named "valid") and the same object
// with one misspelt field (named "typo"). The valid ones give no finding;
// each typo gives an unknown-field finding at the misspelt key's line,
// naming the bundled CRD's source and release. A misspelt required field
// also lacks that field.
func TestBundledGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, apiVersion, kind string
		path                   string
		line                   int
		source                 string // the project and release the message names
	}{
		{"argo-rollouts.yaml", "argoproj.io/v1alpha1", "Rollout", "spec.strategy.canary.steps[0]", 37, "Argo Rollouts v1.10.2"},
		{"argo-workflows.yaml", "argoproj.io/v1alpha1", "WorkflowTemplate", "spec", 20, "Argo Workflows v4.0.5"},
		{"cert-manager.yaml", "cert-manager.io/v1", "Certificate", "spec", 21, "cert-manager v1.21.2"},
		{"cilium.yaml", "cilium.io/v2", "CiliumNetworkPolicy", "spec.ingress[0]", 25, "Cilium v1.20.2"},
		{"openshift-config.yaml", "config.openshift.io/v1", "OAuth", "spec.identityProviders[htpasswd]", 21, "OpenShift v0.0.0-20251015095338-264e80a2b6e7"},
		{"openshift-console.yaml", "console.openshift.io/v1", "ConsoleLink", "spec", 17, "OpenShift v0.0.0-20251015095338-264e80a2b6e7"},
		{"external-dns.yaml", "externaldns.k8s.io/v1alpha1", "DNSEndpoint", "spec.endpoints[0]", 21, "ExternalDNS v0.23.0"},
		{"flux-operator.yaml", "fluxcd.controlplane.io/v1", "ResourceSet", "spec", 21, "Flux Operator v0.59.0"},
		{"envoy-gateway.yaml", "gateway.envoyproxy.io/v1alpha1", "ClientTrafficPolicy", "spec", 25, "Envoy Gateway v1.9.1"},
		{"gatekeeper.yaml", "templates.gatekeeper.sh/v1", "ConstraintTemplate", "spec.targets[0]", 29, "OPA Gatekeeper v3.23.1"},
		{"gateway-api.yaml", "gateway.networking.k8s.io/v1", "HTTPRoute", "spec", 24, "Gateway API (experimental channel) v1.7.0"},
		{"grafana-operator.yaml", "grafana.integreatly.org/v1beta1", "GrafanaFolder", "spec", 18, "grafana-operator v5.18.0"},
		{"multus.yaml", "k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition", "spec", 15, "Multus (NetworkAttachmentDefinition) v1.7.7"},
		{"karpenter.yaml", "karpenter.sh/v1", "NodePool", "spec", 34, "Karpenter v1.15.0"},
		{"keda.yaml", "keda.sh/v1alpha1", "ScaledObject", "spec", 24, "KEDA v2.21.0"},
		{"prometheus-operator.yaml", "monitoring.coreos.com/v1", "ServiceMonitor", "spec.endpoints[0]", 25, "Prometheus Operator v0.89.0"},
		{"knative-operator.yaml", "operator.knative.dev/v1beta1", "KnativeServing", "spec.high-availability", 17, "Knative Operator v0.42.2"},
		{"olm.yaml", "operators.coreos.com/v1alpha1", "Subscription", "spec", 23, "Operator Lifecycle Manager v0.36.0"},
		{"kyverno.yaml", "policies.kyverno.io/v1", "ValidatingPolicy", "spec", 30, "Kyverno v1.19.1"},
		{"cloudnative-pg.yaml", "postgresql.cnpg.io/v1", "Cluster", "spec", 19, "CloudNativePG v1.28.0"},
		{"openshift-route.yaml", "route.openshift.io/v1", "Route", "spec", 24, "OpenShift v0.0.0-20251015095338-264e80a2b6e7"},
		// OpenShift's own API server kinds: no CRD, the OpenAPI document.
		{"openshift-apps.yaml", "apps.openshift.io/v1", "DeploymentConfig", "spec", 38, "OpenAPI of OpenShift v0.0.0-20251015095338-264e80a2b6e7"},
		{"openshift-image.yaml", "image.openshift.io/v1", "ImageStream", "spec.lookupPolicy", 17, "OpenAPI of OpenShift v0.0.0-20251015095338-264e80a2b6e7"},
		{"knative.yaml", "serving.knative.dev/v1", "Service", "spec.template.spec", 21, "Knative Serving v0.51.0"},
		{"snapshot.yaml", "snapshot.storage.k8s.io/v1", "VolumeSnapshotClass", "", 13, "CSI external-snapshotter v8.7.0"},
		{"tekton.yaml", "tekton.dev/v1", "Task", "spec.steps[build]", 21, "Tekton Pipelines v1.6.0"},
		{"traefik.yaml", "traefik.io/v1alpha1", "Middleware", "spec.redirectScheme", 19, "Traefik v3.7.13"},
		{"velero.yaml", "velero.io/v1", "Schedule", "spec.template", 21, "Velero v1.18.3"},
		{"volsync.yaml", "volsync.backube/v1alpha1", "ReplicationSource", "spec.restic", 25, "VolSync v0.14.0"},
	}
	rep := run(t, fixture(t, "catalog-groups"), nil)
	byFile := map[string][]report.Finding{}
	for _, f := range rep.Findings {
		byFile[f.Source.File] = append(byFile[f.Source.File], f)
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			var unknown []report.Finding
			for _, f := range byFile[tc.file] {
				assert.Equal(t, "typo", f.Resource.Name, "the valid object has a finding: %s", f.Message)
				if f.Rule == "unknown-field" {
					unknown = append(unknown, f)
				} else {
					assert.Equal(t, "missing-field", f.Rule, f.Message)
				}
			}
			require.Len(t, unknown, 1, "findings:\n%s", dump(rep))
			f := unknown[0]
			assert.Equal(t, tc.apiVersion, f.Resource.APIVersion)
			assert.Equal(t, tc.kind, f.Resource.Kind)
			assert.Equal(t, tc.path, f.Path)
			assert.Equal(t, tc.line, f.Source.Line, f.Message)
			assert.Contains(t, f.Message, "(schema: ")
			assert.Contains(t, f.Message, tc.source+", bundled)")
			if tc.kind == "GrafanaFolder" {
				// The bundled grafana-operator is older than its current
				// release: a newer operator may define the field.
				assert.Equal(t, report.SeverityWarning, f.Severity)
				assert.Contains(t, f.Message, "--crds")
			} else {
				assert.Equal(t, report.SeverityError, f.Severity)
			}
		})
	}
	assert.Len(t, byFile, len(tests), "a file without a sample in the table:\n%s", dump(rep))
}

// TestCatalogRemovedAndUnknownVersions: a CRD version its project removed
// is removed-api with the release and the replacement, as for built-in
// APIs; a custom resource group, even one ending in k8s.io, gets the CRD
// advice, never "Kubernetes does not serve"; a bundled kind at a version
// its CRD does not serve says which versions it serves.
func TestCatalogRemovedAndUnknownVersions(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "catalog-removed"), nil)
	var schemaFindings []got
	for _, f := range rep.Findings {
		if f.Check == "schema" {
			schemaFindings = append(schemaFindings, project(f))
		}
	}
	assert.ElementsMatch(t, []got{
		{".", E, "schema", "removed-api", res("source.toolkit.fluxcd.io/v1beta2", "HelmRepository", "flux-system/podinfo"), "apiVersion", "removed.yaml:1"},
		{".", E, "schema", "removed-api", res("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", "flux-system/podinfo"), "apiVersion", "removed.yaml:10"},
		{".", E, "schema", "no-schema", res("multicluster.x-k8s.io/v1alpha1", "ServiceExport", "web/web"), "apiVersion", "unknown.yaml:1"},
		{".", E, "schema", "no-schema", res("cert-manager.io/v1alpha2", "Certificate", "web/old"), "apiVersion", "unknown.yaml:7"},
	}, schemaFindings, dump(rep))
	msgs := map[string]string{}
	for _, f := range rep.Findings {
		msgs[f.Resource.APIVersion] = f.Message
	}
	assert.Contains(t, msgs["source.toolkit.fluxcd.io/v1beta2"], "removed in Flux v2.8.0")
	assert.Contains(t, msgs["source.toolkit.fluxcd.io/v1beta2"], "use source.toolkit.fluxcd.io/v1")
	assert.Contains(t, msgs["helm.toolkit.fluxcd.io/v2beta1"], "removed in Flux v2.7.0")
	assert.Contains(t, msgs["helm.toolkit.fluxcd.io/v2beta1"], "use helm.toolkit.fluxcd.io/v2;")
	for _, av := range []string{"multicluster.x-k8s.io/v1alpha1", "cert-manager.io/v1alpha2"} {
		assert.NotContains(t, msgs[av], "does not serve", av)
		assert.Contains(t, msgs[av], "--crds", av)
	}
	assert.Contains(t, msgs["multicluster.x-k8s.io/v1alpha1"], "--schema-location")
	assert.Contains(t, msgs["multicluster.x-k8s.io/v1alpha1"], "externalKinds")
	assert.Contains(t, msgs["cert-manager.io/v1alpha2"], "serves cert-manager.io/v1")

	// A cluster that still runs the old Flux: its CRDs in the repository
	// make the version known again.
	rep = run(t, fixture(t, "catalog-removed"), func(o *runner.Options) {
		o.Config = &config.Config{ExternalKinds: []string{"source.toolkit.fluxcd.io/v1beta2/*", "helm.toolkit.fluxcd.io/*"}}
	})
	for _, f := range rep.Findings {
		assert.NotEqual(t, "removed-api", f.Rule, "externalKinds declares the old version served: %s", f.Message)
	}
}

// TestSchemaLocations: schemas in kubeconform's layout are used for kinds
// nothing else describes; kvet.yaml's locations stay inside the
// repository (a symlink out is refused), a command-line one may name any
// local directory.
func TestSchemaLocations(t *testing.T) {
	t.Parallel()
	root := fixture(t, "schema-location")
	const tpl = "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
	widget := func(name string) string { return res("things.example.com/v1", "Widget", name) }

	t.Run("without a location the kind has no schema", func(t *testing.T) {
		t.Parallel()
		rep := run(t, root, nil)
		assert.Equal(t, []got{
			{"app", E, "schema", "no-schema", widget("typo"), "apiVersion", "app/widgets.yaml:8"},
			{"app", E, "schema", "no-schema", widget("valid"), "apiVersion", "app/widgets.yaml:1"},
		}, projectAll(rep.Findings), dump(rep))
	})
	t.Run("kvet.yaml location inside the repository", func(t *testing.T) {
		t.Parallel()
		rep := run(t, root, func(o *runner.Options) {
			o.Config = &config.Config{SchemaLocations: []string{"schemas/" + tpl}}
		})
		assert.Equal(t, []got{
			{"app", E, "schema", "unknown-field", widget("typo"), "spec", "app/widgets.yaml:13"},
		}, projectAll(rep.Findings), dump(rep))
		assert.Contains(t, rep.Findings[0].Message, "schema location schemas/"+tpl+": schemas/things.example.com/widget_v1.json")
	})
	t.Run("kvet.yaml location through a symlink out of the repository", func(t *testing.T) {
		t.Parallel()
		rep := run(t, root, func(o *runner.Options) {
			o.Config = &config.Config{SchemaLocations: []string{"linked/" + tpl}}
		})
		rules := map[string]int{}
		for _, f := range rep.Findings {
			rules[f.Rule]++
			assert.NotContains(t, f.Message, root, "no machine path in a message")
		}
		assert.Equal(t, map[string]int{"schema-location": 1, "no-schema": 2}, rules, dump(rep))
	})
	t.Run("command-line location outside the repository", func(t *testing.T) {
		t.Parallel()
		rep := run(t, root, func(o *runner.Options) {
			o.SchemaLocations = []string{filepath.Join(filepath.Dir(root), "schema-location-outside", tpl)}
		})
		assert.Equal(t, []got{
			{"app", E, "schema", "unknown-field", widget("typo"), "spec", "app/widgets.yaml:13"},
		}, projectAll(rep.Findings), dump(rep))
	})
}
