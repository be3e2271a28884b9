# METADATA
# title: Istio routing
# description: VirtualService destinations must resolve within the target.
package kvet.istio

import data.kvet.lib

ns := lib.namespace(input)

is_virtual_service if {
	input.kind == "VirtualService"
	startswith(input.apiVersion, "networking.istio.io/")
}

# fqdn expands a short service host relative to the namespace it is
# written in: "reviews" -> "reviews.<ns>.svc.cluster.local".
fqdn(host, _) := host if contains(host, ".svc.")

fqdn(host, _) := concat("", [host, ".cluster.local"]) if endswith(host, ".svc")

fqdn(host, namespace) := sprintf("%s.%s.svc.cluster.local", [host, namespace]) if not contains(host, ".")

# destinations of every http, tcp and tls route of the VirtualService.
destinations contains [sprintf("spec.%s[%d].route[%d].destination", [proto, i, j]), r.destination] if {
	is_virtual_service
	some proto in ["http", "tcp", "tls"]
	some i, route in input.spec[proto]
	some j, r in route.route
}

# subsets[host] = subset names the target's DestinationRules define.
subsets[host] contains s.name if {
	some dr_ns, by_name in lib.inventory.DestinationRule
	some dr in by_name
	host := fqdn(dr.spec.host, dr_ns)
	some s in dr.spec.subsets
}

# METADATA
# title: VirtualService subsets must be defined
# description: Routing to a subset that no DestinationRule of the host defines fails every request with 503 (NR).
# custom:
#   id: istio-subset
#   severity: error
#   remediation: define the subset in the host's DestinationRule spec.subsets, or route to an existing subset
deny_istio_subset contains lib.finding(
	sprintf("VirtualService %s routes to subset %s of host %s, which no DestinationRule of the target defines", [input.metadata.name, d.subset, d.host]),
	sprintf("%s.subset", [path]),
) if {
	some [path, d] in destinations
	d.subset
	host := fqdn(d.host, ns)
	not d.subset in object.get(subsets, host, set())
}

# service_for returns [name, namespace] for a cluster-local host.
service_for(host) := [parts[0], parts[1]] if {
	parts := split(host, ".")
	count(parts) == 5
	endswith(host, ".svc.cluster.local")
}

# METADATA
# title: VirtualService hosts must have a Service
# description: A destination host inside the cluster (short name or *.svc[.cluster.local]) needs a Service the target renders. External hosts are not checked.
# custom:
#   id: istio-host
#   severity: error
#   remediation: route to the name of a Service the target renders (or add the Service)
deny_istio_host contains lib.finding(
	sprintf("VirtualService %s routes to host %s, but the target renders no Service %s in namespace %q", [input.metadata.name, d.host, svc, svc_ns]),
	sprintf("%s.host", [path]),
) if {
	some [path, d] in destinations
	[svc, svc_ns] := service_for(fqdn(d.host, ns))
	not lib.exists("Service", svc_ns, svc)
}
