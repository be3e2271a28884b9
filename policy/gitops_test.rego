package kvet.gitops_test

import data.kvet.fixtures as fx
import data.kvet.gitops

repository := {"known": true, "dirs": {"overlays/production": true, ".": true}, "urls": []}

app(source) := {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "Application",
	"metadata": {"name": "shop", "namespace": "argocd"},
	"spec": {"source": source},
}

test_clean_path if {
	gitops.clean_path("./overlays/production/") == "overlays/production"
	gitops.clean_path("./") == "."
	gitops.clean_path("") == "."
}

test_argo_path if {
	ok := gitops.deny_gitops_path with input as app({"repoURL": "https://git.example.com/shop.git", "path": "overlays/production"})
		with data.kvet.repository as repository
	count(ok) == 0
	bad := gitops.deny_gitops_path with input as app({"repoURL": "https://git.example.com/shop.git", "path": "overlays/prod"})
		with data.kvet.repository as repository
	bad == {{"msg": "Application shop points at path \"overlays/prod\", which is not a directory of the repository", "path": "spec.source.path"}}
}

test_argo_path_other_repo_or_unknown if {
	other := gitops.deny_gitops_path with input as app({"repoURL": "https://git.example.com/other", "path": "x"})
		with data.kvet.repository as object.union(repository, {"urls": ["https://git.example.com/shop.git"]})
	count(other) == 0
	unknown := gitops.deny_gitops_path with input as app({"repoURL": "https://git.example.com/shop", "path": "x"})
	count(unknown) == 0
}

test_argo_multi_source if {
	multi := {
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "shop"},
		"spec": {"sources": [{"repoURL": "https://git.example.com/shop", "path": "missing"}, {"repoURL": "https://charts.example.com", "chart": "x"}]},
	}
	r := gitops.deny_gitops_path with input as multi with data.kvet.repository as object.union(repository, {"urls": ["https://git.example.com/shop.git"]})
	r == {{"msg": "Application shop points at path \"missing\", which is not a directory of the repository", "path": "spec.sources[0].path"}}
}

flux_ks(path, source) := {
	"apiVersion": "kustomize.toolkit.fluxcd.io/v1",
	"kind": "Kustomization",
	"metadata": {"name": "apps", "namespace": "flux-system"},
	"spec": {"path": path, "sourceRef": source},
}

git_repo := {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "metadata": {"name": "flux-system", "namespace": "flux-system"}}

test_flux_path if {
	ok := gitops.deny_gitops_path with input as flux_ks("./overlays/production", {"kind": "GitRepository", "name": "flux-system"})
		with data.kvet.repository as repository
	count(ok) == 0
	bad := gitops.deny_gitops_path with input as flux_ks("./apps", {"kind": "GitRepository", "name": "flux-system"})
		with data.kvet.repository as repository
	count(bad) == 1
}

test_flux_source_ref if {
	inv := {"GitRepository": {"flux-system": {"flux-system": git_repo}}}
	ok := gitops.deny_flux_source_ref with input as flux_ks("./", {"kind": "GitRepository", "name": "flux-system"})
		with data.kvet.inventory as inv
	count(ok) == 0
	bad := gitops.deny_flux_source_ref with input as flux_ks("./", {"kind": "GitRepository", "name": "fleet", "namespace": "infra"})
		with data.kvet.inventory as inv
	bad == {{"msg": "Kustomization apps references GitRepository infra/fleet, which no target of its cluster defines", "path": "spec.sourceRef"}}
}

test_helm_release_source_ref if {
	hr := {
		"apiVersion": "helm.toolkit.fluxcd.io/v2",
		"kind": "HelmRelease",
		"metadata": {"name": "redis", "namespace": "shop"},
		"spec": {"chart": {"spec": {"chart": "redis", "sourceRef": {"kind": "HelmRepository", "name": "bitnami"}}}},
	}
	r := gitops.deny_flux_source_ref with input as hr with data.kvet.inventory as {}
	count(r) == 1
	ref := gitops.deny_flux_source_ref with input as {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "x", "namespace": "shop"}, "spec": {"chartRef": {"kind": "OCIRepository", "name": "x"}}}
	count(ref) == 1
}

# --- this repository, bootstrap source, cluster-wide sources ----------------------------

tenant_repo(url) := {
	"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
	"metadata": {"name": "tenant", "namespace": "apps"}, "spec": {"url": url},
}

tenant_ks(path) := {
	"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
	"metadata": {"name": "tenant", "namespace": "apps"},
	"spec": {"path": path, "sourceRef": {"kind": "GitRepository", "name": "tenant"}},
}

this_urls := object.union(repository, {"urls": ["git@github.com:example/fleet.git"]})

test_flux_path_other_repository_not_checked if {
	cluster := {"GitRepository": {"apps": {"tenant": tenant_repo("https://github.com/example/tenant-apps")}}}
	other := gitops.deny_gitops_path with input as tenant_ks("./production")
		with data.kvet.repository as this_urls with data.kvet.cluster as cluster
	count(other) == 0

	# the same GitRepository spelt as this repository's remote: checked
	mine := {"GitRepository": {"apps": {"tenant": tenant_repo("ssh://git@GitHub.com/example/fleet")}}}
	bad := gitops.deny_gitops_path with input as tenant_ks("./production")
		with data.kvet.repository as this_urls with data.kvet.cluster as mine
	count(bad) == 1
}

test_flux_path_oci_and_variables_not_checked if {
	oci := gitops.deny_gitops_path with input as flux_ks("./", {"kind": "OCIRepository", "name": "vendor"})
		with data.kvet.repository as repository
	count(oci) == 0
	vars := gitops.deny_gitops_path with input as flux_ks("./apps/${ENVIRONMENT}", {"kind": "GitRepository", "name": "flux-system"})
		with data.kvet.repository as repository
	count(vars) == 0
}

test_flux_source_ref_bootstrap_and_cluster if {
	# bootstrap source: never in git when the Flux Operator installed Flux
	boot := gitops.deny_flux_source_ref with input as flux_ks("./", {"kind": "GitRepository", "name": "flux-system"})
		with data.kvet.inventory as {}
	count(boot) == 0

	# no namespace as applied: the bootstrap default, and no "/name" message
	no_ns := json.remove(flux_ks("./", {"kind": "GitRepository", "name": "tenant"}), ["metadata/namespace"])
	bad := gitops.deny_flux_source_ref with input as no_ns with data.kvet.inventory as {}
	bad == {{"msg": "Kustomization apps references GitRepository tenant, which no target of its cluster defines", "path": "spec.sourceRef"}}

	# defined by another target of the cluster
	other := gitops.deny_flux_source_ref with input as tenant_ks("./")
		with data.kvet.inventory as {}
		with data.kvet.cluster as {"GitRepository": {"apps": {"tenant": tenant_repo("https://x")}}}
	count(other) == 0
}

test_helm_release_remote_chart_source_is_a_note if {
	# a HelmRelease's HelmRepository that a foreign Kustomization of the namespace applies
	hr := {
		"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
		"metadata": {"name": "redis", "namespace": "shop"},
		"spec": {"chart": {"spec": {"chart": "redis", "sourceRef": {"kind": "HelmRepository", "name": "bitnami"}}}},
	}
	vendor := {
		"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
		"metadata": {"name": "vendor", "namespace": "flux-system"},
		"spec": {"path": "./", "targetNamespace": "shop", "sourceRef": {"kind": "OCIRepository", "name": "vendor"}},
	}
	r := gitops.deny_flux_source_ref with input as hr with data.kvet.inventory as {}
		with data.kvet.cluster as {"Kustomization": {"flux-system": {"vendor": vendor}}}
	some f in r
	f.note == true
}

test_flux_path_other_branch_not_checked if {
	repo := object.union(tenant_repo("https://github.com/example/fleet"), {"spec": {"ref": {"branch": "dev-team"}}})
	cluster := {"GitRepository": {"apps": {"tenant": repo}}}
	branches := object.union(this_urls, {"branches": ["main"]})
	other := gitops.deny_gitops_path with input as tenant_ks("./staging")
		with data.kvet.repository as branches with data.kvet.cluster as cluster
	count(other) == 0
	main := {"GitRepository": {"apps": {"tenant": object.union(repo, {"spec": {"ref": {"branch": "main"}}})}}}
	bad := gitops.deny_gitops_path with input as tenant_ks("./staging")
		with data.kvet.repository as branches with data.kvet.cluster as main
	count(bad) == 1
}

helm_release(values_from) := {
	"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
	"metadata": {"name": "podinfo", "namespace": "apps"},
	"spec": {
		"chart": {"spec": {"chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}},
		"valuesFrom": values_from,
	},
}

values_cm(name, ns, d) := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": d}

test_helm_values_from_missing if {
	hr := helm_release([
		{"kind": "ConfigMap", "name": "podinfo-values"},
		{"kind": "Secret", "name": "podinfo-secret", "optional": true},
		{"kind": "Secret", "name": "podinfo-${CLUSTER}"},
	])
	bad := gitops.deny_helm_values_from with input as hr with data.kvet.inventory as fx.inventory([hr])
	bad == {{"msg": "HelmRelease podinfo takes values from ConfigMap podinfo-values in namespace \"apps\", which no target of its cluster defines", "path": "spec.valuesFrom[0].name"}}

	# defined by another target of the cluster, in the HelmRelease's namespace
	cm := values_cm("podinfo-values", "apps", {"values.yaml": "replicaCount: 2"})
	count(gitops.deny_helm_values_from) == 0 with input as hr with data.kvet.inventory as fx.inventory([]) with data.kvet.cluster as fx.inventory([cm])

	# in another namespace: helm-controller reads only its own
	elsewhere := values_cm("podinfo-values", "flux-system", {"values.yaml": "replicaCount: 2"})
	count(gitops.deny_helm_values_from) == 1 with input as hr with data.kvet.inventory as fx.inventory([elsewhere])

	# made by a SealedSecret
	sealed := helm_release([{"kind": "Secret", "name": "podinfo-secret", "valuesKey": "values.yaml"}])
	ss := {"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret", "metadata": {"name": "podinfo-secret", "namespace": "apps"}, "spec": {"encryptedData": {"values.yaml": "AgB..."}}}
	count(gitops.deny_helm_values_from) == 0 with input as sealed with data.kvet.inventory as fx.inventory([ss])

	# a remote chart in the namespace could make it: a note
	remote := {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "config", "namespace": "apps"}, "spec": {"chart": {"spec": {"chart": "config", "sourceRef": {"kind": "HelmRepository", "name": "charts"}}}}}
	notes := gitops.deny_helm_values_from with input as hr with data.kvet.inventory as fx.inventory([remote])
	some n in notes
	n.note == true
}

test_helm_values_from_generated if {
	hr := helm_release([{"kind": "ConfigMap", "name": "podinfo-values"}])
	generated := values_cm("podinfo-values-5tdk2hm7bb", "apps", {"values.yaml": "replicaCount: 2"})
	bad := gitops.deny_helm_values_from with input as hr with data.kvet.inventory as fx.inventory([generated])
	some b in bad
	contains(b.msg, "the repository generates podinfo-values-5tdk2hm7bb")
}

test_helm_values_from_key if {
	cm := values_cm("podinfo-values", "apps", {"values.yaml": "replicaCount: 2", "prod.yaml": "replicaCount: 3"})
	ok := helm_release([{"kind": "ConfigMap", "name": "podinfo-values"}, {"kind": "ConfigMap", "name": "podinfo-values", "valuesKey": "prod.yaml"}])
	count(gitops.deny_helm_values_from) == 0 with input as ok with data.kvet.inventory as fx.inventory([cm])

	bad := gitops.deny_helm_values_from with input as helm_release([{"kind": "ConfigMap", "name": "podinfo-values", "valuesKey": "production.yaml"}]) with data.kvet.inventory as fx.inventory([cm])
	bad == {{"msg": "HelmRelease podinfo takes values from key \"production.yaml\" of ConfigMap podinfo-values in namespace \"apps\", which holds no such key (it holds prod.yaml, values.yaml)", "path": "spec.valuesFrom[0].valuesKey"}}

	# the default key
	other := values_cm("podinfo-values", "apps", {"config.yaml": "x: 1"})
	dflt := gitops.deny_helm_values_from with input as helm_release([{"kind": "ConfigMap", "name": "podinfo-values"}]) with data.kvet.inventory as fx.inventory([other])
	some d in dflt
	d.path == "spec.valuesFrom[0].name"
	contains(d.msg, "key \"values.yaml\"")
}
