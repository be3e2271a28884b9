package team.replicas

deny contains msg if {
	input.kind == "Deployment"
	input.spec.replicas < 2
	msg := sprintf("Deployment %s runs fewer than 2 replicas", [input.metadata.name])
}
