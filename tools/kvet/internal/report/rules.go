package report

import (
	"cmp"
	"slices"
)

// RuleDoc documents one rule id for the formats that carry rule help
// (SARIF). Policy rules come from the Rego metadata; the build and schema
// rules kvet implements in Go are described by builtinRules.
type RuleDoc struct {
	ID       string
	Check    string
	Title    string
	Help     string
	Severity Severity
	// HelpURI points at the rule's documentation; empty means the default
	// documentation page of its check.
	HelpURI string
}

// DocsBaseURI is where the repository's documentation is published; SARIF
// viewers (GitHub code scanning) link rule help there.
const DocsBaseURI = "https://github.com/example/gitops-go-stack/blob/main/"

// builtinRules are the rules of the build and schema checks. Rules not
// listed here (new API-server rules, user policies without metadata) still
// get a generic description, so every finding has a rule.
var builtinRules = []RuleDoc{
	{ID: "build-failed", Check: CheckBuild, Title: "The target must build", Help: "kustomize could not build the target; the message carries kustomize's error and the entry it is about."},
	{ID: "missing-file", Check: CheckBuild, Title: "Referenced files must exist", Help: "a kustomization entry names a file or directory that does not exist; fix the path or add the file."},
	{ID: "yaml-syntax", Check: CheckBuild, Title: "YAML must be well formed", Help: "a YAML syntax error, a tab in indentation or a duplicate key; the finding points at the line."},
	{ID: "duplicate-key", Check: CheckBuild, Title: "Mapping keys must be unique", Help: "a key appears twice in one mapping: kustomize keeps one silently; remove the duplicate."},
	{ID: "patch-no-match", Check: CheckBuild, Title: "Patches must select an object", Help: "a patch whose target selects nothing is silently skipped by kustomize; fix the selector or remove the patch."},
	{ID: "replacement-no-match", Check: CheckBuild, Title: "Replacements must select an object", Help: "a replacement target that selects nothing is silently skipped by kustomize; fix the selector or remove the target."},
	{ID: "image-no-match", Check: CheckBuild, Title: "images entries must match an image", Help: "an images entry of the target's kustomization whose name matches no container image of the build is silently skipped by kustomize; use the image name the manifests use, or remove the entry."},
	{ID: "replicas-no-match", Check: CheckBuild, Title: "replicas entries must name a workload", Help: "a replicas entry whose name matches no Deployment, StatefulSet, ReplicaSet or ReplicationController of the build makes kustomize refuse the build; use the workload's name as its resources write it, or remove the entry."},
	{ID: "remote-resource", Check: CheckBuild, Title: "No remote bases", Help: "kvet never fetches over the network by default: vendor the base into the repository, or pass --allow-remote."},
	{ID: "helm-disabled", Check: CheckBuild, Title: "Helm is not run by default", Help: "helmCharts needs helm to run; render the chart into the repository or pass --enable-helm."},
	{ID: "plugin-disabled", Check: CheckBuild, Title: "Plugins are not run by default", Help: "KRM functions and legacy plugins execute programs; pass --enable-plugins to accept the risk."},
	{ID: "root-escape", Check: CheckBuild, Title: "Files must stay inside the kustomization root", Help: "kustomize only loads files inside the kustomization root; move the file or reference a kustomization directory."},
	{ID: "deprecated-field", Check: CheckBuild, Title: "No deprecated kustomization fields", Help: "kustomize still reads the field but warns that it is deprecated; move its entries to the replacement the message shows (`kustomize edit fix` does it)."},
	{ID: "rejected-kind", Check: CheckSchema, Title: "Rejected kinds", Help: "the run rejects this kind (--reject, as kubeconform's -reject); remove the object or stop rejecting its kind."},
	{ID: "internal-error", Check: CheckBuild, Title: "kvet crashed", Help: "kvet could not process this input; please report it with the input that caused it."},
	{ID: "unknown-field", Check: CheckSchema, Title: "Fields must exist in the schema", Help: "the field is not part of the object's schema (often a typo or a wrong indentation); the API server would drop or reject it."},
	{ID: "missing-field", Check: CheckSchema, Title: "Required fields must be set", Help: "the schema requires this field."},
	{ID: "invalid-type", Check: CheckSchema, Title: "Fields must have the schema's type", Help: "the value has the wrong type (string, integer, object, list)."},
	{ID: "invalid-value", Check: CheckSchema, Title: "Values must be allowed by the schema", Help: "the value is outside the schema's enum, pattern or range."},
	{ID: "no-schema", Check: CheckSchema, Title: "Every kind needs a schema", Help: "no bundled schema or CRD describes this kind; add its CRD (--crds, kvet.yaml crds) or declare it in externalKinds."},
	{ID: "removed-api", Check: CheckSchema, Title: "Removed API versions", Help: "the API version was removed from Kubernetes; move to the replacement the message names."},
	{ID: "deprecated-api", Check: CheckSchema, Title: "Deprecated API versions", Help: "the API version is deprecated and will be removed; move to the replacement."},
	{ID: "invalid-crd", Check: CheckSchema, Title: "CRDs must be valid", Help: "the CustomResourceDefinition cannot be converted into a schema."},
}

// ruleDocs returns the documentation of every rule r's findings use, in
// rule id order: r.Rules first, then the built-in table, then a generic
// entry so no finding is without a rule.
func ruleDocs(r *Report) []RuleDoc {
	known := map[string]RuleDoc{}
	for _, d := range builtinRules {
		known[d.ID] = d
	}
	for _, d := range r.Rules {
		known[d.ID] = d
	}
	used := map[string]RuleDoc{}
	for _, f := range r.Findings {
		if _, ok := used[f.Rule]; ok {
			continue
		}
		d, ok := known[f.Rule]
		if !ok {
			d = RuleDoc{ID: f.Rule, Check: f.Check, Title: f.Rule, Help: "kvet " + f.Check + " check " + f.Rule + "; the finding's message says what to change."}
		}
		if d.Check == "" {
			d.Check = f.Check
		}
		if d.HelpURI == "" {
			d.HelpURI = defaultHelpURI(d)
		}
		used[f.Rule] = d
	}
	out := make([]RuleDoc, 0, len(used))
	for _, d := range used {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b RuleDoc) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func defaultHelpURI(d RuleDoc) string {
	if d.Check == CheckPolicy {
		return DocsBaseURI + "docs/policies.md#" + d.ID
	}
	return DocsBaseURI + "README.md#kvet-command-line"
}
