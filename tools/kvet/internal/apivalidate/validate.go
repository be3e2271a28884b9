package apivalidate

import (
	"fmt"
	"strings"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Options are what the API server's rules depend on besides the object.
type Options struct {
	// FeatureGates are the API server's feature gates (the release's
	// defaults with the cluster's overrides applied); a gate that is not
	// listed is off. Only the gates in [GatesUsed] matter.
	FeatureGates map[string]bool
}

// Feature gates that change a rule this package reproduces.
const (
	// GateHPAScaleToZero lets an HPA with an Object or External metric set
	// minReplicas: 0 (k8s.io/kubernetes pkg/registry/autoscaling/
	// horizontalpodautoscaler/strategy.go).
	GateHPAScaleToZero = "HPAScaleToZero"
	// GateStrictIPCIDRValidation makes the API server refuse IPs and CIDRs
	// with leading zeros and CIDRs with bits set beyond the prefix length
	// (k8s.io/apimachinery pkg/util/validation IsValidCIDRForLegacyField;
	// Beta and on by default from 1.36).
	GateStrictIPCIDRValidation = "StrictIPCIDRValidation"
)

// GatesUsed lists the feature gates the rules of this package consult.
func GatesUsed() []string { return []string{GateHPAScaleToZero, GateStrictIPCIDRValidation} }

func (o Options) enabled(gate string) bool { return o.FeatureGates[gate] }

// Validate checks one rendered object against the API server's Go-side
// validation rules for its apiVersion and kind. Object metadata (name,
// namespace, labels, annotations, finalizers) is checked for every kind,
// custom resources included; the spec rules apply to the built-in kinds.
func Validate(obj map[string]any, opts Options) []Issue {
	if obj == nil {
		return nil
	}
	c := &collector{}
	apiVersion, _ := getString(obj, "apiVersion")
	kind, _ := getString(obj, "kind")
	group := apiVersion
	if i := strings.Index(apiVersion, "/"); i >= 0 {
		group = apiVersion[:i]
	} else {
		group = ""
	}
	validateMetadata(c, obj, group, kind)

	spec := getMap(obj, "spec")
	specPath := field.NewPath("spec")
	switch group + "/" + kind {
	case "/Pod":
		validatePodSpec(c, spec, specPath, podCtx{})
	case "/PodTemplate":
		validatePodTemplate(c, getMap(obj, "template"), field.NewPath("template"), podCtx{})
	case "/ReplicationController":
		validateReplicationController(c, spec, specPath)
	case "apps/Deployment", "apps/ReplicaSet", "apps/DaemonSet", "apps/StatefulSet":
		validateAppsWorkload(c, kind, spec, specPath)
	case "batch/Job":
		validateJobSpec(c, spec, specPath, false)
		validateIndexedJobName(c, obj, spec)
	case "batch/CronJob":
		validateCronJob(c, obj, spec, specPath)
	case "/Service":
		validateService(c, obj, spec, specPath, opts)
	case "/ConfigMap":
		validateConfigMap(c, obj)
	case "/Secret":
		validateSecret(c, obj)
	case "networking.k8s.io/Ingress":
		validateIngress(c, spec, specPath)
		validateIngressClassAnnotation(c, obj, spec)
	case "networking.k8s.io/NetworkPolicy":
		validateNetworkPolicy(c, spec, specPath, opts)
	case "policy/PodDisruptionBudget":
		validatePDB(c, spec, specPath)
	case "autoscaling/HorizontalPodAutoscaler":
		validateHPA(c, spec, specPath, opts)
	case "rbac.authorization.k8s.io/Role":
		validatePolicyRules(c, obj, true)
	case "rbac.authorization.k8s.io/ClusterRole":
		validatePolicyRules(c, obj, false)
		validateAggregationRule(c, obj)
	case "rbac.authorization.k8s.io/RoleBinding":
		validateRoleBinding(c, obj, true)
	case "rbac.authorization.k8s.io/ClusterRoleBinding":
		validateRoleBinding(c, obj, false)
	case "/PersistentVolumeClaim":
		validatePVC(c, spec, specPath)
	case "/ResourceQuota":
		validateResourceList(c, getMap(spec, "hard"), specPath.Child("hard"), false)
	case "/LimitRange":
		for i, l := range getList(spec, "limits") {
			lm, _ := l.(map[string]any)
			p := specPath.Child("limits").Index(i)
			for _, k := range []string{"max", "min", "default", "defaultRequest", "maxLimitRequestRatio"} {
				validateResourceList(c, getMap(lm, k), p.Child(k), false)
			}
		}
	}
	return sorted(c.issues)
}

// nameFuncFor returns the name validation the API server applies to kind.
func nameFuncFor(group, kind string) (apimachineryvalidation.ValidateNameFunc, string) {
	switch group + "/" + kind {
	case "/Namespace":
		return apimachineryvalidation.ValidateNamespaceName, "a DNS-1123 label"
	case "/Service":
		// RelaxedServiceNameValidation is GA and locked on in Kubernetes 1.37.
		return apimachineryvalidation.NameIsDNSLabel, "a DNS-1123 label"
	case "apps/StatefulSet":
		return apimachineryvalidation.NameIsDNSLabel, "a DNS-1123 label"
	case "rbac.authorization.k8s.io/Role", "rbac.authorization.k8s.io/ClusterRole",
		"rbac.authorization.k8s.io/RoleBinding", "rbac.authorization.k8s.io/ClusterRoleBinding":
		return path.ValidatePathSegmentName, "a path segment"
	case "apiextensions.k8s.io/CustomResourceDefinition":
		return apimachineryvalidation.NameIsDNSSubdomain, "a DNS-1123 subdomain"
	}
	return apimachineryvalidation.NameIsDNSSubdomain, "a DNS-1123 subdomain"
}

func validateMetadata(c *collector, obj map[string]any, group, kind string) {
	meta := getMap(obj, "metadata")
	nameFn, what := nameFuncFor(group, kind)
	mp := field.NewPath("metadata")

	name, _ := getString(meta, "name")
	generateName, _ := getString(meta, "generateName")
	if name == "" && generateName == "" {
		c.add(RuleRequiredField, "metadata.name", "metadata.name is required (name or generateName)")
	} else {
		if name != "" {
			for _, msg := range nameFn(name, false) {
				c.add(RuleInvalidName, "metadata.name", fmt.Sprintf("name %q is not %s: %s", name, what, msg))
			}
		}
		if generateName != "" {
			for _, msg := range nameFn(generateName, true) {
				c.add(RuleInvalidName, "metadata.generateName", fmt.Sprintf("generateName %q is not %s: %s", generateName, what, msg))
			}
		}
	}
	if ns, ok := getString(meta, "namespace"); ok && ns != "" {
		for _, msg := range apimachineryvalidation.ValidateNamespaceName(ns, false) {
			c.add(RuleInvalidNamespace, "metadata.namespace", fmt.Sprintf("namespace %q: %s", ns, msg))
		}
	}
	if kind == "CustomResourceDefinition" && group == "apiextensions.k8s.io" {
		validateCRDName(c, obj, name)
	}

	labels := stringMap(meta, "labels")
	for _, e := range metav1validation.ValidateLabels(labels, mp.Child("labels")) {
		c.add(RuleInvalidLabel, e.Field, "label "+e.ErrorBody())
	}
	annotations := stringMap(meta, "annotations")
	for _, e := range apimachineryvalidation.ValidateAnnotations(annotations, mp.Child("annotations")) {
		c.add(RuleInvalidAnnotation, e.Field, "annotation "+e.ErrorBody())
	}
	var finalizers []string
	for _, f := range getList(meta, "finalizers") {
		if s, ok := f.(string); ok {
			finalizers = append(finalizers, s)
		}
	}
	c.addErrs(RuleInvalidMetadata, apimachineryvalidation.ValidateFinalizers(finalizers, mp.Child("finalizers")))
}

// validateCRDName checks that a CRD is named <plural>.<group>.
func validateCRDName(c *collector, obj map[string]any, name string) {
	spec := getMap(obj, "spec")
	group, _ := getString(spec, "group")
	plural, _ := getString(getMap(spec, "names"), "plural")
	if group == "" || plural == "" {
		return
	}
	if want := plural + "." + group; name != want {
		c.add(RuleInvalidName, "metadata.name", fmt.Sprintf("CustomResourceDefinition name %q must be spec.names.plural+\".\"+spec.group, i.e. %q", name, want))
	}
}

// --- selectors -----------------------------------------------------------

// validateSelectorMatches checks a metav1.LabelSelector against template
// labels the way the apps and batch validators do.
func validateSelectorMatches(c *collector, selector map[string]any, selPath *field.Path, templateLabels map[string]string, kind string, required bool) {
	if selector == nil {
		if required {
			c.add(RuleSelectorMismatch, selPath.String(), fmt.Sprintf("%s spec.selector is required", kind))
		}
		return
	}
	sel, ok := labelSelector(c, selector, selPath)
	if !ok {
		return
	}
	if sel.Empty() {
		c.add(RuleSelectorMismatch, selPath.String(), fmt.Sprintf("empty selector is invalid for %s", strings.ToLower(kind)))
		return
	}
	if !sel.Matches(labelsSet(templateLabels)) {
		c.add(RuleSelectorMismatch, "spec.template.metadata.labels",
			fmt.Sprintf("selector %q does not match template labels %q", sel.String(), labelsSet(templateLabels).String()))
	}
}
