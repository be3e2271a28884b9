# METADATA
# title: Pod Security Standards (restricted)
# description: >-
#   The complete Pod Security Standards "restricted" profile (which includes
#   "baseline"), applied to every pod spec: Pods, workload templates, CronJob
#   job templates and custom kinds declared in kvet.yaml. Init and ephemeral
#   containers are checked like the others.
package kvet.pss

import data.kvet.lib

# --- run-as-non-root ---------------------------------------------------------

non_root(c) if c.container.securityContext.runAsNonRoot == true

non_root(c) if {
	lib.pod_spec.securityContext.runAsNonRoot == true
	not c.container.securityContext.runAsNonRoot == false
}

# METADATA
# scope: document
# title: Containers must run as non-root
# description: >-
#   runAsNonRoot must be true at pod level or on every container (init and
#   ephemeral included), and runAsUser must never be 0.
# custom:
#   id: run-as-non-root
#   severity: error
#   remediation: set securityContext.runAsNonRoot to true (pod level or on every container) and never set runAsUser to 0
deny_run_as_non_root contains lib.finding(
	sprintf("container %s may run as root (runAsNonRoot is not true)", [c.name]),
	sprintf("%s.securityContext.runAsNonRoot", [c.path]),
) if {
	some c in lib.containers
	not non_root(c)
}

deny_run_as_non_root contains lib.finding(
	"the pod runs as root (runAsUser: 0)",
	sprintf("%s.securityContext.runAsUser", [lib.pod_spec_prefix]),
) if {
	lib.pod_spec.securityContext.runAsUser == 0
}

deny_run_as_non_root contains lib.finding(
	sprintf("container %s runs as root (runAsUser: 0)", [c.name]),
	sprintf("%s.securityContext.runAsUser", [c.path]),
) if {
	some c in lib.containers
	c.container.securityContext.runAsUser == 0
}

# --- privileged-container ------------------------------------------------------

# METADATA
# title: Containers must not be privileged
# description: A privileged container has every capability and full access to the node's devices.
# custom:
#   id: privileged-container
#   severity: error
#   remediation: remove securityContext.privileged (or set it to false)
deny_privileged_container contains lib.finding(
	sprintf("container %s is privileged", [c.name]),
	sprintf("%s.securityContext.privileged", [c.path]),
) if {
	some c in lib.containers
	c.container.securityContext.privileged == true
}

# --- allow-privilege-escalation ------------------------------------------------

# METADATA
# title: Privilege escalation must be disabled
# description: allowPrivilegeEscalation must be explicitly false on every container (setuid binaries could otherwise gain privileges).
# custom:
#   id: allow-privilege-escalation
#   severity: error
#   remediation: set securityContext.allowPrivilegeEscalation to false on every container
deny_allow_privilege_escalation contains lib.finding(
	sprintf("container %s allows privilege escalation (allowPrivilegeEscalation is not false)", [c.name]),
	sprintf("%s.securityContext.allowPrivilegeEscalation", [c.path]),
) if {
	some c in lib.containers
	not c.container.securityContext.allowPrivilegeEscalation == false
}

# --- capabilities ---------------------------------------------------------------

drops_all(c) if "ALL" in c.container.securityContext.capabilities.drop

# METADATA
# scope: document
# title: Capabilities must be dropped
# description: Every container must drop ALL capabilities and may add back only NET_BIND_SERVICE.
# custom:
#   id: capabilities
#   severity: error
#   remediation: set securityContext.capabilities.drop to [ALL] and add nothing but NET_BIND_SERVICE
deny_capabilities contains lib.finding(
	sprintf("container %s does not drop ALL capabilities", [c.name]),
	sprintf("%s.securityContext.capabilities.drop", [c.path]),
) if {
	some c in lib.containers
	not drops_all(c)
}

deny_capabilities contains lib.finding(
	sprintf("container %s adds capability %s", [c.name, cap]),
	sprintf("%s.securityContext.capabilities.add[%s]", [c.path, cap]),
) if {
	some c in lib.containers
	some cap in object.get(c.container, ["securityContext", "capabilities", "add"], [])
	cap != "NET_BIND_SERVICE"
}

# --- host-namespaces --------------------------------------------------------------

# METADATA
# title: Host namespaces must not be shared
# description: hostNetwork, hostPID and hostIPC let the pod see and reach the node's network, processes and IPC.
# custom:
#   id: host-namespaces
#   severity: error
#   remediation: remove hostNetwork, hostPID and hostIPC from the pod spec (or set them to false)
deny_host_namespaces contains lib.finding(
	sprintf("the pod shares the node's namespace (%s: true)", [field]),
	sprintf("%s.%s", [lib.pod_spec_prefix, field]),
) if {
	lib.pod_spec
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	lib.pod_spec[field] == true
}

# --- host-process -------------------------------------------------------------------

# METADATA
# scope: document
# title: Windows HostProcess containers are not allowed
# description: A HostProcess container runs directly on the Windows node with host privileges.
# custom:
#   id: host-process
#   severity: error
#   remediation: remove securityContext.windowsOptions.hostProcess (or set it to false) at pod and container level
deny_host_process contains lib.finding(
	"the pod runs Windows HostProcess containers",
	sprintf("%s.securityContext.windowsOptions.hostProcess", [lib.pod_spec_prefix]),
) if {
	lib.pod_spec.securityContext.windowsOptions.hostProcess == true
}

deny_host_process contains lib.finding(
	sprintf("container %s is a Windows HostProcess container", [c.name]),
	sprintf("%s.securityContext.windowsOptions.hostProcess", [c.path]),
) if {
	some c in lib.containers
	c.container.securityContext.windowsOptions.hostProcess == true
}

# --- host-path-volume ----------------------------------------------------------------

# Container runtime sockets: mounting one hands over the whole node.
runtime_sockets := {
	"/var/run/docker.sock",
	"/run/docker.sock",
	"/var/run/containerd/containerd.sock",
	"/run/containerd/containerd.sock",
	"/var/run/crio/crio.sock",
	"/run/crio/crio.sock",
	"/var/run/cri-dockerd.sock",
	"/run/cri-dockerd.sock",
	"/var/run/dockershim.sock",
}

clean_path(p) := trim_right(p, "/") if {
	p != "/"
} else := p

host_path_message(name, p) := sprintf("volume %s mounts the container runtime socket %s from the node: whoever controls the pod controls the node", [name, p]) if {
	runtime_sockets[clean_path(p)]
} else := sprintf("volume %s mounts the node path %s (hostPath)", [name, p])

# METADATA
# title: hostPath volumes are not allowed
# description: A hostPath volume exposes the node's file system to the pod; a container runtime socket gives full control of the node.
# custom:
#   id: host-path-volume
#   severity: error
#   remediation: use a configMap, secret, emptyDir, projected or persistentVolumeClaim volume instead of hostPath
deny_host_path_volume contains lib.finding(
	host_path_message(v.name, v.hostPath.path),
	sprintf("%s.volumes[%s].hostPath", [lib.pod_spec_prefix, v.name]),
) if {
	some v in lib.pod_spec.volumes
	v.hostPath
}

# --- volume-types ----------------------------------------------------------------------

allowed_volume_fields := {
	"name", "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
	"persistentVolumeClaim", "projected", "secret",
	# hostPath has its own rule (host-path-volume)
	"hostPath",
}

# METADATA
# title: Only restricted volume types
# description: >-
#   The restricted profile allows only configMap, csi, downwardAPI, emptyDir,
#   ephemeral, persistentVolumeClaim, projected and secret volumes.
# custom:
#   id: volume-types
#   severity: error
#   remediation: replace the volume with a persistentVolumeClaim (or configMap, secret, emptyDir, projected, csi, ephemeral, downwardAPI)
deny_volume_types contains lib.finding(
	sprintf("volume %s uses the %s volume type, which the restricted profile forbids", [v.name, field]),
	sprintf("%s.volumes[%s].%s", [lib.pod_spec_prefix, v.name, field]),
) if {
	some v in lib.pod_spec.volumes
	some field, _ in v
	not allowed_volume_fields[field]
}

# --- host-port ------------------------------------------------------------------------

# METADATA
# title: hostPort must not be used
# description: A hostPort binds the node's port, bypasses network policies and limits scheduling.
# custom:
#   id: host-port
#   severity: error
#   remediation: remove hostPort and expose the port through a Service
deny_host_port contains lib.finding(
	sprintf("container %s binds host port %d", [c.name, p.hostPort]),
	sprintf("%s.ports[%d].hostPort", [c.path, i]),
) if {
	some c in lib.containers
	some i, p in object.get(c.container, "ports", [])
	object.get(p, "hostPort", 0) != 0
}

# --- seccomp-profile ----------------------------------------------------------------------

allowed_seccomp := {"RuntimeDefault", "Localhost"}

pod_seccomp_ok if allowed_seccomp[lib.pod_spec.securityContext.seccompProfile.type]

# METADATA
# scope: document
# title: A seccomp profile must be set
# description: The seccomp profile must be RuntimeDefault or Localhost, at pod level or on every container; Unconfined is forbidden.
# custom:
#   id: seccomp-profile
#   severity: error
#   remediation: set securityContext.seccompProfile.type to RuntimeDefault in the pod spec
deny_seccomp_profile contains lib.finding(
	sprintf("container %s has no seccomp profile (neither the pod nor the container sets RuntimeDefault or Localhost)", [c.name]),
	sprintf("%s.securityContext.seccompProfile", [c.path]),
) if {
	some c in lib.containers
	not pod_seccomp_ok
	not c.container.securityContext.seccompProfile.type
}

deny_seccomp_profile contains lib.finding(
	sprintf("container %s uses seccomp profile %s", [c.name, t]),
	sprintf("%s.securityContext.seccompProfile.type", [c.path]),
) if {
	some c in lib.containers
	t := c.container.securityContext.seccompProfile.type
	not allowed_seccomp[t]
}

deny_seccomp_profile contains lib.finding(
	sprintf("the pod uses seccomp profile %s", [t]),
	sprintf("%s.securityContext.seccompProfile.type", [lib.pod_spec_prefix]),
) if {
	t := lib.pod_spec.securityContext.seccompProfile.type
	not allowed_seccomp[t]
}

# --- unsafe-sysctls -----------------------------------------------------------------------------

safe_sysctls := {
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
}

# METADATA
# title: Only safe sysctls
# description: Sysctls outside the Kubernetes safe set can affect every pod on the node.
# custom:
#   id: unsafe-sysctls
#   severity: error
#   remediation: remove the sysctl from securityContext.sysctls; only the Kubernetes safe set is allowed
deny_unsafe_sysctls contains lib.finding(
	sprintf("the pod sets the unsafe sysctl %s", [s.name]),
	sprintf("%s.securityContext.sysctls[%s]", [lib.pod_spec_prefix, s.name]),
) if {
	some s in lib.pod_spec.securityContext.sysctls
	not safe_sysctls[s.name]
}

# --- proc-mount -------------------------------------------------------------------------------

# METADATA
# title: procMount must be Default
# description: An Unmasked /proc mount exposes host information to the container.
# custom:
#   id: proc-mount
#   severity: error
#   remediation: remove securityContext.procMount (or set it to Default)
deny_proc_mount contains lib.finding(
	sprintf("container %s sets procMount %s", [c.name, m]),
	sprintf("%s.securityContext.procMount", [c.path]),
) if {
	some c in lib.containers
	m := c.container.securityContext.procMount
	m != "Default"
}

# --- apparmor -------------------------------------------------------------------------------

allowed_apparmor_types := {"RuntimeDefault", "Localhost"}

apparmor_annotation_prefix := "container.apparmor.security.beta.kubernetes.io/"

# METADATA
# scope: document
# title: AppArmor must not be disabled
# description: The AppArmor profile, when set, must be RuntimeDefault or Localhost (Unconfined is forbidden), in fields and in the legacy annotations.
# custom:
#   id: apparmor
#   severity: error
#   remediation: set securityContext.appArmorProfile.type to RuntimeDefault (or Localhost), or remove the override
deny_apparmor contains lib.finding(
	sprintf("the pod sets AppArmor profile %s", [t]),
	sprintf("%s.securityContext.appArmorProfile.type", [lib.pod_spec_prefix]),
) if {
	t := lib.pod_spec.securityContext.appArmorProfile.type
	not allowed_apparmor_types[t]
}

deny_apparmor contains lib.finding(
	sprintf("container %s sets AppArmor profile %s", [c.name, t]),
	sprintf("%s.securityContext.appArmorProfile.type", [c.path]),
) if {
	some c in lib.containers
	t := c.container.securityContext.appArmorProfile.type
	not allowed_apparmor_types[t]
}

deny_apparmor contains lib.finding(
	sprintf("annotation %s sets AppArmor profile %s", [k, v]),
	sprintf("metadata.annotations[%s]", [k]),
) if {
	lib.pod_spec
	some k, v in lib.pod_annotations_of(input)
	startswith(k, apparmor_annotation_prefix)
	v != "runtime/default"
	not startswith(v, "localhost/")
}

# --- selinux ----------------------------------------------------------------------------------

allowed_selinux_types := {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}

selinux_problems(opts) := {sprintf("SELinux %s %s", [field, v]) |
	some field in ["type", "user", "role"]
	v := opts[field]
	bad_selinux(field, v)
}

bad_selinux("type", v) if not allowed_selinux_types[v]

bad_selinux(field, v) if {
	field in {"user", "role"}
	v != ""
}

# METADATA
# scope: document
# title: SELinux options are restricted
# description: seLinuxOptions may only set type to container_t, container_init_t, container_kvm_t or container_engine_t, and must not set user or role.
# custom:
#   id: selinux
#   severity: error
#   remediation: remove seLinuxOptions.user and role, and use type container_t (or leave it unset)
deny_selinux contains lib.finding(
	sprintf("the pod sets %s", [problem]),
	sprintf("%s.securityContext.seLinuxOptions", [lib.pod_spec_prefix]),
) if {
	some problem in selinux_problems(lib.pod_spec.securityContext.seLinuxOptions)
}

deny_selinux contains lib.finding(
	sprintf("container %s sets %s", [c.name, problem]),
	sprintf("%s.securityContext.seLinuxOptions", [c.path]),
) if {
	some c in lib.containers
	some problem in selinux_problems(c.container.securityContext.seLinuxOptions)
}
