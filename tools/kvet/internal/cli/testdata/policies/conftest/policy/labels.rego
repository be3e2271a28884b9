# The same conftest policy directory: this file is plain Rego v1, without
# `import rego.v1` (conftest's default syntax since v0.56).
package main

required_labels := {"app.kubernetes.io/name", "team"}

violation contains {"msg": msg} if {
	input.kind in {"Deployment", "Service"}
	some label in required_labels
	not input.metadata.labels[label]
	msg := sprintf("%s %s has no %s label", [input.kind, input.metadata.name, label])
}

warn_replicas contains msg if {
	input.kind == "Deployment"
	input.spec.replicas < 2
	msg := sprintf("Deployment %s runs a single replica", [input.metadata.name])
}
