# conftest verify tests live beside the policies; kvet validate skips them
# and kvet policy test runs them.
package main

import rego.v1

test_deny_root if {
	deny["Deployment web must set runAsNonRoot"] with input as {"kind": "Deployment", "metadata": {"name": "web"}}
}

test_allow_non_root if {
	count(deny) == 0 with input as {
		"kind": "Deployment",
		"metadata": {"name": "web"},
		"spec": {"template": {"spec": {"securityContext": {"runAsNonRoot": true}, "containers": []}}},
	}
}

test_missing_team if {
	violation[{"msg": "Service web has no team label"}] with input as {
		"kind": "Service",
		"metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
	}
}
