# METADATA
# title: Workload resources, probes, images and hygiene
# description: >-
#   Per-container rules that apply to every pod spec: resource requests and
#   limits, probes on long-running workloads, image references, and the
#   hardening warnings (read-only root file system, service account token).
package kvet.workload

import data.kvet.lib

# Ephemeral containers cannot declare resources or probes.
resourced_containers contains c if {
	some c in lib.containers
	c.field != "ephemeralContainers"
}

# --- resources -------------------------------------------------------------------

# METADATA
# title: CPU and memory requests are required
# description: Every container (init containers, Jobs and CronJobs included) must request cpu and memory so the scheduler can place it.
# custom:
#   id: resource-requests
#   severity: error
#   remediation: set resources.requests.cpu and resources.requests.memory on the container
deny_resource_requests contains lib.finding(
	sprintf("container %s has no %s request", [c.name, res]),
	sprintf("%s.resources.requests.%s", [c.path, res]),
) if {
	some c in resourced_containers
	some res in ["cpu", "memory"]
	not c.container.resources.requests[res]
}

# METADATA
# title: A memory limit is required
# description: Without a memory limit a container can exhaust the node's memory and get other pods evicted.
# custom:
#   id: memory-limit
#   severity: error
#   remediation: set resources.limits.memory on the container
deny_memory_limit contains lib.finding(
	sprintf("container %s has no memory limit", [c.name]),
	sprintf("%s.resources.limits.memory", [c.path]),
) if {
	some c in resourced_containers
	not c.container.resources.limits.memory
}

# METADATA
# title: A CPU limit is recommended
# description: Without a CPU limit a busy container can starve its neighbours (some teams deliberately omit it; downgrade or except the rule then).
# custom:
#   id: cpu-limit
#   severity: warning
#   remediation: set resources.limits.cpu on the container
warn_cpu_limit contains lib.finding(
	sprintf("container %s has no cpu limit", [c.name]),
	sprintf("%s.resources.limits.cpu", [c.path]),
) if {
	some c in resourced_containers
	not c.container.resources.limits.cpu
}

# --- probes -------------------------------------------------------------------------

# Probes apply to the main containers of long-running workloads only.
probed_containers contains c if {
	lib.long_running
	some c in lib.containers
	c.field == "containers"
}

# METADATA
# title: A readiness probe is required
# description: Long-running workloads (not Jobs, CronJobs or init containers) need a readiness probe so traffic only reaches ready pods and rollouts wait for them.
# custom:
#   id: readiness-probe
#   severity: error
#   remediation: add a readinessProbe (httpGet, tcpSocket, grpc or exec) to the container
deny_readiness_probe contains lib.finding(
	sprintf("container %s has no readiness probe", [c.name]),
	sprintf("%s.readinessProbe", [c.path]),
) if {
	some c in probed_containers
	not c.container.readinessProbe
}

# METADATA
# title: A liveness probe is required
# description: Long-running workloads (not Jobs, CronJobs or init containers) need a liveness probe so a hung process is restarted.
# custom:
#   id: liveness-probe
#   severity: error
#   remediation: add a livenessProbe (httpGet, tcpSocket, grpc or exec) to the container
deny_liveness_probe contains lib.finding(
	sprintf("container %s has no liveness probe", [c.name]),
	sprintf("%s.livenessProbe", [c.path]),
) if {
	some c in probed_containers
	not c.container.livenessProbe
}

# --- probe-port -----------------------------------------------------------------------

# probe_port is the handler holding a probe's port and the port.
probe_port(probe) := ["httpGet", probe.httpGet.port]

probe_port(probe) := ["tcpSocket", probe.tcpSocket.port]

# METADATA
# title: Probes must use a declared port name
# description: A probe that names a port the container does not declare never succeeds.
# custom:
#   id: probe-port
#   severity: error
#   remediation: use a port name listed in the container's ports (or a port number)
deny_probe_port contains lib.finding(
	sprintf("container %s: %s uses port %s, which the container does not declare", [c.name, kind, port]),
	sprintf("%s.%s.%s.port", [c.path, kind, handler]),
) if {
	some c in lib.containers
	some kind in ["readinessProbe", "livenessProbe", "startupProbe"]
	[handler, port] := probe_port(c.container[kind])
	is_string(port)
	not port in {p.name | some p in object.get(c.container, "ports", [])}
}

# --- images -----------------------------------------------------------------------------

# image_parts splits an image reference into registry, repository path,
# tag and digest. Docker Hub short names get registry docker.io.
image_parts(image) := {"registry": registry, "name": name, "tag": tag, "digest": digest} if {
	[ref, digest] := split_digest(image)
	segs := split(ref, "/")
	registry := image_registry(segs)
	rest := image_rest(segs, registry)
	[name, tag] := split_tag(rest)
}

split_digest(image) := [parts[0], parts[1]] if {
	parts := split(image, "@")
	count(parts) == 2
} else := [image, ""]

image_registry(segs) := segs[0] if {
	count(segs) > 1
	registry_like(segs[0])
} else := "docker.io"

registry_like(s) if contains(s, ".")

registry_like(s) if contains(s, ":")

registry_like("localhost")

image_rest(segs, registry) := concat("/", array.slice(segs, 1, count(segs))) if {
	segs[0] == registry
} else := concat("/", segs)

split_tag(rest) := [concat(":", array.slice(parts, 0, count(parts) - 1)), parts[count(parts) - 1]] if {
	parts := split(rest, ":")
	count(parts) > 1
} else := [rest, ""]

# METADATA
# scope: document
# title: Images must be pinned
# description: An image needs a tag or digest, and the tag must not be latest, so that what runs is what was reviewed.
# custom:
#   id: image-tag
#   severity: error
#   remediation: pin the image to a version tag or a digest (kustomize images[].newTag or digest)
deny_image_tag contains lib.finding(
	sprintf("container %s uses image %s without a tag or digest", [c.name, c.container.image]),
	sprintf("%s.image", [c.path]),
) if {
	some c in lib.containers
	p := image_parts(c.container.image)
	p.tag == ""
	p.digest == ""
}

deny_image_tag contains lib.finding(
	sprintf("container %s uses the latest tag (%s)", [c.name, c.container.image]),
	sprintf("%s.image", [c.path]),
) if {
	some c in lib.containers
	p := image_parts(c.container.image)
	p.tag == "latest"
	p.digest == ""
}

registry_allowed(p) if {
	some allowed in data.kvet.config.allowed_registries
	p.registry == trim_right(allowed, "/")
}

registry_allowed(p) if {
	some allowed in data.kvet.config.allowed_registries
	startswith(sprintf("%s/%s", [p.registry, p.name]), concat("", [trim_right(allowed, "/"), "/"]))
}

# METADATA
# title: Images must come from an allowed registry
# description: When kvet.yaml lists allowedRegistries, every image must come from one of them (a host, or a host/path prefix).
# custom:
#   id: image-registry
#   severity: error
#   remediation: pull the image from an allowed registry (kvet.yaml allowedRegistries), e.g. through a mirror
deny_image_registry contains lib.finding(
	sprintf("container %s uses image %s from registry %s, which is not allowed (allowed: %s)", [c.name, c.container.image, p.registry, concat(", ", data.kvet.config.allowed_registries)]),
	sprintf("%s.image", [c.path]),
) if {
	some c in lib.containers
	count(data.kvet.config.allowed_registries) > 0
	p := image_parts(c.container.image)
	not registry_allowed(p)
}

# --- hardening warnings ----------------------------------------------------------------------

# METADATA
# title: Root file system should be read-only
# description: A read-only root file system stops an intruder from altering the image; write to emptyDir volumes instead.
# custom:
#   id: read-only-root-filesystem
#   severity: warning
#   remediation: set securityContext.readOnlyRootFilesystem to true and mount an emptyDir where the program writes
warn_read_only_root_filesystem contains lib.finding(
	sprintf("container %s has a writable root file system", [c.name]),
	sprintf("%s.securityContext.readOnlyRootFilesystem", [c.path]),
) if {
	some c in resourced_containers
	not c.container.securityContext.readOnlyRootFilesystem == true
}

service_account_disables_token if {
	sa := object.get(lib.pod_spec, "serviceAccountName", "default")
	lib.inventory.ServiceAccount[lib.namespace(input)][sa].automountServiceAccountToken == false
}

# METADATA
# title: Service account token should not be mounted
# description: Most workloads never call the Kubernetes API; an automounted token is a credential an intruder can use.
# custom:
#   id: automount-service-account-token
#   severity: warning
#   remediation: set automountServiceAccountToken to false in the pod spec (or on its ServiceAccount) unless the program calls the Kubernetes API
warn_automount_service_account_token contains lib.finding(
	"the pod mounts a service account token (automountServiceAccountToken is not false)",
	sprintf("%s.automountServiceAccountToken", [lib.pod_spec_prefix]),
) if {
	lib.pod_spec
	not lib.pod_spec.automountServiceAccountToken == false
	not service_account_disables_token
}
