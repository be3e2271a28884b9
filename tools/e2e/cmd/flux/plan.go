package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/example/gitops-go-stack/tools/e2e/internal/kvetcli"
)

// ExpectAnnotation declares, on a corpus Kustomization, what the controller
// does with it: "ready", or "fail: <Reason> <why>" with the Ready condition's
// reason (BuildFailed, ReconciliationFailed, ArtifactFailed, DependencyNotReady).
const ExpectAnnotation = "conformance.kvet.dev/expect"

const fluxGroup = "kustomize.toolkit.fluxcd.io"

type finding struct {
	Target   string   `json:"target"`
	Targets  []string `json:"targets"`
	Severity string   `json:"severity"`
	Check    string   `json:"check"`
	Rule     string   `json:"rule"`
	Resource struct {
		Kind      string `json:"kind"`
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
	} `json:"resource"`
	Message string `json:"message"`
}

type kvetReport struct {
	Targets []struct {
		Path  string `json:"path"`
		Error string `json:"error"`
	} `json:"targets"`
	Findings []finding `json:"findings"`
}

// entry is one Flux Kustomization entry point as kvet sees it.
type entry struct {
	target, file, namespace, name string
	doc                           map[string]any   // the object as written in its file
	rendered                      []map[string]any // kvet render
	renderErr                     string
	fatal                         []finding // kvet errors on the entry point
	expect                        string
	child                         bool     // applied by another entry of the group
	parents                       []string // keys of the entries that apply it
}

func (e *entry) key() string { return e.namespace + "/" + e.name }

// group is what one test cluster reconciles: a Flux cluster of the
// repository, or the fixture corpus.
type group struct {
	name    string
	entries []*entry
	sources map[string]map[string]any // GitRepository ns/name -> object
}

func (g *group) roots() []*entry {
	var out []*entry
	for _, e := range g.entries {
		if !e.child {
			out = append(out, e)
		}
	}
	return out
}

func runKvet(o options, args ...string) ([]byte, error) { return kvetcli.Run(o.kvet, o.repo, args...) }

var (
	decodeObjects = kvetcli.DecodeObjects
	str           = kvetcli.Str
)

func apiGroup(apiVersion string) string {
	if i := strings.Index(apiVersion, "/"); i >= 0 {
		return apiVersion[:i]
	}
	return ""
}

func isFluxKustomization(m map[string]any) bool {
	return str(m, "kind") == "Kustomization" && apiGroup(str(m, "apiVersion")) == fluxGroup
}

// planGroups asks kvet for the entry points and their renders and splits
// them into groups.
func planGroups(o options) ([]*group, error) {
	var paths []string
	if !o.corpusOnly {
		paths = append(paths, ".")
	}
	if _, err := os.Stat(filepath.Join(o.repo, o.corpus)); err == nil {
		paths = append(paths, o.corpus)
	}
	byName := map[string]*group{}
	var order []string
	for _, p := range paths {
		args := []string{"validate", "-o", "json"}
		if cfg := filepath.Join(p, "kvet.yaml"); p == o.corpus && exists(filepath.Join(o.repo, cfg)) {
			// The repository's kvet.yaml excludes tools/.
			args = append(args, "--config", cfg)
		}
		out, err := runKvet(o, append(args, p)...)
		if err != nil {
			return nil, err
		}
		var rep kvetReport
		if err := json.Unmarshal(out, &rep); err != nil {
			return nil, fmt.Errorf("kvet validate %s: bad JSON report: %w", p, err)
		}
		for _, t := range rep.Targets {
			file, ns, name, ok := parseTarget(t.Path)
			if !ok {
				continue
			}
			gname := groupOf(o, file)
			if gname == "" {
				continue
			}
			g := byName[gname]
			if g == nil {
				g = &group{name: gname, sources: map[string]map[string]any{}}
				byName[gname] = g
				order = append(order, gname)
			}
			if g.find(ns, name) != nil {
				continue // seen through another path
			}
			e := &entry{target: t.Path, file: file, namespace: ns, name: name, renderErr: t.Error}
			for _, f := range rep.Findings {
				if f.Severity != "error" || !(f.on(t.Path) || f.about(ns, name)) {
					continue
				}
				if f.Check != "policy" { // policies are the repository's choices, not the controller's
					e.fatal = append(e.fatal, f)
				}
			}
			if err := e.load(o); err != nil {
				return nil, err
			}
			g.entries = append(g.entries, e)
		}
	}
	var groups []*group
	for _, n := range order {
		g := byName[n]
		sort.Slice(g.entries, func(i, j int) bool { return g.entries[i].target < g.entries[j].target })
		children := map[string]bool{}
		parents := map[string][]string{}
		for _, e := range g.entries {
			for _, m := range e.rendered {
				if isFluxKustomization(m) {
					k := str(m, "metadata", "namespace") + "/" + str(m, "metadata", "name")
					children[k] = children[k] || k != e.key() // a Kustomization that applies itself is still a root
					if k != e.key() {
						parents[k] = append(parents[k], e.key())
					}
				}
			}
		}
		for _, e := range g.entries {
			e.child = children[e.key()]
			e.parents = parents[e.key()]
		}
		if err := g.findSources(o); err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func (f finding) on(target string) bool {
	if f.Target == target {
		return true
	}
	for _, t := range f.Targets {
		if t == target {
			return true
		}
	}
	return false
}

// about: a dependsOn finding is reported on the Kustomization object,
// for the tree that holds it, not on the entry point's target.
func (f finding) about(ns, name string) bool {
	return strings.HasPrefix(f.Rule, "depends-on-") && f.Resource.Kind == "Kustomization" &&
		f.Resource.Namespace == ns && f.Resource.Name == name
}

func (g *group) find(ns, name string) *entry {
	for _, e := range g.entries {
		if e.namespace == ns && e.name == name {
			return e
		}
	}
	return nil
}

// parseTarget splits FILE#Kustomization/ns/name.
func parseTarget(t string) (file, ns, name string, ok bool) {
	i := strings.Index(t, "#Kustomization/")
	if i < 0 {
		return "", "", "", false
	}
	parts := strings.Split(t[i+len("#Kustomization/"):], "/")
	if len(parts) != 2 {
		return "", "", "", false
	}
	return t[:i], parts[0], parts[1], true
}

// groupOf is the cluster an entry file belongs to: clusters/<name> of the
// repository, or the corpus.
func groupOf(o options, file string) string {
	if strings.HasPrefix(file, o.corpus+"/") {
		return o.corpus
	}
	parts := strings.Split(file, "/")
	if len(parts) >= 3 && parts[0] == "clusters" {
		return "clusters/" + parts[1]
	}
	return ""
}

// load reads the entry's object from its file and kvet's render of it.
func (e *entry) load(o options) error {
	data, err := os.ReadFile(filepath.Join(o.repo, e.file))
	if err != nil {
		return err
	}
	docs, err := decodeObjects(data)
	if err != nil {
		return fmt.Errorf("%s: %w", e.file, err)
	}
	for _, d := range docs {
		if isFluxKustomization(d) && str(d, "metadata", "name") == e.name {
			ns := str(d, "metadata", "namespace")
			if ns == "" || ns == e.namespace {
				e.doc = d
				e.expect = str(d, "metadata", "annotations", ExpectAnnotation)
			}
		}
	}
	if e.doc == nil {
		return fmt.Errorf("%s: Kustomization %s not found in its file", e.target, e.key())
	}
	if e.renderErr != "" {
		return nil
	}
	out, err := runKvet(o, "render", e.target)
	if err != nil {
		e.renderErr = err.Error()
		return nil
	}
	e.rendered, err = decodeObjects(out)
	if err != nil {
		e.renderErr = err.Error()
	}
	return nil
}

// findSources finds the GitRepository objects the group's Kustomizations
// name, in the entry files or in what the entry points render.
func (g *group) findSources(o options) error {
	var pool []map[string]any
	// Every manifest of the group's directory (the corpus keeps its source
	// in a file of its own), then the entry files and renders.
	_ = filepath.WalkDir(filepath.Join(o.repo, g.name), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(p) != ".yaml" && filepath.Ext(p) != ".yml") {
			return nil
		}
		if data, err := os.ReadFile(p); err == nil {
			if docs, err := decodeObjects(data); err == nil {
				pool = append(pool, docs...)
			}
		}
		return nil
	})
	for _, e := range g.entries {
		data, err := os.ReadFile(filepath.Join(o.repo, e.file))
		if err != nil {
			return err
		}
		docs, _ := decodeObjects(data)
		pool = append(pool, docs...)
		pool = append(pool, e.rendered...)
	}
	for _, e := range g.entries {
		kind := str(e.doc, "spec", "sourceRef", "kind")
		if kind != "GitRepository" {
			continue
		}
		ns := str(e.doc, "spec", "sourceRef", "namespace")
		if ns == "" {
			ns = e.namespace
		}
		name := str(e.doc, "spec", "sourceRef", "name")
		key := ns + "/" + name
		if g.sources[key] != nil {
			continue
		}
		for _, d := range pool {
			if str(d, "kind") == "GitRepository" && str(d, "metadata", "name") == name &&
				(str(d, "metadata", "namespace") == ns || str(d, "metadata", "namespace") == "") {
				g.sources[key] = d
				break
			}
		}
		if g.sources[key] == nil {
			return fmt.Errorf("%s: GitRepository %s not found in the group", e.target, key)
		}
	}
	return nil
}
