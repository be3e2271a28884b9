# Exercises the documented data.kvet shape from a user policy.
package datashape

import rego.v1

# Namespaced objects must live in a Namespace the target renders
# (cluster-scoped objects are indexed under namespace "").
deny contains msg if {
	ns := input.metadata.namespace
	not data.kvet.inventory.Namespace[""][ns]
	msg := sprintf("namespace %s is not rendered", [ns])
}

deny contains "no ConfigMaps in production" if {
	data.kvet.target.environment == "production"
	input.kind == "ConfigMap"
}

warn contains sprintf("target %s", [data.kvet.target.path]) if input.kind == "Namespace"
