# A policy written for `conftest test` (Rego v1, package main).
package main

import rego.v1

deny contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("Deployment %s must set runAsNonRoot", [input.metadata.name])
}

warn contains msg if {
	input.kind == "Service"
	input.spec.type == "NodePort"
	msg := "NodePort services are discouraged"
}

deny_missing_team contains {"msg": msg, "details": {"label": "team"}} if {
	not input.metadata.labels.team
	msg := sprintf("%s %s has no team label", [input.kind, input.metadata.name])
}
