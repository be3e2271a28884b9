package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// guardedFS is the disk as kustomize sees it during one build: every file
// goes through guard before kustomize may parse it. A refused file makes
// the read fail and is remembered, so the build reports it by name and
// limit whatever kustomize makes of the error.
type guardedFS struct {
	filesys.FileSystem
	root    string
	limits  guard.Limits
	checked *guard.Checked

	mu         sync.Mutex
	violations []*guard.Violation
	seen       map[string]bool
}

func (b *Builder) guarded() *guardedFS {
	return &guardedFS{FileSystem: b.fs, root: b.opts.Root, limits: b.opts.Limits.WithDefaults(), checked: b.checked, seen: map[string]bool{}}
}

func (g *guardedFS) record(v *guard.Violation) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	key := v.Rule + "\x00" + v.File
	if !g.seen[key] {
		g.seen[key] = true
		g.violations = append(g.violations, v)
	}
	return v
}

func (g *guardedFS) ReadFile(path string) ([]byte, error) {
	if v, err := guard.CheckPath(g.root, path, g.limits); v != nil {
		return nil, g.record(v)
	} else if err != nil {
		return g.FileSystem.ReadFile(path) // let kustomize see its usual error
	}
	b, err := g.FileSystem.ReadFile(path)
	if err != nil {
		if v := guard.Unreadable(path, err); v != nil {
			return nil, g.record(v)
		}
		return nil, err
	}
	if v := g.checkContent(path, b); v != nil {
		return nil, g.record(v)
	}
	return b, nil
}

func (g *guardedFS) checkContent(path string, b []byte) *guard.Violation {
	if g.checked == nil {
		return guard.CheckContent(path, b, g.limits, guard.LooksYAML(path))
	}
	return g.checked.CheckContent(path, b, guard.LooksYAML(path))
}

func (g *guardedFS) Open(path string) (filesys.File, error) {
	if v, _ := guard.CheckPath(g.root, path, g.limits); v != nil {
		return nil, g.record(v)
	}
	return g.FileSystem.Open(path)
}

// findings turns the refused files into build findings, sorted by file.
func (g *guardedFS) findings() []report.Finding {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []report.Finding
	for _, v := range g.violations {
		out = append(out, finding(v.Rule, v.Message, v.File, v.Line))
	}
	slices.SortFunc(out, func(a, b report.Finding) int {
		return strings.Compare(a.Source.File+"\x00"+a.Rule, b.Source.File+"\x00"+b.Rule)
	})
	return out
}

// loadKustomization reads the kustomization file of dir through the guard.
func loadKustomization(g *guardedFS, dir string) (*kustfile.File, error) {
	p, err := kustfile.Find(dir)
	if err != nil {
		return nil, err
	}
	raw, err := g.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return kustfile.Parse(dir, p, raw)
}

// escapingFiles reports the file-valued entries of f that kvet itself
// reads before kustomize does (replacement files, inlined to instrument
// them) and that lie outside the kustomization root: kustomize would
// refuse them, kvet must not read them first.
func escapingFiles(g *guardedFS, f *kustfile.File, noRootRestriction bool) []report.Finding {
	var out []report.Finding
	for i, r := range f.K.Replacements {
		if r.Path == "" || kustfile.IsURL(r.Path) {
			continue
		}
		p := filepath.Join(f.Dir, r.Path)
		if !noRootRestriction && !guard.Within(f.Dir, p) {
			out = append(out, finding("root-escape", fmt.Sprintf(
				"replacements path %q is outside the kustomization root %s: kustomize loads files only from inside it", r.Path, f.Dir), f.Path, f.Line("replacements", i)))
			continue
		}
		// Through the guard: size, symlinks and content are checked and
		// any refusal recorded; a missing file is kustomize's to report.
		_, _ = g.ReadFile(p)
	}
	return out
}

// limitFindings explains a failed build by kvet's limits: refused files,
// the target's time limit, kvet's memory budget. Nil when the failure is
// kustomize's own.
func (b *Builder) limitFindings(ctx context.Context, g *guardedFS) []report.Finding {
	if fs := g.findings(); len(fs) > 0 {
		return fs
	}
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, ErrMemoryBudget):
		return []report.Finding{finding(guard.RuleMemoryBudget, fmt.Sprintf(
			"kvet's memory budget of %s (limits.memoryBudget in kvet.yaml) was exceeded while this target was being built, so its build was abandoned; look for a huge or generated input in this target",
			guard.Bytes(g.limits.MemoryBudget)), "", 0)}
	case errors.Is(cause, errTargetTimeout):
		return []report.Finding{finding(guard.RuleTargetTimeout, fmt.Sprintf(
			"building this target took longer than %s (limits.targetTimeout in kvet.yaml), so it was abandoned", g.limits.TargetTimeout), "", 0)}
	}
	return nil
}

var errTargetTimeout = errors.New("target timeout")

// ErrMemoryBudget is the cancellation cause the runner gives the builds in
// flight when kvet's heap passes the memory budget.
var ErrMemoryBudget = errors.New("memory budget exceeded")

// withTargetTimeout bounds one target's build.
func (b *Builder) withTargetTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, b.opts.Limits.WithDefaults().TargetTimeout, errTargetTimeout)
}

// tooManyObjects refuses a target rendering more objects than the limit.
func (b *Builder) tooManyObjects(n int, file string) []report.Finding {
	limit := b.opts.Limits.WithDefaults().MaxObjects
	if n <= limit {
		return nil
	}
	return []report.Finding{finding(guard.RuleTooManyObjects, fmt.Sprintf(
		"this target renders %d objects, more than the %d allowed (limits.maxObjectsPerTarget in kvet.yaml): split it", n, limit), file, 0)}
}

// guardFluxInputs reads through the guard, before kustomize-controller's
// generator reads them from disk, the files it reads in dir: the
// kustomization file, or every .yaml/.yml file down to sub-directories
// that have their own kustomization. A refused file is an error (and a
// finding of the guarded filesystem under ofs).
func guardFluxInputs(ofs *overlayFS, dir string) error {
	if p, err := kustfile.Find(dir); err == nil {
		_, err := ofs.ReadFile(p)
		return err
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == dir {
				return nil
			}
			switch d.Name() {
			case ".git", ".github", ".circleci": // never in a source-controller artifact
				return filepath.SkipDir
			}
			if _, err := kustfile.Find(p); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		if _, err := ofs.ReadFile(p); err != nil {
			if v := (*guard.Violation)(nil); errors.As(err, &v) {
				return err
			}
		}
		return nil
	})
}
