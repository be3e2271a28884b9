package kvet.references_test

import data.kvet.fixtures as fx
import data.kvet.references as refs

inv(objs) := fx.inventory(objs)

service(selector, target_port) := object.union(fx.service, {"spec": {"selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": target_port}]}})

test_service_selector if {
	ok := refs.deny_service_selector with input as fx.service with data.kvet.inventory as inv([fx.deployment, fx.service])
	count(ok) == 0
	bad := refs.deny_service_selector with input as service({"app": "api"}, 8080) with data.kvet.inventory as inv([fx.deployment])
	bad == {{"msg": "Service web selects no pod template in namespace \"shop\" (selector {\"app\": \"api\"})", "path": "spec.selector"}}
}

test_service_without_selector_is_skipped if {
	svc := json.remove(fx.service, ["spec/selector"])
	count(refs.deny_service_selector) == 0 with input as svc with data.kvet.inventory as inv([])
}

test_service_target_port if {
	ok := refs.deny_service_target_port with input as fx.service with data.kvet.inventory as inv([fx.deployment])
	count(ok) == 0
	bad := refs.deny_service_target_port with input as service(fx.labels, "grpc") with data.kvet.inventory as inv([fx.deployment])
	bad == {{"msg": "Service port http targets port \"grpc\", which Deployment web does not declare", "path": "spec.ports[0].targetPort"}}
	numeric := refs.deny_service_target_port with input as service(fx.labels, 8080) with data.kvet.inventory as inv([fx.deployment])
	count(numeric) == 0
}

hpa(kind, name) := {
	"apiVersion": "autoscaling/v2",
	"kind": "HorizontalPodAutoscaler",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name}, "maxReplicas": 5},
}

vpa := {
	"apiVersion": "autoscaling.k8s.io/v1",
	"kind": "VerticalPodAutoscaler",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}},
}

test_scale_target if {
	ok := refs.deny_scale_target with input as hpa("Deployment", "web") with data.kvet.inventory as inv([fx.deployment])
	count(ok) == 0
	bad := refs.deny_scale_target with input as hpa("Deployment", "api") with data.kvet.inventory as inv([fx.deployment])
	bad == {{"msg": "HorizontalPodAutoscaler web targets Deployment api, which no target of its cluster renders in namespace \"shop\"", "path": "spec.scaleTargetRef.name"}}
	v := refs.deny_scale_target with input as vpa with data.kvet.inventory as inv([fx.deployment])
	some f in v
	f.path == "spec.targetRef.name"
}

test_hpa_replicas if {
	pinned := object.union(fx.deployment, {"spec": {"replicas": 3}})
	r := refs.warn_hpa_replicas with input as pinned with data.kvet.inventory as inv([pinned, hpa("Deployment", "web")])
	count(r) == 1
	ok := refs.warn_hpa_replicas with input as fx.deployment with data.kvet.inventory as inv([fx.deployment, hpa("Deployment", "web")])
	count(ok) == 0
}

pdb(selector) := {
	"apiVersion": "policy/v1",
	"kind": "PodDisruptionBudget",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"minAvailable": 1, "selector": selector},
}

test_pdb_selector if {
	ok := refs.deny_pdb_selector with input as pdb({"matchLabels": fx.labels}) with data.kvet.inventory as inv([fx.deployment])
	count(ok) == 0
	bad := refs.deny_pdb_selector with input as pdb({"matchLabels": {"app": "api"}}) with data.kvet.inventory as inv([fx.deployment])
	count(bad) == 1
}

netpol(selector) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "NetworkPolicy",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"podSelector": selector},
}

test_network_policy_selector if {
	ok := refs.warn_network_policy_selector with input as netpol({"matchLabels": fx.labels}) with data.kvet.inventory as inv([fx.deployment])
	count(ok) == 0
	all := refs.warn_network_policy_selector with input as netpol({}) with data.kvet.inventory as inv([])
	count(all) == 0
	bad := refs.warn_network_policy_selector with input as netpol({"matchLabels": {"app": "api"}}) with data.kvet.inventory as inv([fx.deployment])
	count(bad) == 1
}

test_workload_selector if {
	count(refs.deny_workload_selector) == 0 with input as fx.deployment
	bad := object.union(fx.deployment, {"spec": {"selector": {"matchLabels": {"app": "api"}}}})
	r := refs.deny_workload_selector with input as bad
	r == {{"msg": "Deployment web: spec.selector does not match the pod template labels {\"app\": \"web\"}", "path": "spec.selector"}}
}

ingress(backend) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {
		"defaultBackend": {"service": {"name": "web", "port": {"name": "http"}}},
		"rules": [{"host": "shop.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": backend}}]}}],
	},
}

test_ingress_backend if {
	ok := refs.deny_ingress_backend with input as ingress({"name": "web", "port": {"number": 80}}) with data.kvet.inventory as inv([fx.service])
	count(ok) == 0
	missing := refs.deny_ingress_backend with input as ingress({"name": "api", "port": {"number": 80}}) with data.kvet.inventory as inv([fx.service])
	missing == {{"msg": "Ingress web routes to Service api, which no target of its cluster renders in namespace \"shop\"", "path": "spec.rules[0].http.paths[0].backend.service"}}
	port := refs.deny_ingress_backend with input as ingress({"name": "web", "port": {"number": 8080}}) with data.kvet.inventory as inv([fx.service])
	port == {{"msg": "Ingress web routes to port 8080 of Service web, which the Service does not expose", "path": "spec.rules[0].http.paths[0].backend.service.port"}}
}

referencing := fx.deployment_with(object.union(fx.pod_spec, {
	"serviceAccountName": "web",
	"imagePullSecrets": [{"name": "regcred"}],
	"volumes": [
		{"name": "config", "configMap": {"name": "web-config"}},
		{"name": "tls", "secret": {"secretName": "web-tls"}},
		{"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}},
		{"name": "opt", "configMap": {"name": "maybe", "optional": true}},
		{"name": "proj", "projected": {"sources": [{"configMap": {"name": "kube-root-ca.crt"}}, {"secret": {"name": "sealed"}}]}},
	],
	"containers": [object.union(fx.container, {
		"envFrom": [{"configMapRef": {"name": "web-env"}}],
		"env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
	})],
}))

test_missing_reference if {
	r := refs.deny_missing_reference with input as referencing with data.kvet.inventory as inv([])
	paths := {f.path | some f in r}
	paths == {
		"spec.template.spec.serviceAccountName",
		"spec.template.spec.imagePullSecrets[regcred]",
		"spec.template.spec.volumes[config].configMap",
		"spec.template.spec.volumes[tls].secret",
		"spec.template.spec.volumes[data].persistentVolumeClaim",
		"spec.template.spec.volumes[proj].projected.sources[1]",
		"spec.template.spec.containers[app].envFrom[0]",
		"spec.template.spec.containers[app].env[PASSWORD]",
	}
}

test_missing_reference_resolved if {
	objs := [
		{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web", "namespace": "shop"}},
		{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-config", "namespace": "shop"}},
		{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-env", "namespace": "shop"}},
		{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "web-data", "namespace": "shop"}},
		{"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret", "metadata": {"name": "sealed", "namespace": "shop"}},
		{"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret", "metadata": {"name": "x", "namespace": "shop"}, "spec": {"template": {"metadata": {"name": "web-tls"}}}},
		{"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "db", "namespace": "shop"}},
	]
	r := refs.deny_missing_reference with input as referencing
		with data.kvet.inventory as inv(objs)
		with data.kvet.config.external as ["Secret/*/regcred"]
	count(r) == 0
}

# The SealedSecret or ExternalSecret that makes a Secret may be rendered by
# another target of the cluster (a secrets kustomization of its own), in
# the namespace; in another namespace it makes another Secret.
test_missing_reference_produced_in_cluster if {
	pod := object.union(fx.deployment, {"spec": {"template": {"spec": {"containers": [object.union(fx.container, {"envFrom": [{"secretRef": {"name": "db"}}]})]}}}})
	es := {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "db", "namespace": "shop"}}
	count(refs.deny_missing_reference) == 0 with input as pod with data.kvet.inventory as inv([]) with data.kvet.cluster as inv([es])
	ss := {"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret", "metadata": {"name": "db", "namespace": "shop"}}
	count(refs.deny_missing_reference) == 0 with input as pod with data.kvet.inventory as inv([]) with data.kvet.cluster as inv([ss])
	elsewhere := object.union(es, {"metadata": {"namespace": "billing"}})
	count(refs.deny_missing_reference) == 1 with input as pod with data.kvet.inventory as inv([]) with data.kvet.cluster as inv([elsewhere])
}

# --- the cluster and the open world --------------------------------------------------------

sts := {
	"apiVersion": "apps/v1", "kind": "StatefulSet",
	"metadata": {"name": "redis", "namespace": "shop"},
	"spec": {"selector": {"matchLabels": {"app": "redis"}}, "template": {"metadata": {"labels": {"app": "redis"}}, "spec": fx.pod_spec}},
}

test_service_selector_controller_labels if {
	announce := service({"app": "redis", "statefulset.kubernetes.io/pod-name": "redis-0"}, 6379)
	ok := refs.deny_service_selector with input as announce with data.kvet.inventory as inv([sts])
	count(ok) == 0

	# a pod name the StatefulSet never makes, or on the wrong kind: still an error
	wrong := service({"app": "redis", "statefulset.kubernetes.io/pod-name": "cache-0"}, 6379)
	count(refs.deny_service_selector) == 1 with input as wrong with data.kvet.inventory as inv([sts])
	hash := service(object.union(fx.labels, {"controller-revision-hash": "abc"}), 8080)
	count(refs.deny_service_selector) == 1 with input as hash with data.kvet.inventory as inv([fx.deployment])
	tmpl := service(object.union(fx.labels, {"pod-template-hash": "abc"}), 8080)
	count(refs.deny_service_selector) == 0 with input as tmpl with data.kvet.inventory as inv([fx.deployment])
}

test_service_selector_pod_shaped_templates if {
	dc := {
		"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig",
		"metadata": {"name": "jenkins", "namespace": "shop"},
		"spec": {"selector": {"name": "jenkins"}, "template": {"metadata": {"labels": {"name": "jenkins"}}, "spec": fx.pod_spec}},
	}
	svc := json.patch(fx.service, [{"op": "replace", "path": "/spec/selector", "value": {"name": "jenkins"}}])
	count(refs.deny_service_selector) == 0 with input as svc with data.kvet.inventory as inv([dc])
	by_dc := json.patch(fx.service, [{"op": "replace", "path": "/spec/selector", "value": {"deploymentconfig": "jenkins"}}])
	count(refs.deny_service_selector) == 0 with input as by_dc with data.kvet.inventory as inv([dc])
}

test_references_resolve_in_the_cluster if {
	hpa_other := hpa("Deployment", "api")
	api := object.union(fx.deployment, {"metadata": {"name": "api"}})
	r := refs.deny_scale_target with input as hpa_other with data.kvet.inventory as inv([hpa_other])
		with data.kvet.cluster as inv([api])
	count(r) == 0
	pdb_other := refs.deny_pdb_selector with input as pdb({"matchLabels": fx.labels}) with data.kvet.inventory as inv([])
		with data.kvet.cluster as inv([fx.deployment])
	count(pdb_other) == 0
}

remote_release := {
	"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
	"metadata": {"name": "api", "namespace": "shop"},
	"spec": {"chartRef": {"kind": "OCIRepository", "name": "app-template"}},
}

test_open_world_producers_downgrade_to_notes if {
	# the Deployment comes from a chart kvet did not render: a note
	r := refs.deny_scale_target with input as hpa("Deployment", "api") with data.kvet.inventory as inv([remote_release])
	some f in r
	f.note == true
	contains(f.msg, "HelmRelease api")

	# many producers: three named, the others counted
	many := [object.union(remote_release, {"metadata": {"name": sprintf("r%d", [i])}}) | some i in numbers.range(1, 5)]
	m := refs.deny_scale_target with input as hpa("Deployment", "api") with data.kvet.inventory as inv(many)
	some g0 in m
	endswith(g0.msg, "; HelmRelease r1, HelmRelease r2, HelmRelease r3 and 2 more in the cluster could make it, which kvet does not render")

	# a HelmRelease of another namespace makes nothing here: an error
	other_ns := object.union(remote_release, {"metadata": {"namespace": "db"}})
	e := refs.deny_scale_target with input as hpa("Deployment", "api") with data.kvet.inventory as inv([other_ns])
	some g in e
	not g.note

	# a chart in a GitRepository of this repository is rendered by kvet: no producer
	local := object.union(remote_release, {"spec": {"chartRef": null, "chart": {"spec": {"chart": "./charts/api", "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"}}}}})
	l := refs.deny_scale_target with input as hpa("Deployment", "api") with data.kvet.inventory as inv([json.remove(local, ["spec/chartRef"])])
	some h in l
	not h.note
}

test_operator_and_platform_producers if {
	prom := {"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "metadata": {"name": "k8s", "namespace": "shop"}, "spec": {}}
	svc := service({"app.kubernetes.io/name": "prometheus"}, 9090)
	r := refs.deny_service_selector with input as svc with data.kvet.inventory as inv([prom])
	some f in r
	f.note == true

	# the OpenShift serving certificate named by a Service annotation
	annotated := object.union(fx.service, {"metadata": {"annotations": {"service.beta.openshift.io/serving-cert-secret-name": "web-tls"}}})
	mounts := fx.spec_patched({"volumes": [{"name": "tls", "secret": {"secretName": "web-tls"}}]})
	m := refs.deny_missing_reference with input as mounts with data.kvet.inventory as inv([annotated])
	some n in m
	n.note == true
	other := fx.spec_patched({"volumes": [{"name": "tls", "secret": {"secretName": "other-tls"}}]})
	o := refs.deny_missing_reference with input as other with data.kvet.inventory as inv([annotated])
	some p in o
	not p.note

	# istio-ca-root-cert exists where Istio is installed
	istio := fx.spec_patched({"volumes": [{"name": "ca", "configMap": {"name": "istio-ca-root-cert"}}]})
	count(refs.deny_missing_reference) == 1 with input as istio with data.kvet.inventory as inv([])
	gw := {"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "istio-system"}, "spec": {}}
	count(refs.deny_missing_reference) == 0 with input as istio with data.kvet.inventory as inv([]) with data.kvet.cluster as inv([gw])
}

test_secret_a_pod_may_create if {
	dep := fx.spec_patched({"serviceAccountName": "redis", "volumes": [{"name": "auth", "secret": {"secretName": "redis-auth"}}]})
	sa := {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "redis", "namespace": "shop"}}
	role := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "redis", "namespace": "shop"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "create"]}]}
	rb := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "redis", "namespace": "shop"}, "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "redis"}, "subjects": [{"kind": "ServiceAccount", "name": "redis"}]}
	count(refs.deny_missing_reference) == 0 with input as dep with data.kvet.inventory as inv([dep, sa, role, rb]) with data.kvet.cluster as inv([dep, sa, role, rb])

	# a Role that only reads Secrets makes none
	ro := object.union(role, {"rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]})
	count(refs.deny_missing_reference) == 1 with input as dep with data.kvet.inventory as inv([dep, sa, ro, rb]) with data.kvet.cluster as inv([dep, sa, ro, rb])
}

test_producers_from_kvet_yaml if {
	thing := {"apiVersion": "example.com/v1", "kind": "Database", "metadata": {"name": "db", "namespace": "shop"}, "spec": {}}
	uses := fx.spec_patched({"volumes": [{"name": "c", "secret": {"secretName": "db-credentials"}}]})
	count(refs.deny_missing_reference) == 1 with input as uses with data.kvet.inventory as inv([thing])
	r := refs.deny_missing_reference with input as uses with data.kvet.inventory as inv([thing])
		with data.kvet.config.producers as [{"producer": "example.com/Database", "makes": ["Secret"]}]
	some f in r
	f.note == true
}

test_service_selector_control_plane_static_pods if {
	api := json.patch(fx.service, [
		{"op": "replace", "path": "/metadata/namespace", "value": "kube-system"},
		{"op": "replace", "path": "/spec/selector", "value": {"k8s-app": "kube-apiserver", "tier": "control-plane"}},
	])
	count(refs.deny_service_selector) == 0 with input as api with data.kvet.inventory as inv([])
	kubeadm := json.patch(api, [{"op": "replace", "path": "/spec/selector", "value": {"component": "kube-apiserver", "tier": "control-plane"}}])
	count(refs.deny_service_selector) == 0 with input as kubeadm with data.kvet.inventory as inv([])

	# elsewhere, or with labels static pods do not carry: an error
	shop := json.patch(api, [{"op": "replace", "path": "/metadata/namespace", "value": "shop"}])
	count(refs.deny_service_selector) == 1 with input as shop with data.kvet.inventory as inv([])
	other := json.patch(api, [{"op": "replace", "path": "/spec/selector", "value": {"app": "api", "tier": "control-plane"}}])
	count(refs.deny_service_selector) == 1 with input as other with data.kvet.inventory as inv([])
}
