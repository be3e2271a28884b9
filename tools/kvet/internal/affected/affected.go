// Package affected narrows a run to part of the targets, for pull-request
// and CI-matrix runs: the targets whose inputs a change touched
// (--changed-since) and a deterministic share of them (--shard I/N).
//
// A target's inputs are read statically from its kustomization graph: every
// kustomization file and every file or directory an entry names (resources,
// components, patches, generators, replacements, CRDs, configurations,
// transformers, Helm values, OpenAPI schemas), the entry point manifest of
// a GitOps target, and the whole directory of a plain (generated) target.
// Some files affect every target: kvet.yaml, CRD and policy directories,
// kvet's own source, a changed CustomResourceDefinition, and a kustomization
// that was deleted (an entry point or a cross-target check may name it).
// When in doubt the package selects more, never less.
package affected

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// Inputs are the repository-relative ("/"-separated) files and
// directories a target reads; a changed file under one of Dirs counts.
type Inputs struct {
	Files map[string]bool
	Dirs  []string
}

func (in *Inputs) addFile(root, abs string) {
	if r, ok := relTo(root, abs); ok {
		in.Files[r] = true
	}
}

func (in *Inputs) addDir(root, abs string) {
	if r, ok := relTo(root, abs); ok {
		in.Dirs = append(in.Dirs, r)
	}
}

// Touches reports whether a changed file is an input.
func (in *Inputs) Touches(file string) bool {
	if in.Files[file] {
		return true
	}
	for _, d := range in.Dirs {
		if d == "." || file == d || strings.HasPrefix(file, d+"/") {
			return true
		}
	}
	return false
}

// TargetInputs reads the inputs of t (root is the repository root,
// absolute).
func TargetInputs(root string, t discover.Target) *Inputs {
	in := &Inputs{Files: map[string]bool{}}
	if t.Entry != nil {
		in.addFile(root, filepath.Join(root, filepath.FromSlash(t.Entry.Source.File)))
	}
	if _, err := kustfile.Find(t.Dir); err != nil {
		// A plain directory built as a controller would: all of it (and a
		// kustomization file appearing in it changes everything).
		in.addDir(root, t.Dir)
		return in
	}
	seen := map[string]bool{}
	var walk func(dir string)
	walk = func(dir string) {
		if seen[dir] {
			return
		}
		seen[dir] = true
		f, err := kustfile.Load(dir)
		if err != nil {
			// Unreadable: anything in it may matter.
			in.addDir(root, dir)
			return
		}
		in.addFile(root, f.Path)
		for _, p := range referencedPaths(f) {
			abs := filepath.Join(dir, filepath.FromSlash(p))
			fi, err := os.Stat(abs)
			switch {
			case err != nil:
				// Missing now (the change deleted it) or a remote URL: a
				// file with that name reappearing is a change.
				in.addFile(root, abs)
			case fi.IsDir():
				if _, err := kustfile.Find(abs); err == nil {
					walk(filepath.Clean(abs))
				} else {
					in.addDir(root, abs)
				}
			default:
				in.addFile(root, abs)
			}
		}
	}
	walk(filepath.Clean(t.Dir))
	return in
}

// referencedPaths lists every local path a kustomization names.
func referencedPaths(f *kustfile.File) []string {
	k := f.K
	var out []string
	add := func(ps ...string) {
		for _, p := range ps {
			if p != "" && !kustfile.IsURL(p) {
				out = append(out, p)
			}
		}
	}
	add(k.Resources...)
	add(k.Bases...) //nolint:staticcheck // still honoured by kustomize
	add(k.Components...)
	add(k.Crds...)
	add(k.Configurations...)
	add(k.Generators...)
	add(k.Transformers...)
	add(k.Validators...)
	for _, p := range k.Patches {
		add(p.Path)
	}
	for _, p := range k.PatchesStrategicMerge { //nolint:staticcheck
		if !strings.Contains(string(p), "\n") {
			add(string(p))
		}
	}
	for _, p := range k.PatchesJson6902 { //nolint:staticcheck
		add(p.Path)
	}
	for _, r := range k.Replacements {
		add(r.Path)
	}
	for _, g := range k.ConfigMapGenerator {
		add(generatorFiles(g.FileSources, g.EnvSources, g.EnvSource)...) //nolint:staticcheck
	}
	for _, g := range k.SecretGenerator {
		add(generatorFiles(g.FileSources, g.EnvSources, g.EnvSource)...) //nolint:staticcheck
	}
	for _, h := range k.HelmCharts {
		add(h.ValuesFile)
		add(h.AdditionalValuesFiles...)
	}
	if k.HelmGlobals != nil {
		add(k.HelmGlobals.ChartHome)
	}
	if p, ok := k.OpenAPI["path"]; ok {
		add(p)
	}
	return out
}

func generatorFiles(files, envs []string, env string) []string {
	var out []string
	for _, v := range files {
		if k, p, ok := strings.Cut(v, "="); ok && !strings.Contains(k, "/") {
			v = p
		}
		out = append(out, v)
	}
	return append(append(out, envs...), env)
}

// Global holds the paths whose change affects every target.
type Global struct {
	// Paths are repository-relative files or directories.
	Paths []string
}

// DefaultGlobal are the paths that change kvet's verdict on every target
// in any repository: its configuration, the policy library and kvet's own
// source and module files (a repository that vendors kvet).
func DefaultGlobal() []string {
	return []string{"kvet.yaml", "policy", "tools/kvet", "go.mod", "go.sum"}
}

// Selection is the outcome of Select.
type Selection struct {
	Targets []discover.Target
	// All is set when a global input changed; Reason says which.
	All    bool
	Reason string
}

// Select returns the targets that read a changed file (changed paths are
// repository-relative, as git prints them), or all targets when a global
// input changed.
func Select(root string, targets []discover.Target, changed []string, global []string) Selection {
	for _, c := range changed {
		for _, g := range global {
			g = strings.TrimSuffix(path.Clean(filepath.ToSlash(g)), "/")
			if c == g || strings.HasPrefix(c, g+"/") {
				return Selection{Targets: targets, All: true, Reason: c + " affects every target"}
			}
		}
		if isKustomization(c) {
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(c))); err != nil {
				return Selection{Targets: targets, All: true, Reason: "deleted kustomization " + c}
			}
		}
		if isCRD(filepath.Join(root, filepath.FromSlash(c))) {
			return Selection{Targets: targets, All: true, Reason: "CustomResourceDefinition " + c + " changed"}
		}
	}
	var out []discover.Target
	for _, t := range targets {
		in := TargetInputs(root, t)
		if slices.ContainsFunc(changed, in.Touches) {
			out = append(out, t)
		}
	}
	return Selection{Targets: out}
}

func isKustomization(p string) bool {
	return slices.Contains(kustfile.Names(), path.Base(p))
}

// isCRD reports whether a changed file (still present) declares a
// CustomResourceDefinition: its schema checks objects of other targets.
func isCRD(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".yaml", ".yml", ".json":
	default:
		return false
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return false
	}
	return bytes.Contains(b, []byte("CustomResourceDefinition"))
}

// Shard is one share of a run: Index of Count, 1-based.
type Shard struct {
	Index, Count int
}

// ParseShard reads "I/N" with 1 <= I <= N.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	if ok {
		si, err1 := strconv.Atoi(strings.TrimSpace(i))
		sn, err2 := strconv.Atoi(strings.TrimSpace(n))
		if err1 == nil && err2 == nil && sn >= 1 && si >= 1 && si <= sn {
			return Shard{Index: si, Count: sn}, nil
		}
	}
	return Shard{}, fmt.Errorf("invalid shard %q: want I/N with 1 <= I <= N, e.g. 2/4", s)
}

// Apply returns the targets of this shard: the targets sorted by path and
// dealt out in turn, so every target lands in exactly one shard, the shards
// differ in size by at most one, and every job of a CI matrix computes the
// same split without talking to the others.
func (s Shard) Apply(targets []discover.Target) []discover.Target {
	if s.Count <= 1 {
		return targets
	}
	sorted := slices.Clone(targets)
	slices.SortStableFunc(sorted, func(a, b discover.Target) int { return strings.Compare(a.Path, b.Path) })
	var out []discover.Target
	for i, t := range sorted {
		if i%s.Count == s.Index-1 {
			out = append(out, t)
		}
	}
	return out
}

func relTo(root, abs string) (string, bool) {
	r, err := filepath.Rel(root, abs)
	if err != nil || !(r == "." || filepath.IsLocal(r)) {
		return "", false
	}
	return filepath.ToSlash(r), true
}
