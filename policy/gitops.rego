# METADATA
# title: GitOps objects
# description: Argo CD and Flux objects must point at paths and sources that exist.
package kvet.gitops

import data.kvet.lib

ns := lib.namespace(input)

# clean_path normalises a repository path: "./apps/web/" -> "apps/web", "" -> ".".
clean_path(p) := c if {
	c := trim_prefix(trim(p, "/"), "./")
	c != ""
	c != "."
} else := "."

this_repo(url) if count(data.kvet.repository.urls) == 0

this_repo(url) if trim_suffix(url, ".git") in {trim_suffix(u, ".git") | some u in data.kvet.repository.urls}

# git paths of Argo CD Applications (single or multi source) and Flux
# Kustomizations, as [field path, repository path].
repo_paths contains ["spec.source.path", input.spec.source.path] if {
	input.kind == "Application"
	startswith(input.apiVersion, "argoproj.io/")
	not input.spec.source.chart
	this_repo(input.spec.source.repoURL)
}

repo_paths contains [sprintf("spec.sources[%d].path", [i]), src.path] if {
	input.kind == "Application"
	startswith(input.apiVersion, "argoproj.io/")
	some i, src in input.spec.sources
	not src.chart
	this_repo(src.repoURL)
}

repo_paths contains ["spec.path", object.get(input.spec, "path", ".")] if {
	input.kind == "Kustomization"
	startswith(input.apiVersion, "kustomize.toolkit.fluxcd.io/")
	input.spec.sourceRef.kind == "GitRepository"
}

# METADATA
# title: GitOps paths must exist in the repository
# description: An Argo CD Application source path or a Flux Kustomization spec.path that is not a directory of the repository makes the sync fail. Paths with templates ({{...}}) are not checked.
# custom:
#   id: gitops-path
#   severity: error
#   remediation: fix the path (relative to the repository root) or add the directory
deny_gitops_path contains lib.finding(
	sprintf("%s %s points at path %q, which is not a directory of the repository", [input.kind, input.metadata.name, p]),
	field,
) if {
	data.kvet.repository.known
	some [field, p] in repo_paths
	not contains(p, "{{")
	not data.kvet.repository.dirs[clean_path(p)]
}

# --- flux-source-ref ---------------------------------------------------------------------

flux_source_refs contains ["spec.sourceRef", input.spec.sourceRef] if {
	input.kind == "Kustomization"
	startswith(input.apiVersion, "kustomize.toolkit.fluxcd.io/")
}

flux_source_refs contains ["spec.chart.spec.sourceRef", input.spec.chart.spec.sourceRef] if {
	input.kind == "HelmRelease"
	startswith(input.apiVersion, "helm.toolkit.fluxcd.io/")
}

flux_source_refs contains ["spec.chartRef", input.spec.chartRef] if {
	input.kind == "HelmRelease"
	startswith(input.apiVersion, "helm.toolkit.fluxcd.io/")
}

# METADATA
# title: Flux sources must be defined
# description: A Flux Kustomization or HelmRelease whose sourceRef names a GitRepository, OCIRepository, Bucket, HelmRepository or HelmChart that the target does not define never reconciles.
# custom:
#   id: flux-source-ref
#   severity: error
#   remediation: define the source object in the target, or fix sourceRef kind, name and namespace
deny_flux_source_ref contains lib.finding(
	sprintf("%s %s references %s %s/%s, which the target does not define", [input.kind, input.metadata.name, ref.kind, ref_ns, ref.name]),
	field,
) if {
	some [field, ref] in flux_source_refs
	ref_ns := object.get(ref, "namespace", ns)
	not lib.exists(ref.kind, ref_ns, ref.name)
}
