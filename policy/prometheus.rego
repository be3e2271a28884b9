# METADATA
# title: Prometheus Operator monitors
# description: >-
#   ServiceMonitors and PodMonitors resolved against the cluster
#   (data.kvet.cluster): a monitor whose selector matches nothing, or whose
#   endpoint port no selected object names, makes the operator generate a
#   scrape job without targets; nothing fails, the metrics are just missing.
package kvet.prometheus

import data.kvet.lib

ns := lib.namespace(input)

monitor(kind) if {
	input.kind == kind
	startswith(input.apiVersion, "monitoring.coreos.com/")
}

# Namespaces the monitor looks in (the operator's namespaceSelector): its
# own unless matchNames lists others. any: true looks everywhere, which
# kvet cannot enumerate: those monitors are not checked.
target_namespaces := {n | some n in input.spec.namespaceSelector.matchNames} if {
	count(object.get(input.spec, ["namespaceSelector", "matchNames"], [])) > 0
} else := {ns}

checkable if {
	not input.spec.namespaceSelector.any == true
	# the platform's own Services (kubernetes in default, kube-dns and the
	# kubelet's in kube-system) exist without manifests
	every n in target_namespaces {
		not n in {"default", "kube-system"}
	}
}

namespace_matches(n, want) if n == want

namespace_matches("", _)

namespace_matches(_, "")

services := [svc |
	some src in [lib.inventory, lib.cluster]
	some n, names in object.get(src, "Service", {})
	some want in target_namespaces
	namespace_matches(n, want)
	some _, svc in names
]

selected_services := [svc |
	some svc in services
	lib.selector_matches(object.get(input.spec, "selector", {}), object.get(svc.metadata, "labels", {}))
]

made_by := {p |
	some n in target_namespaces
	some p in lib.could_be_made("Service", n, "") | lib.operator_could_make(n)
}

# monitor_finding is a finding; a note where a producer kvet does not render
# could make what the monitor selects, or where the cluster renders nothing
# of that kind in those namespaces at all (the monitored application is
# deployed from outside the repository, or the monitor is a piece of a
# kustomization that is not assembled here).
monitor_finding(msg, path, producers, seen) := lib.reference_finding(msg, path, producers) if {
	seen > 0
} else := {
	"msg": sprintf("%s; no target of its cluster renders any there, so what it monitors is deployed from outside what kvet sees", [msg]),
	"path": path,
	"note": true,
}

# --- service-monitor-selector ---------------------------------------------------------

# METADATA
# title: ServiceMonitors must select a Service
# description: >-
#   A ServiceMonitor whose selector matches no Service of its cluster in the
#   namespaces it looks in (its own, or namespaceSelector.matchNames) scrapes
#   nothing. Where a producer kvet does not render (a remote chart, an
#   operator, an operator's custom resource in the namespace) could make
#   Services there, or where the cluster renders no Service there at all, it
#   is a note; namespaceSelector.any and the default and kube-system
#   namespaces (the platform's Services) are not checked.
# custom:
#   id: service-monitor-selector
#   severity: error
#   remediation: make spec.selector match the labels of the Service to scrape (metadata.labels of the Service, not of its pods), or fix namespaceSelector
deny_service_monitor_selector contains monitor_finding(
	sprintf("ServiceMonitor %s selects no Service%s", [input.metadata.name, namespaces_phrase]),
	"spec.selector",
	made_by,
	count(services),
) if {
	monitor("ServiceMonitor")
	checkable
	count(selected_services) == 0
}

namespaces_phrase := lib.in_namespace(ns) if target_namespaces == {ns}

else := sprintf(" in namespaces %s", [concat(", ", sort(target_namespaces))])

service_port_names := {p.name |
	some svc in selected_services
	some p in svc.spec.ports
	p.name
}

# METADATA
# title: ServiceMonitor endpoint ports must be Service port names
# description: >-
#   An endpoint's port is the name of a port of the selected Services; a name
#   none of them declares gives no targets. Checked only where kvet sees every
#   Service the monitor could select.
# custom:
#   id: service-monitor-port
#   severity: error
#   remediation: use the name of a port of the selected Service (spec.ports[].name), or targetPort for a container port
deny_service_monitor_port contains lib.finding(
	sprintf("ServiceMonitor %s scrapes port %q, which no selected Service names (they name %s)", [input.metadata.name, e.port, names_phrase(service_port_names)]),
	sprintf("spec.endpoints[%d].port", [i]),
) if {
	monitor("ServiceMonitor")
	checkable
	count(selected_services) > 0
	count(made_by) == 0
	some i, e in input.spec.endpoints
	is_string(e.port)
	not e.port in service_port_names
}

names_phrase(names) := concat(", ", sort(names)) if count(names) > 0

else := "no ports"

# --- pod-monitor-selector ---------------------------------------------------------------

pod_templates := [t |
	some want in target_namespaces
	some t in array.concat(lib.pod_templates(want), lib.cluster_pod_templates(want))
]

selected_templates := [t |
	some t in pod_templates
	lib.template_selected_by(object.get(input.spec, "selector", {}), t)
]

pods_made_by := {p |
	some n in target_namespaces
	some p in lib.could_select_pods(n) | lib.operator_could_make(n)
}

# METADATA
# title: PodMonitors must select a pod template
# description: >-
#   A PodMonitor whose selector matches no pod template of its cluster in the
#   namespaces it looks in scrapes nothing. Where a producer kvet does not
#   render could make the pods, or where the cluster renders no pod template
#   there at all, it is a note; namespaceSelector.any and the default and
#   kube-system namespaces are not checked.
# custom:
#   id: pod-monitor-selector
#   severity: error
#   remediation: make spec.selector match the labels of the workload's pod template, or fix namespaceSelector
deny_pod_monitor_selector contains monitor_finding(
	sprintf("PodMonitor %s selects no pod template%s", [input.metadata.name, namespaces_phrase]),
	"spec.selector",
	pods_made_by,
	count(pod_templates),
) if {
	monitor("PodMonitor")
	checkable
	count(target_namespaces) > 0
	not pod_namespaces_unknown
	count(selected_templates) == 0
}

# A monitor whose namespace nothing sets could be applied anywhere.
pod_namespaces_unknown if "" in target_namespaces

# Port names of every container of the selected pods, init containers (and
# native sidecars) included: Prometheus' pod discovery lists them all.
container_port_names := {p.name |
	some t in selected_templates
	some field in ["containers", "initContainers"]
	some c in object.get(t.spec, field, [])
	some p in object.get(c, "ports", [])
	p.name
}

# METADATA
# title: PodMonitor endpoint ports must be container port names
# description: >-
#   A podMetricsEndpoints port is the name of a container port of the
#   selected pods; a name none of them declares gives no targets. Checked only
#   where kvet sees every pod the monitor could select.
# custom:
#   id: pod-monitor-port
#   severity: error
#   remediation: use the name of a container port of the selected pods (containers[].ports[].name), or portNumber
deny_pod_monitor_port contains lib.finding(
	sprintf("PodMonitor %s scrapes port %q, which no container of the selected pods names (they name %s)", [input.metadata.name, e.port, names_phrase(container_port_names)]),
	sprintf("spec.podMetricsEndpoints[%d].port", [i]),
) if {
	monitor("PodMonitor")
	checkable
	count(selected_templates) > 0
	count(pods_made_by) == 0
	some i, e in input.spec.podMetricsEndpoints
	is_string(e.port)
	not e.port in container_port_names
}

# --- prometheus-rule-expr ---------------------------------------------------------------

prometheus_rules contains [i, j, g, r] if {
	monitor("PrometheusRule")
	some i, g in input.spec.groups
	some j, r in g.rules
}

# rule_name names a rule in messages: its alert or record name.
rule_name(r) := sprintf("alert %s", [r.alert]) if has(r, "alert")

else := sprintf("record %s", [r.record]) if has(r, "record")

else := "an unnamed rule"

# METADATA
# title: PrometheusRule expressions must parse
# description: >-
#   Every rule's expr is parsed with the Prometheus PromQL parser (the
#   kvet.promql_parse_error built-in; experimental functions, fill modifiers
#   and unquoted UTF-8 names accepted, as a Prometheus with those feature
#   flags does). The Prometheus Operator validates a PrometheusRule with
#   the same parser and leaves the whole object out of the rule files when
#   one expression does not parse, so none of its alerts fires. Expressions
#   holding ${VAR} (substituted by Flux postBuild) are not checked; where the
#   cluster runs the VictoriaMetrics operator (which evaluates converted
#   PrometheusRules as MetricsQL) it is a note.
# custom:
#   id: prometheus-rule-expr
#   severity: error
#   remediation: fix the PromQL expression (promtool check rules shows the same error)
deny_prometheus_rule_expr contains expr_finding(
	sprintf("PrometheusRule %s: %s in group %s does not parse: %s", [input.metadata.name, rule_name(r), g.name, msg]),
	sprintf("spec.groups[%d].rules[%d].expr", [i, j]),
) if {
	some [i, j, g, r] in prometheus_rules
	is_string(r.expr)
	not contains(r.expr, "${")
	msg := kvet.promql_parse_error(r.expr)
	msg != ""
}

# expr_finding is a finding; a note where the cluster runs the
# VictoriaMetrics operator, which converts PrometheusRules into VMRules
# evaluated as MetricsQL, a superset of PromQL.
expr_finding(msg, path) := lib.finding(msg, path) if {
	not victoria_metrics
} else := {
	"msg": sprintf("%s; the VictoriaMetrics operator in the cluster may evaluate it as MetricsQL, which kvet does not parse", [msg]),
	"path": path,
	"note": true,
}

victoria_metrics if {
	some src in [lib.inventory, lib.cluster]
	some _, by_ns in src
	some _, names in by_ns
	some _, obj in names
	lib.api_group(obj.apiVersion) == "operator.victoriametrics.com"
}

# --- prometheus-rule-fields -------------------------------------------------------------

# has holds when the rule sets field to a non-empty string (rulefmt's test).
has(r, field) if object.get(r, field, "") != ""

# nonzero holds for a Prometheus duration other than 0 (0s, 0m, ...).
nonzero(d) if regex.match(`[1-9]`, d)

rule_field_errors contains [i, j, g, r, "spec.groups[%d].rules[%d].record", "sets both alert and record"] if {
	some [i, j, g, r] in prometheus_rules
	has(r, "alert")
	has(r, "record")
}

rule_field_errors contains [i, j, g, r, "spec.groups[%d].rules[%d]", "sets neither alert nor record"] if {
	some [i, j, g, r] in prometheus_rules
	not has(r, "alert")
	not has(r, "record")
}

rule_field_errors contains [i, j, g, r, sprintf("spec.groups[%%d].rules[%%d].%s", [field]), sprintf("is a recording rule with %s, which only alerting rules have", [field])] if {
	some [i, j, g, r] in prometheus_rules
	has(r, "record")
	not has(r, "alert")
	some field in ["for", "keep_firing_for"]
	is_string(r[field])
	nonzero(r[field])
}

rule_field_errors contains [i, j, g, r, "spec.groups[%d].rules[%d].annotations", "is a recording rule with annotations, which only alerting rules have"] if {
	some [i, j, g, r] in prometheus_rules
	has(r, "record")
	not has(r, "alert")
	count(object.get(r, "annotations", {})) > 0
}

# METADATA
# title: PrometheusRule rules must be alerting or recording rules
# description: >-
#   Prometheus' rule file validation (rulefmt, which the Prometheus Operator
#   runs on every PrometheusRule) rejects a rule that sets both alert and
#   record or neither, and a recording rule with for, keep_firing_for or
#   annotations. The operator then leaves the whole PrometheusRule out of
#   the rule files.
# custom:
#   id: prometheus-rule-fields
#   severity: error
#   remediation: set exactly one of alert and record, and keep for, keep_firing_for and annotations to alerting rules
deny_prometheus_rule_fields contains lib.finding(
	sprintf("PrometheusRule %s: %s in group %s %s", [input.metadata.name, rule_name(r), g.name, what]),
	sprintf(path, [i, j]),
) if {
	some [i, j, g, r, path, what] in rule_field_errors
}
