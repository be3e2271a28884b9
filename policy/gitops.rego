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

this_repo(url) := lib.this_repo_url(url)

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

# A Flux Kustomization's path is in its source's artifact: checked only
# when that source is this repository (the bootstrap source, or a
# GitRepository of the cluster whose URL is this repository's).
repo_paths contains ["spec.path", object.get(input.spec, "path", ".")] if {
	input.kind == "Kustomization"
	startswith(input.apiVersion, "kustomize.toolkit.fluxcd.io/")
	ref := input.spec.sourceRef
	lib.flux_source_is_this_repo(ref.kind, object.get(ref, "namespace", ns), ref.name)
}

# METADATA
# title: GitOps paths must exist in the repository
# description: An Argo CD Application source path or a Flux Kustomization spec.path that is not a directory of the repository makes the sync fail. Only paths in this repository are checked (the bootstrap source, a Git URL that is a remote of the checkout or in kvet.yaml repositoryURLs); paths with templates ({{...}}) or variables (${VAR}) are not.
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
	not contains(p, "${")
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

# source_ns is the namespace a sourceRef resolves in: its own, else the
# referring object's namespace as applied ("" when kvet cannot tell).
source_ns(ref) := object.get(ref, "namespace", ns)

# METADATA
# title: Flux sources must be defined
# description: >-
#   A Flux Kustomization or HelmRelease whose sourceRef names a GitRepository, OCIRepository, Bucket,
#   HelmRepository or HelmChart that no target of its cluster defines never reconciles. The bootstrap
#   source (<ns>/<ns>, created by flux bootstrap or a FluxInstance) always exists.
# custom:
#   id: flux-source-ref
#   severity: error
#   remediation: define the source object in the cluster, or fix sourceRef kind, name and namespace
deny_flux_source_ref contains lib.reference_finding(
	sprintf("%s %s references %s %s, which no target of its cluster defines", [input.kind, input.metadata.name, ref.kind, ref_name(ref)]),
	field,
	lib.could_be_made(ref.kind, source_ns(ref), ref.name),
) if {
	some [field, ref] in flux_source_refs
	not lib.bootstrap_source(ref.kind, source_ns(ref), ref.name)
	not lib.defined(ref.kind, source_ns(ref), ref.name)
}

ref_name(ref) := sprintf("%s/%s", [source_ns(ref), ref.name]) if source_ns(ref) != ""

else := ref.name
