package team.replicas

test_single_replica_denied if {
	count(deny) == 1 with input as {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 1}}
}

# Wrong on purpose: three replicas are allowed, so deny is empty and this
# test fails. kvet policy test must exit 1 and name it.
test_three_replicas_denied if {
	count(deny) == 1 with input as {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 3}}
}
