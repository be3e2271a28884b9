package kvet.gateway_test

import data.kvet.fixtures as fx
import data.kvet.gateway

inv(objs) := fx.inventory(objs)

gw(annotations, cert) := {
	"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
	"metadata": {"name": "public", "namespace": "gateway", "annotations": annotations},
	"spec": {"gatewayClassName": "cilium", "listeners": [
		{"name": "http", "port": 80, "protocol": "HTTP"},
		{"name": "https", "port": 443, "protocol": "HTTPS", "tls": {"certificateRefs": [{"name": cert}]}},
	]},
}

route(parent, backend) := {
	"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"parentRefs": [parent], "rules": [{"backendRefs": [backend]}]},
}

parent := {"name": "public", "namespace": "gateway", "sectionName": "https"}

backend := {"name": "web", "port": 80}

tls_secret := {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "public-tls", "namespace": "gateway"}, "type": "kubernetes.io/tls"}

test_parent_refs if {
	g := gw({}, "public-tls")
	count(gateway.deny_gateway_parent_ref) == 0 with input as route(parent, backend) with data.kvet.inventory as inv([fx.service]) with data.kvet.cluster as inv([g, fx.service])

	missing := gateway.deny_gateway_parent_ref with input as route(object.union(parent, {"name": "internal"}), backend) with data.kvet.inventory as inv([]) with data.kvet.cluster as inv([g])
	missing == {{"msg": "HTTPRoute web attaches to Gateway internal, which no target of its cluster renders in namespace \"gateway\"", "path": "spec.parentRefs[0].name"}}

	section := gateway.deny_gateway_parent_ref with input as route(object.union(parent, {"sectionName": "websecure"}), backend) with data.kvet.inventory as inv([]) with data.kvet.cluster as inv([g])
	section == {{"msg": "HTTPRoute web attaches to listener \"websecure\" of Gateway public, which has no such listener (it has http, https)", "path": "spec.parentRefs[0].sectionName"}}

	# a chart kvet does not render could make the Gateway: a note
	release := {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "gateway", "namespace": "gateway"}, "spec": {"chartRef": {"kind": "OCIRepository", "name": "gateway"}}}
	n := gateway.deny_gateway_parent_ref with input as route(parent, backend) with data.kvet.inventory as inv([release])
	some f in n
	f.note == true

	# a Service parent (GAMMA mesh routing) is not a Gateway
	mesh := route({"group": "", "kind": "Service", "name": "web"}, backend)
	count(gateway.deny_gateway_parent_ref) == 0 with input as mesh with data.kvet.inventory as inv([])
}

test_backend_refs if {
	count(gateway.deny_gateway_backend_ref) == 0 with input as route(parent, backend) with data.kvet.inventory as inv([fx.service])

	missing := gateway.deny_gateway_backend_ref with input as route(parent, {"name": "api", "port": 80}) with data.kvet.inventory as inv([fx.service])
	missing == {{"msg": "HTTPRoute web routes to Service api, which no target of its cluster renders in namespace \"shop\"", "path": "spec.rules[0].backendRefs[0].name"}}

	port := gateway.deny_gateway_backend_ref with input as route(parent, {"name": "web", "port": 8080}) with data.kvet.inventory as inv([fx.service])
	port == {{"msg": "HTTPRoute web routes to port 8080 of Service web, which the Service does not expose (it exposes 80)", "path": "spec.rules[0].backendRefs[0].port"}}
}

test_certificate_refs if {
	count(gateway.deny_gateway_certificate_ref) == 0 with input as gw({}, "public-tls") with data.kvet.inventory as inv([tls_secret])

	bad := gateway.deny_gateway_certificate_ref with input as gw({}, "public-tls") with data.kvet.inventory as inv([])
	bad == {{"msg": "Gateway public listener https uses certificate Secret public-tls, which no target of its cluster renders in namespace \"gateway\"", "path": "spec.listeners[1].tls.certificateRefs[0].name"}}

	# cert-manager's gateway-shim, a Certificate, an ExternalSecret make it
	count(gateway.deny_gateway_certificate_ref) == 0 with input as gw({"cert-manager.io/cluster-issuer": "letsencrypt"}, "public-tls") with data.kvet.inventory as inv([])
	cert := {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "public", "namespace": "gateway"}, "spec": {"secretName": "public-tls"}}
	c := gateway.deny_gateway_certificate_ref with input as gw({}, "public-tls") with data.kvet.inventory as inv([cert])
	every f in c {
		f.note == true
	}
	es := {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "public-tls", "namespace": "gateway"}, "spec": {}}
	count(gateway.deny_gateway_certificate_ref) == 0 with input as gw({}, "public-tls") with data.kvet.inventory as inv([es])
}
