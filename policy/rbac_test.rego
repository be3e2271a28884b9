package kvet.rbac_test

import data.kvet.fixtures as fx
import data.kvet.rbac

inv(objs) := fx.inventory(objs)

binding(kind, ns, role_kind, role, subjects) := {
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": kind,
	"metadata": meta(ns),
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
	"subjects": subjects,
}

meta("") := {"name": "web"}

meta(ns) := {"name": "web", "namespace": ns} if ns != ""

sa(name, ns) := {"kind": "ServiceAccount", "name": name, "namespace": ns}

role(name, ns) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": name, "namespace": ns}, "rules": []}

cluster_role(name) := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": name}, "rules": []}

account(name, ns) := {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}}

test_cluster_role_ref if {
	# rendered, a default, a system: role: fine
	ok := binding("ClusterRoleBinding", "", "ClusterRole", "reader", [])
	count(rbac.deny_rbac_role_ref) == 0 with input as ok with data.kvet.inventory as inv([cluster_role("reader")])
	count(rbac.deny_rbac_role_ref) == 0 with input as binding("RoleBinding", "shop", "ClusterRole", "view", []) with data.kvet.inventory as inv([])
	count(rbac.deny_rbac_role_ref) == 0 with input as binding("ClusterRoleBinding", "", "ClusterRole", "system:auth-delegator", []) with data.kvet.inventory as inv([])

	# rendered by another target of the cluster
	count(rbac.deny_rbac_role_ref) == 0 with input as ok with data.kvet.inventory as inv([]) with data.kvet.cluster as inv([cluster_role("reader")])

	# a typo of a default role
	bad := rbac.deny_rbac_role_ref with input as binding("RoleBinding", "shop", "ClusterRole", "viewer", []) with data.kvet.inventory as inv([])
	bad == {{"msg": "RoleBinding web grants ClusterRole viewer, which no target of its cluster renders and which is not a Kubernetes default ClusterRole", "path": "roleRef.name"}}

	# declared in kvet.yaml
	count(rbac.deny_rbac_role_ref) == 0 with input as binding("RoleBinding", "shop", "ClusterRole", "viewer", [])
		with data.kvet.inventory as inv([]) with data.kvet.config.external as ["ClusterRole/*/viewer"]
}

test_cluster_role_of_a_producer_is_a_note if {
	# a chart kvet does not render, in any namespace, may make a ClusterRole
	release := {
		"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
		"metadata": {"name": "ingress", "namespace": "ingress"},
		"spec": {"chartRef": {"kind": "OCIRepository", "name": "ingress"}},
	}
	r := rbac.deny_rbac_role_ref with input as binding("RoleBinding", "shop", "ClusterRole", "ingress-reader", []) with data.kvet.inventory as inv([release])
	some f in r
	f.note == true
	contains(f.msg, "HelmRelease ingress")
}

test_role_ref if {
	ok := binding("RoleBinding", "shop", "Role", "reader", [])
	count(rbac.deny_rbac_role_ref) == 0 with input as ok with data.kvet.inventory as inv([role("reader", "shop")])

	missing := rbac.deny_rbac_role_ref with input as ok with data.kvet.inventory as inv([])
	missing == {{"msg": "RoleBinding web grants Role reader, which no target of its cluster renders in namespace \"shop\"", "path": "roleRef.name"}}

	other := rbac.deny_rbac_role_ref with input as ok with data.kvet.inventory as inv([role("reader", "db")])
	other == {{"msg": "RoleBinding web in namespace \"shop\" grants Role reader, which only namespace db has: a RoleBinding can only grant a Role of its own namespace", "path": "roleRef.name"}}

	# an operator of the namespace makes Roles: a note
	pg := {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "db", "namespace": "shop"}, "spec": {}}
	n := rbac.deny_rbac_role_ref with input as binding("RoleBinding", "shop", "Role", "db", []) with data.kvet.inventory as inv([pg])
	some f in n
	f.note == true
}

test_subject_service_account if {
	subjects := [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}, sa("web", "shop"), sa("default", "shop"), sa("kube-proxy", "kube-system"), {"kind": "ServiceAccount", "name": "web"}]
	ok := binding("RoleBinding", "shop", "ClusterRole", "view", subjects)
	count(rbac.warn_rbac_subject) == 0 with input as ok with data.kvet.inventory as inv([account("web", "shop")])

	bad := rbac.warn_rbac_subject with input as ok with data.kvet.inventory as inv([account("web", "db")])
	bad == {
		{"msg": "RoleBinding web binds ServiceAccount web, which no target of its cluster renders in namespace \"shop\"", "path": "subjects[1].name"},
		{"msg": "RoleBinding web binds ServiceAccount web, which no target of its cluster renders in namespace \"shop\"", "path": "subjects[4].name"},
	}

	crb := binding("ClusterRoleBinding", "", "ClusterRole", "view", [sa("agent", "monitoring")])
	c := rbac.warn_rbac_subject with input as crb with data.kvet.inventory as inv([])
	c == {{"msg": "ClusterRoleBinding web binds ServiceAccount agent, which no target of its cluster renders in namespace \"monitoring\"", "path": "subjects[0].name"}}
	count(rbac.warn_rbac_subject) == 0 with input as crb with data.kvet.inventory as inv([]) with data.kvet.cluster as inv([account("agent", "monitoring")])
}

test_operator_resources_and_unset_namespaces if {
	crb := binding("ClusterRoleBinding", "", "ClusterRole", "view", [sa("kiali-service-account", "istio-system")])

	# the Kiali operator makes the account of its custom resource's namespace: a note
	kiali := {"apiVersion": "kiali.io/v1alpha1", "kind": "Kiali", "metadata": {"name": "kiali", "namespace": "istio-system"}, "spec": {}}
	n := rbac.warn_rbac_subject with input as crb with data.kvet.inventory as inv([kiali])
	some f in n
	f.note == true
	contains(f.msg, "the operator of Kiali kiali")

	# configuration kinds make nothing: still a warning
	monitor := {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "kiali", "namespace": "istio-system"}, "spec": {}}
	w := rbac.warn_rbac_subject with input as crb with data.kvet.inventory as inv([monitor])
	some g in w
	not g.note

	# a ServiceAccount whose namespace nothing sets is applied wherever its tool applies it
	count(rbac.warn_rbac_subject) == 0 with input as crb with data.kvet.inventory as inv([{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "kiali-service-account"}}])

	# an operator's custom resource anywhere may make a ClusterRole: a note
	hub := {"apiVersion": "operator.open-cluster-management.io/v1", "kind": "MultiClusterHub", "metadata": {"name": "hub", "namespace": "acm"}, "spec": {}}
	r := rbac.deny_rbac_role_ref with input as binding("ClusterRoleBinding", "", "ClusterRole", "open-cluster-management:subscription-admin", []) with data.kvet.inventory as inv([hub])
	some h in r
	h.note == true
}
