# METADATA
# title: Keys of ConfigMaps and Secrets
# description: >-
#   A pod that reads one key of a ConfigMap or Secret (env valueFrom, volume
#   items) fails to start when the object lacks the key: the kubelet reports
#   CreateContainerConfigError or cannot mount the volume. kvet checks the key
#   only where the repository defines every key of the object.
package kvet.keys

import data.kvet.lib

ns := lib.namespace(input)

# --- what the repository defines completely ----------------------------------------

# candidates lists the objects ns/name of kind could be (the target's own,
# then the cluster's; an object whose namespace nothing sets matches any).
candidates(kind, name) := [obj |
	some src in [lib.inventory, lib.cluster]
	some n, names in object.get(src, kind, {})
	namespace_matches(n)
	obj := names[name]
]

namespace_matches(n) if n in {ns, ""}

namespace_matches(_) if ns == ""

# ConfigMaps and Secrets: every key is in the manifest (SOPS keeps key
# names in clear text), except in a service-account token Secret (the token
# controller fills it) and in objects a replicator copies from elsewhere.
keys_of(obj) := "incomplete" if {
	obj.type == "kubernetes.io/service-account-token"
} else := "incomplete" if {
	some a, _ in object.get(obj, ["metadata", "annotations"], {})
	a in replicator_annotations
} else := {k |
	some field in ["data", "binaryData", "stringData"]
	some k, _ in object.get(obj, field, {})
}

# Annotations with which a controller fills the object from another one
# (emberstack reflector, mittwald replicator).
replicator_annotations := {
	"reflector.v1.k8s.emberstack.com/reflects",
	"replicator.v1.mittwald.de/replicate-from",
}

# A SealedSecret's Secret holds its encryptedData keys and the keys its
# template adds.
sealed_keys(ss) := {k |
	some field in [["spec", "encryptedData"], ["spec", "template", "data"]]
	some k, _ in object.get(ss, field, {})
}

# An ExternalSecret's Secret holds data[].secretKey and the template's data
# keys; dataFrom (extract, find) and templateFrom add keys kvet cannot know.
external_keys(es) := {k |
	some d in object.get(es, ["spec", "data"], [])
	k := d.secretKey
} | {k |
	some k, _ in object.get(es, ["spec", "target", "template", "data"], {})
}

external_complete(es) if {
	count(object.get(es, ["spec", "dataFrom"], [])) == 0
	count(object.get(es, ["spec", "target", "template", "templateFrom"], [])) == 0
}

# sources lists, for kind/name, every definition the repository has: a key
# set when the definition is complete, "incomplete" otherwise.
sources(kind, name) := array.concat(
	[keys_of(obj) | some obj in candidates(kind, name)],
	secret_producers(kind, name),
)

secret_producers("ConfigMap", _) := []

secret_producers("Secret", name) := array.concat(
	[sealed_keys(ss) |
		some src in [lib.inventory, lib.cluster]
		some n, names in object.get(src, "SealedSecret", {})
		namespace_matches(n)
		some _, ss in names
		object.get(ss, ["spec", "template", "metadata", "name"], ss.metadata.name) == name
	],
	[k |
		some src in [lib.inventory, lib.cluster]
		some n, names in object.get(src, "ExternalSecret", {})
		namespace_matches(n)
		some _, es in names
		object.get(es, ["spec", "target", "name"], es.metadata.name) == name
		k := external_or_incomplete(es)
	],
)

external_or_incomplete(es) := external_keys(es) if external_complete(es)

else := "incomplete"

# missing_key holds when the repository defines kind/name, every definition
# completely, none holds key, and no producer kvet does not render could
# make the object.
missing_key(kind, name, key) if {
	key_absent(kind, name, key)
	count(lib.could_be_made(kind, ns, name)) == 0
}

# key_absent holds when the repository defines kind/name, every definition
# completely, and none holds key (producers not considered).
key_absent(kind, name, key) if {
	defs := sources(kind, name)
	count(defs) > 0
	every d in defs {
		is_set(d)
		not key in d
	}
	not lib.platform_object(kind, name)
}

# --- what the pod reads ---------------------------------------------------------------

key_ref_kinds := {"configMapKeyRef": "ConfigMap", "secretKeyRef": "Secret"}

volume_kinds := {"configMap": ["ConfigMap", "name"], "secret": ["Secret", "secretName"]}

projected_kinds := {"configMap": "ConfigMap", "secret": "Secret"}

# key_refs lists [kind, name, key, path] of every non-optional key reference.
key_refs contains [kind, ref.name, ref.key, sprintf("%s.env[%s].valueFrom.%s.key", [c.path, e.name, field])] if {
	some c in lib.containers
	some e in c.container.env
	some field, ref in e.valueFrom
	kind := key_ref_kinds[field]
	not object.get(ref, "optional", false)
}

key_refs contains [kind, name, item.key, sprintf("%s.volumes[%s].%s.items[%d].key", [lib.pod_spec_prefix, v.name, field, i])] if {
	some v in lib.pod_spec.volumes
	some field, spec in v
	[kind, name_field] := volume_kinds[field]
	name := spec[name_field]
	not object.get(spec, "optional", false)
	some i, item in spec.items
}

key_refs contains [kind, spec.name, item.key, sprintf("%s.volumes[%s].projected.sources[%d].%s.items[%d].key", [lib.pod_spec_prefix, v.name, j, field, i])] if {
	some v in lib.pod_spec.volumes
	some j, src in v.projected.sources
	some field, spec in src
	kind := projected_kinds[field]
	not object.get(spec, "optional", false)
	some i, item in spec.items
}

# METADATA
# title: Referenced keys must exist
# description: >-
#   An env secretKeyRef/configMapKeyRef or a volume's items entry must name a
#   key the ConfigMap or Secret holds, when the repository defines that object
#   completely: a plain or generated ConfigMap or Secret (SOPS-encrypted
#   Secrets keep their key names in clear text), a SealedSecret (its
#   encryptedData and template data keys), an ExternalSecret without dataFrom
#   or templateFrom (its data[].secretKey and template data keys). Optional
#   references, objects a producer kvet does not render could also make (a
#   chart, an operator, a cert-manager Certificate), and objects of unknown
#   content are not checked.
# custom:
#   id: missing-key
#   severity: error
#   remediation: use a key the object holds (check the spelling), add the key to the object, or mark the reference optional
deny_missing_key contains lib.finding(
	sprintf("reads key %q of %s %s%s, which holds no such key (it holds %s)", [key, kind, name, lib.in_namespace(ns), held(kind, name)]),
	path,
) if {
	some [kind, name, key, path] in key_refs
	missing_key(kind, name, key)
}

held(kind, name) := concat(", ", sort(all)) if {
	all := {k | some d in sources(kind, name); some k in d}
	count(all) > 0
} else := "no keys"
