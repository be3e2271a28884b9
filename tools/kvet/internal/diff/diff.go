// Package diff compares what targets render in two trees of the same
// repository (a git revision exported to a temporary directory, and the
// work tree): which objects a change adds, removes or changes, with a
// unified diff of each object's rendered YAML.
package diff

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
	"golang.org/x/sync/errgroup"
	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"

	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
)

// Change says what happened to an object or a target.
type Change string

const (
	Added     Change = "added"
	Removed   Change = "removed"
	Changed   Change = "changed"
	Unchanged Change = "unchanged"
)

// Object is one object that differs.
type Object struct {
	Resource report.Resource `json:"resource"`
	Change   Change          `json:"change"`
	// Diff is the unified diff of the rendered YAML (base to work tree).
	Diff string `json:"diff"`
}

// Target is the comparison of one target.
type Target struct {
	Path   string `json:"path"`
	Change Change `json:"change"`
	// BaseError and Error are build errors at the base revision and in the
	// work tree; a target that fails to build cannot be compared.
	BaseError string   `json:"baseError,omitempty"`
	Error     string   `json:"error,omitempty"`
	Objects   []Object `json:"objects"`
}

// Summary counts the differences.
type Summary struct {
	Targets        int `json:"targets"`
	ChangedTargets int `json:"changedTargets"`
	Added          int `json:"added"`
	Removed        int `json:"removed"`
	Changed        int `json:"changed"`
	Errors         int `json:"errors"`
}

// Result is the whole comparison.
type Result struct {
	Version int    `json:"version"`
	Base    string `json:"base"`
	// BaseCommit is the commit Base resolved to.
	BaseCommit string   `json:"baseCommit"`
	Summary    Summary  `json:"summary"`
	Targets    []Target `json:"targets"`
}

// HasChanges reports whether any target renders differently.
func (r *Result) HasChanges() bool { return r.Summary.ChangedTargets > 0 }

// Failed reports whether a target failed to build in the work tree.
func (r *Result) Failed() bool { return r.Summary.Errors > 0 }

// Tree is one side of the comparison.
type Tree struct {
	// Root is the absolute repository root of this tree.
	Root string
}

// Options configure a comparison.
type Options struct {
	Base, Head Tree
	// Paths are repository-relative ("/"-separated) paths to compare;
	// empty means the whole repository.
	Paths []string
	// Excluded reports whether a repository-relative path is excluded.
	Excluded func(rel string) bool
	// RepositoryURLs and CheckoutBranches say which sources are this
	// repository, the same for both trees (the exported base has no .git).
	RepositoryURLs, CheckoutBranches []string
	Build                            build.Options
	Jobs                             int
}

// Run renders the targets of both trees and compares them. A path that
// does not exist in one tree has no targets there (everything under it is
// added or removed).
func Run(ctx context.Context, opts Options) ([]Target, error) {
	if len(opts.Paths) == 0 {
		opts.Paths = []string{"."}
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.GOMAXPROCS(0)
	}
	base, err := targets(ctx, opts, opts.Base)
	if err != nil {
		return nil, fmt.Errorf("base revision: %w", err)
	}
	head, err := targets(ctx, opts, opts.Head)
	if err != nil {
		return nil, err
	}
	type pair struct {
		path       string
		base, head *discover.Target
	}
	byPath := map[string]*pair{}
	for _, t := range base {
		byPath[t.Path] = &pair{path: t.Path, base: &t}
	}
	for _, t := range head {
		p, ok := byPath[t.Path]
		if !ok {
			p = &pair{path: t.Path}
			byPath[t.Path] = p
		}
		p.head = &t
	}
	pairs := make([]*pair, 0, len(byPath))
	for _, p := range byPath {
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(a, b *pair) int { return cmp.Compare(a.path, b.path) })

	builder := build.New(opts.Build)
	out := make([]Target, len(pairs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Jobs)
	for i, p := range pairs {
		g.Go(func() error {
			var baseYAML, headYAML []byte
			var baseErr, headErr error
			if p.base != nil {
				baseYAML, baseErr = render(gctx, builder, *p.base)
			}
			if p.head != nil {
				headYAML, headErr = render(gctx, builder, *p.head)
			}
			t, err := Compare(p.path, p.base != nil, baseYAML, baseErr, p.head != nil, headYAML, headErr)
			out[i] = t
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

func targets(ctx context.Context, opts Options, tree Tree) ([]discover.Target, error) {
	var abs []string
	for _, p := range opts.Paths {
		d := filepath.Join(tree.Root, filepath.FromSlash(p))
		if paths.IsDir(d) {
			abs = append(abs, d)
		}
	}
	if len(abs) == 0 {
		return nil, nil
	}
	return discover.Discover(ctx, discover.Options{Root: tree.Root, Excluded: opts.Excluded,
		RepositoryURLs: opts.RepositoryURLs, CheckoutBranches: opts.CheckoutBranches}, abs)
}

func render(ctx context.Context, b *build.Builder, t discover.Target) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("kustomize panicked: %v", r)
		}
	}()
	if t.Entry != nil && t.Entry.NotRendered != "" {
		return nil, nil // another repository's files: nothing to compare
	}
	return b.Render(ctx, build.Spec{Dir: t.Dir, Generate: t.Generated, Recurse: t.Recurse, Entry: t.Entry})
}

// NewResult assembles a result and its summary.
func NewResult(base, commit string, targets []Target) *Result {
	r := &Result{Version: 1, Base: base, BaseCommit: commit, Targets: targets}
	if r.Targets == nil {
		r.Targets = []Target{}
	}
	r.Summary.Targets = len(targets)
	for _, t := range targets {
		if t.Error != "" {
			r.Summary.Errors++
		}
		if t.Change != Unchanged {
			r.Summary.ChangedTargets++
		}
		for _, o := range t.Objects {
			switch o.Change {
			case Added:
				r.Summary.Added++
			case Removed:
				r.Summary.Removed++
			case Changed:
				r.Summary.Changed++
			}
		}
	}
	return r
}

// Compare compares one target's rendered output at the base and in the
// work tree. inBase/inHead say whether the target exists on each side.
func Compare(path string, inBase bool, baseYAML []byte, baseErr error, inHead bool, headYAML []byte, headErr error) (Target, error) {
	t := Target{Path: path, Objects: []Object{}}
	if baseErr != nil {
		t.BaseError = baseErr.Error()
	}
	if headErr != nil {
		t.Error = headErr.Error()
	}
	switch {
	case !inBase:
		t.Change = Added
	case !inHead:
		t.Change = Removed
	}
	if baseErr != nil || headErr != nil {
		// A side that does not build cannot be compared object by object;
		// a build that starts or stops failing is a change in itself.
		if t.Change == "" {
			t.Change = Changed
			if t.BaseError == t.Error {
				t.Change = Unchanged
			}
		}
		if headErr == nil && inHead {
			objs, err := split(headYAML)
			if err != nil {
				return t, fmt.Errorf("%s: %w", path, err)
			}
			for _, o := range objs {
				t.Objects = append(t.Objects, Object{Resource: o.res, Change: Added, Diff: unified(path, o.res, "", o.yaml)})
			}
		}
		return t, nil
	}
	before, err := split(baseYAML)
	if err != nil {
		return t, fmt.Errorf("%s at the base revision: %w", path, err)
	}
	after, err := split(headYAML)
	if err != nil {
		return t, fmt.Errorf("%s: %w", path, err)
	}
	old := map[string]doc{}
	for _, d := range before {
		old[d.key] = d
	}
	seen := map[string]bool{}
	for _, d := range after {
		seen[d.key] = true
		o, ok := old[d.key]
		switch {
		case !ok:
			t.Objects = append(t.Objects, Object{Resource: d.res, Change: Added, Diff: unified(path, d.res, "", d.yaml)})
		case o.yaml != d.yaml:
			t.Objects = append(t.Objects, Object{Resource: d.res, Change: Changed, Diff: unified(path, d.res, o.yaml, d.yaml)})
		}
	}
	for _, d := range before {
		if !seen[d.key] {
			t.Objects = append(t.Objects, Object{Resource: d.res, Change: Removed, Diff: unified(path, d.res, d.yaml, "")})
		}
	}
	if t.Change == "" {
		t.Change = Unchanged
		if len(t.Objects) > 0 {
			t.Change = Changed
		}
	}
	return t, nil
}

type doc struct {
	key  string
	res  report.Resource
	yaml string
}

// split cuts a rendered stream into objects keyed by apiVersion, kind,
// namespace and name; a repeated key (kustomize refuses those, plain
// directories may hold them) gets a #n suffix so nothing is lost.
func split(b []byte) ([]doc, error) {
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, fmt.Errorf("read rendered output: %w", err)
	}
	count := map[string]int{}
	out := make([]doc, 0, len(nodes))
	for _, n := range nodes {
		res := report.Resource{APIVersion: n.GetApiVersion(), Kind: n.GetKind(), Namespace: n.GetNamespace(), Name: n.GetName()}
		key := strings.Join([]string{res.APIVersion, res.Kind, res.Namespace, res.Name}, "/")
		count[key]++
		if c := count[key]; c > 1 {
			key = fmt.Sprintf("%s#%d", key, c)
		}
		s, err := n.String()
		if err != nil {
			return nil, err
		}
		out = append(out, doc{key: key, res: res, yaml: s})
	}
	return out, nil
}

// unified returns the unified diff of one object, named after the target
// and the object as a reviewer searches for them.
func unified(target string, res report.Resource, a, b string) string {
	name := target + ": " + res.Kind + "/"
	if res.Namespace != "" {
		name += res.Namespace + "/"
	}
	name += res.Name
	// Line-level Myers diff (golang.org/x/tools' internal/diff, exported
	// by go-udiff) with three lines of context, as git shows.
	d, err := udiff.ToUnified("a/"+name, "b/"+name, a, udiff.Lines(a, b), udiff.DefaultContextLines)
	if err != nil {
		// Lines' edits always apply to a; no other error exists.
		return fmt.Sprintf("(diff unavailable: %v)\n", err)
	}
	return d
}
