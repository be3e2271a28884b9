# METADATA
# title: Workloads carry an owner
# custom:
#   id: owner-label
#   severity: warning
#   remediation: add metadata.labels.owner
package k8s.labels

import rego.v1

violation contains {"msg": "no owner label", "path": "metadata.labels.owner"} if {
	input.kind == "Deployment"
	not input.metadata.labels.owner
}
