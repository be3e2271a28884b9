// Package discover finds what kvet builds: the root kustomizations of a
// tree and the directories that Argo CD and Flux entry points name.
package discover

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"

	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"

	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
)

// Target is one thing to build.
type Target struct {
	// Dir is the absolute directory; Path is it relative to the repository
	// root, "/"-separated ("." for the root itself).
	Dir, Path string
	// Generated is set for a plain directory (no kustomization file) that
	// an entry point names: it is built as the GitOps controller would.
	Generated bool
	// Recurse: the generated kustomization includes subdirectories.
	Recurse bool
	// Flux: a Flux Kustomization names the directory, so it is built as
	// kustomize-controller builds it (its generator, no load restriction).
	Flux bool
	// Via lists the entry points naming this directory, e.g.
	// "clusters/production/apps.yaml#Kustomization/flux-system/apps".
	Via []string
	// Entry is set for a target built as the GitOps entry point that
	// names Dir (Path is then the entry point's ID).
	Entry *gitops.EntryPoint

	// ArtifactIgnores: the spec.ignore of every GitRepository whose Flux
	// Kustomizations may apply this plain directory; a file is left out
	// only when all of them leave it out.
	ArtifactIgnores []string

	// rawVia: an entry point of Via applies the directory as it is (no
	// postBuild substitution).
	rawVia bool
}

// Options configure discovery.
type Options struct {
	// Root is the repository root (absolute).
	Root string
	// Excluded reports whether a repository-relative path is excluded.
	Excluded func(rel string) bool
	// MaxFileBytes bounds the manifests scanned for entry points.
	MaxFileBytes int64
	// RepositoryURLs are the URLs of this repository (git remotes and
	// kvet.yaml repositoryURLs): entry points whose source is another
	// repository are not rendered (gitops.Repo.SourceOrigin).
	RepositoryURLs []string
	// CheckoutBranches, when not nil, are the branches of the checkout the
	// tree stands for (default: read from Root's .git).
	CheckoutBranches []string
}

// Discover returns the targets for the given paths, sorted by Path.
func Discover(ctx context.Context, opts Options, paths []string) ([]Target, error) {
	if opts.Excluded == nil {
		opts.Excluded = func(string) bool { return false }
	}
	if opts.MaxFileBytes == 0 {
		opts.MaxFileBytes = 8 << 20
	}
	byDir := map[string]*Target{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("path %s: %w", p, err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("path %s is not a directory", p)
		}
		if _, err := kustfile.Find(abs); err == nil {
			add(byDir, opts.Root, abs, false, false, "")
			continue
		}
		if err := walkTree(ctx, opts, abs, byDir); err != nil {
			return nil, err
		}
	}
	out := make([]Target, 0, len(byDir))
	for _, t := range byDir {
		if t.Entry == nil && len(t.Via) > 0 && !t.rawVia {
			// Only ever applied through Flux Kustomizations that substitute
			// variables: its ${VAR}s are not defects, and each entry-point
			// target checks it as substituted.
			continue
		}
		slices.Sort(t.Via)
		t.Via = slices.Compact(t.Via)
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Target) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func add(byDir map[string]*Target, root, dir string, generated, recurse bool, via string) *Target {
	t, ok := byDir[dir]
	if !ok {
		t = &Target{Dir: dir, Path: paths.Rel(root, dir), Generated: generated, Recurse: recurse}
		byDir[dir] = t
	}
	if via != "" {
		t.Via = append(t.Via, via)
	}
	return t
}

func walkTree(ctx context.Context, opts Options, top string, byDir map[string]*Target) error {
	kusts := map[string]*kustfile.File{}
	var broken []string // kustomizations that do not parse: still targets
	var manifests []string
	err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				return nil // reported when something includes it
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r := paths.Rel(opts.Root, p)
		if d.IsDir() {
			// Hidden directories and Go test fixtures (testdata) are never
			// part of what a repository deploys.
			if p != top && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || opts.Excluded(r)) {
				return filepath.SkipDir
			}
			if _, err := kustfile.Find(p); err == nil {
				f, err := loadKustomization(opts, p)
				if err != nil {
					broken = append(broken, p)
				} else {
					kusts[p] = f
				}
			}
			return nil
		}
		if !d.Type().IsRegular() || opts.Excluded(r) {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml":
			manifests = append(manifests, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("walk %s: %w", top, err)
	}
	included := map[string]bool{}
	for _, f := range kusts {
		for _, d := range f.LocalDirs() {
			included[d] = true
		}
	}
	for dir, f := range kusts {
		if !included[dir] && !f.IsComponent() {
			add(byDir, opts.Root, dir, false, false, "")
		}
	}
	for _, dir := range broken {
		add(byDir, opts.Root, dir, false, false, "")
	}
	// The entry points as their controllers resolve them: a directory is
	// read from this checkout only when an entry point on this repository
	// names it (an OCIRepository's `path: ./` is not this repository's root).
	parsed := parseEntryPoints(opts, manifests)
	onThisRepo := map[string]bool{}
	ignores := map[string][]string{} // directory -> spec.ignore of its GitRepositories
	for _, es := range parsed {
		for _, e := range es {
			if e.NotRendered == "" && e.Helm == nil {
				onThisRepo[clean(e.Path)] = true
			}
			if e.Flux != nil && e.NotRendered == "" {
				for _, ig := range e.ArtifactIgnores() {
					if !slices.Contains(ignores[clean(e.Path)], ig) {
						ignores[clean(e.Path)] = append(ignores[clean(e.Path)], ig)
					}
				}
			}
		}
	}
	for _, m := range manifests {
		for _, e := range entryPoints(opts, m) {
			if !onThisRepo[e.path] {
				continue // its source is not this repository: a note on its entry-point target
			}
			dir := filepath.Join(opts.Root, filepath.FromSlash(e.path))
			if !strings.HasPrefix(dir+string(filepath.Separator), opts.Root+string(filepath.Separator)) {
				continue // outside the repository: never followed
			}
			if opts.Excluded(paths.Rel(opts.Root, dir)) {
				continue // excluded paths are never targets, whoever names them
			}
			fi, err := os.Stat(dir)
			if err != nil || !fi.IsDir() {
				continue // the gitops-path policy reports paths that do not exist
			}
			if f, ok := kusts[dir]; ok && f.IsComponent() {
				continue
			}
			if e.helm {
				continue // rendered by its entry-point target, never read as manifests
			}
			_, kerr := kustfile.Find(dir)
			via := paths.Rel(opts.Root, m) + "#" + e.via
			t := add(byDir, opts.Root, dir, kerr != nil, e.recurse, via)
			t.Flux = t.Flux || e.flux
			t.rawVia = t.rawVia || !e.substituted
			if e.flux {
				t.ArtifactIgnores = ignores[e.path]
			}
			if kerr != nil && e.flux {
				// The controller's generator includes each sub-directory
				// with a kustomization as one resource: those roots are
				// applied through this entry point too.
				for _, sub := range generatedKustomizations(dir) {
					if st, ok := byDir[sub]; ok && st.Entry == nil {
						st.Via = append(st.Via, via)
						st.Flux = true
						st.rawVia = st.rawVia || !e.substituted
					}
				}
			}
		}
	}
	addEntryTargets(opts, parsed, kusts, byDir)
	return nil
}

type entry struct {
	path    string // repository-relative directory
	recurse bool
	via     string // Kind/namespace/name of the entry point
	// flux: a Flux Kustomization; substituted: one with postBuild
	// variables, which applies the directory only after substitution;
	// helm: an Argo CD source Argo CD reads as a Helm chart.
	flux, substituted, helm bool
}

var (
	argoAPI = []byte("argoproj.io")
	fluxAPI = []byte("kustomize.toolkit.fluxcd.io")
)

// entryPoints reads the Argo CD Applications/ApplicationSets and Flux
// Kustomizations of a manifest file and returns the directories they name.
func entryPoints(opts Options, file string) []entry {
	fi, err := os.Stat(file)
	if err != nil || fi.Size() > opts.MaxFileBytes {
		return nil
	}
	b, err := os.ReadFile(file)
	if err != nil || (!bytes.Contains(b, argoAPI) && !bytes.Contains(b, fluxAPI)) {
		return nil
	}
	var out []entry
	dec := yaml3.NewDecoder(bytes.NewReader(b))
	for {
		var doc gitopsDoc
		err := dec.Decode(&doc)
		if err == io.EOF {
			break
		}
		if err != nil {
			break // malformed files are reported by the build that reads them
		}
		out = append(out, doc.entries(opts.Root)...)
	}
	return out
}

type source struct {
	Path      string `yaml:"path"`
	Directory *struct {
		Recurse bool `yaml:"recurse"`
	} `yaml:"directory"`
	Helm      any `yaml:"helm"`
	Kustomize any `yaml:"kustomize"`
}

func (s source) recurse() bool { return s.Directory != nil && s.Directory.Recurse }

// helmChart: Argo CD reads the source as a Helm chart; the entry-point
// target renders it, the directory is no manifest directory of its own.
func (s source) helmChart(root, dir string) bool {
	explicit := ""
	switch {
	case s.Helm != nil:
		explicit = gitops.ArgoHelmSource
	case s.Kustomize != nil:
		explicit = gitops.ArgoKustomizeSource
	case s.Directory != nil:
		explicit = gitops.ArgoDirectorySource
	}
	return gitops.ArgoSourceType(filepath.Join(root, filepath.FromSlash(dir)), explicit) == gitops.ArgoHelmSource
}

type gitopsDoc struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	Spec struct {
		// Flux Kustomization
		Path      string `yaml:"path"`
		PostBuild *struct {
			Substitute     map[string]any `yaml:"substitute"`
			SubstituteFrom []any          `yaml:"substituteFrom"`
		} `yaml:"postBuild"`
		// Argo CD Application
		Source  *source  `yaml:"source"`
		Sources []source `yaml:"sources"`
		// Argo CD ApplicationSet
		gitops.Templating `yaml:",inline"`
		Generators        []gitops.AppSetGenerator `yaml:"generators"`
		Template          struct {
			Spec struct {
				Source  *source  `yaml:"source"`
				Sources []source `yaml:"sources"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

func (d *gitopsDoc) via() string {
	ns := d.Metadata.Namespace
	if ns != "" {
		ns += "/"
	}
	return d.Kind + "/" + ns + d.Metadata.Name
}

func clean(p string) string { return strings.TrimPrefix(path.Clean("/"+p), "/") }

func (d *gitopsDoc) entries(root string) []entry {
	group, _, _ := strings.Cut(d.APIVersion, "/")
	var out []entry
	switch {
	case group == "kustomize.toolkit.fluxcd.io" && d.Kind == "Kustomization":
		// Flux builds spec.path (default the source root) and generates a
		// kustomization over all manifests, recursively, when it has none.
		pb := d.Spec.PostBuild
		substituted := pb != nil && (len(pb.Substitute) > 0 || len(pb.SubstituteFrom) > 0)
		out = append(out, entry{path: clean(d.Spec.Path), recurse: true, via: d.via(), flux: true, substituted: substituted})
	case group == "argoproj.io" && d.Kind == "Application":
		for _, s := range appSources(d.Spec.Source, d.Spec.Sources) {
			if s.Path != "" {
				out = append(out, entry{path: clean(s.Path), recurse: s.recurse(), via: d.via(), helm: s.helmChart(root, clean(s.Path))})
			}
		}
	case group == "argoproj.io" && d.Kind == "ApplicationSet":
		// The directories the generated Applications build; a path the
		// controller cannot fill generates no Application.
		tmpl := appSources(d.Spec.Template.Spec.Source, d.Spec.Template.Spec.Sources)
		params, _ := d.Spec.Params(root, d.Spec.Generators)
		for _, prm := range params {
			for _, s := range tmpl {
				dir, err := d.Spec.Fill(s.Path, prm)
				if err != nil {
					continue
				}
				p := clean(dir)
				out = append(out, entry{path: p, recurse: s.recurse(), via: d.via(), helm: s.helmChart(root, p)})
			}
		}
	}
	return out
}

func appSources(one *source, many []source) []source {
	if one != nil {
		return append([]source{*one}, many...)
	}
	return many
}

// generatedKustomizations are the sub-directories of dir that
// kustomize-controller's generator adds as resources: the first directory
// with a kustomization file on each path down (it does not descend into
// them), outside what a source-controller artifact leaves out.
func generatedKustomizations(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == dir {
			return nil
		}
		switch d.Name() {
		case ".git", ".github", ".circleci":
			return filepath.SkipDir
		}
		if _, err := kustfile.Find(p); err == nil {
			out = append(out, p)
			return filepath.SkipDir
		}
		return nil
	})
	return out
}
