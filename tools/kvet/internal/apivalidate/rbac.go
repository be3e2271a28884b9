package apivalidate

import (
	"fmt"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const rbacGroup = "rbac.authorization.k8s.io"

// validatePolicyRules follows ValidatePolicyRule (k8s.io/kubernetes
// pkg/apis/rbac/validation) for every rule of a Role (namespaced) or
// ClusterRole.
func validatePolicyRules(c *collector, obj map[string]any, namespaced bool) {
	for i, r := range getList(obj, "rules") {
		rm := asMap(r)
		if rm == nil {
			continue
		}
		rp := field.NewPath("rules").Index(i)
		if _, ok := rm["verbs"]; ok && len(getList(rm, "verbs")) == 0 {
			c.add(RuleInvalidRBAC, rp.Child("verbs").String(), "a rule needs at least one verb, such as get, list or watch")
		}
		if len(getList(rm, "nonResourceURLs")) > 0 {
			if namespaced {
				c.add(RuleInvalidRBAC, rp.Child("nonResourceURLs").String(), "a Role may not grant nonResourceURLs: non-resource URLs are cluster-wide, grant them in a ClusterRole")
			}
			if len(getList(rm, "apiGroups")) > 0 || len(getList(rm, "resources")) > 0 || len(getList(rm, "resourceNames")) > 0 {
				c.add(RuleInvalidRBAC, rp.Child("nonResourceURLs").String(), "a rule may not grant both resources and nonResourceURLs: split it into two rules")
			}
			continue
		}
		if len(getList(rm, "apiGroups")) == 0 {
			c.add(RuleInvalidRBAC, rp.Child("apiGroups").String(), `a resource rule needs apiGroups: use [""] for the core group (pods, services, configmaps, ...)`)
		}
		if len(getList(rm, "resources")) == 0 {
			c.add(RuleInvalidRBAC, rp.Child("resources").String(), "a resource rule needs at least one resource")
		}
	}
}

// validateAggregationRule follows ValidateClusterRole: an aggregationRule
// needs at least one clusterRoleSelector.
func validateAggregationRule(c *collector, obj map[string]any) {
	ar := getMap(obj, "aggregationRule")
	if ar == nil {
		return
	}
	p := field.NewPath("aggregationRule", "clusterRoleSelectors")
	sels := getList(ar, "clusterRoleSelectors")
	if len(sels) == 0 {
		c.add(RuleInvalidRBAC, p.String(), "an aggregationRule needs at least one clusterRoleSelector")
	}
	for i, s := range sels {
		validateLabelSelectorOnly(c, asMap(s), p.Index(i))
	}
}

// validateRoleBinding follows ValidateRoleBinding and
// ValidateClusterRoleBinding after the defaulting of pkg/apis/rbac/v1 (an
// empty roleRef.apiGroup, and that of a User or Group subject, become
// rbac.authorization.k8s.io).
func validateRoleBinding(c *collector, obj map[string]any, namespaced bool) {
	rr := getMap(obj, "roleRef")
	rp := field.NewPath("roleRef")
	if rr != nil {
		if g, _ := getString(rr, "apiGroup"); g != "" && g != rbacGroup {
			c.add(RuleInvalidRBAC, rp.Child("apiGroup").String(), fmt.Sprintf("roleRef.apiGroup %q must be %s", g, rbacGroup))
		}
		kind, hasKind := getString(rr, "kind")
		switch {
		case !hasKind:
		case namespaced && kind != "Role" && kind != "ClusterRole":
			c.add(RuleInvalidRBAC, rp.Child("kind").String(), fmt.Sprintf("roleRef.kind %q must be Role or ClusterRole", kind))
		case !namespaced && kind != "ClusterRole":
			c.add(RuleInvalidRBAC, rp.Child("kind").String(), fmt.Sprintf("a ClusterRoleBinding's roleRef.kind %q must be ClusterRole: bind a Role with a RoleBinding in its namespace", kind))
		}
		if name, ok := getString(rr, "name"); ok && name == "" {
			c.add(RuleRequiredField, rp.Child("name").String(), "roleRef needs the name of the Role or ClusterRole")
		} else if ok {
			for _, msg := range path.IsValidPathSegmentName(name) {
				c.add(RuleInvalidRBAC, rp.Child("name").String(), fmt.Sprintf("roleRef.name %q: %s", name, msg))
			}
		}
	}
	for i, s := range getList(obj, "subjects") {
		sm := asMap(s)
		if sm == nil {
			continue
		}
		validateSubject(c, sm, field.NewPath("subjects").Index(i), namespaced)
	}
}

// validateSubject follows ValidateRoleBindingSubject.
func validateSubject(c *collector, s map[string]any, p *field.Path, namespaced bool) {
	name, _ := getString(s, "name")
	if _, ok := s["name"]; ok && name == "" {
		c.add(RuleRequiredField, p.Child("name").String(), "a subject needs a name")
	}
	group, _ := getString(s, "apiGroup")
	switch kind, _ := getString(s, "kind"); kind {
	case "ServiceAccount":
		if name != "" {
			for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(name, false) {
				c.add(RuleInvalidRBAC, p.Child("name").String(), fmt.Sprintf("ServiceAccount name %q: %s", name, msg))
			}
		}
		if group != "" {
			c.add(RuleInvalidRBAC, p.Child("apiGroup").String(), fmt.Sprintf(`a ServiceAccount subject's apiGroup must be empty, not %q: remove it`, group))
		}
		if ns, _ := getString(s, "namespace"); !namespaced && ns == "" {
			c.add(RuleRequiredField, p.Child("namespace").String(), "a ServiceAccount subject of a ClusterRoleBinding needs the ServiceAccount's namespace")
		}
	case "User", "Group":
		if group != "" && group != rbacGroup {
			c.add(RuleInvalidRBAC, p.Child("apiGroup").String(), fmt.Sprintf("a %s subject's apiGroup %q must be %s", kind, group, rbacGroup))
		}
	case "":
		// required: the schema check reports a missing kind
		if _, ok := s["kind"]; ok {
			c.add(RuleInvalidRBAC, p.Child("kind").String(), "subject kind must be ServiceAccount, User or Group")
		}
	default:
		c.add(RuleInvalidRBAC, p.Child("kind").String(), fmt.Sprintf("subject kind %q is not supported: use ServiceAccount, User or Group", kind))
	}
}
