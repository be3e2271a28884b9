package kvet.prometheus_test

import data.kvet.fixtures as fx
import data.kvet.prometheus

inv(objs) := fx.inventory(objs)

service_monitor(selector, port, extra) := object.union({
	"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"selector": selector, "endpoints": [{"port": port, "interval": "30s"}]},
}, extra)

pod_monitor(selector, port) := {
	"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"selector": selector, "podMetricsEndpoints": [{"port": port}]},
}

labelled_service := object.union(fx.service, {"metadata": {"labels": {"app": "web"}}})

test_service_monitor_selector if {
	ok := service_monitor({"matchLabels": {"app": "web"}}, "http", {})
	count(prometheus.deny_service_monitor_selector) == 0 with input as ok with data.kvet.inventory as inv([labelled_service])

	# rendered by another target of the cluster
	count(prometheus.deny_service_monitor_selector) == 0 with input as ok with data.kvet.inventory as inv([]) with data.kvet.cluster as inv([labelled_service])

	bad := prometheus.deny_service_monitor_selector with input as service_monitor({"matchLabels": {"app": "api"}}, "http", {}) with data.kvet.inventory as inv([labelled_service])
	bad == {{"msg": "ServiceMonitor web selects no Service in namespace \"shop\"", "path": "spec.selector"}}

	# the pods' labels are not the Service's
	count(prometheus.deny_service_monitor_selector) == 1 with input as ok with data.kvet.inventory as inv([fx.service, fx.deployment])

	# another namespace, by matchNames
	other := service_monitor({"matchLabels": {"app": "web"}}, "http", {"metadata": {"namespace": "monitoring"}, "spec": {"namespaceSelector": {"matchNames": ["shop"]}}})
	count(prometheus.deny_service_monitor_selector) == 0 with input as other with data.kvet.inventory as inv([labelled_service])
	wrong := service_monitor({"matchLabels": {"app": "web"}}, "http", {"metadata": {"namespace": "monitoring"}})
	w := prometheus.deny_service_monitor_selector with input as wrong with data.kvet.inventory as inv([labelled_service])
	count(w) == 1

	# any namespace, and the platform's namespaces, are not checked
	any := service_monitor({"matchLabels": {"app": "api"}}, "http", {"spec": {"namespaceSelector": {"any": true}}})
	count(prometheus.deny_service_monitor_selector) == 0 with input as any with data.kvet.inventory as inv([])
	apiserver := service_monitor({"matchLabels": {"component": "apiserver"}}, "https", {"metadata": {"namespace": "monitoring"}, "spec": {"namespaceSelector": {"matchNames": ["default"]}}})
	count(prometheus.deny_service_monitor_selector) == 0 with input as apiserver with data.kvet.inventory as inv([])

	# nothing of the namespace is rendered: deployed from elsewhere, a note
	alone := prometheus.deny_service_monitor_selector with input as service_monitor({"matchLabels": {"app": "api"}}, "http", {}) with data.kvet.inventory as inv([])
	some a in alone
	a.note == true

	# an operator's custom resource in the namespace could make the Service: a note
	broker := {"apiVersion": "broker.amq.io/v1beta1", "kind": "ActiveMQArtemis", "metadata": {"name": "amq", "namespace": "shop"}, "spec": {}}
	o := prometheus.deny_service_monitor_selector with input as service_monitor({"matchLabels": {"app": "api"}}, "http", {}) with data.kvet.inventory as inv([broker, labelled_service])
	some b in o
	b.note == true

	# a chart kvet does not render could make the Service: a note
	release := {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "api", "namespace": "shop"}, "spec": {"chartRef": {"kind": "OCIRepository", "name": "api"}}}
	n := prometheus.deny_service_monitor_selector with input as service_monitor({"matchLabels": {"app": "api"}}, "http", {}) with data.kvet.inventory as inv([release, labelled_service])
	some f in n
	f.note == true
}

test_service_monitor_port if {
	count(prometheus.deny_service_monitor_port) == 0 with input as service_monitor({"matchLabels": {"app": "web"}}, "http", {}) with data.kvet.inventory as inv([labelled_service])
	bad := prometheus.deny_service_monitor_port with input as service_monitor({"matchLabels": {"app": "web"}}, "metrics", {}) with data.kvet.inventory as inv([labelled_service])
	bad == {{"msg": "ServiceMonitor web scrapes port \"metrics\", which no selected Service names (they name http)", "path": "spec.endpoints[0].port"}}
}

test_pod_monitor if {
	count(prometheus.deny_pod_monitor_selector) == 0 with input as pod_monitor({"matchLabels": fx.labels}, "http") with data.kvet.inventory as inv([fx.deployment])
	count(prometheus.deny_pod_monitor_port) == 0 with input as pod_monitor({"matchLabels": fx.labels}, "http") with data.kvet.inventory as inv([fx.deployment])

	bad := prometheus.deny_pod_monitor_selector with input as pod_monitor({"matchLabels": {"app": "api"}}, "http") with data.kvet.inventory as inv([fx.deployment])
	bad == {{"msg": "PodMonitor web selects no pod template in namespace \"shop\"", "path": "spec.selector"}}

	port := prometheus.deny_pod_monitor_port with input as pod_monitor({"matchLabels": fx.labels}, "metrics") with data.kvet.inventory as inv([fx.deployment])
	port == {{"msg": "PodMonitor web scrapes port \"metrics\", which no container of the selected pods names (they name http)", "path": "spec.podMetricsEndpoints[0].port"}}

	# a native sidecar's port counts
	sidecar := fx.spec_patched({"initContainers": [{"name": "exporter", "image": "ghcr.io/example/exporter:1.0", "restartPolicy": "Always", "ports": [{"name": "metrics", "containerPort": 9100}]}]})
	count(prometheus.deny_pod_monitor_port) == 0 with input as pod_monitor({"matchLabels": fx.labels}, "metrics") with data.kvet.inventory as inv([sidecar])
}

prometheus_rule(rules) := {
	"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"groups": [{"name": "web.rules", "rules": rules}]},
}

test_prometheus_rule_expr if {
	ok := prometheus_rule([
		{"alert": "WebDown", "expr": "up{job=\"web\"} == 0", "for": "5m"},
		{"record": "job:http_requests:rate5m", "expr": "sum by (job) (rate(http_requests_total[5m]))"},
		# an experimental function, accepted as behind its feature flag
		{"record": "job:top", "expr": "limitk(3, http_requests_total)"},
		# int-or-string: a number is a valid expression
		{"alert": "Always", "expr": 1},
		# substituted by Flux postBuild: not checked
		{"alert": "Sub", "expr": "up{cluster=\"${CLUSTER}\"} == 0"},
	])
	count(prometheus.deny_prometheus_rule_expr) == 0 with input as ok

	bad := prometheus.deny_prometheus_rule_expr with input as prometheus_rule([
		{"alert": "WebDown", "expr": "up == 0"},
		{"alert": "WebSlow", "expr": "histogram_quantile(0.99, rate(http_duration_bucket[5m]) > 1"},
	])
	bad == {{
		"msg": "PrometheusRule web: alert WebSlow in group web.rules does not parse: 1:60: parse error: unclosed left parenthesis",
		"path": "spec.groups[0].rules[1].expr",
	}}
}

test_prometheus_rule_expr_victoria_metrics if {
	metricsql := prometheus_rule([{"alert": "WebDown", "expr": "rate(http_requests_total) > 1 default 0"}])
	vm := {"apiVersion": "operator.victoriametrics.com/v1beta1", "kind": "VMAlert", "metadata": {"name": "vm", "namespace": "monitoring"}}
	count(prometheus.deny_prometheus_rule_expr) == 1 with input as metricsql with data.kvet.inventory as inv([])
	notes := prometheus.deny_prometheus_rule_expr with input as metricsql with data.kvet.inventory as inv([]) with data.kvet.cluster as inv([vm])
	some n in notes
	n.note == true
}

test_promql_parse_error_builtin if {
	kvet.promql_parse_error("rate(x[5m])") == ""
	startswith(kvet.promql_parse_error("rate(x[5m]"), "1:")
	kvet.promql_parse_error("") != ""
}

test_prometheus_rule_fields if {
	ok := prometheus_rule([
		{"alert": "WebDown", "expr": "up == 0", "for": "5m", "keep_firing_for": "10m", "annotations": {"summary": "down"}},
		{"record": "job:up:sum", "expr": "sum(up)", "for": "0s"},
		{"record": "job:up:max", "expr": "max(up)", "alert": ""},
	])
	count(prometheus.deny_prometheus_rule_fields) == 0 with input as ok

	bad := prometheus.deny_prometheus_rule_fields with input as prometheus_rule([
		{"alert": "A", "record": "a:b", "expr": "up"},
		{"expr": "up"},
		{"record": "a:c", "expr": "up", "for": "5m", "keep_firing_for": "1m", "annotations": {"x": "y"}},
	])
	paths := {f.path | some f in bad}
	paths == {
		"spec.groups[0].rules[0].record",
		"spec.groups[0].rules[1]",
		"spec.groups[0].rules[2].for",
		"spec.groups[0].rules[2].keep_firing_for",
		"spec.groups[0].rules[2].annotations",
	}
	some f in bad
	f.msg == "PrometheusRule web: record a:c in group web.rules is a recording rule with for, which only alerting rules have"
}
