package runner

import (
	"path/filepath"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// dependsOn checks the Flux dependsOn graph of each cluster, over the
// Kustomizations and HelmReleases as applied (namespaces after kustomize
// and targetNamespace), and keeps the findings about manifests under the
// validated paths. views[i] is the cluster of results[i] (nil: alone).
func dependsOn(opts Options, repo *gitops.Repo, results []built, views []*Cluster) []report.Finding {
	var prefixes []string
	for _, p := range opts.Paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		r := repoPath(opts.Root, abs)
		if r == "." {
			prefixes = nil
			break
		}
		prefixes = append(prefixes, r+"/")
	}
	under := func(file string) bool {
		if len(prefixes) == 0 {
			return true
		}
		for _, p := range prefixes {
			if strings.HasPrefix(file, p) {
				return true
			}
		}
		return false
	}
	if len(opts.Paths) == 0 {
		under = nil
	}
	seen := map[string]bool{}
	done := map[*Cluster]bool{}
	var out []report.Finding
	add := func(fs []report.Finding, keep func(report.Finding) bool) {
		for _, f := range fs {
			key := f.Rule + "\x00" + f.Source.File + "\x00" + f.Message
			if seen[key] || (under != nil && !under(f.Source.File)) || !keep(f) {
				continue
			}
			seen[key] = true
			f.Target = "."
			out = append(out, f.WithOrder(-1))
		}
	}
	all := func(report.Finding) bool { return true }
	var rendered []gitops.FluxObject
	for i, b := range results {
		objs := []Object(nil)
		if v := views[i]; v != nil {
			if done[v] {
				continue
			}
			done[v] = true
			objs = v.Objects()
		} else if rendersFlux(b) {
			objs = decodeObjects(opts.Root, b)
		}
		fo := fluxObjects(objs)
		rendered = append(rendered, fo...)
		add(repo.DependsOnObjects(fo), all)
	}
	// Manifests no target renders (a directory nothing builds) are checked
	// against the whole repository, as written.
	isRendered := map[string]bool{}
	for _, o := range rendered {
		isRendered[o.Source.File+"#"+o.Kind+"/"+o.Name] = true
	}
	var unrendered []gitops.FluxObject
	for _, o := range repo.FluxManifests() {
		if !isRendered[o.Source.File+"#"+o.Kind+"/"+o.Name] {
			unrendered = append(unrendered, o)
		}
	}
	if len(unrendered) > 0 {
		add(repo.DependsOnObjects(append(unrendered, rendered...)), func(f report.Finding) bool {
			return !isRendered[f.Source.File+"#"+f.Resource.Kind+"/"+f.Resource.Name]
		})
	}
	return out
}

// fluxObjects picks the Flux Kustomizations and HelmReleases of objs.
func fluxObjects(objs []Object) []gitops.FluxObject {
	var out []gitops.FluxObject
	for _, o := range objs {
		group, _, _ := strings.Cut(o.Resource.APIVersion, "/")
		if (group != "kustomize.toolkit.fluxcd.io" || o.Resource.Kind != "Kustomization") &&
			(group != "helm.toolkit.fluxcd.io" || o.Resource.Kind != "HelmRelease") {
			continue
		}
		spec, _ := o.Body["spec"].(map[string]any)
		deps, _ := spec["dependsOn"].([]any)
		fo := gitops.FluxObject{Kind: o.Resource.Kind, Namespace: o.Resource.Namespace, Name: o.Resource.Name,
			Source: gitops.Source{File: o.Source.File, Line: o.Source.Line}}
		for _, d := range deps {
			m, _ := d.(map[string]any)
			name, _ := m["name"].(string)
			ns, _ := m["namespace"].(string)
			fo.Deps = append(fo.Deps, gitops.DependencyRef{Name: name, Namespace: ns})
		}
		out = append(out, fo)
	}
	return out
}

// rendersFlux reports whether a build holds a Kustomization or HelmRelease
// (the only objects with dependsOn), before anything is decoded.
func rendersFlux(b built) bool {
	if b.result == nil {
		return false
	}
	for _, o := range b.result.Objects {
		if o.Resource.Kind == "Kustomization" || o.Resource.Kind == "HelmRelease" {
			return true
		}
	}
	return false
}
