package main

import (
	"reflect"
	"testing"
)

func TestParseInventoryID(t *testing.T) {
	tests := []struct {
		id   string
		want objID
		ok   bool
	}{
		{"e2e_web_apps_Deployment", objID{"apps", "Deployment", "e2e", "web"}, true},
		{"_e2e__Namespace", objID{"", "Namespace", "", "e2e"}, true},
		{"_system__controller_rbac.authorization.k8s.io_ClusterRole", objID{"rbac.authorization.k8s.io", "ClusterRole", "", "system:controller"}, true},
		{"broken", objID{}, false},
	}
	for _, tt := range tests {
		got, ok := parseInventoryID(tt.id)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseInventoryID(%q) = %+v, %v; want %+v, %v", tt.id, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseTarget(t *testing.T) {
	file, ns, name, ok := parseTarget("clusters/production/apps.yaml#Kustomization/flux-system/apps")
	if !ok || file != "clusters/production/apps.yaml" || ns != "flux-system" || name != "apps" {
		t.Errorf("got %q %q %q %v", file, ns, name, ok)
	}
	for _, bad := range []string{"overlays/dev", "apps/root.yaml#Application/gitops-root", "base/x.yaml#HelmRelease/a"} {
		if _, _, _, ok := parseTarget(bad); ok {
			t.Errorf("parseTarget(%q) accepted", bad)
		}
	}
}

func TestDiffTree(t *testing.T) {
	live := map[string]any{"spec": map[string]any{"replicas": float64(2), "template": map[string]any{"image": "a"}}, "data": []any{"x", "y"}}
	same := map[string]any{"spec": map[string]any{"replicas": float64(2), "template": map[string]any{"image": "a"}}, "data": []any{"x", "y"}}
	var diffs []string
	diffTree("", live, same, &diffs)
	if len(diffs) != 0 {
		t.Fatalf("equal trees differ: %v", diffs)
	}
	other := map[string]any{"spec": map[string]any{"replicas": float64(3), "template": map[string]any{}}, "data": []any{"x", "z"}}
	diffTree("", live, other, &diffs)
	want := []string{
		`data[1]: controller "y", kvet "z"`,
		`spec.replicas: controller 2, kvet 3`,
		`spec.template.image: controller "a", kvet (absent)`,
	}
	if !reflect.DeepEqual(diffs, want) {
		t.Errorf("diffs = %q, want %q", diffs, want)
	}
}

func TestNoHealth(t *testing.T) {
	ks := map[string]any{"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
		"spec": map[string]any{"wait": true, "healthChecks": []any{"x"}, "healthCheckExprs": []any{"y"}, "path": "./a"}}
	noHealth(ks)
	if want := map[string]any{"wait": false, "path": "./a"}; !reflect.DeepEqual(ks["spec"], want) {
		t.Errorf("spec = %v, want %v", ks["spec"], want)
	}
	// Only Flux Kustomizations: kustomize's own kind is left alone.
	kk := map[string]any{"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "spec": map[string]any{"wait": true}}
	noHealth(kk)
	if kk["spec"].(map[string]any)["wait"] != true {
		t.Errorf("a kustomize Kustomization was changed: %v", kk)
	}
}

func TestExpectedReasons(t *testing.T) {
	tests := []struct {
		f    finding
		want []string
	}{
		{finding{Check: "schema", Rule: "invalid-port"}, []string{"ReconciliationFailed"}},
		{finding{Check: "build", Rule: "depends-on-missing"}, []string{"DependencyNotReady"}},
		{finding{Check: "build", Rule: "missing-file"}, []string{"BuildFailed", "ArtifactFailed"}},
		{finding{Check: "build", Rule: "substitution-failed"}, []string{"BuildFailed"}},
	}
	for _, tt := range tests {
		if got := expectedReasons(tt.f); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s/%s: %v, want %v", tt.f.Check, tt.f.Rule, got, tt.want)
		}
	}
}
