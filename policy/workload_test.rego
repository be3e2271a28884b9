package kvet.workload_test

import data.kvet.fixtures as fx
import data.kvet.workload

all_findings := ((((((((workload.deny_resource_requests | workload.deny_memory_limit) | workload.warn_cpu_limit) | workload.deny_readiness_probe) | workload.deny_liveness_probe) | workload.deny_probe_port) | workload.deny_image_tag) | workload.deny_image_registry) | workload.warn_read_only_root_filesystem) | workload.warn_automount_service_account_token

test_compliant_deployment if {
	count(all_findings) == 0 with input as fx.deployment
	count(all_findings) == 0 with input as fx.cronjob
}

test_resource_requests if {
	obj := fx.deployment_with(object.union(fx.pod_spec, {"containers": [json.remove(fx.container, ["resources/requests/cpu"])]}))
	r := workload.deny_resource_requests with input as obj
	r == {{"msg": "container app has no cpu request", "path": "spec.template.spec.containers[app].resources.requests.cpu"}}
}

test_resource_requests_cronjob_init if {
	obj := json.patch(fx.cronjob, [{"op": "add", "path": "/spec/jobTemplate/spec/template/spec/initContainers", "value": [{"name": "init", "image": "busybox:1"}]}])
	r := workload.deny_resource_requests with input as obj
	count(r) == 2
	some f in r
	f.path == "spec.jobTemplate.spec.template.spec.initContainers[init].resources.requests.cpu"
}

test_ephemeral_containers_need_no_resources if {
	obj := fx.spec_patched({"ephemeralContainers": [{"name": "debug", "image": "busybox:1"}]})
	count(workload.deny_resource_requests) == 0 with input as obj
}

test_memory_limit if {
	obj := fx.deployment_with(object.union(fx.pod_spec, {"containers": [json.remove(fx.container, ["resources/limits/memory"])]}))
	r := workload.deny_memory_limit with input as obj
	count(r) == 1
}

test_cpu_limit if {
	obj := fx.deployment_with(object.union(fx.pod_spec, {"containers": [json.remove(fx.container, ["resources/limits/cpu"])]}))
	r := workload.warn_cpu_limit with input as obj
	count(r) == 1
}

test_probes_missing if {
	obj := fx.deployment_with(object.union(fx.pod_spec, {"containers": [json.remove(fx.container, ["readinessProbe", "livenessProbe"])]}))
	r := workload.deny_readiness_probe with input as obj
	r == {{"msg": "container app has no readiness probe", "path": "spec.template.spec.containers[app].readinessProbe"}}
	l := workload.deny_liveness_probe with input as obj
	count(l) == 1
}

test_probes_not_required_on_init if {
	obj := fx.spec_patched({"initContainers": [{"name": "init", "image": "busybox:1"}]})
	count(workload.deny_readiness_probe) == 0 with input as obj
}

test_probe_port if {
	bad := workload.deny_probe_port with input as fx.patched({"startupProbe": {"httpGet": {"port": "metrics"}}})
	bad == {{"msg": "container app: startupProbe uses port metrics, which the container does not declare", "path": "spec.template.spec.containers[app].startupProbe.httpGet.port"}}
	tcp := workload.deny_probe_port with input as fx.patched({"livenessProbe": {"tcpSocket": {"port": "admin"}}})
	[f | some f in tcp] == [{"msg": "container app: livenessProbe uses port admin, which the container does not declare", "path": "spec.template.spec.containers[app].livenessProbe.tcpSocket.port"}]
}

test_image_parts if {
	workload.image_parts("nginx") == {"registry": "docker.io", "name": "nginx", "tag": "", "digest": ""}
	workload.image_parts("localhost:5000/team/app:1.2") == {"registry": "localhost:5000", "name": "team/app", "tag": "1.2", "digest": ""}
	workload.image_parts("ghcr.io/x/app@sha256:abc") == {"registry": "ghcr.io", "name": "x/app", "tag": "", "digest": "sha256:abc"}
	workload.image_parts("localhost/app:2").registry == "localhost"
}

test_image_tag if {
	none := workload.deny_image_tag with input as fx.patched({"image": "nginx"})
	none == {{"msg": "container app uses image nginx without a tag or digest", "path": "spec.template.spec.containers[app].image"}}
	latest := workload.deny_image_tag with input as fx.patched({"image": "nginx:latest"})
	count(latest) == 1
	digest := workload.deny_image_tag with input as fx.patched({"image": "nginx:latest@sha256:abc"})
	count(digest) == 0
}

test_image_registry if {
	ok := workload.deny_image_registry with input as fx.deployment
		with data.kvet.config.allowed_registries as ["ghcr.io/example"]
	count(ok) == 0
	host := workload.deny_image_registry with input as fx.deployment
		with data.kvet.config.allowed_registries as ["ghcr.io"]
	count(host) == 0
	bad := workload.deny_image_registry with input as fx.patched({"image": "nginx:1.27"})
		with data.kvet.config.allowed_registries as ["ghcr.io/example/"]
	bad == {{"msg": "container app uses image nginx:1.27 from registry docker.io, which is not allowed (allowed: ghcr.io/example/)", "path": "spec.template.spec.containers[app].image"}}
}

test_read_only_root_filesystem if {
	r := workload.warn_read_only_root_filesystem with input as fx.patched({"securityContext": {"readOnlyRootFilesystem": false}})
	count(r) == 1
}

test_automount_service_account_token if {
	obj := fx.deployment_with(object.union(json.remove(fx.pod_spec, ["automountServiceAccountToken"]), {"serviceAccountName": "web"}))
	r := workload.warn_automount_service_account_token with input as obj
	r == {{"msg": "the pod mounts a service account token (automountServiceAccountToken is not false)", "path": "spec.template.spec.automountServiceAccountToken"}}
	sa := {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web", "namespace": "shop"}, "automountServiceAccountToken": false}
	ok := workload.warn_automount_service_account_token with input as obj with data.kvet.inventory as fx.inventory([sa])
	count(ok) == 0
}
