package main

import rego.v1

test_deny_root if {
	deny["Deployment web must set runAsNonRoot"] with input as {"kind": "Deployment", "metadata": {"name": "web"}}
}
