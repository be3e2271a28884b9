package kvet.istio_test

import data.kvet.fixtures as fx
import data.kvet.istio

vs(host, subset) := {
	"apiVersion": "networking.istio.io/v1",
	"kind": "VirtualService",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"hosts": ["web"], "http": [{"route": [{"destination": {"host": host, "subset": subset}}]}]},
}

dr := {
	"apiVersion": "networking.istio.io/v1",
	"kind": "DestinationRule",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"host": "web.shop.svc.cluster.local", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]},
}

test_fqdn if {
	istio.fqdn("web", "shop") == "web.shop.svc.cluster.local"
	istio.fqdn("web.other.svc", "shop") == "web.other.svc.cluster.local"
	istio.fqdn("web.other.svc.cluster.local", "shop") == "web.other.svc.cluster.local"
	not istio.fqdn("api.example.com", "shop")
}

test_istio_subset if {
	ok := istio.deny_istio_subset with input as vs("web", "v1") with data.kvet.inventory as fx.inventory([dr])
	count(ok) == 0
	bad := istio.deny_istio_subset with input as vs("web", "v2") with data.kvet.inventory as fx.inventory([dr])
	bad == {{"msg": "VirtualService web routes to subset v2 of host web, which no DestinationRule of the target defines", "path": "spec.http[0].route[0].destination.subset"}}
}

test_istio_host if {
	ok := istio.deny_istio_host with input as vs("web", "v1") with data.kvet.inventory as fx.inventory([fx.service])
	count(ok) == 0
	external := istio.deny_istio_host with input as vs("api.example.com", "v1") with data.kvet.inventory as fx.inventory([])
	count(external) == 0
	bad := istio.deny_istio_host with input as vs("api.shop.svc.cluster.local", "v1") with data.kvet.inventory as fx.inventory([fx.service])
	bad == {{"msg": "VirtualService web routes to host api.shop.svc.cluster.local, but the target renders no Service api in namespace \"shop\"", "path": "spec.http[0].route[0].destination.host"}}
}
