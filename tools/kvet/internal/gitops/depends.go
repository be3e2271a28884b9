package gitops

import (
	"fmt"
	"slices"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// fluxObject is a Flux Kustomization or HelmRelease and what it depends on.
type fluxObject struct {
	kind, namespace, name string
	source                Source
	deps                  []DependencyRef
	depLines              []int
}

func (o fluxObject) key() string { return o.kind + "/" + o.namespace + "/" + o.name }

func (r *Repo) addFlux(node *yaml3.Node, file, kind, namespace, name string) {
	o := fluxObject{kind: kind, namespace: namespace, name: name, source: Source{File: file, Line: node.Line}}
	if k := lookup(node, "kind"); k != nil {
		o.source.Line = k.Line
	}
	if spec := lookup(node, "spec"); spec != nil {
		if d := lookup(spec, "dependsOn"); d != nil {
			_ = d.Decode(&o.deps)
		}
		o.depLines = itemLines(spec, "dependsOn")
	}
	r.flux = append(r.flux, o)
}

// DependsOn checks the dependsOn graphs of the repository's Flux
// Kustomizations (on Kustomizations) and HelmReleases (on HelmReleases):
// a dependency that no manifest of the repository defines
// (depends-on-missing) and cycles (depends-on-cycle) are errors, which
// the controllers would wait on forever. Findings carry no target; under
// filters them by repository-relative file (nil: all).
func (r *Repo) DependsOn(under func(file string) bool) []report.Finding {
	r.load()
	return dependsOn(r.flux, under)
}

// FluxObject is a rendered Flux Kustomization or HelmRelease as applied
// (namespace after kustomize and targetNamespace; "" when nothing sets one).
type FluxObject struct {
	Kind, Namespace, Name string
	// Source is the repository-relative manifest and the object's line.
	Source Source
	Deps   []DependencyRef
}

// DependsOnObjects checks the dependsOn graph of the Flux objects one
// cluster applies (as DependsOn does for the manifests as written). A
// dependency without namespace is looked up in the object's namespace; an
// object whose namespace kvet cannot tell matches by name in any
// namespace. Findings point at the dependsOn entries' lines.
func (r *Repo) DependsOnObjects(objs []FluxObject) []report.Finding {
	r.load()
	lines := map[string][]int{}
	for _, o := range r.flux {
		lines[o.source.File+"#"+o.kind+"/"+o.name] = o.depLines
	}
	flux := make([]fluxObject, 0, len(objs))
	for _, o := range objs {
		flux = append(flux, fluxObject{kind: o.Kind, namespace: o.Namespace, name: o.Name, source: o.Source,
			deps: o.Deps, depLines: lines[o.Source.File+"#"+o.Kind+"/"+o.Name]})
	}
	return dependsOn(flux, nil)
}

// FluxManifests returns the Kustomizations and HelmReleases of the
// repository's manifests as written (namespace as the manifest sets it).
func (r *Repo) FluxManifests() []FluxObject {
	r.load()
	out := make([]FluxObject, 0, len(r.flux))
	for _, o := range r.flux {
		out = append(out, FluxObject{Kind: o.kind, Namespace: o.namespace, Name: o.name, Source: o.source, Deps: o.deps})
	}
	return out
}

func dependsOn(flux []fluxObject, under func(file string) bool) []report.Finding {
	defined := map[string]bool{}
	byName := map[string]string{} // "Kind/name" -> a key, for unknown namespaces
	for _, o := range flux {
		defined[o.key()] = true
		byName[o.kind+"/"+o.name] = o.key()
	}
	resolve := func(kind, ns, name string) (string, bool) {
		if ns == "" {
			k, ok := byName[kind+"/"+name]
			return k, ok
		}
		k := kind + "/" + ns + "/" + name
		if defined[k] {
			return k, true
		}
		// An object of that name whose namespace kvet cannot tell.
		if defined[kind+"//"+name] {
			return kind + "//" + name, true
		}
		return k, false
	}
	edges := map[string][]string{}
	var out []report.Finding
	for _, o := range flux {
		for i, d := range o.deps {
			ns := d.Namespace
			if ns == "" {
				ns = o.namespace
			}
			if d.Name == "" {
				continue
			}
			to, ok := resolve(o.kind, ns, d.Name)
			if !ok {
				out = append(out, depFinding(o, i, "depends-on-missing", fmt.Sprintf(
					"%s %s depends on %s %s, which no manifest of its cluster defines: the controller waits for it forever; fix the name or namespace, or remove the entry",
					o.kind, nsName(SourceRef{Namespace: o.namespace, Name: o.name}, ""), o.kind, nsName(SourceRef{Namespace: ns, Name: d.Name}, ""))))
				continue
			}
			if !slices.Contains(edges[o.key()], to) {
				edges[o.key()] = append(edges[o.key()], to)
			}
		}
	}
	byKey := map[string]fluxObject{}
	for _, o := range flux {
		if _, ok := byKey[o.key()]; !ok {
			byKey[o.key()] = o
		}
	}
	for _, cycle := range cycles(edges) {
		o := byKey[cycle[0]]
		next := cycle[(1)%len(cycle)]
		idx := -1
		for i, d := range o.deps {
			ns := d.Namespace
			if ns == "" {
				ns = o.namespace
			}
			if to, _ := resolve(o.kind, ns, d.Name); to == next {
				idx = i
				break
			}
		}
		out = append(out, depFinding(o, idx, "depends-on-cycle", fmt.Sprintf(
			"dependsOn cycle %s -> %s: none of them can ever become ready; break the cycle",
			strings.Join(cycle, " -> "), cycle[0])))
	}
	if under != nil {
		out = slices.DeleteFunc(out, func(f report.Finding) bool { return !under(f.Source.File) })
	}
	return out
}

func depFinding(o fluxObject, i int, rule, msg string) report.Finding {
	line := o.source.Line
	if l := lineAt(o.depLines, i); l > 0 {
		line = l
	}
	api := "kustomize.toolkit.fluxcd.io/v1"
	if o.kind == "HelmRelease" {
		api = "helm.toolkit.fluxcd.io/v2"
	}
	return report.Finding{Severity: report.SeverityError, Check: report.CheckBuild, Rule: rule, Message: msg,
		Resource: report.Resource{APIVersion: api, Kind: o.kind, Namespace: o.namespace, Name: o.name},
		Path:     "spec.dependsOn", Source: report.Source{File: o.source.File, Line: line}}
}

// cycles returns each elementary cycle once, starting at its smallest key
// (strongly connected components of more than one node, or a self-loop).
func cycles(edges map[string][]string) [][]string {
	keys := make([]string, 0, len(edges))
	for k := range edges {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	index, low := map[string]int{}, map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var out [][]string
	n := 0
	var strong func(v string)
	strong = func(v string) {
		index[v], low[v] = n, n
		n++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range edges[v] {
			if _, seen := index[w]; !seen {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var comp []string
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			if len(comp) > 1 || slices.Contains(edges[v], v) {
				out = append(out, orderCycle(comp, edges))
			}
		}
	}
	for _, k := range keys {
		if _, seen := index[k]; !seen {
			strong(k)
		}
	}
	return out
}

// orderCycle lists a component from its smallest key along its edges.
func orderCycle(comp []string, edges map[string][]string) []string {
	slices.Sort(comp)
	in := map[string]bool{}
	for _, c := range comp {
		in[c] = true
	}
	out := []string{comp[0]}
	seen := map[string]bool{comp[0]: true}
	for cur := comp[0]; ; {
		next := ""
		for _, w := range edges[cur] {
			if in[w] && !seen[w] {
				next = w
				break
			}
		}
		if next == "" {
			return out
		}
		out = append(out, next)
		seen[next] = true
		cur = next
	}
}

// nsName is "namespace/name", or "name" when the namespace is not known.
func nsName(ref SourceRef, def string) string {
	ns := ref.Namespace
	if ns == "" {
		ns = def
	}
	if ns == "" {
		return ref.Name
	}
	return ns + "/" + ref.Name
}
