# METADATA
# title: Gateway API references
# description: >-
#   HTTPRoutes, GRPCRoutes and TLSRoutes and the Gateways they attach to,
#   resolved against the cluster (data.kvet.cluster): a route whose parent
#   Gateway or listener does not exist is never attached, a backend Service
#   that does not exist answers 500, a listener certificate Secret that does
#   not exist leaves the listener unprogrammed.
package kvet.gateway

import data.kvet.lib

ns := lib.namespace(input)

gateway_group := "gateway.networking.k8s.io"

route if {
	input.kind in {"HTTPRoute", "GRPCRoute", "TLSRoute"}
	startswith(input.apiVersion, "gateway.networking.k8s.io/")
}

gateway if {
	input.kind == "Gateway"
	startswith(input.apiVersion, "gateway.networking.k8s.io/")
}

declared_external(kind, rns, name) if {
	some pattern in data.kvet.config.external
	glob.match(pattern, ["/"], sprintf("%s/%s/%s", [kind, rns, name]))
}

made(kind, rns, name) := lib.could_be_made(kind, rns, name) | lib.operator_could_make(rns)

# --- gateway-parent-ref -------------------------------------------------------------

parent_refs contains [i, ref, object.get(ref, "namespace", ns)] if {
	route
	some i, ref in input.spec.parentRefs
	object.get(ref, "group", gateway_group) == gateway_group
	object.get(ref, "kind", "Gateway") == "Gateway"
}

# METADATA
# title: Routes must attach to a Gateway that exists
# description: >-
#   An HTTPRoute, GRPCRoute or TLSRoute whose parentRefs name a Gateway that
#   no target of its cluster renders (in the parentRef's namespace, by default
#   the route's), or a sectionName that is no listener of that Gateway, is
#   never attached and serves no traffic. Where a producer kvet does not
#   render (a remote chart, an operator) could make the Gateway it is a note.
# custom:
#   id: gateway-parent-ref
#   severity: error
#   remediation: name a Gateway of the cluster (and its namespace) in parentRefs, and one of its listener names as sectionName
deny_gateway_parent_ref contains lib.reference_finding(
	sprintf("%s %s attaches to Gateway %s, which no target of its cluster renders%s", [input.kind, input.metadata.name, ref.name, lib.in_namespace(gns)]),
	sprintf("spec.parentRefs[%d].name", [i]),
	made("Gateway", gns, ref.name),
) if {
	some [i, ref, gns] in parent_refs
	not lib.defined("Gateway", gns, ref.name)
	not declared_external("Gateway", gns, ref.name)
}

deny_gateway_parent_ref contains lib.finding(
	sprintf("%s %s attaches to listener %q of Gateway %s, which has no such listener (it has %s)", [input.kind, input.metadata.name, ref.sectionName, ref.name, concat(", ", sort(listeners))]),
	sprintf("spec.parentRefs[%d].sectionName", [i]),
) if {
	some [i, ref, gns] in parent_refs
	ref.sectionName
	gw := lib.cluster_object("Gateway", gns, ref.name)
	listeners := {l.name | some l in gw.spec.listeners}
	not ref.sectionName in listeners
}

# --- gateway-backend-ref ------------------------------------------------------------

backend_refs contains [sprintf("spec.rules[%d].backendRefs[%d]", [i, j]), ref, object.get(ref, "namespace", ns)] if {
	route
	some i, rule in input.spec.rules
	some j, ref in rule.backendRefs
	object.get(ref, "group", "") == ""
	object.get(ref, "kind", "Service") == "Service"
}

# METADATA
# title: Route backends must be Services that exist
# description: >-
#   A backendRef must name a Service that its cluster renders (a note when a
#   producer kvet does not render could make it) and a port number that
#   Service exposes; otherwise the Gateway answers the matching requests
#   with an error.
# custom:
#   id: gateway-backend-ref
#   severity: error
#   remediation: point the backendRef at a Service of the cluster (name, namespace) and one of its spec.ports[].port numbers
deny_gateway_backend_ref contains lib.reference_finding(
	sprintf("%s %s routes to Service %s, which no target of its cluster renders%s", [input.kind, input.metadata.name, ref.name, lib.in_namespace(sns)]),
	sprintf("%s.name", [path]),
	made("Service", sns, ref.name),
) if {
	some [path, ref, sns] in backend_refs
	not lib.defined("Service", sns, ref.name)
	not declared_external("Service", sns, ref.name)
}

deny_gateway_backend_ref contains lib.finding(
	sprintf("%s %s routes to port %v of Service %s, which the Service does not expose (it exposes %s)", [input.kind, input.metadata.name, ref.port, ref.name, concat(", ", sort(ports))]),
	sprintf("%s.port", [path]),
) if {
	some [path, ref, sns] in backend_refs
	is_number(ref.port)
	svc := lib.cluster_object("Service", sns, ref.name)
	object.get(svc.spec, "type", "ClusterIP") != "ExternalName"
	ports := {sprintf("%d", [p.port]) | some p in svc.spec.ports}
	count(ports) > 0
	not sprintf("%d", [ref.port]) in ports
}

# --- gateway-certificate-ref --------------------------------------------------------

# cert-manager's gateway-shim issues the certificateRefs Secrets of a Gateway
# annotated with an issuer.
cert_manager_issues if {
	some a, _ in object.get(input, ["metadata", "annotations"], {})
	a in {"cert-manager.io/issuer", "cert-manager.io/cluster-issuer"}
}

# Secrets a controller of the cluster produces from an object kvet renders.
produced_secret(sns, name) if {
	some src in [lib.inventory, lib.cluster]
	some n, names in object.get(src, "SealedSecret", {})
	n in {sns, ""}
	some _, ss in names
	object.get(ss, ["spec", "template", "metadata", "name"], ss.metadata.name) == name
}

produced_secret(sns, name) if {
	some src in [lib.inventory, lib.cluster]
	some n, names in object.get(src, "ExternalSecret", {})
	n in {sns, ""}
	some _, es in names
	object.get(es, ["spec", "target", "name"], es.metadata.name) == name
}

# METADATA
# title: Gateway certificates must exist
# description: >-
#   A listener's tls.certificateRefs must name a Secret that its cluster
#   renders or produces (a SealedSecret, an ExternalSecret, a cert-manager
#   Certificate, or cert-manager's gateway-shim when the Gateway carries a
#   cert-manager.io issuer annotation); otherwise the listener is not
#   programmed. Where a producer kvet does not render could make it, a note.
# custom:
#   id: gateway-certificate-ref
#   severity: error
#   remediation: name a TLS Secret of the Gateway's namespace (or add a Certificate or ExternalSecret producing it, or a cert-manager.io/cluster-issuer annotation on the Gateway)
deny_gateway_certificate_ref contains lib.reference_finding(
	sprintf("Gateway %s listener %s uses certificate Secret %s, which no target of its cluster renders%s", [input.metadata.name, l.name, ref.name, lib.in_namespace(sns)]),
	sprintf("spec.listeners[%d].tls.certificateRefs[%d].name", [i, j]),
	made("Secret", sns, ref.name),
) if {
	gateway
	not cert_manager_issues
	some i, l in input.spec.listeners
	some j, ref in l.tls.certificateRefs
	object.get(ref, "group", "") == ""
	object.get(ref, "kind", "Secret") == "Secret"
	sns := object.get(ref, "namespace", ns)
	not lib.defined("Secret", sns, ref.name)
	not produced_secret(sns, ref.name)
	not declared_external("Secret", sns, ref.name)
}
