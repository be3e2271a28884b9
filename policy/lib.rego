# METADATA
# title: kvet helper library
# description: >-
#   Helpers shared by kvet's default rules (pod spec lookup, containers,
#   label selectors, inventory queries). It defines no rules of its own.
package kvet.lib

# Pod spec locations of the built-in workload kinds, by API group then kind.
# Custom kinds are declared in kvet.yaml and arrive as
# data.kvet.config.pod_spec_paths ("group/Kind" or "Kind" -> path segments).
builtin_pod_spec_paths := {
	"": {
		"Pod": ["spec"],
		"ReplicationController": ["spec", "template", "spec"],
	},
	"apps": {
		"Deployment": ["spec", "template", "spec"],
		"ReplicaSet": ["spec", "template", "spec"],
		"StatefulSet": ["spec", "template", "spec"],
		"DaemonSet": ["spec", "template", "spec"],
	},
	"batch": {
		"Job": ["spec", "template", "spec"],
		"CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
	},
}

# Kinds that run to completion: no probes expected.
batch_kinds := {"Job", "CronJob"}

# api_group returns the group of an apiVersion ("" for the core group).
api_group(api_version) := g if {
	contains(api_version, "/")
	g := split(api_version, "/")[0]
} else := ""

# pod_spec_path returns the path segments of obj's pod spec; undefined for
# objects that carry none. Declarations in kvet.yaml win over built-ins.
pod_spec_path(obj) := p if {
	p := pod_spec_path_or_null(obj)
	p != null
}

# pod_spec_path_or_null is pod_spec_path, null where that is undefined. OPA
# remembers a function's value for the arguments only when it is defined,
# and most objects have no pod spec: the null is what makes the answer for
# them computed once instead of at every call.
pod_spec_path_or_null(obj) := p if {
	p := data.kvet.config.pod_spec_paths[sprintf("%s/%s", [api_group(obj.apiVersion), obj.kind])]
} else := p if {
	p := data.kvet.config.pod_spec_paths[obj.kind]
} else := p if {
	p := builtin_pod_spec_paths[api_group(obj.apiVersion)][obj.kind]
} else := null

# pod_spec_of returns obj's pod spec object; undefined when obj has none.
pod_spec_of(obj) := spec if {
	spec := pod_spec_or_null(obj)
	spec != null
}

# pod_spec_or_null is pod_spec_of, null where that is undefined (see
# pod_spec_path_or_null).
pod_spec_or_null(obj) := spec if {
	p := pod_spec_path_or_null(obj)
	p != null
	spec := object.get(obj, p, null)
	is_object(spec)
} else := null

# pod_labels_of returns the labels of obj's pod template (the metadata beside
# the pod spec), {} when none are set.
pod_labels_of(obj) := object.get(obj, array.concat(array.slice(p, 0, count(p) - 1), ["metadata", "labels"]), {}) if {
	p := pod_spec_path(obj)
	pod_spec_of(obj)
}

# pod_annotations_of is like pod_labels_of for annotations.
pod_annotations_of(obj) := object.get(obj, array.concat(array.slice(p, 0, count(p) - 1), ["metadata", "annotations"]), {}) if {
	p := pod_spec_path(obj)
	pod_spec_of(obj)
}

container_fields := ["containers", "initContainers", "ephemeralContainers"]

# containers_of lists every container of obj (init and ephemeral included)
# with its kind of list and the report path, e.g.
# spec.template.spec.containers[web].
containers_of(obj) := [entry |
	spec := pod_spec_of(obj)
	prefix := concat(".", pod_spec_path(obj))
	some field in container_fields
	some c in object.get(spec, field, [])
	name := object.get(c, "name", "")
	entry := {
		"container": c,
		"name": name,
		"field": field,
		"path": sprintf("%s.%s[%s]", [prefix, field, name]),
	}
]

# Per-evaluation views of the input object: complete rules are cached for
# the whole evaluation, so every rule shares one derivation.
pod_spec := pod_spec_of(input)

pod_spec_prefix := concat(".", pod_spec_path(input))

containers := containers_of(input)

# long_running holds for workloads that serve (probes make sense).
long_running if {
	pod_spec
	not batch_kinds[input.kind]
}

# namespace of an object ("" for cluster-scoped or unset).
namespace(obj) := object.get(obj, ["metadata", "namespace"], "")

# finding builds a kvet finding object: msg says what is wrong, path is the
# field inside the object.
finding(msg, path) := {"msg": msg, "path": path}

# --- label selectors -------------------------------------------------------

# selector_matches holds when a LabelSelector (matchLabels and
# matchExpressions) selects the label set. An empty selector selects all.
selector_matches(selector, labels) if {
	every k, v in object.get(selector, "matchLabels", {}) {
		labels[k] == v
	}
	every expr in object.get(selector, "matchExpressions", []) {
		expression_matches(expr, labels)
	}
}

expression_matches(expr, labels) if {
	expr.operator == "In"
	labels[expr.key] in expr.values
}

expression_matches(expr, labels) if {
	expr.operator == "NotIn"
	not labels[expr.key] in expr.values
}

expression_matches(expr, labels) if {
	expr.operator == "Exists"
	labels[expr.key]
}

expression_matches(expr, labels) if {
	expr.operator == "DoesNotExist"
	not labels[expr.key]
}

# map_selector_matches is for Service-style selectors (a plain map).
map_selector_matches(selector, labels) if {
	every k, v in selector {
		labels[k] == v
	}
}

# --- inventory ---------------------------------------------------------------
# data.kvet.inventory[kind][namespace][name] = rendered object; cluster-scoped
# objects sit under namespace "".

default inventory := {}

inventory := data.kvet.inventory

# exists holds when the target renders kind/namespace/name.
exists(kind, ns, name) if inventory[kind][ns][name]

# pod_templates lists every workload of the target with a pod spec, in
# namespace ns, as {kind, name, labels, spec, obj}.
pod_templates(ns) := [t |
	some kind, by_ns in inventory
	some name, obj in by_ns[ns]
	spec := pod_spec_of(obj)
	t := {"kind": kind, "name": name, "labels": pod_labels_of(obj), "spec": spec, "obj": obj}
]

# container_port_names returns the named ports of every container of a pod spec.
container_port_names(spec) := {p.name |
	some c in object.get(spec, "containers", [])
	some p in object.get(c, "ports", [])
	p.name
}
