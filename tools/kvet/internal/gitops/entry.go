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
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"

	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
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
	// APIVersion is the entry point's own apiVersion.
	APIVersion string
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
	// NotRendered, when set, says why kvet does not render the entry point
	// from this checkout (its source is not this repository, its path is
	// not known): the target carries it as a note (origin.go).
	NotRendered string
	// Rule, when set, means the controller itself fails on the entry point
	// (an ApplicationSet whose template cannot be filled): NotRendered is
	// then an error finding of this rule on the entry point's line, not a
	// note.
	Rule string
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
	b, err := repo.readFile(file)
	if err != nil || (!bytes.Contains(b, []byte(argoGroup)) && !bytes.Contains(b, []byte(fluxKustomizeGroup)) && !bytes.Contains(b, []byte(fluxHelmGroup))) {
		return nil
	}
	relFile := paths.Rel(root, file)
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
		base := EntryPoint{Source: Source{File: relFile, Line: line}, Kind: doc.Kind, APIVersion: doc.APIVersion,
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
			if spec.SourceRef.Name == "" {
				// sourceRef is required: a document without one is a patch
				// (tenants/staging/patch.yaml), not an entry point.
				continue
			}
			e := base
			e.Path, e.Recurse, e.Flux = clean(spec.Path), true, &spec
			e.NotRendered = fluxNotRendered(&e, repo)
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

// argoSource is an Argo CD Application source.
type argoSource struct {
	RepoURL   string `yaml:"repoURL"`
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
		switch {
		case !base.Repo.IsThisURL(src.RepoURL):
			e.NotRendered = fmt.Sprintf("its repoURL %s is not this repository (neither a git remote of this checkout nor listed in kvet.yaml repositoryURLs)", src.RepoURL)
		case strings.Contains(src.Path, "{{"):
			e.NotRendered = fmt.Sprintf("its path %q holds a template parameter kvet cannot fill", src.Path)
		case ArgoSourceType(filepath.Join(base.Root, filepath.FromSlash(e.Path)), src.explicitType()) == ArgoHelmSource:
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
	Templating `yaml:",inline"`
	Generators []AppSetGenerator `yaml:"generators"`
	// Template is kept as a node: parameters are filled in its strings.
	Template yaml3.Node `yaml:"template"`
}

// entries expands the git directory and list generators into the
// Applications they produce, each with the template's parameters filled
// in. A parameter set the controller cannot fill the template with
// generates no Application, as in the controller.
func (s *appSetSpec) entries(root string, base EntryPoint) []EntryPoint {
	if s.Template.Kind == 0 {
		return nil
	}
	var out []EntryPoint
	var firstErr error
	var skipped []string
	for i, g := range s.Generators {
		if !g.expanded() {
			skipped = append(skipped, g.describe(i))
			continue
		}
		if g.Git != nil && !base.Repo.IsThisURL(g.Git.RepoURL) {
			// Its directories are in another repository: nothing to expand here.
			e := base
			e.NotRendered = fmt.Sprintf("its git generator reads %s, which is not this repository (neither a git remote of this checkout nor listed in kvet.yaml repositoryURLs)", g.Git.RepoURL)
			out = append(out, e)
			continue
		}
		params, err := s.paramsOf(root, g)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s produces no parameters: %w", g.describe(i), err)
		}
		for _, p := range params {
			app, err := s.fill(p)
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("the template cannot be filled with the parameters of %s: %w", g.describe(i), err)
				}
				continue
			}
			b := base
			b.App = app.Metadata.Name
			out = append(out, app.Spec.entries(b)...)
		}
	}
	if firstErr != nil {
		// The controller stops at the first error (GenerateApplications):
		// never silent, an error on the ApplicationSet itself.
		e := base
		e.Rule = "appset-template-failed"
		e.NotRendered = fmt.Sprintf("%v: Argo CD sets the ApplicationSet's ErrorOccurred condition and creates, updates or deletes none of its Applications: fix the template or the parameters the generator gives it", firstErr)
		out = append([]EntryPoint{e}, out...)
	} else if len(skipped) > 0 {
		// Never silent: the Applications of those generators are not checked.
		e := base
		e.NotRendered = fmt.Sprintf("kvet expands git directory and list generators only: the Applications of %s are not rendered", strings.Join(skipped, ", "))
		out = append([]EntryPoint{e}, out...)
	}
	return out
}

// generatedApp is the part of a generated Application kvet reads.
type generatedApp struct {
	Metadata struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	Spec argoAppSpec `yaml:"spec"`
}

// fill fills the template with one parameter set and reads the result.
func (s *appSetSpec) fill(p map[string]any) (*generatedApp, error) {
	n, err := s.FillNode(&s.Template, p)
	if err != nil {
		return nil, err
	}
	var app generatedApp
	if err := n.Decode(&app); err != nil {
		return nil, fmt.Errorf("the filled template is no Application: %w", err)
	}
	return &app, nil
}

// GitDirectories expands an ApplicationSet git directory generator over
// the repository (taken to be the generator's repoURL) as Argo CD's repo
// server and generator do: every directory of the tree except the root,
// hidden ones and everything under them, and symlinks (walkDirectoryTree);
// kept when an include pattern matches its repository path with path.Match
// and no exclude pattern does, whatever their order (filterPaths).
func GitDirectories(root string, include, exclude []string) []string {
	match := func(pats []string, p string) bool {
		return slices.ContainsFunc(pats, func(pat string) bool {
			ok, _ := path.Match(pat, p)
			return ok
		})
	}
	var out []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == root {
			return nil // an unreadable directory lists nothing
		}
		if strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if r := paths.Rel(root, p); match(include, r) && !match(exclude, r) {
			out = append(out, r)
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// fluxNotRendered says why a Flux Kustomization is not rendered from this
// checkout ("" when it is): a source that is not this repository, or a
// path that still holds ${VAR} (set by the postBuild of the Kustomization
// that applies this one; kvet reads the manifest as written).
func fluxNotRendered(e *EntryPoint, repo *Repo) string {
	ref := e.Flux.SourceRef
	ns := ref.Namespace
	if ns == "" {
		ns = e.Namespace
	}
	if ref.Kind == "ExternalArtifact" && repo != nil {
		mapped, why := repo.artifactPath(e.Source.File, ns, ref.Name, e.Flux.Path)
		if why != "" {
			return why
		}
		e.Path = mapped // the artifact's path in this repository
	} else if this, why := repo.SourceOrigin(ref.Kind, ns, ref.Name); !this {
		return why
	}
	if strings.Contains(e.Flux.Path, "${") {
		return fmt.Sprintf("its path %q holds a variable that the Kustomization applying it substitutes; kvet reads the manifest as written", e.Flux.Path)
	}
	return ""
}
