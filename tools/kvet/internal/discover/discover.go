// Package discover finds what kvet builds: the root kustomizations of a
// tree and the directories that Argo CD and Flux entry points name.
package discover

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

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
	// Load, when set, reads a directory's kustomization in place of
	// discover's own reading (a caller that reads them again shares one
	// parse); it must read through the guard within MaxFileBytes as
	// discover does, and its files are not changed.
	Load func(dir string) (*kustfile.File, error)
	// Repo, when set, is the repository's GitOps index the caller shares
	// (its repository URLs, checkout branches and reader already set, as
	// the fields above would set them); default: discover makes its own.
	Repo *gitops.Repo
}

// Discover returns the targets for the given paths, sorted by Path.
func Discover(ctx context.Context, opts Options, paths []string) ([]Target, error) {
	if opts.Excluded == nil {
		opts.Excluded = func(string) bool { return false }
	}
	if opts.MaxFileBytes == 0 {
		opts.MaxFileBytes = 8 << 20
	}
	if opts.Load == nil {
		opts.Load = func(dir string) (*kustfile.File, error) { return loadKustomization(opts, dir) }
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
				f, err := opts.Load(p)
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
	ignores := map[string][]string{} // directory -> spec.ignore of its GitRepositories
	for _, es := range parsed {
		for _, e := range es {
			if e.Flux != nil && e.NotRendered == "" {
				for _, ig := range e.ArtifactIgnores() {
					if !slices.Contains(ignores[clean(e.Path)], ig) {
						ignores[clean(e.Path)] = append(ignores[clean(e.Path)], ig)
					}
				}
			}
		}
	}
	for _, es := range parsed {
		for _, e := range es {
			if e.NotRendered != "" || e.Helm != nil {
				continue // not this repository (a note on its entry-point target), or a HelmRelease
			}
			if e.Argo != nil && e.Argo.Helm != nil {
				continue // a chart: rendered by its entry-point target, never read as manifests
			}
			p := clean(e.Path)
			dir := filepath.Join(opts.Root, filepath.FromSlash(p))
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
			flux := e.Flux != nil
			// A Flux Kustomization with postBuild variables applies the
			// directory only after substitution.
			substituted := flux && e.Flux.PostBuild != nil &&
				(len(e.Flux.PostBuild.Substitute) > 0 || len(e.Flux.PostBuild.SubstituteFrom) > 0)
			_, kerr := kustfile.Find(dir)
			via := viaOf(e)
			t := add(byDir, opts.Root, dir, kerr != nil, e.Recurse, via)
			t.Flux = t.Flux || flux
			t.rawVia = t.rawVia || !substituted
			if flux {
				t.ArtifactIgnores = ignores[p]
			}
			if kerr != nil && flux {
				// The controller's generator includes each sub-directory
				// with a kustomization as one resource: those roots are
				// applied through this entry point too.
				for _, sub := range generatedKustomizations(dir) {
					if st, ok := byDir[sub]; ok && st.Entry == nil {
						st.Via = append(st.Via, via)
						st.Flux = true
						st.rawVia = st.rawVia || !substituted
					}
				}
			}
		}
	}
	addEntryTargets(opts, parsed, kusts, byDir)
	return nil
}

// viaOf names the entry point (an ApplicationSet, not the Application it
// generates) that applies a directory: file#Kind/namespace/name.
func viaOf(e gitops.EntryPoint) string {
	v := e.Source.File + "#" + e.Kind + "/"
	if e.Namespace != "" {
		v += e.Namespace + "/"
	}
	return v + e.Name
}

func clean(p string) string { return strings.TrimPrefix(path.Clean("/"+p), "/") }

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
