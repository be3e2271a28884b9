package gitops

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	fluxkustomize "github.com/fluxcd/pkg/kustomize"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/resource"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// Kustomization returns the kustomization the controller builds in dir,
// given the directory's own (existing, nil when it has none). nil means
// the directory is built as it is (generated when it has no kustomization).
func (e *EntryPoint) Kustomization(dir string, existing []byte) ([]byte, error) {
	switch {
	case e.Flux != nil:
		return e.fluxKustomization(dir)
	case e.Argo != nil:
		return e.Argo.kustomization(dir, existing)
	}
	return nil, nil
}

// Added returns where the i-th entry of field that the entry point added
// to the kustomization is written (its manifest and line).
func (e *EntryPoint) Added(field string, i int) (file string, line int) {
	src := e.Source
	if e.Flux != nil {
		switch field {
		case "patches":
			if l := lineAt(e.Flux.patchLines, i); l > 0 {
				src.Line = l
			}
		case "components":
			if l := lineAt(e.Flux.componentLines, i); l > 0 {
				src.Line = l
			}
		}
	}
	return src.File, src.Line
}

// Issue is a finding about the rendered object at Index (-1: the target).
type Issue struct {
	Index   int
	Finding report.Finding
}

// PostBuild applies what the controller does to the rendered objects after
// kustomize build, in place: Flux postBuild substitution then
// commonMetadata; Argo CD's destination namespace.
func (e *EntryPoint) PostBuild(objs []*kyaml.RNode) []Issue {
	var issues []Issue
	if e.Flux != nil {
		issues = append(issues, e.substitute(objs)...)
		if cm := e.Flux.CommonMetadata; cm != nil {
			for i, o := range objs {
				if err := mergeMeta(o, cm.Labels, cm.Annotations); err != nil {
					issues = append(issues, Issue{i, e.finding("build-failed", fmt.Sprintf("commonMetadata: %v", err), Source{})})
				}
			}
		}
	}
	if e.Argo != nil && e.Argo.DestinationNamespace != "" {
		for _, o := range objs {
			group, _, _ := strings.Cut(o.GetApiVersion(), "/")
			if !strings.Contains(o.GetApiVersion(), "/") {
				group = ""
			}
			cluster, known := e.Repo.clusterScoped(group, o.GetKind())
			switch {
			case known && cluster:
				_ = o.SetNamespace("")
			case o.GetNamespace() == "":
				_ = o.SetNamespace(e.Argo.DestinationNamespace)
			}
		}
	}
	return issues
}

// optedOut: labelled or annotated kustomize.toolkit.fluxcd.io/substitute:
// disabled, which SubstituteVariables leaves alone.
func optedOut(o *kyaml.RNode) bool {
	const key = "kustomize.toolkit.fluxcd.io/substitute"
	return o.GetLabels()[key] == fluxkustomize.DisabledValue || o.GetAnnotations()[key] == fluxkustomize.DisabledValue
}

func (e *EntryPoint) finding(rule, msg string, src Source) report.Finding {
	return report.Finding{Severity: report.SeverityError, Check: report.CheckBuild, Rule: rule, Message: msg,
		Source: report.Source{File: src.File, Line: src.Line}}
}

func mergeMeta(o *kyaml.RNode, labels, annos map[string]string) error {
	if len(labels) > 0 {
		l := o.GetLabels()
		for k, v := range labels {
			l[k] = v
		}
		if err := o.SetLabels(l); err != nil {
			return err
		}
	}
	if len(annos) > 0 {
		a := o.GetAnnotations()
		for k, v := range annos {
			a[k] = v
		}
		return o.SetAnnotations(a)
	}
	return nil
}

// vars resolves postBuild values: substituteFrom in order (later sources
// win), then substitute. missing lists the non-optional sources that are
// not in the repository.
func (e *EntryPoint) vars() (vars map[string]string, missing []string, issues []Issue) {
	pb := e.Flux.PostBuild
	vars = map[string]string{}
	for i, ref := range pb.SubstituteFrom {
		if ref.Kind != "ConfigMap" && ref.Kind != "Secret" {
			continue
		}
		vals, ok := e.Repo.values(ref.Kind, e.Namespace, ref.Name)
		if !ok {
			if !ref.Optional {
				missing = append(missing, ref.Kind+"/"+ref.Name)
				src := e.Source
				if l := lineAt(e.Flux.substFromLines, i); l > 0 {
					src.Line = l
				}
				f := e.finding("substitute-from-not-found", fmt.Sprintf(
					"%s substitutes variables from %s %s/%s, which is not in the repository: kvet cannot check its values (mark it optional: true, or add it to the repository)",
					e.Describe(), ref.Kind, e.Namespace, ref.Name), src)
				f.Severity = report.SeverityWarning
				issues = append(issues, Issue{-1, f})
			}
			continue
		}
		for k, v := range vals {
			vars[k] = v
		}
	}
	for k, v := range pb.Substitute {
		vars[k] = strings.ReplaceAll(v, "\n", "")
	}
	return vars, missing, issues
}

func (e *EntryPoint) substitute(objs []*kyaml.RNode) []Issue {
	pb := e.Flux.PostBuild
	if pb == nil {
		return nil
	}
	vars, missing, issues := e.vars()
	if len(vars) == 0 && pb.SubstituteStrategy != "Always" {
		return issues // the controller substitutes only when it has variables
	}
	// The controller's own substitution (fluxcd/pkg/kustomize), with the
	// values kvet resolved from the repository passed inline: dry-run mode
	// reads no cluster.
	subst := map[string]any{}
	for k, v := range vars {
		subst[k] = v
	}
	kust := unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{"postBuild": map[string]any{"substitute": subst}}}}
	opts := []fluxkustomize.SubstituteOption{
		fluxkustomize.SubstituteWithDryRun(true),
		fluxkustomize.SubstituteWithAlways(pb.SubstituteStrategy == "Always"),
	}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	for i, o := range objs {
		if optedOut(o) {
			continue // the library skips it too; never parse what it skips
		}
		res := &resource.Resource{RNode: *o}
		y, err := res.AsYAML()
		if err != nil {
			issues = append(issues, Issue{i, e.finding("build-failed", err.Error(), Source{})})
			continue
		}
		var unset []string
		if bytes.Contains(y, []byte("${")) {
			if unset, err = Unset(string(y), lookup); err != nil {
				issues = append(issues, Issue{i, e.finding("substitution-failed", fmt.Sprintf(
					"postBuild substitution of %s fails (%v): the controller rejects the whole build; escape a literal ${ as $${", e.Describe(), err), Source{})})
				continue
			}
		}
		out, err := fluxkustomize.SubstituteVariables(context.Background(), nil, kust, res, opts...)
		if err != nil {
			issues = append(issues, Issue{i, e.finding("substitution-failed", fmt.Sprintf(
				"postBuild substitution of %s fails: %v", e.Describe(), err), Source{})})
			continue
		}
		if out == nil {
			continue // labelled or annotated kustomize.toolkit.fluxcd.io/substitute: disabled
		}
		for _, name := range unset {
			f := e.finding("unset-variable", fmt.Sprintf(
				"variable ${%s} has no value and no default in %s: kustomize-controller fails the build (strict substitution, its default since v1.9); set it in postBuild.substitute or substituteFrom, give a default (${%s:=value}), or escape it ($${%s})",
				name, e.Describe(), name, name), Source{})
			if len(missing) > 0 {
				f.Severity = report.SeverityWarning
				f.Message += fmt.Sprintf(" (it may come from %s, which kvet cannot see)", strings.Join(missing, ", "))
			}
			issues = append(issues, Issue{i, f})
		}
		o.SetYNode(out.YNode())
	}
	slices.SortStableFunc(issues, func(a, b Issue) int { return a.Index - b.Index })
	return issues
}
