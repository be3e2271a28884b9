package apivalidate

import (
	"fmt"
	"net"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validateService(c *collector, spec map[string]any, p *field.Path) {
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
	if etp, ok := getString(spec, "externalTrafficPolicy"); ok && etp != "" && typ != "NodePort" && typ != "LoadBalancer" {
		c.add(RuleInvalidService, p.Child("externalTrafficPolicy").String(), fmt.Sprintf("externalTrafficPolicy may only be set on NodePort and LoadBalancer services, not %s", typ))
	}
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

func validateNetworkPolicy(c *collector, spec map[string]any, p *field.Path) {
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
					cidr, _ := getString(ib, "cidr")
					if _, _, err := net.ParseCIDR(cidr); err != nil {
						c.add(RuleInvalidValue, pp.Child("ipBlock", "cidr").String(), fmt.Sprintf("cidr %q is not a valid CIDR such as 10.0.0.0/8", cidr))
					}
					for k, e := range getList(ib, "except") {
						s, _ := e.(string)
						if _, _, err := net.ParseCIDR(s); err != nil {
							c.add(RuleInvalidValue, pp.Child("ipBlock", "except").Index(k).String(), fmt.Sprintf("except %q is not a valid CIDR", s))
						}
					}
				}
			}
		}
	}
	for i, pt := range getList(spec, "policyTypes") {
		s, _ := pt.(string)
		if s != "Ingress" && s != "Egress" {
			c.add(RuleInvalidValue, p.Child("policyTypes").Index(i).String(), fmt.Sprintf("policyType %q is not supported: use Ingress or Egress", s))
		}
	}
}

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
			}
		default:
			if n, ok := toInt(v); ok && n < 0 {
				c.add(RuleInvalidValue, p.Child(k).String(), fmt.Sprintf("%s %d must be greater than or equal to 0", k, n))
			}
		}
	}
	validateLabelSelectorOnly(c, getMap(spec, "selector"), p.Child("selector"))
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
	ref := getMap(spec, "scaleTargetRef")
	if ref != nil {
		for _, k := range []string{"kind", "name"} {
			if s, _ := getString(ref, k); s == "" {
				c.add(RuleRequiredField, p.Child("scaleTargetRef", k).String(), "scaleTargetRef."+k+" is required")
			}
		}
	}
	for i, m := range getList(spec, "metrics") {
		mm, _ := m.(map[string]any)
		mp := p.Child("metrics").Index(i)
		t, _ := getString(mm, "type")
		key := map[string]string{"Resource": "resource", "Pods": "pods", "Object": "object", "External": "external", "ContainerResource": "containerResource"}[t]
		if key == "" {
			c.add(RuleInvalidValue, mp.Child("type").String(), fmt.Sprintf("metric type %q is not supported: use Resource, Pods, Object, External or ContainerResource", t))
			continue
		}
		src := getMap(mm, key)
		if src == nil {
			c.add(RuleRequiredField, mp.Child(key).String(), fmt.Sprintf("metric type %s needs the %s field", t, key))
			continue
		}
		target := getMap(src, "target")
		tt, _ := getString(target, "type")
		tp := mp.Child(key, "target")
		switch tt {
		case "Utilization":
			if v, ok := getInt(target, "averageUtilization"); !ok {
				c.add(RuleRequiredField, tp.Child("averageUtilization").String(), "target type Utilization needs averageUtilization")
			} else if v < 1 {
				c.add(RuleInvalidValue, tp.Child("averageUtilization").String(), fmt.Sprintf("averageUtilization %d must be greater than 0", v))
			}
		case "Value":
			if _, ok := target["value"]; !ok {
				c.add(RuleRequiredField, tp.Child("value").String(), "target type Value needs value")
			}
		case "AverageValue":
			if _, ok := target["averageValue"]; !ok {
				c.add(RuleRequiredField, tp.Child("averageValue").String(), "target type AverageValue needs averageValue")
			}
		}
		for _, q := range []string{"value", "averageValue"} {
			if v, ok := target[q]; ok {
				if qty, ok := validateQuantityField(c, v, tp.Child(q)); ok && qty.Sign() <= 0 {
					c.add(RuleInvalidQuantity, tp.Child(q).String(), fmt.Sprintf("%s must be positive", q))
				}
			}
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
