// Package build renders kustomize targets in-process with krusty, the same
// code the kustomize CLI runs, under kvet's safety rules: no network unless
// allowed, no plugin or function execution unless enabled, files loaded only
// from inside the kustomization root. It also reports what kustomize keeps
// quiet about: patches and replacements that select nothing.
package build

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/yamljson"

	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"

	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
)

// Options are the explicit opt-ins that relax kvet's safety rules.
type Options struct {
	// AllowRemote lets kustomize fetch remote bases and resources.
	AllowRemote bool
	// EnablePlugins runs exec and container KRM functions and legacy plugins.
	EnablePlugins bool
	// EnableHelm runs helm to inflate helmCharts.
	EnableHelm bool
	// HelmCommand is the helm binary used when EnableHelm is set.
	HelmCommand string
	// Root is the repository root: no file outside it is ever read
	// (symlinks resolved). Empty: no such bound.
	Root string
	// Limits bound what a build reads and renders (zero: defaults).
	Limits guard.Limits
	// KubernetesVersion is the minor HelmRelease charts render for
	// (Capabilities.KubeVersion); empty: the bundled default.
	KubernetesVersion string
	// FS, when set, is what builds read instead of the disk (kvet lsp: the
	// repository with the editor's unsaved buffers over it). Reads still go
	// through the guard: inside Root, within the limits.
	FS filesys.FileSystem
}

// Builder builds targets. It is safe for concurrent use.
type Builder struct {
	opts Options
	fs   filesys.FileSystem
	// artifacts: what source-controller leaves out of the repository's
	// artifact (.sourceignore files, spec.ignore), read once per
	// spec.ignore (plain directories a Flux Kustomization names).
	artifacts gitops.ArtifactFilters
	// checked: the file contents that passed the guard, each checked once
	// however many targets read it; docs: where each file's documents
	// start (source lines), scanned once.
	checked *guard.Checked
	docs    *docStarts
	// stamps: the stamped copies of resource files, shared by the
	// Builder's builds (origins.go); origins counts its decisions.
	stamps  *stamps
	origins originCounts
	// markers: the instrumented kustomizations, shared likewise (markers.go).
	markers *markers
}

// New returns a Builder reading from the real disk.
func New(opts Options) *Builder {
	if opts.HelmCommand == "" {
		opts.HelmCommand = "helm"
	}
	// kyaml parses its OpenAPI schema lazily and some readers
	// (IsNamespaceScoped) read it without its lock: parse it once here,
	// before builds run concurrently.
	openapi.Schema()
	fs := opts.FS
	if fs == nil {
		fs = filesys.MakeFsOnDisk()
	}
	return &Builder{opts: opts, fs: fs, checked: guard.NewChecked(opts.Limits), docs: &docStarts{files: map[string]scanned{}}, stamps: newStamps(), markers: newMarkers()}
}

// Object is one rendered object.
type Object struct {
	// Index is the object's position in the rendered output.
	Index    int
	Resource report.Resource
	// Node is the rendered object, kvet's build annotations removed.
	Node *kyaml.RNode
	// Applier is the client that sends the object to the API server, which
	// decides how its YAML becomes JSON (yamljson): kustomize's printing for
	// kustomize builds (the zero value), kubectl's for Helm's output.
	Applier yamljson.Applier
	// Source is where the object is written in the repository: the file
	// (absolute path) and the line its document starts on, when known.
	Source report.Source
}

// Result is what building one target gives.
type Result struct {
	Dir     string
	Objects []Object
	// Findings are build findings; their Source.File is absolute.
	Findings []report.Finding
	// Err is the build error, nil when kustomize built the target.
	Err error
	// Notes are informational messages for the report (helm.go).
	Notes []string
	// Matched are the patches of components that matched an object in
	// this build (file absolute, line): a component's patch is unmatched
	// only when it matches in none of the targets that include it.
	Matched []report.Source
	// ComponentMisses are the patches of components that matched nothing
	// in this build (file absolute, line).
	ComponentMisses []report.Source
}

func (b *Builder) kustomizer(flux bool) *krusty.Kustomizer {
	o := krusty.MakeDefaultOptions()
	o.Reorder = krusty.ReorderOptionUnspecified // what the CLI does
	o.LoadRestrictions = types.LoadRestrictionsRootOnly
	if flux {
		// kustomize-controller builds with no load restriction; the guard
		// still keeps every read inside the repository.
		o.LoadRestrictions = types.LoadRestrictionsNone
	}
	if b.opts.EnablePlugins {
		c := types.EnabledPluginConfig(types.BploUseStaticallyLinked)
		c.FnpLoadingOptions.EnableExec = true
		c.HelmConfig.Enabled = b.opts.EnableHelm
		o.PluginConfig = c
	} else {
		o.PluginConfig = types.DisabledPluginConfig()
		o.PluginConfig.HelmConfig.Enabled = b.opts.EnableHelm
	}
	o.PluginConfig.HelmConfig.Command = b.opts.HelmCommand
	return krusty.MakeKustomizer(o)
}

// Spec says what to build.
type Spec struct {
	// Dir is the target directory.
	Dir string
	// Generate builds a directory without a kustomization file the way a
	// GitOps controller would: with a kustomization listing its manifests.
	Generate bool
	// Recurse makes the generated kustomization include subdirectories.
	Recurse bool
	// Flux: kustomize-controller builds the directory: a plain directory
	// gets the controller's generated kustomization, and files load
	// without the kustomization-root restriction.
	Flux bool
	// ArtifactIgnores are the spec.ignore of the GitRepositories that may
	// apply a plain Flux directory (a file is left out when all of them
	// leave it out, as source-controller does).
	ArtifactIgnores []string
	// Entry, when set, builds Dir as the GitOps entry point that names it
	// (see entrypoint.go).
	Entry *gitops.EntryPoint
	// Applier is how the objects reach the API server (yamljson): kustomize's
	// printing (the zero value), or kubectl's reading for a plain directory
	// that only Argo CD applies (its directory sources are read as kubectl
	// reads manifests, without kustomize).
	Applier yamljson.Applier

	kustomizeOrigins bool // origins.go
}

// Render returns exactly what `kustomize build dir` prints.
func (b *Builder) Render(ctx context.Context, spec Spec) ([]byte, error) {
	dir, err := filepath.Abs(spec.Dir)
	if err != nil {
		return nil, err
	}
	if spec.Entry != nil {
		return b.renderEntry(ctx, spec)
	}
	gfs := b.guarded()
	ofs := newOverlayFS(gfs)
	root, err := b.rootFile(ofs, dir, spec)
	if err != nil {
		return nil, err
	}
	if _, findings := b.preflight(gfs, dir, root, spec.flux()); len(findings) > 0 {
		return nil, errors.New(findings[0].Message)
	}
	ctx, cancel := b.withTargetTimeout(ctx)
	defer cancel()
	m, err := b.run(ctx, ofs, dir, spec.flux())
	if fs := b.limitFindings(ctx, gfs); len(fs) > 0 {
		return nil, errors.New(fs[0].Source.File + ": " + fs[0].Message)
	}
	if err != nil {
		return nil, err
	}
	if fs := b.tooManyObjects(m.Size(), dir); len(fs) > 0 {
		return nil, errors.New(fs[0].Message)
	}
	return m.AsYaml()
}

// Build renders dir and reports build findings. It never panics: a panic
// inside kustomize becomes an internal-error finding.
func (b *Builder) Build(ctx context.Context, spec Spec) (res *Result) {
	res = &Result{Dir: spec.Dir}
	abs, err := filepath.Abs(spec.Dir)
	if err != nil {
		res.Err = err
		res.Findings = append(res.Findings, finding("build-failed", err.Error(), "", 0))
		return res
	}
	res.Dir = abs
	if spec.Entry != nil && spec.Entry.Helm != nil {
		return b.buildHelm(ctx, spec, res) // helm.go
	}
	if spec.Entry != nil && spec.Entry.Argo != nil && spec.Entry.Argo.Helm != nil {
		return b.buildArgoHelm(ctx, spec, res) // argohelm.go
	}
	gfs := b.guarded()
	ofs := newOverlayFS(gfs)
	// Deprecated fields are reported on the files as written, after
	// remapFindings (defers run last-in first-out), which only concerns
	// the kustomization kvet rewrote for an entry point.
	var deprecated []report.Finding
	defer func() { res.Findings = append(res.Findings, deprecated...) }()
	root, er, err := b.targetRoot(ofs, abs, spec)
	defer er.remapFindings(res)
	if err != nil {
		res.Err = err
		if fs := gfs.findings(); len(fs) > 0 {
			res.Findings = append(res.Findings, fs...) // a refused input explains it
			return res
		}
		file, line := abs, 0
		var kam *kustomizationAsManifest
		if errors.As(err, &kam) {
			file, line = kam.file, 1 // the file to move or exclude
		}
		res.Findings = append(res.Findings, finding("build-failed", err.Error(), file, line))
		return res
	}
	files, findings := b.preflight(gfs, abs, root, spec.flux())
	deprecated = deprecatedInGraph(files, root, er)
	if len(findings) > 0 {
		res.Findings = findings
		res.Err = errors.New(findings[0].Message)
		return res
	}
	placeholders := fluxPlaceholders(gfs, ofs, files) // verify.go
	for _, f := range files {
		if placeholders[f.Path] {
			res.Notes = append(res.Notes, fmt.Sprintf(
				"%s lists the Flux components `flux bootstrap` writes (gotk-components.yaml), which this checkout holds only as an empty placeholder: the controllers themselves are not checked", f.Path))
		}
	}
	var probes []probe
	addedOrigin := false
	mk := b.markers
	if mk == nil { // a Builder not made by New (tests): markers of this build only
		mk = newMarkers()
	}
	origins, fastOrigins := b.originsOf(gfs, ofs, files, spec) // origins.go
	for i, f := range files {
		content, ps, origin, err := mk.instrument(b.read, f, i == 0 && !fastOrigins)
		if err != nil {
			res.Err = err
			res.Findings = append(res.Findings, finding("build-failed", err.Error(), f.Path, 0))
			return res
		}
		if content != nil {
			ofs.set(f.Path, content)
			probes = append(probes, ps...)
			addedOrigin = addedOrigin || origin
		}
	}

	ctx, cancel := b.withTargetTimeout(ctx)
	defer cancel()
	m, err := b.run(ctx, ofs, abs, spec.flux())
	if fs := b.limitFindings(ctx, gfs); len(fs) > 0 {
		res.Err = errors.New(fs[0].Message)
		res.Findings = append(res.Findings, fs...)
		return res
	}
	if err != nil {
		res.Err = stamplessError{err}
		res.Findings = append(res.Findings, explain(b.read, err, files)...)
		return res
	}
	if fs := b.tooManyObjects(m.Size(), files[0].Path); len(fs) > 0 {
		res.Err = errors.New(fs[0].Message)
		res.Findings = append(res.Findings, fs...)
		return res
	}
	hits := map[string]bool{}
	lines := lineIndex{read: b.read, shared: b.docs}
	for i, r := range m.Resources() {
		obj, err := b.object(i, r, abs, addedOrigin, hits, &lines)
		obj.Applier = spec.Applier
		if err != nil {
			res.Err = err
			res.Findings = append(res.Findings, finding("build-failed", err.Error(), files[0].Path, 0))
			return res
		}
		if fastOrigins && !origins.locate(&obj, r, &lines) {
			return b.rebuildWithOrigins(ctx, spec)
		}
		if key, line, dup := duplicateKey(obj.Node.YNode()); dup {
			res.Findings = append(res.Findings, duplicateKeyFinding(b.read, obj, key, line))
			continue
		}
		if f, bad := unencodable(obj); bad {
			res.Findings = append(res.Findings, f)
			continue
		}
		res.Objects = append(res.Objects, obj)
	}
	er.postBuild(res)
	if spec.Entry == nil {
		res.Findings = append(res.Findings, unmatchedImages(files[0], files, res.Objects)...) // images.go
	}
	b.verifyUnmatched(ctx, ofs, abs, spec, files, fastOrigins, mk, probes, hits) // verify.go
	components := map[string]bool{}
	for _, f := range files {
		components[f.Path] = f.IsComponent()
	}
	for _, p := range probes {
		if hits[p.key] {
			if components[p.file] {
				res.Matched = append(res.Matched, report.Source{File: p.file, Line: p.line})
			}
			continue
		}
		if components[p.file] {
			res.ComponentMisses = append(res.ComponentMisses, report.Source{File: p.file, Line: p.line})
		}
		if placeholders[p.file] && p.rule == "patch-no-match" {
			res.Notes = append(res.Notes, fmt.Sprintf(
				"%s in %s of %s selects no object: the Flux components it patches are in gotk-components.yaml, the placeholder `flux bootstrap` fills in, so kvet cannot check it",
				p.what, p.field, p.file))
			continue
		}
		msg := fmt.Sprintf("%s in %s selects no object, so kustomize silently skips it: fix the target selector (kind, name, namespace, labels) to match an object of this build, or remove the entry",
			p.what, p.field)
		if p.rule == "replacement-no-match" {
			msg = fmt.Sprintf("%s in %s selects no object, so kustomize silently skips it: fix the selector or remove the target", p.what, p.field)
		}
		res.Findings = append(res.Findings, finding(p.rule, msg, p.file, p.line))
	}
	return res
}

// run calls krusty with a panic guard and honours ctx: kustomize cannot be
// interrupted, so on cancellation the build is abandoned.
func (b *Builder) run(ctx context.Context, fs filesys.FileSystem, dir string, flux bool) (resmap.ResMap, error) {
	type out struct {
		m   resmap.ResMap
		err error
	}
	ch := make(chan out, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				ch <- out{err: &PanicError{Value: r, Stack: string(debug.Stack())}}
			}
		}()
		m, err := b.kustomizer(flux).Run(fs, dir)
		ch <- out{m, err}
	}()
	select {
	case o := <-ch:
		return o.m, o.err
	case <-ctx.Done():
		return nil, fmt.Errorf("build abandoned: %w", ctx.Err())
	}
}

// PanicError is a panic inside kustomize, turned into an error.
type PanicError struct {
	Value any
	Stack string
}

func (e *PanicError) Error() string { return fmt.Sprintf("kustomize panicked: %v", e.Value) }

func (b *Builder) object(i int, r *resource.Resource, root string, addedOrigin bool, hits map[string]bool, lines *lineIndex) (Object, error) {
	obj := Object{Index: i}
	annos := r.GetAnnotations()
	changed := false
	for k := range annos {
		if strings.HasPrefix(k, patchMarkerPrefix) || strings.HasPrefix(k, replacementMarkerPrefix) {
			hits[k] = true
			delete(annos, k)
			changed = true
		}
	}
	if o, err := r.GetOrigin(); err == nil && o != nil && o.Repo == "" {
		file := o.Path
		if file == "" {
			file = o.ConfiguredIn
		}
		if file != "" {
			obj.Source.File = filepath.Join(root, file)
		}
	}
	if addedOrigin {
		delete(annos, originAnnotation)
		changed = true
	}
	if changed {
		if err := r.SetAnnotations(annos); err != nil {
			return obj, fmt.Errorf("strip kvet annotations: %w", err)
		}
	}
	obj.Resource = report.Resource{
		APIVersion: r.GetApiVersion(),
		Kind:       r.GetKind(),
		Namespace:  r.GetNamespace(),
		Name:       r.GetName(),
	}
	obj.Node = &r.RNode
	if obj.Source.File != "" {
		obj.Source.Line = lines.line(obj.Source.File, r.OrgId().Kind, r.OrgId().Name)
	}
	return obj, nil
}

func finding(rule, msg, file string, line int) report.Finding {
	return report.Finding{
		Severity: report.SeverityError,
		Check:    report.CheckBuild,
		Rule:     rule,
		Message:  msg,
		Source:   report.Source{File: file, Line: line},
	}
}

// preflight reads the kustomization graph of dir (the target first) and
// refuses what the safety rules forbid before kustomize can act on it.
func (b *Builder) preflight(gfs *guardedFS, dir string, root *kustfile.File, flux bool) ([]*kustfile.File, []report.Finding) {
	var files []*kustfile.File
	var findings []report.Finding
	seen := map[string]bool{}
	var walk func(d string)
	walk = func(d string) {
		if seen[d] {
			return
		}
		seen[d] = true
		f, err := root, error(nil)
		if d != dir || root == nil {
			f, err = loadKustomization(gfs, d)
		}
		if err != nil {
			if d == dir {
				findings = append(findings, finding("build-failed", err.Error()+" in "+d, d, 0))
			}
			return // kustomize will report a missing or broken included kustomization
		}
		files = append(files, f)
		findings = append(findings, escapingFiles(gfs, f, flux)...)
		if !b.opts.AllowRemote {
			for _, r := range f.Remotes() {
				findings = append(findings, finding("remote-resource",
					fmt.Sprintf("%s entry %q is remote: kvet never fetches over the network by default; vendor it into the repository, or pass --allow-remote to accept the risk", r.Field, r.Value),
					f.Path, r.Line))
			}
		}
		if !b.opts.EnableHelm && len(f.K.HelmCharts) > 0 {
			findings = append(findings, finding("helm-disabled",
				"helmCharts needs helm to run: kvet does not execute programs by default; render the chart into the repository or pass --enable-helm",
				f.Path, f.Line("helmCharts", -1)))
		}
		for _, sub := range f.LocalDirs() {
			walk(sub)
		}
	}
	walk(dir)
	if fs := gfs.findings(); len(fs) > 0 {
		return files, fs // refused files come first: they explain the rest
	}
	return files, findings
}

// rootFile returns the generated kustomization of a plain directory (and
// puts it into ofs), or nil when the directory has its own.
func (b *Builder) rootFile(ofs *overlayFS, dir string, spec Spec) (*kustfile.File, error) {
	if !spec.Generate {
		return nil, nil
	}
	if _, err := kustfile.Find(dir); err == nil {
		return nil, nil
	}
	if !paths.IsDir(dir) {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	var content []byte
	var err error
	if spec.flux() {
		if err = guardFluxInputs(ofs, dir); err == nil {
			var f *gitops.ArtifactFilter
			if f, err = b.artifactFilter(spec.ArtifactIgnores); err == nil {
				content, err = gitops.FluxKustomization(dir, nil, f)
			}
		}
	} else {
		content, err = generatedKustomization(dir, spec.Recurse, ofs.ReadFile)
	}
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "kustomization.yaml")
	ofs.set(path, content)
	return kustfile.Parse(dir, path, content)
}

// artifactFilter is source-controller's exclusions for the repository
// with the GitRepository's spec.ignore (nil without a repository root).
func (b *Builder) artifactFilter(ignores []string) (*gitops.ArtifactFilter, error) {
	if b.opts.Root == "" {
		return nil, nil
	}
	return b.artifacts.Get(b.opts.Root, ignores)
}

// flux reports whether kustomize-controller builds the target.
func (s Spec) flux() bool { return s.Flux || (s.Entry != nil && s.Entry.Flux != nil) }
