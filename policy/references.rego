# METADATA
# title: Cross-resource references
# description: >-
#   Rules that look across the target's inventory (data.kvet.inventory) and
#   its cluster (data.kvet.cluster): selectors that select nothing, references
#   to objects nothing renders, and controllers that fight each other.
package kvet.references

import data.kvet.lib

ns := lib.namespace(input)

# templates in the input's namespace, derived once per evaluation.
templates := lib.pod_templates(ns)

# --- service-selector ------------------------------------------------------------

service_with_selector if {
	input.apiVersion == "v1"
	input.kind == "Service"
	object.get(input.spec, "type", "ClusterIP") != "ExternalName"
	count(object.get(input.spec, "selector", {})) > 0
}

selected_by_service contains t if {
	service_with_selector
	some t in templates
	lib.map_selector_matches(input.spec.selector, t.labels)
}

# cluster_templates are the pod templates of the whole cluster in the
# input's namespace (any object with a pod-shaped template counts).
cluster_templates := lib.cluster_pod_templates(ns)

service_selects_any if count(selected_by_service) > 0

service_selects_any if {
	some t in array.concat(templates, cluster_templates)
	lib.template_selected(input.spec.selector, t)
}

service_selects_any if lib.platform_selects(ns, input.spec.selector)

# METADATA
# title: Service selectors must select a pod template
# description: >-
#   A Service whose selector matches no pod template of its cluster has no endpoints. Labels the
#   controllers set on pods (pod-template-hash, statefulset.kubernetes.io/pod-name, ...) count; where
#   a producer kvet does not render (a remote chart, an operator) could make the pods it is a note; the
#   control plane's static pods (tier=control-plane in kube-system) exist without manifests.
# custom:
#   id: service-selector
#   severity: error
#   remediation: make spec.selector match the labels of the workload's pod template (spec.template.metadata.labels)
deny_service_selector contains lib.reference_finding(
	sprintf("Service %s selects no pod template%s (selector %v)", [input.metadata.name, lib.in_namespace(ns), input.spec.selector]),
	"spec.selector",
	lib.could_select_pods(ns),
) if {
	service_with_selector
	not service_selects_any
}

# --- service-target-port -----------------------------------------------------------

# METADATA
# title: Service targetPort names must exist
# description: A named targetPort must be declared by the containers of every pod template the Service selects.
# custom:
#   id: service-target-port
#   severity: error
#   remediation: use a port name declared in the selected containers' ports, or a port number
deny_service_target_port contains lib.finding(
	sprintf("Service port %s targets port %q, which %s %s does not declare", [object.get(p, "name", format_int(p.port, 10)), p.targetPort, t.kind, t.name]),
	sprintf("spec.ports[%d].targetPort", [i]),
) if {
	some t in selected_by_service
	some i, p in input.spec.ports
	is_string(p.targetPort)
	not p.targetPort in lib.container_port_names(t.spec)
}

# --- scale-target -----------------------------------------------------------------

scale_target := input.spec.scaleTargetRef if {
	input.kind == "HorizontalPodAutoscaler"
	startswith(input.apiVersion, "autoscaling/")
}

scale_target := input.spec.targetRef if {
	input.kind == "VerticalPodAutoscaler"
	startswith(input.apiVersion, "autoscaling.k8s.io/")
}

scale_target_path := "spec.scaleTargetRef.name" if {
	input.kind == "HorizontalPodAutoscaler"
} else := "spec.targetRef.name"

# METADATA
# title: Autoscaler targets must exist
# description: An HPA or VPA whose target workload no target of its cluster renders scales nothing (a note when a producer kvet does not render could make it).
# custom:
#   id: scale-target
#   severity: error
#   remediation: point the scale target ref (kind and name) at a workload the cluster renders
deny_scale_target contains lib.reference_finding(
	sprintf("%s %s targets %s %s, which no target of its cluster renders%s", [input.kind, input.metadata.name, scale_target.kind, scale_target.name, lib.in_namespace(ns)]),
	scale_target_path,
	lib.could_be_made(scale_target.kind, ns, scale_target.name),
) if {
	not lib.defined(scale_target.kind, ns, scale_target.name)
}

# --- hpa-replicas -------------------------------------------------------------------

scaled_by contains hpa.metadata.name if {
	input.spec.replicas
	some hpa in lib.inventory.HorizontalPodAutoscaler[ns]
	hpa.spec.scaleTargetRef.kind == input.kind
	hpa.spec.scaleTargetRef.name == input.metadata.name
}

# METADATA
# title: Autoscaled workloads should not pin replicas
# description: When an HPA scales a workload that also sets spec.replicas, every sync of the GitOps tool resets the replica count the HPA chose.
# custom:
#   id: hpa-replicas
#   severity: warning
#   remediation: remove spec.replicas from the workload manifest and let the HPA own it
warn_hpa_replicas contains lib.finding(
	sprintf("%s %s pins spec.replicas but is scaled by HorizontalPodAutoscaler %s: the GitOps tool and the HPA will fight", [input.kind, input.metadata.name, hpa]),
	"spec.replicas",
) if {
	some hpa in scaled_by
}

# --- pdb-selector -----------------------------------------------------------------------

# METADATA
# title: PodDisruptionBudgets must select pods
# description: A PodDisruptionBudget whose selector matches no pod template of its cluster protects nothing (a note when a producer kvet does not render could make the pods).
# custom:
#   id: pdb-selector
#   severity: error
#   remediation: make spec.selector match the labels of the workload's pod template
deny_pdb_selector contains lib.reference_finding(
	sprintf("PodDisruptionBudget %s selects no pod template%s", [input.metadata.name, lib.in_namespace(ns)]),
	"spec.selector",
	lib.could_select_pods(ns),
) if {
	input.kind == "PodDisruptionBudget"
	not any_selected(object.get(input.spec, "selector", {}))
}

any_selected(selector) if {
	some t in templates
	lib.selector_matches(selector, t.labels)
}

any_selected(selector) if {
	some t in array.concat(templates, cluster_templates)
	lib.template_selected_by(selector, t)
}

# --- network-policy-selector ----------------------------------------------------------

# METADATA
# title: NetworkPolicies should select pods
# description: A NetworkPolicy whose podSelector matches no pod template of its cluster has no effect (an empty podSelector selects every pod and is fine; a note when a producer kvet does not render could make the pods).
# custom:
#   id: network-policy-selector
#   severity: warning
#   remediation: make spec.podSelector match the labels of the pods it should protect
warn_network_policy_selector contains lib.reference_finding(
	sprintf("NetworkPolicy %s selects no pod template%s", [input.metadata.name, lib.in_namespace(ns)]),
	"spec.podSelector",
	lib.could_select_pods(ns),
) if {
	input.kind == "NetworkPolicy"
	startswith(input.apiVersion, "networking.k8s.io/")
	selector := object.get(input.spec, "podSelector", {})
	count(selector) > 0
	not any_selected(selector)
}

# --- workload-selector ---------------------------------------------------------------------

# METADATA
# title: Workload selectors must match their template
# description: The API server rejects a workload whose spec.selector does not match its own pod template labels.
# custom:
#   id: workload-selector
#   severity: error
#   remediation: make spec.selector.matchLabels equal to (a subset of) spec.template.metadata.labels
deny_workload_selector contains lib.finding(
	sprintf("%s %s: spec.selector does not match the pod template labels %v", [input.kind, input.metadata.name, lib.pod_labels_of(input)]),
	"spec.selector",
) if {
	# A literal set, not a rule: OPA's rule index reads the kinds from it.
	input.kind in {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"}
	selector := input.spec.selector
	not lib.selector_matches(selector, lib.pod_labels_of(input))
}

# --- ingress-backend ------------------------------------------------------------------------

ingress_backends contains [path, b.service] if {
	input.kind == "Ingress"
	b := input.spec.defaultBackend
	path := "spec.defaultBackend.service"
}

ingress_backends contains [path, p.backend.service] if {
	input.kind == "Ingress"
	some i, rule in input.spec.rules
	some j, p in rule.http.paths
	path := sprintf("spec.rules[%d].http.paths[%d].backend.service", [i, j])
}

service_port_matches(svc, port) if {
	some p in svc.spec.ports
	p.port == port.number
}

service_port_matches(svc, port) if {
	some p in svc.spec.ports
	p.name == port.name
}

# METADATA
# scope: document
# title: Ingress backends must exist
# description: Every Ingress backend must name a Service its cluster renders (a note when a producer kvet does not render could make it), and a port that Service exposes.
# custom:
#   id: ingress-backend
#   severity: error
#   remediation: point the backend at a Service of the same namespace and one of its port numbers or names
deny_ingress_backend contains lib.reference_finding(
	sprintf("Ingress %s routes to Service %s, which no target of its cluster renders%s", [input.metadata.name, backend.name, lib.in_namespace(ns)]),
	path,
	lib.could_be_made("Service", ns, backend.name),
) if {
	some [path, backend] in ingress_backends
	not lib.defined("Service", ns, backend.name)
}

deny_ingress_backend contains lib.finding(
	sprintf("Ingress %s routes to port %v of Service %s, which the Service does not expose", [input.metadata.name, object.get(backend.port, "number", object.get(backend.port, "name", "")), backend.name]),
	sprintf("%s.port", [path]),
) if {
	some [path, backend] in ingress_backends
	svc := lib.inventory.Service[ns][backend.name]
	not service_port_matches(svc, backend.port)
}

# --- missing-reference ------------------------------------------------------------------------

# refs lists what the pod spec references: [kind, name, path, optional].
refs contains ["ServiceAccount", sa, sprintf("%s.serviceAccountName", [lib.pod_spec_prefix]), false] if {
	sa := lib.pod_spec.serviceAccountName
	sa != "default"
}

refs contains ["Secret", s.name, sprintf("%s.imagePullSecrets[%s]", [lib.pod_spec_prefix, s.name]), false] if {
	some s in lib.pod_spec.imagePullSecrets
}

refs contains [kind, name, sprintf("%s.volumes[%s].%s", [lib.pod_spec_prefix, v.name, field]), optional] if {
	some v in lib.pod_spec.volumes
	some field, spec in v
	[kind, name] := volume_ref(field, spec)
	optional := object.get(spec, "optional", false)
}

refs contains [kind, name, sprintf("%s.volumes[%s].projected.sources[%d]", [lib.pod_spec_prefix, v.name, i]), optional] if {
	some v in lib.pod_spec.volumes
	some i, src in v.projected.sources
	some field, spec in src
	[kind, name] := projected_ref(field, spec)
	optional := object.get(spec, "optional", false)
}

refs contains [kind, ref.name, sprintf("%s.envFrom[%d]", [c.path, i]), object.get(ref, "optional", false)] if {
	some c in lib.containers
	some i, src in c.container.envFrom
	some field, ref in src
	kind := env_kinds[field]
}

refs contains [kind, ref.name, sprintf("%s.env[%s]", [c.path, e.name]), object.get(ref, "optional", false)] if {
	some c in lib.containers
	some e in c.container.env
	some field, ref in e.valueFrom
	kind := env_kinds[field]
}

env_kinds := {
	"configMapRef": "ConfigMap",
	"secretRef": "Secret",
	"configMapKeyRef": "ConfigMap",
	"secretKeyRef": "Secret",
}

volume_ref("configMap", spec) := ["ConfigMap", spec.name]

volume_ref("secret", spec) := ["Secret", spec.secretName]

volume_ref("persistentVolumeClaim", spec) := ["PersistentVolumeClaim", spec.claimName]

projected_ref("configMap", spec) := ["ConfigMap", spec.name]

projected_ref("secret", spec) := ["Secret", spec.name]

# Objects that exist without being rendered by the target.
implicit := {["ConfigMap", "kube-root-ca.crt"]}

# produced holds for Secrets that a controller creates from an object the
# target or another target of its cluster renders: SealedSecret,
# ExternalSecret (target name or own name), in the namespace (either side
# unknown matches).
produced("Secret", name) if {
	some ss in producer_objects("SealedSecret")
	object.get(ss, ["spec", "template", "metadata", "name"], ss.metadata.name) == name
}

produced("Secret", name) if {
	some es in producer_objects("ExternalSecret")
	object.get(es, ["spec", "target", "name"], es.metadata.name) == name
}

producer_objects(kind) := [obj |
	some src in [lib.inventory, lib.cluster]
	some n, names in object.get(src, kind, {})
	same_namespace(n)
	some _, obj in names
]

same_namespace(n) if n in {ns, ""}

same_namespace(_) if ns == ""

declared_external(kind, name) if {
	some pattern in data.kvet.config.external
	glob.match(pattern, ["/"], sprintf("%s/%s/%s", [kind, ns, name]))
}

resolved(kind, name) if lib.defined(kind, ns, name)

resolved(kind, name) if implicit[[kind, name]]

resolved(kind, name) if lib.platform_object(kind, name)

resolved(kind, name) if lib.rbac_may_create(kind, ns)

resolved(kind, name) if produced(kind, name)

resolved(kind, name) if declared_external(kind, name)

# METADATA
# title: Referenced objects must exist
# description: >-
#   A workload must not reference a ServiceAccount, ConfigMap, Secret or
#   PersistentVolumeClaim that no target of its cluster renders, unless the
#   reference is optional, the ServiceAccount is "default", a SealedSecret or
#   ExternalSecret of its cluster produces the Secret, the platform creates it
#   (kube-root-ca.crt, istio-ca-root-cert where Istio is installed), a pod of
#   the namespace may create it (a Role grants create to its ServiceAccount), or
#   kvet.yaml declares the object external. A reference to something a producer
#   kvet does not render could make (a remote chart, an operator, an OpenShift
#   serving certificate) is a note.
# custom:
#   id: missing-reference
#   severity: error
#   remediation: add the object to the target (or a SealedSecret/ExternalSecret producing it), mark the reference optional, or declare it in kvet.yaml externalResources
deny_missing_reference contains lib.reference_finding(
	sprintf("references %s %s, which no target of its cluster renders%s", [kind, name, lib.in_namespace(ns)]),
	path,
	lib.could_be_made(kind, ns, name),
) if {
	some [kind, name, path, optional] in refs
	optional != true
	not resolved(kind, name)
}
