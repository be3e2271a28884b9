# METADATA
# title: RBAC references
# description: >-
#   RoleBindings and ClusterRoleBindings resolved against the cluster
#   (data.kvet.cluster): the Role or ClusterRole a binding grants and the
#   ServiceAccounts it grants it to. The API server accepts a binding to a
#   role that does not exist; the subjects then silently get no access.
package kvet.rbac

import data.kvet.lib

ns := lib.namespace(input)

binding if {
	input.kind in {"RoleBinding", "ClusterRoleBinding"}
	startswith(input.apiVersion, "rbac.authorization.k8s.io/")
}

# The ClusterRoles every Kubernetes cluster has (the API server's bootstrap
# policy, k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy):
# the user-facing roles and every system: role.
default_cluster_role(name) if name in {"cluster-admin", "admin", "edit", "view"}

default_cluster_role(name) if startswith(name, "system:")

declared_external(kind, rns, name) if {
	some pattern in data.kvet.config.external
	glob.match(pattern, ["/"], sprintf("%s/%s/%s", [kind, rns, name]))
}

cluster_role_resolved(name) if default_cluster_role(name)

cluster_role_resolved(name) if lib.defined("ClusterRole", "", name)

cluster_role_resolved(name) if declared_external("ClusterRole", "", name)

role_ref := input.roleRef

# --- rbac-role-ref ------------------------------------------------------------------

# METADATA
# title: Bindings must grant a role that exists
# description: >-
#   A RoleBinding or ClusterRoleBinding whose roleRef names a ClusterRole that
#   no target of its cluster renders and that is not a Kubernetes default
#   (cluster-admin, admin, edit, view, system:*), or a Role that its namespace
#   does not have, grants nothing. A RoleBinding can only grant a Role of its
#   own namespace. Where a producer kvet does not render (a remote chart, an
#   Argo CD Application of another repository, an operator whose custom
#   resource is in the cluster, for a Role in its namespace) could have made
#   the role it is a note; kvet.yaml externalResources declares roles that
#   simply exist.
# custom:
#   id: rbac-role-ref
#   severity: error
#   remediation: name a Role of the binding's namespace or a ClusterRole the cluster has, add the role to the repository, or declare it in kvet.yaml externalResources
deny_rbac_role_ref contains lib.reference_finding(
	sprintf("%s %s grants ClusterRole %s, which no target of its cluster renders and which is not a Kubernetes default ClusterRole", [input.kind, input.metadata.name, role_ref.name]),
	"roleRef.name",
	lib.could_be_made_anywhere("ClusterRole", role_ref.name) | lib.operator_could_make("*"),
) if {
	binding
	role_ref.kind == "ClusterRole"
	not cluster_role_resolved(role_ref.name)
}

deny_rbac_role_ref contains lib.finding(
	sprintf("RoleBinding %s in namespace %q grants Role %s, which only namespace %s has: a RoleBinding can only grant a Role of its own namespace", [input.metadata.name, ns, role_ref.name, concat(", ", sort(other))]),
	"roleRef.name",
) if {
	input.kind == "RoleBinding"
	binding
	role_ref.kind == "Role"
	not role_resolved(role_ref.name)
	other := {n | some n, names in object.get(lib.cluster, "Role", {}); names[role_ref.name]}
	count(other) > 0
}

deny_rbac_role_ref contains lib.reference_finding(
	sprintf("RoleBinding %s grants Role %s, which no target of its cluster renders%s", [input.metadata.name, role_ref.name, lib.in_namespace(ns)]),
	"roleRef.name",
	lib.could_be_made("Role", ns, role_ref.name) | lib.operator_could_make(ns),
) if {
	input.kind == "RoleBinding"
	binding
	role_ref.kind == "Role"
	not role_resolved(role_ref.name)
	count({n | some n, names in object.get(lib.cluster, "Role", {}); names[role_ref.name]}) == 0
}

role_resolved(name) if lib.defined("Role", ns, name)

role_resolved(name) if declared_external("Role", ns, name)

# --- rbac-subject -------------------------------------------------------------------

# A ServiceAccount subject without a namespace is in the binding's namespace.
subject_namespace(s) := object.get(s, "namespace", ns)

# Namespaces whose ServiceAccounts the control plane and the platform create
# (kube-controller-manager's controllers, kube-proxy, CoreDNS, ...).
platform_namespace(n) if n in {"kube-system", "kube-public", "kube-node-lease"}

subject_resolved(s) if s.name == "default"

subject_resolved(s) if platform_namespace(subject_namespace(s))

subject_resolved(s) if lib.defined("ServiceAccount", subject_namespace(s), s.name)

subject_resolved(s) if declared_external("ServiceAccount", subject_namespace(s), s.name)

# METADATA
# title: Bound ServiceAccounts should exist
# description: >-
#   A ServiceAccount subject of a RoleBinding or ClusterRoleBinding that no
#   target of its cluster renders receives the role when it is created, which
#   is often a typo or a stale binding. The "default" ServiceAccount and the
#   platform's namespaces (kube-system, kube-public, kube-node-lease) are
#   exempt; where a producer kvet does not render (a remote chart, an operator
#   whose custom resource is in the namespace) could make the account it is a
#   note.
# custom:
#   id: rbac-subject
#   severity: warning
#   remediation: bind a ServiceAccount the cluster renders (check its name and namespace), or add the ServiceAccount
warn_rbac_subject contains lib.reference_finding(
	sprintf("%s %s binds ServiceAccount %s, which no target of its cluster renders%s", [input.kind, input.metadata.name, s.name, lib.in_namespace(subject_namespace(s))]),
	sprintf("subjects[%d].name", [i]),
	lib.could_be_made("ServiceAccount", subject_namespace(s), s.name) | lib.operator_could_make(subject_namespace(s)),
) if {
	binding
	some i, s in input.subjects
	s.kind == "ServiceAccount"
	not subject_resolved(s)
}
