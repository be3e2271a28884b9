package kvet.lib_test

import data.kvet.fixtures as fx
import data.kvet.lib

test_api_group if {
	lib.api_group("v1") == ""
	lib.api_group("apps/v1") == "apps"
}

test_pod_spec_builtin_kinds if {
	lib.pod_spec_path(fx.deployment) == ["spec", "template", "spec"]
	lib.pod_spec_path(fx.cronjob) == ["spec", "jobTemplate", "spec", "template", "spec"]
	lib.pod_spec_path({"apiVersion": "v1", "kind": "Pod"}) == ["spec"]
	not lib.pod_spec_path({"apiVersion": "v1", "kind": "ConfigMap"})
}

rollout := {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "Rollout",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": fx.pod_spec}},
}

test_pod_spec_custom_kind_by_group if {
	p := lib.pod_spec_path(rollout) with data.kvet.config.pod_spec_paths as {"argoproj.io/Rollout": ["spec", "template", "spec"]}
	p == ["spec", "template", "spec"]
}

test_pod_spec_custom_kind_any_group if {
	labels := lib.pod_labels_of(rollout) with data.kvet.config.pod_spec_paths as {"Rollout": ["spec", "template", "spec"]}
	labels == {"app": "web"}
}

test_containers_include_init_and_ephemeral if {
	obj := fx.spec_patched({
		"initContainers": [{"name": "init", "image": "busybox:1"}],
		"ephemeralContainers": [{"name": "debug", "image": "busybox:1"}],
	})
	paths := {c.path | some c in lib.containers_of(obj)}
	paths == {
		"spec.template.spec.containers[app]",
		"spec.template.spec.initContainers[init]",
		"spec.template.spec.ephemeralContainers[debug]",
	}
}

test_pod_annotations if {
	obj := json.patch(fx.deployment, [{"op": "add", "path": "/spec/template/metadata/annotations", "value": {"a": "b"}}])
	lib.pod_annotations_of(obj) == {"a": "b"}
}

test_selector_expressions if {
	labels := {"app": "web", "tier": "front"}
	lib.selector_matches({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]}, labels)
	lib.selector_matches({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["back"]}]}, labels)
	lib.selector_matches({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, labels)
	lib.selector_matches({"matchExpressions": [{"key": "x", "operator": "DoesNotExist"}]}, labels)
	not lib.selector_matches({"matchLabels": {"app": "api"}}, labels)
	not lib.selector_matches({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["back"]}]}, labels)
}

test_inventory_defaults_to_empty if {
	lib.inventory == {}
}

test_exists if {
	lib.exists("Service", "shop", "web") with data.kvet.inventory as fx.inventory([fx.service])
	not lib.exists("Service", "shop", "api") with data.kvet.inventory as fx.inventory([fx.service])
}

test_long_running if {
	lib.long_running with input as fx.deployment
	not lib.long_running with input as fx.cronjob
}
