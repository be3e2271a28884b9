# Shared fixtures for the default library's tests.
package kvet.fixtures

container := {
	"name": "app",
	"image": "ghcr.io/example/app:1.0.0",
	"ports": [{"name": "http", "containerPort": 8080}],
	"securityContext": {
		"runAsNonRoot": true,
		"allowPrivilegeEscalation": false,
		"capabilities": {"drop": ["ALL"]},
		"readOnlyRootFilesystem": true,
	},
	"resources": {
		"requests": {"cpu": "100m", "memory": "64Mi"},
		"limits": {"cpu": "1", "memory": "128Mi"},
	},
	"readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
	"livenessProbe": {"tcpSocket": {"port": 8080}},
}

pod_spec := {
	"automountServiceAccountToken": false,
	"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
	"containers": [container],
}

labels := {"app": "web"}

deployment_with(spec) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {
		"selector": {"matchLabels": labels},
		"template": {"metadata": {"labels": labels}, "spec": spec},
	},
}

deployment := deployment_with(pod_spec)

# patched merges patch into the first container.
patched(patch) := deployment_with(object.union(pod_spec, {"containers": [object.union(container, patch)]}))

# spec_patched merges patch into the pod spec.
spec_patched(patch) := deployment_with(object.union(pod_spec, patch))

cronjob := {
	"apiVersion": "batch/v1",
	"kind": "CronJob",
	"metadata": {"name": "report", "namespace": "shop"},
	"spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {"spec": object.union(pod_spec, {"containers": [json.remove(container, ["readinessProbe", "livenessProbe"])]})}}}},
}

service := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"selector": labels, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
}

# inventory indexes objects like kvet does: kind -> namespace -> name.
inventory(objs) := {kind: {ns: {name: o |
	some o in objs
	o.kind == kind
	object.get(o.metadata, "namespace", "") == ns
	name := o.metadata.name
} |
	some x in objs
	x.kind == kind
	ns := object.get(x.metadata, "namespace", "")
} |
	some y in objs
	kind := y.kind
}
