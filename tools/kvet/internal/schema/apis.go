package schema

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

// apiChange is a Kubernetes API version that was removed or deprecated.
type apiChange struct {
	apiVersion string
	kinds      []string // empty: every kind of the version
	release    string   // minor that removed (or deprecated) it
	use        string   // replacement, "" when there is none
}

// removedAPIs are the built-in API versions Kubernetes stopped serving,
// per the Kubernetes deprecation guide, up to 1.37.
var removedAPIs = []apiChange{
	{"extensions/v1beta1", []string{"Deployment", "DaemonSet", "ReplicaSet"}, "1.16", "apps/v1"},
	{"extensions/v1beta1", []string{"NetworkPolicy"}, "1.16", "networking.k8s.io/v1"},
	{"extensions/v1beta1", []string{"PodSecurityPolicy"}, "1.16", "Pod Security Admission (namespace labels)"},
	{"extensions/v1beta1", []string{"Ingress"}, "1.22", "networking.k8s.io/v1"},
	{"apps/v1beta1", nil, "1.16", "apps/v1"},
	{"apps/v1beta2", nil, "1.16", "apps/v1"},
	{"networking.k8s.io/v1beta1", []string{"Ingress", "IngressClass"}, "1.22", "networking.k8s.io/v1"},
	{"rbac.authorization.k8s.io/v1beta1", nil, "1.22", "rbac.authorization.k8s.io/v1"},
	{"rbac.authorization.k8s.io/v1alpha1", nil, "1.22", "rbac.authorization.k8s.io/v1"},
	{"admissionregistration.k8s.io/v1beta1", []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}, "1.22", "admissionregistration.k8s.io/v1"},
	{"apiextensions.k8s.io/v1beta1", nil, "1.22", "apiextensions.k8s.io/v1"},
	{"apiregistration.k8s.io/v1beta1", nil, "1.22", "apiregistration.k8s.io/v1"},
	{"authentication.k8s.io/v1beta1", nil, "1.22", "authentication.k8s.io/v1"},
	{"authorization.k8s.io/v1beta1", nil, "1.22", "authorization.k8s.io/v1"},
	{"certificates.k8s.io/v1beta1", nil, "1.22", "certificates.k8s.io/v1"},
	{"coordination.k8s.io/v1beta1", nil, "1.22", "coordination.k8s.io/v1"},
	{"scheduling.k8s.io/v1beta1", nil, "1.22", "scheduling.k8s.io/v1"},
	{"scheduling.k8s.io/v1alpha1", nil, "1.22", "scheduling.k8s.io/v1"},
	{"storage.k8s.io/v1beta1", []string{"CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"}, "1.22", "storage.k8s.io/v1"},
	{"batch/v1beta1", []string{"CronJob"}, "1.25", "batch/v1"},
	{"batch/v2alpha1", []string{"CronJob"}, "1.21", "batch/v1"},
	{"discovery.k8s.io/v1beta1", nil, "1.25", "discovery.k8s.io/v1"},
	{"events.k8s.io/v1beta1", nil, "1.25", "events.k8s.io/v1"},
	{"autoscaling/v2beta1", nil, "1.25", "autoscaling/v2"},
	{"policy/v1beta1", []string{"PodDisruptionBudget"}, "1.25", "policy/v1"},
	{"policy/v1beta1", []string{"PodSecurityPolicy"}, "1.25", "Pod Security Admission (namespace labels)"},
	{"node.k8s.io/v1beta1", nil, "1.25", "node.k8s.io/v1"},
	{"flowcontrol.apiserver.k8s.io/v1beta1", nil, "1.26", "flowcontrol.apiserver.k8s.io/v1"},
	{"autoscaling/v2beta2", nil, "1.26", "autoscaling/v2"},
	{"storage.k8s.io/v1beta1", []string{"CSIStorageCapacity"}, "1.27", "storage.k8s.io/v1"},
	{"flowcontrol.apiserver.k8s.io/v1beta2", nil, "1.29", "flowcontrol.apiserver.k8s.io/v1"},
	{"networking.k8s.io/v1alpha1", []string{"ClusterCIDR"}, "1.29", ""},
	{"resource.k8s.io/v1alpha2", nil, "1.31", "resource.k8s.io/v1"},
	{"flowcontrol.apiserver.k8s.io/v1beta3", nil, "1.32", "flowcontrol.apiserver.k8s.io/v1"},
}

// deprecatedAPIs are still served by the bundled releases but will go.
var deprecatedAPIs = []apiChange{
	{"v1", []string{"ComponentStatus"}, "1.19", ""},
	{"v1", []string{"Endpoints"}, "1.33", "discovery.k8s.io/v1 EndpointSlice"},
}

func (c apiChange) matches(apiVersion, kind string) bool {
	if c.apiVersion != apiVersion {
		return false
	}
	if len(c.kinds) == 0 {
		return true
	}
	for _, k := range c.kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// minorLE reports whether minor a <= minor b ("1.25" <= "1.37").
func minorLE(a, b string) bool {
	pa, pb := strings.SplitN(a, ".", 3), strings.SplitN(b, ".", 3)
	for i := 0; i < 2 && i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return true
}

// removed returns the message for an API version removed at or before
// version, or "".
func removed(apiVersion, kind, version string) string {
	for _, c := range removedAPIs {
		if c.matches(apiVersion, kind) && minorLE(c.release, version) {
			msg := fmt.Sprintf("%s %s was removed in Kubernetes %s", apiVersion, kind, c.release)
			if c.use != "" {
				msg += "; use " + c.use
			}
			return msg
		}
	}
	return ""
}

func deprecated(apiVersion, kind, version string) string {
	for _, c := range deprecatedAPIs {
		if c.matches(apiVersion, kind) && minorLE(c.release, version) {
			msg := fmt.Sprintf("%s %s is deprecated since Kubernetes %s", apiVersion, kind, c.release)
			if c.use != "" {
				msg += "; use " + c.use
			}
			return msg
		}
	}
	return ""
}

// builtinGroups are the API groups Kubernetes itself serves in the
// bundled release, plus those it served once (removed versions). A group
// outside it is a custom resource's even when it ends in .k8s.io
// (gateway.networking.k8s.io, snapshot.storage.k8s.io are CRDs).
func builtinGroups(ks *bundled.KubernetesSchemas) map[string]bool {
	out := map[string]bool{"": true}
	for key := range ks.Schemas {
		apiVersion := key[:strings.LastIndex(key, "/")]
		if group, _, ok := strings.Cut(apiVersion, "/"); ok {
			out[group] = true
		}
	}
	for _, c := range removedAPIs {
		if group, _, ok := strings.Cut(c.apiVersion, "/"); ok {
			out[group] = true
		}
	}
	return out
}
