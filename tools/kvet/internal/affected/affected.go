// Package affected narrows a run to part of the targets, for pull-request
// and CI-matrix runs: the targets whose inputs a change touched
// (--changed-since) and a deterministic share of them (--shard I/N).
//
// A target's inputs are read statically from its kustomization graph: every
// kustomization file and every file or directory an entry names (resources,
// components, patches, generators, replacements, CRDs, configurations,
// transformers, Helm values, OpenAPI schemas), the entry point manifest of
// a GitOps target, the components and patch files the entry point adds,
// the whole directory of a plain (generated) target or a Helm chart, and
// the objects an entry point names elsewhere in the repository (the
// ConfigMaps and Secrets of Flux postBuild.substituteFrom and HelmRelease
// valuesFrom, the chart's GitRepository or HelmChart): a changed file that
// defines such an object, at the head or at the base revision, selects the
// target. Some files affect every target: kvet.yaml, CRD and policy
// directories, kvet's own source, a .sops.yaml, a changed or deleted
// CustomResourceDefinition, and a kustomization that was deleted (an entry
// point or a cross-target check may name it). When in doubt the package
// selects more, never less. Repository-level findings (target ".": the
// dependsOn graph, CRD files) are computed from the whole tree every run.
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
	"sync"

	yaml3 "go.yaml.in/yaml/v3"

	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// Inputs are the repository-relative ("/"-separated) files and
// directories a target reads; a changed file under one of Dirs counts.
type Inputs struct {
	Files map[string]bool
	Dirs  []string
	// Objects are the "Kind/name" of objects the target looks up in the
	// repository wherever they are defined (substituteFrom, valuesFrom,
	// chart sources).
	Objects map[string]bool
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
	return NewLoader(root).TargetInputs(t)
}

// Loader computes the inputs of many targets, reading each kustomization
// (and resolving what it names) once however many targets include it. It
// is safe for concurrent use; the tree must not change while it is used.
type Loader struct {
	root string
	// read reads a directory's kustomization (LoadKustomization unless
	// WithLoad replaced it).
	read  func(dir string) (*kustfile.File, error)
	mu    sync.Mutex
	dirs  map[string]*loadedDir
	files map[string]*loadedFile
}

// loadedFile is one directory's kustomization as LoadKustomization read it.
type loadedFile struct {
	once sync.Once
	f    *kustfile.File
	err  error
}

// loadedDir is one kustomization directory, read and resolved.
type loadedDir struct {
	once sync.Once
	// bad: the kustomization could not be read (anything in it may matter).
	bad  bool
	file string
	refs []ref
}

// ref is one local path a kustomization names, as it resolved.
type ref struct {
	abs string
	// kind: a file (or a missing path), a kustomization directory or a
	// plain directory.
	kind int
}

const (
	refFile = iota
	refKustomization
	refDir
)

// NewLoader returns a Loader for the repository at root.
func NewLoader(root string) *Loader {
	return &Loader{root: root, dirs: map[string]*loadedDir{}, files: map[string]*loadedFile{},
		read: func(dir string) (*kustfile.File, error) { return LoadKustomization(root, dir) }}
}

// WithLoad makes l read kustomizations with load (kvet lsp: the editor's
// unsaved buffers over the disk); load must read through the guard as
// LoadKustomization does. Call it before the first use.
func (l *Loader) WithLoad(load func(dir string) (*kustfile.File, error)) *Loader {
	l.read = load
	return l
}

// Kustomization is the kustomization of dir (LoadKustomization, or
// WithLoad's), read once per directory:
// the same *kustfile.File for every caller, who must not change it.
func (l *Loader) Kustomization(dir string) (*kustfile.File, error) {
	l.mu.Lock()
	lf := l.files[dir]
	if lf == nil {
		lf = &loadedFile{}
		l.files[dir] = lf
	}
	l.mu.Unlock()
	lf.once.Do(func() { lf.f, lf.err = l.read(dir) })
	return lf.f, lf.err
}

// Preload gives dir's kustomization as another run read it (the
// persistent cache, keyed on the content of every kustomization file): Kustomization
// then returns f without reading. Such a file holds only what discovery
// and the input sets read (Dir, Path and K; no Raw, no Node).
func (l *Loader) Preload(dir string, f *kustfile.File) {
	lf := &loadedFile{f: f}
	lf.once.Do(func() {})
	l.mu.Lock()
	l.files[dir] = lf
	l.mu.Unlock()
}

// Loaded returns the kustomizations read without error, by directory;
// call it when no Kustomization call is under way.
func (l *Loader) Loaded() map[string]*kustfile.File {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]*kustfile.File{}
	for dir, lf := range l.files {
		if lf.err == nil && lf.f != nil {
			out[dir] = lf.f
		}
	}
	return out
}

func (l *Loader) load(dir string) *loadedDir {
	l.mu.Lock()
	d := l.dirs[dir]
	if d == nil {
		d = &loadedDir{}
		l.dirs[dir] = d
	}
	l.mu.Unlock()
	d.once.Do(func() {
		f, err := l.Kustomization(dir)
		if err != nil {
			d.bad = true
			return
		}
		d.file = f.Path
		for _, p := range referencedPaths(f) {
			abs := filepath.Join(dir, filepath.FromSlash(p))
			fi, err := os.Stat(abs)
			switch {
			case err != nil:
				// Missing now (the change deleted it) or a remote URL: a
				// file with that name reappearing is a change.
				d.refs = append(d.refs, ref{abs: abs, kind: refFile})
			case fi.IsDir():
				if _, err := kustfile.Find(abs); err == nil {
					d.refs = append(d.refs, ref{abs: filepath.Clean(abs), kind: refKustomization})
				} else {
					d.refs = append(d.refs, ref{abs: abs, kind: refDir})
				}
			default:
				d.refs = append(d.refs, ref{abs: abs, kind: refFile})
			}
		}
	})
	return d
}

// TargetInputs reads the inputs of t.
func (l *Loader) TargetInputs(t discover.Target) *Inputs {
	root := l.root
	in := &Inputs{Files: map[string]bool{}, Objects: map[string]bool{}}
	if t.Entry != nil {
		in.addFile(root, filepath.Join(root, filepath.FromSlash(t.Entry.Source.File)))
		entryInputs(root, t, in)
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
		d := l.load(dir)
		if d.bad {
			// Unreadable: anything in it may matter.
			in.addDir(root, dir)
			return
		}
		in.addFile(root, d.file)
		for _, r := range d.refs {
			switch r.kind {
			case refKustomization:
				walk(r.abs)
			case refDir:
				in.addDir(root, r.abs)
			default:
				in.addFile(root, r.abs)
			}
		}
	}
	walk(filepath.Clean(t.Dir))
	return in
}

// LoadKustomization reads dir's kustomization through the guard (inside
// root, a regular file within the default limits): a FIFO or a symlink out
// of the repository must not block or leak a --changed-since run.
func LoadKustomization(root, dir string) (*kustfile.File, error) {
	p, err := kustfile.Find(dir)
	if err != nil {
		return nil, err
	}
	raw, v, err := guard.ReadFile(root, p, guard.Limits{})
	if v != nil {
		return nil, v
	}
	if err != nil {
		return nil, err
	}
	return kustfile.Parse(dir, p, raw)
}

// entryInputs adds what a GitOps entry point reads besides its directory:
// the components and patch files it adds (relative to the directory it
// builds) and the objects it looks up by name.
func entryInputs(root string, t discover.Target, in *Inputs) {
	e := t.Entry
	addPath := func(p string) {
		if p == "" || kustfile.IsURL(p) {
			return
		}
		abs := filepath.Join(t.Dir, filepath.FromSlash(p))
		if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
			in.addDir(root, abs)
		} else {
			in.addFile(root, abs)
		}
	}
	if f := e.Flux; f != nil {
		for _, c := range f.Components {
			addPath(c)
		}
		if f.PostBuild != nil {
			for _, ref := range f.PostBuild.SubstituteFrom {
				in.Objects[ref.Kind+"/"+ref.Name] = true
			}
		}
	}
	if a := e.Argo; a != nil && a.Kustomize != nil {
		for _, c := range a.Kustomize.Components {
			addPath(c)
		}
		for _, p := range a.Kustomize.Patches {
			if path, ok := p["path"].(string); ok {
				addPath(path)
			}
		}
	}
	if h := e.Helm; h != nil {
		for _, ref := range h.ValuesFrom {
			in.Objects[ref.Kind+"/"+ref.Name] = true
		}
		if h.Chart != nil {
			in.Objects[h.Chart.Spec.SourceRef.Kind+"/"+h.Chart.Spec.SourceRef.Name] = true
		}
		if h.ChartRef != nil {
			in.Objects[h.ChartRef.Kind+"/"+h.ChartRef.Name] = true
		}
		if h.ChartPath != "" {
			in.addDir(root, filepath.Join(root, filepath.FromSlash(h.ChartPath)))
		}
	}
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
	return SelectBase(root, targets, changed, global, nil)
}

// SelectBase is Select that also reads a changed file as it was at the
// base revision (base returns nil when the file did not exist there or
// cannot be read): a deleted CRD, or a ConfigMap renamed away from the name
// an entry point looks up, is a change too.
func SelectBase(root string, targets []discover.Target, changed []string, global []string, base func(path string) []byte) Selection {
	defined := map[string]bool{} // "Kind/name" defined by a changed file, before or after
	for _, c := range changed {
		for _, g := range global {
			g = strings.TrimSuffix(path.Clean(filepath.ToSlash(g)), "/")
			if c == g || strings.HasPrefix(c, g+"/") {
				return Selection{Targets: targets, All: true, Reason: c + " affects every target"}
			}
		}
		if path.Base(c) == ".sops.yaml" {
			return Selection{Targets: targets, All: true, Reason: c + " (SOPS rules) affects every target"}
		}
		abs := filepath.Join(root, filepath.FromSlash(c))
		if isKustomization(c) {
			if _, err := os.Stat(abs); err != nil {
				return Selection{Targets: targets, All: true, Reason: "deleted kustomization " + c}
			}
		}
		versions := [][]byte{readHead(root, abs)}
		if base != nil {
			versions = append(versions, base(c))
		}
		for _, b := range versions {
			if isCRD(c, b) {
				return Selection{Targets: targets, All: true, Reason: "CustomResourceDefinition " + c + " changed"}
			}
			for _, k := range definedObjects(c, b) {
				defined[k] = true
			}
		}
	}
	var out []discover.Target
	l := NewLoader(root)
	for _, t := range targets {
		in := l.TargetInputs(t)
		if slices.ContainsFunc(changed, in.Touches) || touchesObjects(in, defined) {
			out = append(out, t)
		}
	}
	return Selection{Targets: out}
}

func touchesObjects(in *Inputs, defined map[string]bool) bool {
	for k := range in.Objects {
		if defined[k] {
			return true
		}
	}
	return false
}

// readHead reads a changed file of the work tree within the default
// limits; nil when it is gone or refused (then it is no CRD kvet reads).
func readHead(root, abs string) []byte {
	b, v, err := guard.ReadFile(root, abs, guard.Limits{})
	if v != nil || err != nil {
		return nil
	}
	return b
}

// definedObjects lists the "Kind/name" of the objects a YAML file defines.
func definedObjects(p string, b []byte) []string {
	if !isManifest(p) || len(b) == 0 || guard.CheckContent(p, b, guard.Limits{}, true) != nil {
		return nil
	}
	var out []string
	dec := yaml3.NewDecoder(bytes.NewReader(b))
	for {
		var doc struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		}
		if err := dec.Decode(&doc); err != nil {
			break // end, or a syntax error the build reports
		}
		if doc.Kind != "" && doc.Metadata.Name != "" {
			out = append(out, doc.Kind+"/"+doc.Metadata.Name)
		}
	}
	return out
}

func isKustomization(p string) bool {
	return slices.Contains(kustfile.Names(), path.Base(p))
}

// isCRD reports whether a changed file declares a CustomResourceDefinition
// (in the content given): its schema checks objects of other targets.
func isCRD(p string, b []byte) bool {
	return isManifest(p) && bytes.Contains(b, []byte("CustomResourceDefinition"))
}

func isManifest(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
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
