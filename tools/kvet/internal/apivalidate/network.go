package apivalidate

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"
)

func validateService(c *collector, obj, spec map[string]any, p *field.Path, opts Options) {
	if spec == nil {
		return
	}
	typ, _ := getString(spec, "type")
	if typ == "" {
		typ = "ClusterIP"
	}
	if !slices.Contains([]string{"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"}, typ) {
		c.add(RuleInvalidService, p.Child("type").String(), fmt.Sprintf("Service type %q is not supported: use ClusterIP, NodePort, LoadBalancer or ExternalName", typ))
	}
	clusterIP, _ := getString(spec, "clusterIP")
	headless := clusterIP == "None"
	ports := getList(spec, "ports")
	if len(ports) == 0 && !headless && typ != "ExternalName" {
		c.add(RuleInvalidService, p.Child("ports").String(), "a Service needs at least one port unless it is headless (clusterIP: None) or of type ExternalName")
	}
	if typ == "ExternalName" {
		en, _ := getString(spec, "externalName")
		if en == "" {
			c.add(RuleRequiredField, p.Child("externalName").String(), "a Service of type ExternalName needs externalName")
		} else {
			for _, msg := range validation.IsDNS1123Subdomain(strings.TrimSuffix(en, ".")) {
				c.add(RuleInvalidService, p.Child("externalName").String(), fmt.Sprintf("externalName %q: %s", en, msg))
			}
		}
	}
	if headless && (typ == "NodePort" || typ == "LoadBalancer") {
		c.add(RuleInvalidService, p.Child("clusterIP").String(), fmt.Sprintf("clusterIP None may not be used with type %s", typ))
	}
	if clusterIP != "" && clusterIP != "None" && net.ParseIP(clusterIP) == nil {
		c.add(RuleInvalidService, p.Child("clusterIP").String(), fmt.Sprintf("clusterIP %q must be an IP address or None", clusterIP))
	}
	if sel := getMap(spec, "selector"); sel != nil {
		validateLabelsAt(c, stringMap(spec, "selector"), p.Child("selector"))
	}
	names := sets.New[string]()
	seen := sets.New[string]()
	for i, pt := range ports {
		pm, _ := pt.(map[string]any)
		if pm == nil {
			continue
		}
		ip := p.Child("ports").Index(i)
		name, _ := getString(pm, "name")
		if name == "" {
			if len(ports) > 1 {
				c.add(RuleRequiredField, ip.Child("name").String(), "every port of a Service with more than one port needs a name")
			}
		} else {
			for _, msg := range validation.IsDNS1123Label(name) {
				c.add(RuleInvalidPort, ip.Child("name").String(), fmt.Sprintf("port name %q: %s", name, msg))
			}
			if names.Has(name) {
				c.add(RuleDuplicateName, ip.Child("name").String(), fmt.Sprintf("port name %q is used twice", name))
			}
			names.Insert(name)
		}
		port, ok := getInt(pm, "port")
		if ok {
			for _, msg := range validation.IsValidPortNum(int(port)) {
				c.add(RuleInvalidPort, ip.Child("port").String(), fmt.Sprintf("port %d: %s", port, msg))
			}
		}
		proto, _ := getString(pm, "protocol")
		if proto == "" {
			proto = "TCP"
		} else if !supportedPortProtocols.Has(proto) {
			c.add(RuleInvalidPort, ip.Child("protocol").String(), fmt.Sprintf("protocol %q is not supported: use TCP, UDP or SCTP", proto))
		}
		key := fmt.Sprintf("%d/%s", port, proto)
		if ok && seen.Has(key) {
			c.add(RuleDuplicateName, ip.String(), fmt.Sprintf("port %d/%s is declared twice", port, proto))
		}
		seen.Insert(key)
		if tp, present := pm["targetPort"]; present && tp != nil {
			validatePortNumOrName(c, tp, ip.Child("targetPort"), false)
		}
		if np, ok := getInt(pm, "nodePort"); ok && np != 0 {
			if typ != "NodePort" && typ != "LoadBalancer" {
				c.add(RuleInvalidService, ip.Child("nodePort").String(), fmt.Sprintf("nodePort %d may not be used when type is %s", np, typ))
			}
			for _, msg := range validation.IsValidPortNum(int(np)) {
				c.add(RuleInvalidPort, ip.Child("nodePort").String(), fmt.Sprintf("nodePort %d: %s", np, msg))
			}
		}
	}
	// apiservice.ExternallyAccessible: NodePort, LoadBalancer, or a
	// ClusterIP Service with externalIPs.
	external := typ == "NodePort" || typ == "LoadBalancer" || (typ == "ClusterIP" && len(getList(spec, "externalIPs")) > 0)
	if etp, ok := getString(spec, "externalTrafficPolicy"); ok && etp != "" && !external {
		c.add(RuleInvalidService, p.Child("externalTrafficPolicy").String(), fmt.Sprintf("externalTrafficPolicy may only be set on NodePort and LoadBalancer services and on ClusterIP services with externalIPs, not %s", typ))
	} else if ok && etp != "" && etp != "Cluster" && etp != "Local" {
		c.add(RuleInvalidService, p.Child("externalTrafficPolicy").String(), fmt.Sprintf("externalTrafficPolicy %q is not supported: use Cluster or Local", etp))
	}
	validateServiceFields(c, obj, spec, typ, p, opts)
}

func validateIngress(c *collector, spec map[string]any, p *field.Path) {
	if spec == nil {
		return
	}
	rules := getList(spec, "rules")
	if len(rules) == 0 && getMap(spec, "defaultBackend") == nil {
		c.add(RuleInvalidIngress, p.String(), "an Ingress needs either defaultBackend or rules")
	}
	if db := getMap(spec, "defaultBackend"); db != nil {
		validateIngressBackend(c, db, p.Child("defaultBackend"))
	}
	if cn, ok := getString(spec, "ingressClassName"); ok && cn != "" {
		for _, msg := range validation.IsDNS1123Subdomain(cn) {
			c.add(RuleInvalidIngress, p.Child("ingressClassName").String(), fmt.Sprintf("ingressClassName %q: %s", cn, msg))
		}
	}
	for i, r := range getList(spec, "rules") {
		rm, _ := r.(map[string]any)
		rp := p.Child("rules").Index(i)
		if host, ok := getString(rm, "host"); ok && host != "" {
			validateIngressHost(c, host, rp.Child("host"))
		}
		// validateHTTPIngressRuleValue: an http rule needs paths.
		if http := getMap(rm, "http"); http != nil && len(getList(http, "paths")) == 0 {
			c.add(RuleRequiredField, rp.Child("http", "paths").String(), "an http rule needs at least one path")
		}
		for j, pt := range getList(getMap(rm, "http"), "paths") {
			pm, _ := pt.(map[string]any)
			pp := rp.Child("http", "paths").Index(j)
			pathType, _ := getString(pm, "pathType")
			path, _ := getString(pm, "path")
			switch pathType {
			case "":
				c.add(RuleRequiredField, pp.Child("pathType").String(), "pathType is required: use Prefix, Exact or ImplementationSpecific")
			case "Prefix", "Exact":
				if !strings.HasPrefix(path, "/") {
					c.add(RuleInvalidIngress, pp.Child("path").String(), fmt.Sprintf("path %q must be an absolute path (start with /)", path))
				}
				for _, bad := range []string{"//", "/./", "/../", "%2f", "%2F"} {
					if strings.Contains(path, bad) {
						c.add(RuleInvalidIngress, pp.Child("path").String(), fmt.Sprintf("path %q must not contain %q", path, bad))
					}
				}
				for _, bad := range []string{"/..", "/."} {
					if strings.HasSuffix(path, bad) {
						c.add(RuleInvalidIngress, pp.Child("path").String(), fmt.Sprintf("path %q must not end with %q", path, bad))
					}
				}
			case "ImplementationSpecific":
				if path != "" && !strings.HasPrefix(path, "/") {
					c.add(RuleInvalidIngress, pp.Child("path").String(), fmt.Sprintf("path %q must be an absolute path (start with /)", path))
				}
			default:
				c.add(RuleInvalidIngress, pp.Child("pathType").String(), fmt.Sprintf("pathType %q is not supported: use Prefix, Exact or ImplementationSpecific", pathType))
			}
			if b := getMap(pm, "backend"); b != nil {
				validateIngressBackend(c, b, pp.Child("backend"))
			}
		}
	}
	for i, t := range getList(spec, "tls") {
		tm, _ := t.(map[string]any)
		for j, h := range getList(tm, "hosts") {
			if s, ok := h.(string); ok {
				validateIngressHost(c, s, p.Child("tls").Index(i).Child("hosts").Index(j))
			}
		}
		if sn, ok := getString(tm, "secretName"); ok && sn != "" {
			for _, msg := range validation.IsDNS1123Subdomain(sn) {
				c.add(RuleInvalidIngress, p.Child("tls").Index(i).Child("secretName").String(), fmt.Sprintf("secretName %q: %s", sn, msg))
			}
		}
	}
}

func validateIngressHost(c *collector, host string, p *field.Path) {
	if net.ParseIP(host) != nil {
		c.add(RuleInvalidIngress, p.String(), fmt.Sprintf("host %q must be a DNS name, not an IP address", host))
		return
	}
	var msgs []string
	if strings.Contains(host, "*") {
		msgs = validation.IsWildcardDNS1123Subdomain(host)
	} else {
		msgs = validation.IsDNS1123Subdomain(host)
	}
	for _, msg := range msgs {
		c.add(RuleInvalidIngress, p.String(), fmt.Sprintf("host %q: %s", host, msg))
	}
}

func validateIngressBackend(c *collector, b map[string]any, p *field.Path) {
	svc := getMap(b, "service")
	res := getMap(b, "resource")
	if svc != nil && res != nil {
		c.add(RuleInvalidIngress, p.String(), "a backend may not specify both service and resource")
	}
	if svc == nil && res == nil {
		c.add(RuleInvalidIngress, p.String(), "a backend needs service or resource")
		return
	}
	if svc == nil {
		validateIngressResourceBackend(c, res, p.Child("resource"))
		return
	}
	name, _ := getString(svc, "name")
	if name == "" {
		c.add(RuleRequiredField, p.Child("service", "name").String(), "backend service name is required")
	} else {
		for _, msg := range validation.IsDNS1123Label(name) {
			c.add(RuleInvalidIngress, p.Child("service", "name").String(), fmt.Sprintf("service name %q: %s", name, msg))
		}
	}
	port := getMap(svc, "port")
	pn, hasName := getString(port, "name")
	num, hasNum := getInt(port, "number")
	hasName = hasName && pn != ""
	hasNum = hasNum && num != 0
	switch {
	case hasName && hasNum:
		c.add(RuleInvalidIngress, p.Child("service", "port").String(), "backend port may not have both name and number")
	case hasName:
		if msg := portNameProblem(pn); msg != "" {
			c.add(RuleInvalidPort, p.Child("service", "port", "name").String(), msg)
		}
	case hasNum:
		for _, msg := range validation.IsValidPortNum(int(num)) {
			c.add(RuleInvalidPort, p.Child("service", "port", "number").String(), fmt.Sprintf("port %d: %s", num, msg))
		}
	default:
		c.add(RuleRequiredField, p.Child("service", "port").String(), "backend service port needs a name or a number")
	}
}

// validateIngressResourceBackend follows validateIngressTypedLocalObjectReference
// (k8s.io/kubernetes pkg/apis/networking/validation).
func validateIngressResourceBackend(c *collector, res map[string]any, p *field.Path) {
	if g, ok := getString(res, "apiGroup"); ok {
		for _, msg := range validation.IsDNS1123Subdomain(g) {
			c.add(RuleInvalidIngress, p.Child("apiGroup").String(), fmt.Sprintf("apiGroup %q: %s", g, msg))
		}
	}
	for _, k := range []string{"kind", "name"} {
		v, _ := getString(res, k)
		if v == "" {
			c.add(RuleRequiredField, p.Child(k).String(), "a resource backend needs "+k)
			continue
		}
		for _, msg := range path.IsValidPathSegmentName(v) {
			c.add(RuleInvalidIngress, p.Child(k).String(), fmt.Sprintf("%s %q: %s", k, v, msg))
		}
	}
}

// ingressClassAnnotation is the deprecated annotation ValidateIngressCreate
// compares with spec.ingressClassName.
const ingressClassAnnotation = "kubernetes.io/ingress.class"

// validateIngressClassAnnotation follows ValidateIngressCreate: when both
// the annotation and spec.ingressClassName are set they must agree.
func validateIngressClassAnnotation(c *collector, obj, spec map[string]any) {
	ann, ok := stringMap(getMap(obj, "metadata"), "annotations")[ingressClassAnnotation]
	cn, hasName := getString(spec, "ingressClassName")
	if ok && hasName && ann != cn {
		c.add(RuleInvalidIngress, field.NewPath("metadata", "annotations").Key(ingressClassAnnotation).String(),
			fmt.Sprintf("annotation %s %q does not match spec.ingressClassName %q: remove the deprecated annotation", ingressClassAnnotation, ann, cn))
	}
}

func validateNetworkPolicy(c *collector, spec map[string]any, p *field.Path, opts Options) {
	if spec == nil {
		return
	}
	validateLabelSelectorOnly(c, getMap(spec, "podSelector"), p.Child("podSelector"))
	for _, dir := range []string{"ingress", "egress"} {
		peerKey := "from"
		if dir == "egress" {
			peerKey = "to"
		}
		for i, r := range getList(spec, dir) {
			rm, _ := r.(map[string]any)
			rp := p.Child(dir).Index(i)
			for j, pt := range getList(rm, "ports") {
				pm, _ := pt.(map[string]any)
				pp := rp.Child("ports").Index(j)
				if proto, ok := getString(pm, "protocol"); ok && proto != "" && !supportedPortProtocols.Has(proto) {
					c.add(RuleInvalidPort, pp.Child("protocol").String(), fmt.Sprintf("protocol %q is not supported: use TCP, UDP or SCTP", proto))
				}
				if v, present := pm["port"]; present && v != nil {
					validatePortNumOrName(c, v, pp.Child("port"), false)
				}
				if end, ok := getInt(pm, "endPort"); ok {
					start, isNum := getInt(pm, "port")
					if !isNum {
						c.add(RuleInvalidPort, pp.Child("endPort").String(), "endPort may only be set together with a numeric port")
					} else if end < start {
						c.add(RuleInvalidPort, pp.Child("endPort").String(), fmt.Sprintf("endPort %d must be greater than or equal to port %d", end, start))
					}
					for _, msg := range validation.IsValidPortNum(int(end)) {
						c.add(RuleInvalidPort, pp.Child("endPort").String(), fmt.Sprintf("endPort %d: %s", end, msg))
					}
				}
			}
			for j, peer := range getList(rm, peerKey) {
				pm, _ := peer.(map[string]any)
				pp := rp.Child(peerKey).Index(j)
				n := 0
				for _, k := range []string{"podSelector", "namespaceSelector", "ipBlock"} {
					if _, ok := pm[k]; ok {
						n++
					}
				}
				if n == 0 {
					c.add(RuleInvalidValue, pp.String(), "a peer needs podSelector, namespaceSelector or ipBlock")
				}
				if _, ok := pm["ipBlock"]; ok && n > 1 {
					c.add(RuleInvalidValue, pp.String(), "ipBlock may not be combined with podSelector or namespaceSelector")
				}
				validateLabelSelectorOnly(c, getMap(pm, "podSelector"), pp.Child("podSelector"))
				validateLabelSelectorOnly(c, getMap(pm, "namespaceSelector"), pp.Child("namespaceSelector"))
				if ib := getMap(pm, "ipBlock"); ib != nil {
					validateIPBlock(c, ib, pp.Child("ipBlock"), opts)
				}
			}
		}
	}
	if n := len(getList(spec, "policyTypes")); n > 2 {
		c.add(RuleInvalidValue, p.Child("policyTypes").String(), fmt.Sprintf("policyTypes lists %d types: at most two (Ingress and Egress) are allowed", n))
	}
	for i, pt := range getList(spec, "policyTypes") {
		s, _ := pt.(string)
		if s != "Ingress" && s != "Egress" {
			c.add(RuleInvalidValue, p.Child("policyTypes").Index(i).String(), fmt.Sprintf("policyType %q is not supported: use Ingress or Egress", s))
		}
	}
}

// validateIPBlock follows ValidateIPBlock (k8s.io/kubernetes
// pkg/apis/networking/validation): valid CIDRs (strict where the
// StrictIPCIDRValidation gate is on: no bits set beyond the prefix length,
// no leading zeros), each except a strict subset of cidr.
func validateIPBlock(c *collector, ib map[string]any, p *field.Path, opts Options) {
	cidr, ok := getString(ib, "cidr")
	if !ok {
		return // required: the schema check reports a missing cidr
	}
	if cidr == "" {
		c.add(RuleRequiredField, p.Child("cidr").String(), "ipBlock needs a cidr such as 10.0.0.0/8")
		return
	}
	_, block, ok := parseLegacyCIDR(c, cidr, p.Child("cidr"), opts)
	if !ok {
		return
	}
	blockLen, _ := block.Mask.Size()
	for k, e := range getList(ib, "except") {
		s, _ := e.(string)
		ep := p.Child("except").Index(k)
		_, except, ok := parseLegacyCIDR(c, s, ep, opts)
		if !ok {
			continue
		}
		if exceptLen, _ := except.Mask.Size(); !block.Contains(except.IP) || blockLen >= exceptLen {
			c.add(RuleInvalidValue, ep.String(), fmt.Sprintf("except %q must be a strict subset of cidr %q", s, cidr))
		}
	}
}

// parseLegacyCIDR checks a CIDR as the API server's
// IsValidCIDRForLegacyField does and returns it parsed; ok is false when it
// is invalid (and reported).
func parseLegacyCIDR(c *collector, s string, p *field.Path, opts Options) (net.IP, *net.IPNet, bool) {
	if errs := validation.IsValidCIDRForLegacyField(p, s, opts.enabled(GateStrictIPCIDRValidation), nil); len(errs) > 0 {
		for _, e := range errs {
			c.add(RuleInvalidValue, p.String(), fmt.Sprintf("CIDR %q: %s (such as 10.0.0.0/8)", s, e.Detail))
		}
		return nil, nil, false
	}
	ip, ipnet, err := netutils.ParseCIDRSloppy(s)
	if err != nil {
		return nil, nil, false
	}
	return ip, ipnet, true
}

// validatePDB follows ValidatePodDisruptionBudgetSpec (k8s.io/kubernetes
// pkg/apis/policy/validation).
func validatePDB(c *collector, spec map[string]any, p *field.Path) {
	if spec == nil {
		return
	}
	_, hasMin := spec["minAvailable"]
	_, hasMax := spec["maxUnavailable"]
	if hasMin && hasMax {
		c.add(RuleInvalidValue, p.String(), "minAvailable and maxUnavailable cannot both be set")
	}
	for _, k := range []string{"minAvailable", "maxUnavailable"} {
		switch v := spec[k].(type) {
		case string:
			if msgs := validation.IsValidPercent(v); len(msgs) > 0 {
				c.add(RuleInvalidValue, p.Child(k).String(), fmt.Sprintf("%s %q must be an integer or a percentage such as 50%%", k, v))
			} else if n, err := strconv.Atoi(strings.TrimSuffix(v, "%")); err == nil && n > 100 {
				// IsNotMoreThan100Percent (k8s.io/kubernetes pkg/apis/apps/validation).
				c.add(RuleInvalidValue, p.Child(k).String(), fmt.Sprintf("%s %q must not be greater than 100%%", k, v))
			}
		default:
			if n, ok := toInt(v); ok && n < 0 {
				c.add(RuleInvalidValue, p.Child(k).String(), fmt.Sprintf("%s %d must be greater than or equal to 0", k, n))
			}
		}
	}
	validateLabelSelectorOnly(c, getMap(spec, "selector"), p.Child("selector"))
	if v, ok := getString(spec, "unhealthyPodEvictionPolicy"); ok && v != "IfHealthyBudget" && v != "AlwaysAllow" {
		c.add(RuleInvalidValue, p.Child("unhealthyPodEvictionPolicy").String(), fmt.Sprintf("unhealthyPodEvictionPolicy %q is not supported: use IfHealthyBudget or AlwaysAllow", v))
	}
}

// validateHPA follows k8s.io/kubernetes pkg/apis/autoscaling/validation:
// minReplicas may be 0 only where the HPAScaleToZero gate is on, and then
// only with an Object or External metric to wake the workload up.
func validateHPA(c *collector, spec map[string]any, p *field.Path, opts Options) {
	if spec == nil {
		return
	}
	minR, hasMin := getInt(spec, "minReplicas")
	maxR, hasMax := getInt(spec, "maxReplicas")
	lower := int64(1)
	if opts.enabled(GateHPAScaleToZero) {
		lower = 0
	}
	switch {
	case hasMin && minR < lower && minR == 0:
		c.add(RuleInvalidValue, p.Child("minReplicas").String(), fmt.Sprintf("minReplicas 0 needs the feature gate %s, off in this Kubernetes version: "+
			"set minReplicas to 1 or more, or declare the gate in kvet.yaml featureGates if the cluster enables it", GateHPAScaleToZero))
	case hasMin && minR < lower:
		c.add(RuleInvalidValue, p.Child("minReplicas").String(), fmt.Sprintf("minReplicas %d must be greater than or equal to %d", minR, lower))
	case hasMin && minR == 0 && !hasScaleFromZeroMetric(spec):
		c.add(RuleInvalidValue, p.Child("metrics").String(), "minReplicas 0 needs at least one Object or External metric to scale up from zero replicas")
	}
	if hasMax && maxR < 1 {
		c.add(RuleInvalidValue, p.Child("maxReplicas").String(), fmt.Sprintf("maxReplicas %d must be greater than 0", maxR))
	}
	if hasMin && hasMax && maxR < minR {
		c.add(RuleInvalidValue, p.Child("maxReplicas").String(), fmt.Sprintf("maxReplicas %d must be greater than or equal to minReplicas %d", maxR, minR))
	}
	if ref := getMap(spec, "scaleTargetRef"); ref != nil {
		// The strategy allows an empty API group only for a
		// ReplicationController (validationOptionsForHorizontalPodAutoscaler).
		kind, _ := getString(ref, "kind")
		validateCrossVersionRef(c, ref, p.Child("scaleTargetRef"), kind == "ReplicationController")
	}
	for i, m := range getList(spec, "metrics") {
		validateMetricSpec(c, asMap(m), p.Child("metrics").Index(i))
	}
	if b := getMap(spec, "behavior"); b != nil {
		for _, dir := range []string{"scaleUp", "scaleDown"} {
			if r := getMap(b, dir); r != nil {
				validateScalingRules(c, r, p.Child("behavior", dir))
			}
		}
	}
}

// validateCrossVersionRef follows ValidateCrossVersionObjectReference
// (k8s.io/kubernetes pkg/apis/autoscaling/validation): kind and name are
// path segments, apiVersion a group/version, with a group unless
// allowEmptyGroup.
func validateCrossVersionRef(c *collector, ref map[string]any, p *field.Path, allowEmptyGroup bool) {
	for _, k := range []string{"kind", "name"} {
		v, _ := getString(ref, k)
		if v == "" {
			c.add(RuleRequiredField, p.Child(k).String(), p.Child(k).String()+" is required")
			continue
		}
		for _, msg := range path.IsValidPathSegmentName(v) {
			c.add(RuleInvalidValue, p.Child(k).String(), fmt.Sprintf("%s %q: %s", k, v, msg))
		}
	}
	av, _ := getString(ref, "apiVersion")
	gv, err := schema.ParseGroupVersion(av)
	switch {
	case err != nil:
		c.add(RuleInvalidValue, p.Child("apiVersion").String(), fmt.Sprintf("apiVersion %q is not a group/version such as apps/v1: %v", av, err))
	case gv.Group == "" && !allowEmptyGroup:
		c.add(RuleInvalidValue, p.Child("apiVersion").String(), fmt.Sprintf("apiVersion %q has no API group: name the target's group/version, such as apps/v1 for a Deployment or StatefulSet", av))
	}
}

// metricSources maps a metric type to the field that holds its source.
var metricSources = map[string]string{"Resource": "resource", "Pods": "pods", "Object": "object", "External": "external", "ContainerResource": "containerResource"}

// validateMetricSpec follows validateMetricSpec and the per-source
// validators of k8s.io/kubernetes pkg/apis/autoscaling/validation: which
// target fields a source needs depends on the source, not on target.type.
func validateMetricSpec(c *collector, mm map[string]any, mp *field.Path) {
	t, _ := getString(mm, "type")
	key := metricSources[t]
	if key == "" {
		c.add(RuleInvalidValue, mp.Child("type").String(), fmt.Sprintf("metric type %q is not supported: use Resource, Pods, Object, External or ContainerResource", t))
		return
	}
	for _, other := range slices.Sorted(maps.Values(metricSources)) {
		if other != key && getMap(mm, other) != nil {
			c.add(RuleInvalidValue, mp.Child(other).String(), fmt.Sprintf("a metric of type %s may only set %s, not %s", t, key, other))
		}
	}
	src := getMap(mm, key)
	if src == nil {
		c.add(RuleRequiredField, mp.Child(key).String(), fmt.Sprintf("metric type %s needs the %s field", t, key))
		return
	}
	sp := mp.Child(key)
	if key != "resource" && key != "containerResource" {
		if n, ok := getString(getMap(src, "metric"), "name"); ok && n == "" {
			c.add(RuleRequiredField, sp.Child("metric", "name").String(), "a metric needs metric.name")
		} else if ok {
			for _, msg := range path.IsValidPathSegmentName(n) {
				c.add(RuleInvalidValue, sp.Child("metric", "name").String(), fmt.Sprintf("metric name %q: %s", n, msg))
			}
		}
	}
	if key == "object" {
		if d := getMap(src, "describedObject"); d != nil {
			validateCrossVersionRef(c, d, sp.Child("describedObject"), true)
		}
	}
	target := getMap(src, "target")
	if target == nil {
		return // required: the schema check reports it
	}
	tp := sp.Child("target")
	// Missing required fields (target.type, names) are the schema check's.
	switch tt, ok := getString(target, "type"); {
	case !ok, tt == "Utilization", tt == "Value", tt == "AverageValue":
	case tt == "":
		c.add(RuleRequiredField, tp.Child("type").String(), "a metric target needs a type: Utilization, Value or AverageValue")
	default:
		c.add(RuleInvalidValue, tp.Child("type").String(), fmt.Sprintf("target type %q is not supported: use Utilization, Value or AverageValue", tt))
	}
	for _, q := range []string{"value", "averageValue"} {
		if v, ok := target[q]; ok && v != nil {
			if qty, ok := validateQuantityField(c, v, tp.Child(q)); ok && qty.Sign() <= 0 {
				c.add(RuleInvalidQuantity, tp.Child(q).String(), fmt.Sprintf("%s must be positive", q))
			}
		}
	}
	util, hasUtil := getInt(target, "averageUtilization")
	if hasUtil && util < 1 {
		c.add(RuleInvalidValue, tp.Child("averageUtilization").String(), fmt.Sprintf("averageUtilization %d must be greater than 0", util))
	}
	_, hasValue := target["value"]
	_, hasAvg := target["averageValue"]
	switch key {
	case "resource", "containerResource":
		if !hasUtil && !hasAvg {
			c.add(RuleRequiredField, tp.Child("averageUtilization").String(), "a resource metric target needs averageUtilization or averageValue")
		}
		if hasUtil && hasAvg {
			c.add(RuleInvalidValue, tp.Child("averageValue").String(), "a resource metric target may not set both averageUtilization and averageValue")
		}
		if n, ok := getString(src, "name"); ok && n == "" {
			c.add(RuleRequiredField, sp.Child("name").String(), "a resource metric needs the resource name, such as cpu or memory")
		}
		if key == "containerResource" {
			if ct, ok := getString(src, "container"); ok && ct == "" {
				c.add(RuleRequiredField, sp.Child("container").String(), "a containerResource metric needs the container name")
			} else {
				for _, msg := range validation.IsDNS1123Label(ct) {
					c.add(RuleInvalidValue, sp.Child("container").String(), fmt.Sprintf("container %q: %s", ct, msg))
				}
			}
		}
	case "pods":
		if !hasAvg {
			c.add(RuleRequiredField, tp.Child("averageValue").String(), "a Pods metric target needs averageValue")
		}
	case "object", "external":
		if !hasValue && !hasAvg {
			c.add(RuleRequiredField, tp.Child("averageValue").String(), fmt.Sprintf("a%s metric target needs value or averageValue", map[string]string{"object": "n Object", "external": "n External"}[key]))
		}
		if key == "external" && hasValue && hasAvg {
			c.add(RuleInvalidValue, tp.Child("value").String(), "an External metric target may not set both value and averageValue")
		}
	}
}

// Limits of k8s.io/kubernetes pkg/apis/autoscaling/validation.
const (
	maxHPAPeriodSeconds              = 1800
	maxHPAStabilizationWindowSeconds = 3600
)

// validateScalingRules follows validateScalingRules and
// validateScalingPolicy.
func validateScalingRules(c *collector, r map[string]any, p *field.Path) {
	if w, ok := getInt(r, "stabilizationWindowSeconds"); ok && (w < 0 || w > maxHPAStabilizationWindowSeconds) {
		c.add(RuleInvalidValue, p.Child("stabilizationWindowSeconds").String(), fmt.Sprintf("stabilizationWindowSeconds %d must be between 0 and %d", w, maxHPAStabilizationWindowSeconds))
	}
	if sp, ok := getString(r, "selectPolicy"); ok && sp != "Max" && sp != "Min" && sp != "Disabled" {
		c.add(RuleInvalidValue, p.Child("selectPolicy").String(), fmt.Sprintf("selectPolicy %q is not supported: use Max, Min or Disabled", sp))
	}
	if pols, ok := r["policies"].([]any); ok && len(pols) == 0 {
		// Defaulting fills a missing list, not an explicit empty one.
		c.add(RuleRequiredField, p.Child("policies").String(), "policies may not be empty: list at least one policy or remove the field for the defaults")
	}
	for i, pol := range getList(r, "policies") {
		pm := asMap(pol)
		pp := p.Child("policies").Index(i)
		if t, ok := getString(pm, "type"); ok && t != "Pods" && t != "Percent" {
			c.add(RuleInvalidValue, pp.Child("type").String(), fmt.Sprintf("policy type %q is not supported: use Pods or Percent", t))
		}
		if v, ok := getInt(pm, "value"); ok && v <= 0 {
			c.add(RuleInvalidValue, pp.Child("value").String(), fmt.Sprintf("policy value %d must be greater than 0", v))
		}
		if ps, ok := getInt(pm, "periodSeconds"); ok && (ps <= 0 || ps > maxHPAPeriodSeconds) {
			c.add(RuleInvalidValue, pp.Child("periodSeconds").String(), fmt.Sprintf("periodSeconds %d must be between 1 and %d", ps, maxHPAPeriodSeconds))
		}
	}
	if tol, ok := r["tolerance"]; ok && tol != nil {
		if q, ok := validateQuantityField(c, tol, p.Child("tolerance")); ok && q.Sign() < 0 {
			c.add(RuleInvalidQuantity, p.Child("tolerance").String(), "tolerance must not be negative")
		}
	}
}

// hasScaleFromZeroMetric: only an Object or External metric still has a
// value when no pod runs.
func hasScaleFromZeroMetric(spec map[string]any) bool {
	for _, m := range getList(spec, "metrics") {
		mm, _ := m.(map[string]any)
		if t, _ := getString(mm, "type"); t == "Object" || t == "External" {
			return true
		}
	}
	return false
}
