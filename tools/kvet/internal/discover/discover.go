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
	// Via lists the entry points naming this directory, e.g.
	// "clusters/production/apps.yaml#Kustomization/flux-system/apps".
	Via []string
	// Entry is set for a target built as the GitOps entry point that
	// names Dir (Path is then the entry point's ID).
	Entry *gitops.EntryPoint
}

// Options configure discovery.
type Options struct {
	// Root is the repository root (absolute).
	Root string
	// Excluded reports whether a repository-relative path is excluded.
	Excluded func(rel string) bool
	// MaxFileBytes bounds the manifests scanned for entry points.
	MaxFileBytes int64
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
		slices.Sort(t.Via)
		t.Via = slices.Compact(t.Via)
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Target) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func add(byDir map[string]*Target, root, dir string, generated, recurse bool, via string) {
	t, ok := byDir[dir]
	if !ok {
		t = &Target{Dir: dir, Path: paths.Rel(root, dir), Generated: generated, Recurse: recurse}
		byDir[dir] = t
	}
	if via != "" {
		t.Via = append(t.Via, via)
	}
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
	for _, m := range manifests {
		for _, e := range entryPoints(opts, m) {
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
			_, kerr := kustfile.Find(dir)
			add(byDir, opts.Root, dir, kerr != nil, e.recurse, paths.Rel(opts.Root, m)+"#"+e.via)
		}
	}
	addEntryTargets(opts, manifests, kusts, byDir)
	return nil
}

type entry struct {
	path    string // repository-relative directory
	recurse bool
	via     string // Kind/namespace/name of the entry point
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
	Directory struct {
		Recurse bool `yaml:"recurse"`
	} `yaml:"directory"`
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
		Path string `yaml:"path"`
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
		out = append(out, entry{path: clean(d.Spec.Path), recurse: true, via: d.via()})
	case group == "argoproj.io" && d.Kind == "Application":
		for _, s := range appSources(d.Spec.Source, d.Spec.Sources) {
			if s.Path != "" {
				out = append(out, entry{path: clean(s.Path), recurse: s.Directory.Recurse, via: d.via()})
			}
		}
	case group == "argoproj.io" && d.Kind == "ApplicationSet":
		// The directories the generated Applications build; a path the
		// controller cannot fill generates no Application.
		tmpl := appSources(d.Spec.Template.Spec.Source, d.Spec.Template.Spec.Sources)
		params, _ := d.Spec.Params(root, d.Spec.Generators)
		for _, p := range params {
			for _, s := range tmpl {
				if dir, err := d.Spec.Fill(s.Path, p); err == nil {
					out = append(out, entry{path: clean(dir), recurse: s.Directory.Recurse, via: d.via()})
				}
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
