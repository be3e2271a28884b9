package apivalidate

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"
)

// maxClientIPAffinitySeconds is core.MaxClientIPServiceAffinitySeconds.
const maxClientIPAffinitySeconds = 86400

// loadBalancerSourceRangesAnnotation is the annotation the API server reads
// when spec.loadBalancerSourceRanges is empty.
const loadBalancerSourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges"

// validateServiceFields follows the rest of validateService of
// k8s.io/kubernetes pkg/apis/core/validation (after the defaulting of
// pkg/apis/core/v1: sessionAffinity None drops sessionAffinityConfig, a
// ClientIP affinity without a timeout gets 10800 s): the fields that only
// some Service types may set, session affinity, IP families and cluster
// IPs, external IPs, app protocols and duplicate node ports.
func validateServiceFields(c *collector, obj, spec map[string]any, typ string, p *field.Path, opts Options) {
	strict := opts.enabled(GateStrictIPCIDRValidation)
	lb := typ == "LoadBalancer"

	if sa, ok := getString(spec, "sessionAffinity"); ok && sa != "" && sa != "None" && sa != "ClientIP" {
		c.add(RuleInvalidService, p.Child("sessionAffinity").String(), fmt.Sprintf("sessionAffinity %q is not supported: use None or ClientIP", sa))
	} else if sa == "ClientIP" {
		tp := p.Child("sessionAffinityConfig", "clientIP", "timeoutSeconds")
		if t, ok := getInt(getMap(spec, "sessionAffinityConfig", "clientIP"), "timeoutSeconds"); ok && (t <= 0 || t > maxClientIPAffinitySeconds) {
			c.add(RuleInvalidService, tp.String(), fmt.Sprintf("timeoutSeconds %d must be between 1 and %d", t, maxClientIPAffinitySeconds))
		}
	}

	// Fields only a LoadBalancer may set.
	if ranges := getList(spec, "loadBalancerSourceRanges"); len(ranges) > 0 {
		rp := p.Child("loadBalancerSourceRanges")
		if !lb {
			c.add(RuleInvalidService, rp.String(), fmt.Sprintf("loadBalancerSourceRanges may only be set on a LoadBalancer Service, not %s", typ))
		}
		for i, r := range ranges {
			if s, ok := r.(string); ok {
				parseServiceCIDR(c, strings.TrimSpace(s), rp.Index(i), strict)
			}
		}
	} else if ann, ok := stringMap(getMap(obj, "metadata"), "annotations")[loadBalancerSourceRangesAnnotation]; ok {
		ap := field.NewPath("metadata", "annotations").Key(loadBalancerSourceRangesAnnotation)
		if !lb {
			c.add(RuleInvalidService, ap.String(), fmt.Sprintf("annotation %s may only be set on a LoadBalancer Service, not %s", loadBalancerSourceRangesAnnotation, typ))
		}
		if v := strings.TrimSpace(ann); v != "" {
			for _, s := range strings.Split(v, ",") {
				parseServiceCIDR(c, strings.TrimSpace(s), ap, strict)
			}
		}
	}
	if _, ok := getBool(spec, "allocateLoadBalancerNodePorts"); ok && !lb {
		c.add(RuleInvalidService, p.Child("allocateLoadBalancerNodePorts").String(), fmt.Sprintf("allocateLoadBalancerNodePorts may only be set on a LoadBalancer Service, not %s", typ))
	}
	if cls, ok := getString(spec, "loadBalancerClass"); ok {
		// validateLoadBalancerClassField
		if !lb {
			c.add(RuleInvalidService, p.Child("loadBalancerClass").String(), fmt.Sprintf("loadBalancerClass may only be set on a LoadBalancer Service, not %s", typ))
		} else {
			for _, msg := range validation.IsQualifiedName(cls) {
				c.add(RuleInvalidService, p.Child("loadBalancerClass").String(), fmt.Sprintf("loadBalancerClass %q: %s", cls, msg))
			}
		}
	}
	// validateServiceExternalTrafficPolicy: a health-check node port only
	// for a LoadBalancer with externalTrafficPolicy Local.
	if hc, ok := getInt(spec, "healthCheckNodePort"); ok && hc != 0 {
		if etp, _ := getString(spec, "externalTrafficPolicy"); !lb || etp != "Local" {
			c.add(RuleInvalidService, p.Child("healthCheckNodePort").String(), "healthCheckNodePort may only be set on a LoadBalancer Service with externalTrafficPolicy: Local")
		} else {
			for _, msg := range validation.IsValidPortNum(int(hc)) {
				c.add(RuleInvalidPort, p.Child("healthCheckNodePort").String(), fmt.Sprintf("healthCheckNodePort %d: %s", hc, msg))
			}
		}
	}
	if itp, ok := getString(spec, "internalTrafficPolicy"); ok && itp != "Cluster" && itp != "Local" {
		c.add(RuleInvalidService, p.Child("internalTrafficPolicy").String(), fmt.Sprintf("internalTrafficPolicy %q is not supported: use Cluster or Local", itp))
	}

	for i, ip := range getList(spec, "externalIPs") {
		s, _ := ip.(string)
		ep := p.Child("externalIPs").Index(i)
		if errs := validation.IsValidIPForLegacyField(ep, s, strict, nil); len(errs) > 0 {
			for _, e := range errs {
				c.add(RuleInvalidService, ep.String(), fmt.Sprintf("externalIP %q: %s", s, e.Detail))
			}
			continue
		}
		// ValidateEndpointIP
		if ip := netutils.ParseIPSloppy(s); ip.IsUnspecified() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() {
			c.add(RuleInvalidService, ep.String(), fmt.Sprintf("externalIP %q may not be unspecified, loopback or link-local", s))
		}
	}

	nodePorts := sets.New[string]()
	for i, pt := range getList(spec, "ports") {
		pm := asMap(pt)
		ip := p.Child("ports").Index(i)
		if ap, ok := getString(pm, "appProtocol"); ok {
			for _, msg := range validation.IsQualifiedName(ap) {
				c.add(RuleInvalidService, ip.Child("appProtocol").String(), fmt.Sprintf("appProtocol %q: %s", ap, msg))
			}
		}
		if np, ok := getInt(pm, "nodePort"); ok && np != 0 {
			proto, _ := getString(pm, "protocol")
			if proto == "" {
				proto = "TCP"
			}
			key := fmt.Sprintf("%d/%s", np, proto)
			if nodePorts.Has(key) {
				c.add(RuleDuplicateName, ip.Child("nodePort").String(), fmt.Sprintf("nodePort %d/%s is used twice", np, proto))
			}
			nodePorts.Insert(key)
		}
	}

	if td, ok := getString(spec, "trafficDistribution"); ok && !slices.Contains([]string{"PreferClose", "PreferSameZone", "PreferSameNode"}, td) {
		// validateServiceTrafficDistribution; PreferSameTrafficDistribution
		// is GA and locked on from 1.35.
		c.add(RuleInvalidService, p.Child("trafficDistribution").String(), fmt.Sprintf("trafficDistribution %q is not supported: use PreferClose, PreferSameZone or PreferSameNode", td))
	}

	if typ == "ExternalName" {
		// Type ExternalName allocates no cluster IP: the API server copies
		// clusterIP (None too) into clusterIPs and refuses it.
		if ip, _ := getString(spec, "clusterIP"); ip != "" {
			c.add(RuleInvalidService, p.Child("clusterIP").String(), fmt.Sprintf("clusterIP %q may not be set on an ExternalName Service", ip))
		}
		for _, k := range []string{"clusterIPs", "ipFamilies"} {
			if len(getList(spec, k)) > 0 {
				c.add(RuleInvalidService, p.Child(k).String(), k+" may not be set on an ExternalName Service")
			}
		}
		if _, ok := getString(spec, "ipFamilyPolicy"); ok {
			c.add(RuleInvalidService, p.Child("ipFamilyPolicy").String(), "ipFamilyPolicy may not be set on an ExternalName Service")
		}
		return
	}
	validateClusterIPFields(c, spec, p, strict)
}

// validateClusterIPFields follows ValidateServiceClusterIPsRelatedFields.
func validateClusterIPFields(c *collector, spec map[string]any, p *field.Path, strict bool) {
	families := getList(spec, "ipFamilies")
	seen := sets.New[string]()
	for i, f := range families {
		s, _ := f.(string)
		fp := p.Child("ipFamilies").Index(i)
		if s != "IPv4" && s != "IPv6" {
			c.add(RuleInvalidService, fp.String(), fmt.Sprintf("ipFamily %q is not supported: use IPv4 or IPv6", s))
		}
		if seen.Has(s) {
			c.add(RuleInvalidService, fp.String(), fmt.Sprintf("ipFamily %q is listed twice", s))
		}
		seen.Insert(s)
	}
	if pol, ok := getString(spec, "ipFamilyPolicy"); ok && !slices.Contains([]string{"SingleStack", "PreferDualStack", "RequireDualStack"}, pol) {
		c.add(RuleInvalidService, p.Child("ipFamilyPolicy").String(), fmt.Sprintf("ipFamilyPolicy %q is not supported: use SingleStack, PreferDualStack or RequireDualStack", pol))
	}
	clusterIP, _ := getString(spec, "clusterIP")
	var ips []string
	for _, v := range getList(spec, "clusterIPs") {
		s, _ := v.(string)
		ips = append(ips, s)
	}
	cp := p.Child("clusterIPs")
	if len(ips) == 0 {
		return // the API server copies clusterIP into clusterIPs
	}
	if clusterIP != "" && ips[0] != clusterIP {
		c.add(RuleInvalidService, cp.String(), fmt.Sprintf("the first of clusterIPs %q must be clusterIP %q", ips[0], clusterIP))
	}
	if len(ips) > 2 {
		c.add(RuleInvalidService, cp.String(), "clusterIPs may hold at most two addresses, one per IP family")
	}
	for i, ip := range ips {
		if ip == "None" {
			if i > 0 || len(ips) > 1 {
				c.add(RuleInvalidService, cp.String(), "None must be the first and only value of clusterIPs")
				return
			}
			continue
		}
		if errs := validation.IsValidIPForLegacyField(cp.Index(i), ip, strict, nil); len(errs) > 0 {
			for _, e := range errs {
				c.add(RuleInvalidService, cp.Index(i).String(), fmt.Sprintf("clusterIP %q: %s", ip, e.Detail))
			}
			return
		}
	}
	if len(ips) == 2 {
		if dual, err := netutils.IsDualStackIPStrings(ips); err == nil && !dual {
			c.add(RuleInvalidService, cp.String(), "clusterIPs may hold at most one address per IP family")
		}
	}
	if ips[0] == "None" {
		return
	}
	for i, ip := range ips {
		if i >= len(families) {
			break
		}
		switch fam, _ := families[i].(string); {
		case fam == "IPv4" && netutils.IsIPv6String(ip):
			c.add(RuleInvalidService, cp.Index(i).String(), fmt.Sprintf("clusterIP %q is not IPv4 as ipFamilies[%d] says", ip, i))
		case fam == "IPv6" && !netutils.IsIPv6String(ip):
			c.add(RuleInvalidService, cp.Index(i).String(), fmt.Sprintf("clusterIP %q is not IPv6 as ipFamilies[%d] says", ip, i))
		}
	}
}

// parseServiceCIDR checks a source range as IsValidCIDRForLegacyField.
func parseServiceCIDR(c *collector, s string, p *field.Path, strict bool) {
	for _, e := range validation.IsValidCIDRForLegacyField(p, s, strict, nil) {
		c.add(RuleInvalidService, p.String(), fmt.Sprintf("source range %q: %s (such as 203.0.113.0/24)", s, e.Detail))
	}
}
