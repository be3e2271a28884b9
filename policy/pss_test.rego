package kvet.pss_test

import data.kvet.fixtures as fx
import data.kvet.pss

all_findings := ((((((((((((pss.deny_run_as_non_root | pss.deny_privileged_container) | pss.deny_allow_privilege_escalation) | pss.deny_capabilities) | pss.deny_host_namespaces) | pss.deny_host_process) | pss.deny_host_path_volume) | pss.deny_volume_types) | pss.deny_host_port) | pss.deny_seccomp_profile) | pss.deny_unsafe_sysctls) | pss.deny_proc_mount) | pss.deny_apparmor) | pss.deny_selinux

# The compliant fixture triggers no PSS rule.
test_compliant_deployment if {
	count(all_findings) == 0 with input as fx.deployment
}

test_run_as_non_root_container_level_ok if {
	obj := fx.deployment_with(object.union(json.remove(fx.pod_spec, ["securityContext/runAsNonRoot"]), {}))
	count(pss.deny_run_as_non_root) == 0 with input as obj
}

test_run_as_non_root_missing if {
	obj := fx.deployment_with(json.remove(fx.pod_spec, ["securityContext/runAsNonRoot"]))
	init := object.union(obj, {"spec": {"template": {"spec": {"initContainers": [{"name": "init", "image": "busybox:1"}]}}}})
	r := pss.deny_run_as_non_root with input as init
	r == {{
		"msg": "container init may run as root (runAsNonRoot is not true)",
		"path": "spec.template.spec.initContainers[init].securityContext.runAsNonRoot",
	}}
}

test_run_as_non_root_container_overrides_pod if {
	r := pss.deny_run_as_non_root with input as fx.patched({"securityContext": {"runAsNonRoot": false}})
	count(r) == 1
}

test_run_as_user_zero if {
	r1 := pss.deny_run_as_non_root with input as fx.spec_patched({"securityContext": {"runAsUser": 0}})
	r1 == {{"msg": "the pod runs as root (runAsUser: 0)", "path": "spec.template.spec.securityContext.runAsUser"}}
	r2 := pss.deny_run_as_non_root with input as fx.patched({"securityContext": {"runAsUser": 0}})
	count(r2) == 1
}

test_privileged if {
	r := pss.deny_privileged_container with input as fx.patched({"securityContext": {"privileged": true}})
	count(r) == 1
}

test_allow_privilege_escalation if {
	r := pss.deny_allow_privilege_escalation with input as fx.patched({"securityContext": {"allowPrivilegeEscalation": true}})
	count(r) == 1
}

test_capabilities_drop_missing if {
	r := pss.deny_capabilities with input as fx.patched({"securityContext": {"capabilities": {"drop": ["NET_RAW"]}}})
	count(r) == 1
}

test_capabilities_add if {
	ok := pss.deny_capabilities with input as fx.patched({"securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}})
	count(ok) == 0
	bad := pss.deny_capabilities with input as fx.patched({"securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}})
	bad == {{"msg": "container app adds capability SYS_ADMIN", "path": "spec.template.spec.containers[app].securityContext.capabilities.add[SYS_ADMIN]"}}
}

test_host_namespaces if {
	r := pss.deny_host_namespaces with input as fx.spec_patched({"hostNetwork": true, "hostPID": true, "hostIPC": false})
	count(r) == 2
}

test_host_process if {
	r1 := pss.deny_host_process with input as fx.spec_patched({"securityContext": {"windowsOptions": {"hostProcess": true}}})
	count(r1) == 1
	r2 := pss.deny_host_process with input as fx.patched({"securityContext": {"windowsOptions": {"hostProcess": true}}})
	count(r2) == 1
}

test_host_path_volume if {
	r := pss.deny_host_path_volume with input as fx.spec_patched({"volumes": [{"name": "logs", "hostPath": {"path": "/var/log/"}}]})
	r == {{"msg": "volume logs mounts the node path /var/log/ (hostPath)", "path": "spec.template.spec.volumes[logs].hostPath"}}
}

test_host_path_runtime_socket if {
	r := pss.deny_host_path_volume with input as fx.spec_patched({"volumes": [{"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}]})
	some f in r
	contains(f.msg, "container runtime socket")
	pss.clean_path("/") == "/"
}

test_volume_types if {
	ok := pss.deny_volume_types with input as fx.spec_patched({"volumes": [{"name": "tmp", "emptyDir": {}}]})
	count(ok) == 0
	bad := pss.deny_volume_types with input as fx.spec_patched({"volumes": [{"name": "nfs", "nfs": {"server": "x", "path": "/"}}]})
	bad == {{"msg": "volume nfs uses the nfs volume type, which the restricted profile forbids", "path": "spec.template.spec.volumes[nfs].nfs"}}
}

test_host_port if {
	ok := pss.deny_host_port with input as fx.patched({"ports": [{"containerPort": 80, "hostPort": 0}]})
	count(ok) == 0
	bad := pss.deny_host_port with input as fx.patched({"ports": [{"containerPort": 80, "hostPort": 80}]})
	bad == {{"msg": "container app binds host port 80", "path": "spec.template.spec.containers[app].ports[0].hostPort"}}
}

test_seccomp_container_level_ok if {
	obj := fx.deployment_with(object.union(
		json.remove(fx.pod_spec, ["securityContext/seccompProfile"]),
		{"containers": [object.union(fx.container, {"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}})]},
	))
	count(pss.deny_seccomp_profile) == 0 with input as obj
}

test_seccomp_missing if {
	obj := fx.deployment_with(json.remove(fx.pod_spec, ["securityContext/seccompProfile"]))
	r := pss.deny_seccomp_profile with input as obj
	count(r) == 1
}

test_seccomp_unconfined if {
	r1 := pss.deny_seccomp_profile with input as fx.spec_patched({"securityContext": {"seccompProfile": {"type": "Unconfined"}}})
	count(r1) == 2 # the pod's profile, and therefore the container has none
	r2 := pss.deny_seccomp_profile with input as fx.patched({"securityContext": {"seccompProfile": {"type": "Unconfined"}}})
	count(r2) == 1
}

test_unsafe_sysctls if {
	ok := pss.deny_unsafe_sysctls with input as fx.spec_patched({"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]}})
	count(ok) == 0
	bad := pss.deny_unsafe_sysctls with input as fx.spec_patched({"securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}})
	count(bad) == 1
}

test_proc_mount if {
	ok := pss.deny_proc_mount with input as fx.patched({"securityContext": {"procMount": "Default"}})
	count(ok) == 0
	bad := pss.deny_proc_mount with input as fx.patched({"securityContext": {"procMount": "Unmasked"}})
	count(bad) == 1
}

test_apparmor if {
	ok := pss.deny_apparmor with input as fx.spec_patched({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}})
	count(ok) == 0
	pod := pss.deny_apparmor with input as fx.spec_patched({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}})
	count(pod) == 1
	ctr := pss.deny_apparmor with input as fx.patched({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}})
	count(ctr) == 1
}

annotated(v) := json.patch(fx.deployment, [{"op": "add", "path": "/spec/template/metadata/annotations", "value": {"container.apparmor.security.beta.kubernetes.io/app": v}}])

test_apparmor_annotation if {
	count(pss.deny_apparmor) == 0 with input as annotated("localhost/custom")
	count(pss.deny_apparmor) == 0 with input as annotated("runtime/default")
	count(pss.deny_apparmor) == 1 with input as annotated("unconfined")
}

test_selinux if {
	ok := pss.deny_selinux with input as fx.spec_patched({"securityContext": {"seLinuxOptions": {"type": "container_t", "level": "s0:c1"}}})
	count(ok) == 0
	pod := pss.deny_selinux with input as fx.spec_patched({"securityContext": {"seLinuxOptions": {"type": "spc_t"}}})
	pod == {{"msg": "the pod sets SELinux type spc_t", "path": "spec.template.spec.securityContext.seLinuxOptions"}}
	ctr := pss.deny_selinux with input as fx.patched({"securityContext": {"seLinuxOptions": {"user": "system_u", "role": "sysadm_r"}}})
	count(ctr) == 2
}
