# A policy directory written for `conftest test`, used unchanged by
# `kvet validate --policy`. This file uses `import rego.v1`.
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
	msg := sprintf("Service %s is a NodePort; prefer an Ingress", [input.metadata.name])
}

deny_latest_tag contains msg if {
	some container in input.spec.template.spec.containers
	endswith(container.image, ":latest")
	msg := sprintf("container %s uses a latest image", [container.name])
}
