# title: kvet helper library, the cluster and the open world
# description: >-
#   What a reference resolves against: the objects of the whole cluster
#   (data.kvet.cluster: every target linked to this one by the GitOps entry
#   points they render), which sources are this repository, and the open
#   world: objects that exist in the cluster without being in the
#   repository (made by a chart kvet did not render, an operator, the
#   platform). A reference to something a producer could have made is a
#   note, not an error. Defines no rules of its own.
package kvet.lib

# --- the cluster -----------------------------------------------------------------------

# cluster is data.kvet.cluster (kvet always serves it: the target's own
# objects when it is alone); tests that set only the inventory get that.
cluster := c if {
	c := data.kvet.cluster
} else := inventory

# defined holds when the target or any target of its cluster renders
# kind/ns/name. An unknown namespace ("": the manifest sets none and no
# kustomization sets one) matches any namespace.
defined(kind, ns, name) if exists(kind, ns, name)

defined(kind, ns, name) if cluster[kind][ns][name]

defined(kind, "", name) if {
	some n
	cluster[kind][n][name]
}

# An object whose namespace nothing sets is applied to whatever namespace
# the tool applying it uses: it matches a reference from any namespace.
defined(kind, _, name) if cluster[kind][""][name]

defined(kind, _, name) if inventory[kind][""][name]

# cluster_object returns kind/ns/name from the cluster (any namespace when ns is "").
cluster_object(kind, ns, name) := obj if {
	obj := cluster[kind][ns][name]
} else := obj if {
	ns == ""
	some n
	obj := cluster[kind][n][name]
}

# --- this repository ---------------------------------------------------------------------

# normalize_url reduces a git URL to host/path as kvet does in Go
# (https://, ssh://, scp-style git@host:owner/repo, user, port, ".git").
normalize_url(u) := n if {
	s := trim_space(u)
	no_scheme := regex.replace(s, `^[A-Za-z][A-Za-z0-9+.-]*://`, "")
	no_user := regex.replace(no_scheme, `^[^@/]*@`, "")
	slash := regex.replace(no_user, `^([^/:]+):[0-9]*/?`, "$1/")
	parts := split(slash, "/")
	rest := trim_suffix(trim_suffix(concat("/", array.slice(parts, 1, count(parts))), "/"), ".git")
	n := sprintf("%s/%s", [lower(parts[0]), rest])
}

# this_repo_url holds for a URL of this repository; without any known URL
# (no git remote, nothing in kvet.yaml) every URL counts.
default repository_urls := []

repository_urls := data.kvet.repository.urls

this_repo_url(url) if count(repository_urls) == 0

this_repo_url(url) if normalize_url(url) in {normalize_url(u) | some u in repository_urls}

this_repo_url(url) if contains(url, "{{")

this_repo_url(url) if contains(url, "${")

# bootstrap_source holds for the source `flux bootstrap` or a FluxInstance
# spec.sync creates: <ns>/<ns>, usually flux-system/flux-system. It is this
# repository and exists whether or not its manifest is committed.
bootstrap_source(kind, ns, name) if {
	kind in {"GitRepository", "OCIRepository", "Bucket"}
	name == ns
}

bootstrap_source(kind, "", "flux-system") if kind in {"GitRepository", "OCIRepository", "Bucket"}

# flux_source_is_this_repo holds when a Flux sourceRef (namespace resolved)
# reads this checkout: the bootstrap source, or a GitRepository of the
# cluster whose URL is this repository's.
flux_source_is_this_repo(kind, ns, name) if bootstrap_source(kind, ns, name)

flux_source_is_this_repo("GitRepository", ns, name) if {
	src := cluster_object("GitRepository", ns, name)
	this_repo_url(src.spec.url)
	this_branch(src)
}

default repository_branches := []

repository_branches := data.kvet.repository.branches

# this_branch holds unless the GitRepository tracks a branch other than
# those this checkout stands for (the bootstrap's, the checked-out one, the
# remote's default); without known branches kvet cannot tell.
this_branch(src) if not src.spec.ref.branch

this_branch(src) if count(repository_branches) == 0

this_branch(src) if src.spec.ref.branch in repository_branches

# flux_source_foreign holds when the sourceRef is known to read something
# else than this checkout (kvet does not render what it applies).
flux_source_foreign(kind, ns, name) if {
	not bootstrap_source(kind, ns, name)
	kind != "GitRepository"
}

flux_source_foreign("GitRepository", ns, name) if {
	not bootstrap_source("GitRepository", ns, name)
	src := cluster_object("GitRepository", ns, name)
	not this_repo_url(src.spec.url)
}

flux_source_foreign("GitRepository", ns, name) if {
	not bootstrap_source("GitRepository", ns, name)
	src := cluster_object("GitRepository", ns, name)
	not this_branch(src)
}

# --- producers: the open world ---------------------------------------------------------

# Producers make objects kvet cannot see in the repository. An entry names
# the producing kind ("group/Kind", "" group for the core API), the kinds it
# makes ("*": any), and optionally:
#   when:            "remote_chart" (a HelmRelease whose chart kvet did not render),
#                    "not_rendered" (an entry point kvet did not render)
#   namespace_from:  fields of the producer holding the namespace it writes to
#                    (default: its own namespace)
#   name_from:       field of the producer holding the one name it makes
#   name_annotation: annotation of the producer holding the one name it makes
# kvet.yaml policy.producers adds entries (data.kvet.config.producers).
builtin_producers := [
	{
		"producer": "helm.toolkit.fluxcd.io/HelmRelease", "makes": ["*"], "when": "remote_chart",
		"namespace_from": [["spec", "targetNamespace"]],
	},
	{
		"producer": "argoproj.io/Application", "makes": ["*"], "when": "not_rendered",
		"namespace_from": [["spec", "destination", "namespace"]],
	},
	{
		"producer": "kustomize.toolkit.fluxcd.io/Kustomization", "makes": ["*"], "when": "not_rendered",
		"namespace_from": [["spec", "targetNamespace"]], "namespace_required": true,
	},
	{"producer": "monitoring.coreos.com/Prometheus", "makes": operator_makes},
	{"producer": "monitoring.coreos.com/PrometheusAgent", "makes": operator_makes},
	{"producer": "monitoring.coreos.com/Alertmanager", "makes": operator_makes},
	{"producer": "monitoring.coreos.com/ThanosRuler", "makes": operator_makes},
	{"producer": "postgresql.cnpg.io/Cluster", "makes": array.concat(operator_makes, ["PodDisruptionBudget", "PersistentVolumeClaim", "ServiceAccount", "Role", "RoleBinding"])},
	{"producer": "postgresql.cnpg.io/Pooler", "makes": array.concat(operator_makes, ["Deployment"])},
	{"producer": "kafka.strimzi.io/Kafka", "makes": array.concat(operator_makes, ["PodDisruptionBudget", "ServiceAccount"])},
	{"producer": "dragonflydb.io/Dragonfly", "makes": operator_makes},
	{"producer": "mariadb.mmontes.io/MariaDB", "makes": operator_makes},
	{"producer": "k8s.mariadb.com/MariaDB", "makes": operator_makes},
	{"producer": "rabbitmq.com/RabbitmqCluster", "makes": operator_makes},
	{"producer": "redis.redis.opstreelabs.in/Redis", "makes": operator_makes},
	{"producer": "cert-manager.io/Certificate", "makes": ["Secret"], "name_from": ["spec", "secretName"]},
	{"producer": "/Service", "makes": ["Secret"], "name_annotation": "service.beta.openshift.io/serving-cert-secret-name"},
	{"producer": "/Service", "makes": ["Secret"], "name_annotation": "service.alpha.openshift.io/serving-cert-secret-name"},
]

# What an operator typically creates for its custom resource, in its namespace.
operator_makes := ["Pod", "StatefulSet", "Service", "Secret", "ConfigMap"]

default config_producers := []

config_producers := data.kvet.config.producers

producers := array.concat(builtin_producers, config_producers)

# producer_objects lists [entry, object] for every producer in the cluster.
producer_objects contains [p, obj] if {
	some p in producers
	parts := split(p.producer, "/")
	kind := parts[count(parts) - 1]
	group := concat("/", array.slice(parts, 0, count(parts) - 1))
	some by_ns in [object.get(cluster, kind, {}), object.get(inventory, kind, {})]
	some _, names in by_ns
	some _, obj in names
	api_group(obj.apiVersion) == group
	producer_active(p, obj)
}

producer_active(p, _) if not p.when

producer_active(p, obj) if {
	p.when == "remote_chart"
	not local_chart(obj)
}

producer_active(p, obj) if {
	p.when == "not_rendered"
	not_rendered(obj)
}

# local_chart holds for a HelmRelease whose chart is a directory of a
# GitRepository (kvet renders those, and their objects are in the cluster).
local_chart(hr) if {
	hr.spec.chart.spec.sourceRef.kind == "GitRepository"
	flux_source_is_this_repo("GitRepository", object.get(hr.spec.chart.spec.sourceRef, "namespace", namespace(hr)), hr.spec.chart.spec.sourceRef.name)
}

# An Argo CD Application kvet did not render: a chart, or another repository.
not_rendered(app) if {
	app.kind == "Application"
	some src in array.concat([object.get(app.spec, "source", {})], object.get(app.spec, "sources", []))
	src.chart
}

not_rendered(app) if {
	app.kind == "Application"
	some src in array.concat([object.get(app.spec, "source", {})], object.get(app.spec, "sources", []))
	src.repoURL
	not this_repo_url(src.repoURL)
}

not_rendered(ks) if {
	ks.kind == "Kustomization"
	startswith(ks.apiVersion, "kustomize.toolkit.fluxcd.io/")
	ref := ks.spec.sourceRef
	flux_source_foreign(ref.kind, object.get(ref, "namespace", namespace(ks)), ref.name)
}

# producer_namespace is where a producer writes: the first namespace_from
# field set, else its own namespace (undefined when namespace_required and
# no field is set).
producer_namespace(p, obj) := ns if {
	nss := [v | some f in object.get(p, "namespace_from", []); v := object.get(obj, f, ""); v != ""]
	count(nss) > 0
	ns := nss[0]
} else := namespace(obj) if not p.namespace_required

makes_kind(p, kind) if "*" in p.makes

makes_kind(p, kind) if kind in p.makes

makes_name(p, _, _) if {
	not p.name_from
	not p.name_annotation
}

makes_name(p, obj, name) if object.get(obj, p.name_from, null) == name

makes_name(p, obj, name) if object.get(obj, ["metadata", "annotations", p.name_annotation], null) == name

# could_be_made returns a description of each producer in the cluster that
# could have made kind ns/name (any name for kinds it makes in bulk).
could_be_made(kind, ns, name) := {sprintf("%s %s", [obj.kind, obj.metadata.name]) |
	some [p, obj] in producer_objects
	makes_kind(p, kind)
	producer_namespace(p, obj) in {ns, ""}
	makes_name(p, obj, name)
}

# could_be_made_anywhere is could_be_made for cluster-scoped kinds
# (ClusterRole, ...): a producer makes them whatever namespace it writes to.
could_be_made_anywhere(kind, name) := {sprintf("%s %s", [obj.kind, obj.metadata.name]) |
	some [p, obj] in producer_objects
	makes_kind(p, kind)
	makes_name(p, obj, name)
}

# operator_resource holds for a custom resource that an operator kvet does
# not render reconciles into further objects (a Kiali, a Grafana, an ArgoCD,
# a MultiClusterHub ...): any object of a non-Kubernetes API group except
# the configuration kinds that make no objects of their own.
operator_resource(obj) if {
	g := api_group(obj.apiVersion)
	contains(g, ".")
	not endswith(g, ".k8s.io")
	not configuration_kind(g, obj.kind)
}

configuration_kind(g, _) if endswith(g, ".fluxcd.io")

configuration_kind(g, _) if g in {
	"bitnami.com", "cert-manager.io", "external-secrets.io", "generators.external-secrets.io",
	"networking.istio.io", "security.istio.io", "telemetry.istio.io",
}

configuration_kind("argoproj.io", kind) if kind in {"Application", "ApplicationSet", "AppProject"}

configuration_kind("monitoring.coreos.com", kind) if kind in {"ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe", "ScrapeConfig", "AlertmanagerConfig"}

# operator_could_make names the custom resources in namespace ns ("*": any
# namespace) whose operators could have made an object there. Used where
# operators commonly make objects under names kvet cannot predict
# (ServiceAccounts, ClusterRoles).
operator_could_make(ns) := {sprintf("the operator of %s %s", [obj.kind, obj.metadata.name]) |
	some by_ns in [cluster, inventory]
	some _, names_by_ns in by_ns
	some n, names in names_by_ns
	ns in {n, "*"}
	some _, obj in names
	operator_resource(obj)
}

# could_select_pods returns the producers in ns that make pods kvet did not
# render (for selectors that select nothing kvet sees).
could_select_pods(ns) := could_be_made("Pod", ns, "")

# Objects the platform creates in namespaces: kube-root-ca.crt everywhere,
# istio-ca-root-cert where Istio is installed (its objects are in the cluster).
platform_object("ConfigMap", "kube-root-ca.crt")

platform_object("ConfigMap", "istio-ca-root-cert") if istio_installed

istio_installed if {
	some kind, by_ns in cluster
	some _, names in by_ns
	some _, obj in names
	endswith(api_group(obj.apiVersion), "istio.io")
}

# platform_selects holds for a Service-style selector of the control
# plane's static pods (kubeadm: component=kube-apiserver, Talos:
# k8s-app=kube-apiserver; both tier=control-plane), which the kubelet runs
# in kube-system from files on the nodes.
platform_selects(ns, selector) if {
	ns in {"kube-system", ""}
	selector.tier == "control-plane"
	every k, v in selector {
		k in {"tier", "component", "k8s-app"}
		v in {"control-plane", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"}
	}
}

# rbac_may_create holds when a pod template in ns runs as a ServiceAccount
# that a Role of ns lets create kind (an init container or sidecar that
# writes the Secret it then mounts, as Argo CD's redis does).
rbac_may_create(kind, ns) if {
	resource := lower(sprintf("%ss", [kind]))
	some _, role in object.get(object.get(cluster, "Role", {}), ns, {})
	some rule in role.rules
	some g in object.get(rule, "apiGroups", [""])
	g in {"", "*"}
	some r in rule.resources
	r in {resource, "*"}
	some v in rule.verbs
	v in {"create", "*"}
	some _, rb in object.get(object.get(cluster, "RoleBinding", {}), ns, {})
	rb.roleRef.kind == "Role"
	rb.roleRef.name == role.metadata.name
	some s in rb.subjects
	s.kind == "ServiceAccount"
	some t in cluster_pod_templates(ns)
	object.get(t.spec, "serviceAccountName", "default") == s.name
}

# --- pod templates, with the labels controllers add ------------------------------------

# cluster_pod_templates lists every pod template of the cluster in ns:
# workloads kvet models, kinds kvet.yaml declares, and any other object
# with a pod-shaped spec.template (DeploymentConfig, Rollout, ...).
cluster_pod_templates(ns) := [t |
	some kind, by_ns in cluster
	some name, obj in by_ns[ns]
	spec := pod_like_spec(obj)
	t := {"kind": kind, "name": name, "labels": pod_like_labels(obj), "spec": spec, "obj": obj}
]

pod_like_spec(obj) := pod_spec_of(obj)

pod_like_spec(obj) := obj.spec.template.spec if {
	not pod_spec_path(obj)
	is_array(obj.spec.template.spec.containers)
}

pod_like_labels(obj) := pod_labels_of(obj) if pod_spec_path(obj)

pod_like_labels(obj) := object.get(obj, ["spec", "template", "metadata", "labels"], {}) if not pod_spec_path(obj)

# Labels the controllers set on the pods of a template (not in git).
controller_label("pod-template-hash", _, t) if t.kind == "Deployment"

controller_label("controller-revision-hash", _, t) if t.kind in {"StatefulSet", "DaemonSet"}

controller_label("pod-template-generation", _, t) if t.kind == "DaemonSet"

controller_label("apps.kubernetes.io/pod-index", v, t) if {
	t.kind == "StatefulSet"
	regex.match(`^[0-9]+$`, sprintf("%v", [v]))
}

controller_label("statefulset.kubernetes.io/pod-name", v, t) if {
	t.kind == "StatefulSet"
	is_string(v)
	startswith(v, sprintf("%s-", [t.name]))
	regex.match(`^[0-9]+$`, substring(v, count(t.name) + 1, -1))
}

controller_label(k, v, t) if {
	t.kind == "Job"
	k in {"job-name", "batch.kubernetes.io/job-name"}
	v == t.name
}

controller_label(k, _, t) if {
	t.kind == "Job"
	k in {"controller-uid", "batch.kubernetes.io/controller-uid"}
}

# OpenShift DeploymentConfig pods carry deploymentconfig=<name> (and deploymentConfig).
controller_label(k, v, t) if {
	t.kind == "DeploymentConfig"
	k in {"deploymentconfig", "deploymentConfig"}
	v == t.name
}

template_label_matches(k, v, t) if t.labels[k] == v

template_label_matches(k, v, t) if {
	not t.labels[k]
	controller_label(k, v, t)
}

# template_selected holds when a Service-style selector (a map) selects
# the pods of template t, controller-set labels included.
template_selected(selector, t) if {
	every k, v in selector {
		template_label_matches(k, v, t)
	}
}

# template_selected_by holds for a LabelSelector (matchLabels and
# matchExpressions), controller-set labels counting for matchLabels.
template_selected_by(selector, t) if {
	every k, v in object.get(selector, "matchLabels", {}) {
		template_label_matches(k, v, t)
	}
	every expr in object.get(selector, "matchExpressions", []) {
		expression_matches(expr, t.labels)
	}
}

# --- findings about references ----------------------------------------------------------

# reference_finding is a finding, or a note when producers (could_be_made)
# could have made what the reference names.
reference_finding(msg, path, made_by) := finding(msg, path) if {
	count(made_by) == 0
} else := {
	"msg": sprintf("%s; %s in the cluster could make it, which kvet does not render", [msg, producers_phrase(made_by)]),
	"path": path,
	"note": true,
}

# producers_phrase names up to three producers, then how many more.
producers_phrase(made_by) := concat(", ", sort(made_by)) if {
	count(made_by) <= 3
} else := sprintf("%s and %d more", [concat(", ", array.slice(sort(made_by), 0, 3)), count(made_by) - 3])

# in_namespace phrases a namespace for messages ("" when kvet cannot tell).
in_namespace(ns) := sprintf(" in namespace %q", [ns]) if ns != ""

else := ""
