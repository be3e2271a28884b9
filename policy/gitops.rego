# METADATA
# title: GitOps objects
# description: Argo CD and Flux objects must point at paths and sources that exist.
package kvet.gitops

import data.kvet.keys
import data.kvet.lib
import data.kvet.references

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
	some [field, p] in repo_paths
	data.kvet.repository.known
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

# --- helm-values-from ----------------------------------------------------------------------

# values_refs lists [index, ref, kind] of a HelmRelease's non-optional
# valuesFrom ConfigMaps and Secrets. helm-controller reads them in the
# HelmRelease's own namespace (valuesFrom has no namespace field) and fails
# the reconciliation when one, or its key, is missing, whatever the chart's
# source.
values_refs contains [i, ref, ref.kind] if {
	input.kind == "HelmRelease"
	startswith(input.apiVersion, "helm.toolkit.fluxcd.io/")
	some i, ref in input.spec.valuesFrom
	ref.kind in {"ConfigMap", "Secret"}
	not object.get(ref, "optional", false)
	is_string(ref.name)
	not contains(ref.name, "${")
}

# values_key is the key helm-controller reads (GetValuesKey).
values_key(ref) := object.get(ref, "valuesKey", "values.yaml") if object.get(ref, "valuesKey", "") != ""

else := "values.yaml"

# values_object_known holds when the repository defines the object (or
# something kvet knows makes it: a SealedSecret, an ExternalSecret, the
# platform, kvet.yaml externalResources).
values_object_known(kind, name) if count(keys.sources(kind, name)) > 0

values_object_known(kind, name) if references.resolved(kind, name)

# generated_names lists objects of kind in the HelmRelease's namespace
# whose name is name plus a kustomize generator's hash suffix.
generated_names(kind, name) := {n |
	some src in [lib.inventory, lib.cluster]
	some obj_ns, names in object.get(src, kind, {})
	obj_ns in {ns, ""}
	some n, _ in names
	startswith(n, sprintf("%s-", [name]))
	regex.match(`^[a-z0-9]{10}$`, substring(n, count(name) + 1, -1))
}

values_missing_msg(kind, name) := sprintf("HelmRelease %s takes values from %s %s%s, which no target of its cluster defines", [input.metadata.name, kind, name, lib.in_namespace(ns)]) if {
	count(generated_names(kind, name)) == 0
} else := sprintf("HelmRelease %s takes values from %s %s%s, which no target of its cluster defines; the repository generates %s: a configMapGenerator or secretGenerator adds a hash suffix that kustomize does not write into valuesFrom (set generatorOptions.disableNameSuffixHash: true, or use the generated name)", [input.metadata.name, kind, name, lib.in_namespace(ns), concat(", ", sort(generated_names(kind, name)))])

# values_made_by are the producers that could make the object, less the
# HelmRelease itself: its chart is installed only once its values resolve.
values_made_by(kind, name) := lib.could_be_made(kind, ns, name) - {sprintf("%s %s", [input.kind, input.metadata.name])}

# METADATA
# title: HelmRelease valuesFrom objects and keys must exist
# description: >-
#   helm-controller reads every valuesFrom ConfigMap or Secret from the HelmRelease's namespace and
#   fails to reconcile (for a chart of any source, this repository's or a remote one) when the object,
#   or its valuesKey (default values.yaml), is missing, unless the reference is optional: true. The
#   object may come from any target of the cluster, a SealedSecret or ExternalSecret, kvet.yaml
#   externalResources; one a producer kvet does not render could make (another remote chart, an
#   operator; not the HelmRelease's own chart, installed only once its values resolve) is a note. The
#   key is checked only where the repository defines every key of the object (as missing-key does) and
#   no such producer could make it.
# custom:
#   id: helm-values-from
#   severity: error
#   remediation: add the ConfigMap or Secret (and key) to the HelmRelease's namespace, fix kind, name or valuesKey, or mark the reference optional
deny_helm_values_from contains lib.reference_finding(
	values_missing_msg(kind, ref.name),
	sprintf("spec.valuesFrom[%d].name", [i]),
	values_made_by(kind, ref.name),
) if {
	some [i, ref, kind] in values_refs
	not values_object_known(kind, ref.name)
}

deny_helm_values_from contains lib.finding(
	sprintf("HelmRelease %s takes values from key %q of %s %s%s, which holds no such key (it holds %s)", [input.metadata.name, values_key(ref), kind, ref.name, lib.in_namespace(ns), keys.held(kind, ref.name)]),
	values_key_path(i, ref),
) if {
	some [i, ref, kind] in values_refs
	keys.key_absent(kind, ref.name, values_key(ref))
	count(values_made_by(kind, ref.name)) == 0
}

values_key_path(i, ref) := sprintf("spec.valuesFrom[%d].valuesKey", [i]) if ref.valuesKey

else := sprintf("spec.valuesFrom[%d].name", [i])
