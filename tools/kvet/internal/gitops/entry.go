// Package gitops renders a target the way the GitOps controllers that
// reach it do: Flux kustomize-controller (generated kustomization, the
// Kustomization's transformations, commonMetadata, postBuild variable
// substitution) and Argo CD (spec.source.kustomize, destination
// namespace), and checks Flux dependsOn graphs.
//
// Everything happens in memory: kustomization files are rewritten as the
// controllers rewrite them in their own checkout, and handed to the
// builder, which never writes to the tree.
package gitops

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
)

// Source is a place in the repository: a repository-relative file and a
// 1-based line (0 when unknown).
type Source struct {
	File string
	Line int
}

// EntryPoint is one Flux Kustomization, Argo CD Application, or Application
// an ApplicationSet generates, and the directory it builds.
type EntryPoint struct {
	// Source is the manifest and the line of the document's kind.
	Source Source
	// Kind, Namespace and Name identify the object; App is the name of the
	// Application an ApplicationSet generates ("" otherwise).
	Kind, Namespace, Name, App string
	// Path is the repository-relative directory built.
	Path string
	// Recurse: a plain directory is read recursively (Flux always, Argo CD
	// with directory.recurse).
	Recurse bool
	// Flux is set for a Flux Kustomization, Argo for an Argo CD Application.
	Flux *FluxSpec
	Argo *ArgoSpec
	// Helm is set for a Flux HelmRelease (helm.go).
	Helm *HelmSpec
	// Root is the repository root (absolute) the paths are relative to.
	Root string
	// Repo finds substituteFrom values and resource scopes; nil disables
	// substituteFrom lookups (every source counts as not found).
	Repo *Repo
}

// ID names the entry point in reports: file#Kind/namespace/name (no
// namespace segment when the manifest sets none), plus
// "/Application/name" for an Application an ApplicationSet generates.
func (e *EntryPoint) ID() string {
	id := e.Source.File + "#" + e.Kind + "/"
	if e.Namespace != "" {
		id += e.Namespace + "/"
	}
	id += e.Name
	if e.App != "" {
		id += "/Application/" + e.App
	}
	return id
}

// Describe is how findings name the entry point: "Flux Kustomization flux-system/apps".
func (e *EntryPoint) Describe() string {
	who := "Argo CD " + e.Kind
	if e.Flux != nil || e.Helm != nil {
		who = "Flux " + e.Kind
	}
	ns := ""
	if e.Namespace != "" {
		ns = e.Namespace + "/"
	}
	s := who + " " + ns + e.Name
	if e.App != "" {
		s += " (Application " + e.App + ")"
	}
	return s
}

const (
	fluxKustomizeGroup = "kustomize.toolkit.fluxcd.io"
	argoGroup          = "argoproj.io"
)

// Parse returns the entry points declared in one manifest file (absolute
// path); root is the repository root. Files that do not parse give none:
// the build that reads them reports the syntax error.
func Parse(root, file string, repo *Repo) []EntryPoint {
	b, err := os.ReadFile(file)
	if err != nil || (!bytes.Contains(b, []byte(argoGroup)) && !bytes.Contains(b, []byte(fluxKustomizeGroup)) && !bytes.Contains(b, []byte(fluxHelmGroup))) {
		return nil
	}
	relFile := rel(root, file)
	var out []EntryPoint
	dec := yaml3.NewDecoder(bytes.NewReader(b))
	for {
		var node yaml3.Node
		if err := dec.Decode(&node); err != nil {
			if err == io.EOF {
				break
			}
			break
		}
		var doc document
		if err := node.Decode(&doc); err != nil {
			continue
		}
		line := node.Line
		if k := lookup(&node, "kind"); k != nil {
			line = k.Line
		}
		base := EntryPoint{Source: Source{File: relFile, Line: line}, Kind: doc.Kind,
			Namespace: doc.Metadata.Namespace, Name: doc.Metadata.Name, Root: root, Repo: repo}
		group, _, _ := strings.Cut(doc.APIVersion, "/")
		switch {
		case group == fluxKustomizeGroup && doc.Kind == "Kustomization":
			var spec FluxSpec
			if s := lookup(&node, "spec"); s != nil {
				if err := s.Decode(&spec); err != nil {
					continue
				}
				spec.lines(s, relFile)
			}
			e := base
			e.Path, e.Recurse, e.Flux = clean(spec.Path), true, &spec
			out = append(out, e)
		case group == fluxHelmGroup && doc.Kind == "HelmRelease":
			if e, ok := parseHelmRelease(base, lookup(&node, "spec"), relFile); ok {
				out = append(out, e)
			}
		case group == argoGroup && doc.Kind == "Application":
			var spec argoAppSpec
			if s := lookup(&node, "spec"); s != nil {
				if err := s.Decode(&spec); err != nil {
					continue
				}
			}
			out = append(out, spec.entries(base)...)
		case group == argoGroup && doc.Kind == "ApplicationSet":
			var spec appSetSpec
			if s := lookup(&node, "spec"); s != nil {
				if err := s.Decode(&spec); err != nil {
					continue
				}
			}
			out = append(out, spec.entries(root, base)...)
		}
	}
	return out
}

type document struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
}

// lookup returns the value of key in a mapping node (or document).
func lookup(n *yaml3.Node, key string) *yaml3.Node {
	if n.Kind == yaml3.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml3.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// itemLines returns the lines of the items of the sequence at key.
func itemLines(n *yaml3.Node, key string) []int {
	s := lookup(n, key)
	if s == nil || s.Kind != yaml3.SequenceNode {
		return nil
	}
	out := make([]int, len(s.Content))
	for i, it := range s.Content {
		out[i] = it.Line
	}
	return out
}

func clean(p string) string {
	c := strings.TrimPrefix(path.Clean("/"+p), "/")
	if c == "" {
		return "."
	}
	return c
}

func rel(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

// argoSource is an Argo CD Application source.
type argoSource struct {
	Path      string `yaml:"path"`
	Directory *struct {
		Recurse bool `yaml:"recurse"`
	} `yaml:"directory"`
	Kustomize *ArgoKustomize `yaml:"kustomize"`
	Helm      *ArgoHelm      `yaml:"helm"`
	Chart     string         `yaml:"chart"`
}

// explicitType is the source type an explicit block names ("" for none).
func (s *argoSource) explicitType() string {
	switch {
	case s.Helm != nil:
		return ArgoHelmSource
	case s.Kustomize != nil:
		return ArgoKustomizeSource
	case s.Directory != nil:
		return ArgoDirectorySource
	}
	return ""
}

type argoAppSpec struct {
	Source      *argoSource  `yaml:"source"`
	Sources     []argoSource `yaml:"sources"`
	Destination struct {
		Namespace string `yaml:"namespace"`
	} `yaml:"destination"`
}

func (s *argoAppSpec) entries(base EntryPoint) []EntryPoint {
	var out []EntryPoint
	srcs := s.Sources
	if s.Source != nil {
		srcs = append([]argoSource{*s.Source}, srcs...)
	}
	for _, src := range srcs {
		if src.Path == "" || src.Chart != "" {
			continue
		}
		e := base
		e.Path, e.Recurse = clean(src.Path), src.Directory != nil && src.Directory.Recurse
		e.Argo = &ArgoSpec{Kustomize: src.Kustomize, DestinationNamespace: s.Destination.Namespace}
		if ArgoSourceType(filepath.Join(base.Root, filepath.FromSlash(e.Path)), src.explicitType()) == ArgoHelmSource {
			e.Argo.Helm = src.Helm
			if e.Argo.Helm == nil {
				e.Argo.Helm = &ArgoHelm{}
			}
		}
		out = append(out, e)
	}
	return out
}

type appSetSpec struct {
	Generators []struct {
		Git *struct {
			Directories []struct {
				Path    string `yaml:"path"`
				Exclude bool   `yaml:"exclude"`
			} `yaml:"directories"`
		} `yaml:"git"`
		List *struct {
			Elements []map[string]any `yaml:"elements"`
		} `yaml:"list"`
	} `yaml:"generators"`
	// Template is kept as a node: parameters are substituted in its text.
	Template yaml3.Node `yaml:"template"`
}

// entries expands the git directory and list generators into the
// Applications they produce, each with the template's parameters filled in.
func (s *appSetSpec) entries(root string, base EntryPoint) []EntryPoint {
	if s.Template.Kind == 0 {
		return nil
	}
	tmpl, err := yaml3.Marshal(&s.Template)
	if err != nil {
		return nil
	}
	var params []map[string]any
	for _, g := range s.Generators {
		if g.Git != nil {
			var include, exclude []string
			for _, d := range g.Git.Directories {
				if d.Exclude {
					exclude = append(exclude, d.Path)
				} else {
					include = append(include, d.Path)
				}
			}
			for _, dir := range GitDirectories(root, include, exclude) {
				params = append(params, map[string]any{
					"path": map[string]any{"path": dir, "basename": path.Base(dir)},
				})
			}
		}
		if g.List != nil {
			params = append(params, g.List.Elements...)
		}
	}
	var out []EntryPoint
	for _, p := range params {
		var app struct {
			Metadata struct {
				Name      string `yaml:"name"`
				Namespace string `yaml:"namespace"`
			} `yaml:"metadata"`
			Spec argoAppSpec `yaml:"spec"`
		}
		if err := yaml3.Unmarshal([]byte(FillTemplate(string(tmpl), p)), &app); err != nil {
			continue
		}
		b := base
		b.App = app.Metadata.Name
		out = append(out, app.Spec.entries(b)...)
	}
	return out
}

// GitDirectories expands an ApplicationSet git directory generator over
// the repository (taken to be the generator's repoURL): excludes win over
// includes whatever their order, as in Argo CD.
func GitDirectories(root string, include, exclude []string) []string {
	set := map[string]bool{}
	for _, pat := range include {
		matches, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(pat)))
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil && fi.IsDir() && !strings.HasPrefix(filepath.Base(m), ".") {
				set[rel(root, m)] = true
			}
		}
	}
	for _, pat := range exclude {
		matches, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(pat)))
		for _, m := range matches {
			delete(set, rel(root, m))
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var tmplRE = regexp.MustCompile(`\{\{-?\s*\.?([A-Za-z0-9_.\[\]]+)\s*-?\}\}`)

// FillTemplate substitutes ApplicationSet parameters, in both the fasttemplate
// ({{path.basename}}) and the Go template ({{ .path.basename }}) forms.
// Parameters it does not know are left as they are.
func FillTemplate(s string, params map[string]any) string {
	return tmplRE.ReplaceAllStringFunc(s, func(m string) string {
		key := tmplRE.FindStringSubmatch(m)[1]
		if v, ok := param(params, key); ok {
			return v
		}
		return m
	})
}

func param(params map[string]any, key string) (string, bool) {
	if v, ok := params[key]; ok {
		if _, isMap := v.(map[string]any); !isMap {
			return fmt.Sprint(v), true
		}
	}
	var cur any = params
	for _, k := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		if cur, ok = m[k]; !ok {
			return "", false
		}
	}
	if m, isMap := cur.(map[string]any); isMap {
		// {{path}} in the flat (fasttemplate) form is the path itself.
		if p, ok := m["path"].(string); ok {
			return p, true
		}
		return "", false
	}
	if cur == nil {
		return "", false
	}
	return fmt.Sprint(cur), true
}
