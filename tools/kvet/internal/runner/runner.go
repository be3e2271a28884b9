// Package runner is kvet's pipeline: discover the targets, build them in
// parallel, collect the CRDs they render, then check every object against
// its schema and the policies, and assemble one deterministic report.
package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	yaml3 "go.yaml.in/yaml/v3"
	"golang.org/x/sync/errgroup"

	"github.com/example/gitops-go-stack/tools/kvet/internal/affected"
	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/cache"
	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/contents"
	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
	"github.com/example/gitops-go-stack/tools/kvet/internal/sourcemap"
	"github.com/example/gitops-go-stack/tools/kvet/internal/yamljson"
)

// Object is a rendered object as the checks see it.
type Object struct {
	Index    int
	Resource report.Resource
	JSON     []byte
	Body     map[string]any
	// Source is the repository-relative file and line of the object.
	Source report.Source
}

// Target is a built target as the checks see it.
type Target struct {
	Path        string
	Environment string
	// Cluster is what cross-resource references resolve against (every
	// object of the target's cluster, cluster.go); nil: the target alone.
	Cluster *Cluster
}

// Checker is an extra check run over each built target (the policies).
type Checker interface {
	Check(ctx context.Context, t Target, objs []Object) ([]report.Finding, error)
}

// CachedChecker is a Checker whose findings the persistent cache may keep
// and whose preparation can wait until a target needs it.
type CachedChecker interface {
	Checker
	// Fingerprint names everything besides the target (its path,
	// environment, objects and cluster) the findings depend on; false:
	// they must not be reused.
	Fingerprint() (string, bool)
	// Prepare readies the checker (compiles the policies). It is called
	// once before the first Check of a run; a run whose every target's
	// checks come from the cache never calls it.
	Prepare(ctx context.Context) error
}

// Prepared is told what a run had to prepare ("schema": the schemas were
// compiled; "checks": the Checkers were prepared).
type Prepared func(what string)

func (p Prepared) call(what string) {
	if p != nil {
		p(what)
	}
}

// Options configure a run.
type Options struct {
	// Root is the repository root, absolute.
	Root string
	// Paths to validate (absolute or relative to the working directory).
	Paths  []string
	Config *config.Config
	// KubernetesVersion overrides the config.
	KubernetesVersion string
	// CRDDirs are extra CRD directories (absolute).
	CRDDirs []string
	// SchemaLocations are the --schema-location templates (absolute);
	// kvet.yaml's schemaLocations come after them.
	SchemaLocations []string
	Build           build.Options
	Jobs            int
	Checkers        []Checker
	// SkipSchema turns the schema check off (render-only runs).
	SkipSchema bool
	// SkipKinds are kinds ("Secret") or apiVersion/kinds ("v1/Secret")
	// whose objects get no schema check; RejectKinds those that are an
	// error wherever they appear (kubeconform's -skip and -reject).
	SkipKinds, RejectKinds []string
	// Discovered, when set, is told every target discovered, before Select
	// narrows them (the Markdown report draws them).
	Discovered func(targets []discover.Target)
	// Select, when set, narrows the discovered targets before anything is
	// built (--changed-since, --shard).
	Select func(ctx context.Context, targets []discover.Target) ([]discover.Target, error)
	// Selection names what Select narrows to ("--shard 2/4"), so that the
	// cache keeps the records of differently narrowed runs apart.
	Selection string
	// Repo, when set, is the repository's manifests as the caller already
	// reads them (gitops.Repo reads them once, on first use).
	Repo *gitops.Repo
	// Cache, when set, keeps builds and schema findings across runs
	// (cache.go).
	Cache *cache.Cache
	// CacheUsed, when set, is told for each target whether its build came
	// from the cache (called from several goroutines; not for targets the
	// cache cannot hold).
	CacheUsed func(target string, hit bool)
	// ChecksCached, when set, is told for each target whose checks the
	// cache may hold whether they came from it (called from several
	// goroutines).
	ChecksCached func(target string, hit bool)
	// KustomizationsCached, when set, is told whether the repository's
	// kustomizations came from the cache (an unchanged tree) or were read.
	KustomizationsCached func(hit bool)
	// Prepared, when set, is told what the run compiled.
	Prepared Prepared
	// Progress, when set, is told each time a target is built and checked
	// (progress.go); it is called from several goroutines.
	Progress Progress
	// Rendered, when set, is given each target's rendered objects before
	// they are checked (kvet lsp shows a field's value per target); it is
	// called from several goroutines. The run does not change objs or their
	// bodies afterwards, and the hook must not change them either.
	Rendered func(t discover.Target, objs []Object)
	// NewValidator, when set, makes the schema validator instead of
	// schema.New (kvet lsp keeps one across checks, and the schemas it
	// compiled with it).
	NewValidator func(schema.Options) (*schema.Validator, []report.Finding, error)
}

type built struct {
	target discover.Target
	result *build.Result
	// encoded holds the objects as JSON once the build is compacted
	// (compact.go): the rendered trees are dropped, memory stays bounded.
	encoded []encodedObject
}

// repoPath is a file as findings name it: relative to the repository root,
// or, for a file outside the repository (which kvet refuses to read), its
// own path, so that it never reads as a file of the repository.
func repoPath(root, p string) string {
	if !paths.Inside(root, p) {
		return filepath.ToSlash(p)
	}
	return paths.Rel(root, p)
}

// manifestsBudget bounds the manifests kept in memory between the passes
// that read them all (contents.Store).
const manifestsBudget = 64 << 20

// Run validates and returns the report. The error is for kvet itself
// failing (bad path, unusable configuration), not for findings.
func Run(ctx context.Context, opts Options) (*report.Report, error) {
	if opts.Config == nil {
		opts.Config = &config.Config{}
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.GOMAXPROCS(0)
	}
	opts.Build = buildOptions(opts)
	// Discovery and the cache keys read the same kustomizations: one
	// parse once the cache has hashed the repository, none when the
	// cache holds them (cache.go).
	kusts := affected.NewLoader(opts.Root)
	// The cache's hash reads every file; discovery and the GitOps index
	// read the manifests again: from memory (released once they are done).
	store := contents.New(manifestsBudget)
	keys, err := newCacheKeys(opts, kusts, store) // cache.go
	if err != nil {
		return nil, err
	}
	defer keys.abort() // unless committed below
	// Discovery (entry points' sources), the policies (data.kvet.repository)
	// and dependsOn read the repository's GitOps objects: one index, read
	// while discovery runs.
	repo := opts.Repo
	if repo == nil {
		repo = gitops.NewRepo(opts.Root, opts.Config.Excluded, opts.Config.Limits.MaxFileBytes)
	}
	urls := gitops.RepositoryURLs(opts.Root, opts.Config.RepositoryURLs)
	repo.WithRepositoryURLs(urls).WithReader(store.ReadFile)
	var loading sync.WaitGroup
	loading.Go(repo.Load)
	for _, c := range opts.Checkers {
		if cc, ok := c.(CachedChecker); ok {
			loading.Go(func() { cc.Fingerprint() })
		}
	}
	targets, err := discover.Discover(ctx, discover.Options{Root: opts.Root, Excluded: opts.Config.Excluded,
		RepositoryURLs: urls, Load: kusts.Kustomization, Repo: repo}, opts.Paths)
	loading.Wait()
	store.Release()
	if err != nil {
		return nil, err
	}
	if opts.Discovered != nil {
		opts.Discovered(targets)
	}
	if opts.Select != nil {
		if targets, err = opts.Select(ctx, targets); err != nil {
			return nil, err
		}
	}
	paths := make([]string, len(targets))
	for i, t := range targets {
		paths[i] = t.Path
	}
	if err := opts.Config.CheckEnvironments(paths); err != nil {
		return nil, err
	}

	caches := make([]*targetCache, len(targets))
	// The builder initialises kyaml's OpenAPI schema (tens of
	// milliseconds): only a run that builds or checks something needs it.
	builder := sync.OnceValue(func() *build.Builder { return build.New(opts.Build) })
	results := make([]built, len(targets))
	mctx, stopWatch := watchMemory(ctx, opts.Build.Limits.MemoryBudget)
	defer stopWatch()
	g, gctx := errgroup.WithContext(mctx)
	g.SetLimit(opts.Jobs)
	if keys != nil {
		// Every key first: then the parsed kustomizations they read can
		// go before the builds need the memory.
		var kg errgroup.Group
		kg.SetLimit(opts.Jobs)
		for i, t := range targets {
			kg.Go(func() error {
				k, ok := keys.buildKey(t)
				caches[i] = &targetCache{keys: keys, build: k, ok: ok}
				return nil
			})
		}
		_ = kg.Wait()
		keys.inputs = nil
	}
	for i, t := range targets {
		g.Go(func() error {
			b, hit := caches[i].lookupBuild(t)
			if opts.CacheUsed != nil && caches[i] != nil && caches[i].ok {
				opts.CacheUsed(t.Path, hit)
			}
			if hit {
				results[i] = b
			} else {
				results[i] = compact(built{target: t, result: safeBuild(gctx, builder(), t)})
				if gctx.Err() == nil {
					caches[i].storeBuild(results[i])
				}
			}
			opts.Progress.step(PhaseBuild, len(targets))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err // interrupted: write nothing more, not even schemas
	}

	var findings []report.Finding
	var schemaOpts *schema.Options
	if !opts.SkipSchema {
		opts.Progress.step(PhaseLoadSchemas, 0)
		crds, crdFindings, err := collectCRDs(opts, results)
		if err != nil {
			return nil, err
		}
		findings = append(findings, crdFindings...)
		version := opts.KubernetesVersion
		if version == "" {
			version = opts.Config.KubernetesVersion
		}
		locs, err := schemaLocations(opts)
		if err != nil {
			return nil, err
		}
		fluxOperator := usesFluxOperator(results)
		if keys != nil {
			keys.setSchema(opts, version, crds, fluxOperator)
		}
		schemaOpts = &schema.Options{KubernetesVersion: version, ExternalKinds: opts.Config.ExternalKinds, CRDs: crds, Only: kindsOf(results),
			FeatureGates: opts.Config.FeatureGates, FluxOperator: fluxOperator, SchemaLocations: locs}
	}

	views := clusterViews(opts.Root, results) // cluster.go
	perTarget := make([][]report.Finding, len(results))
	reps := make([]report.Target, len(results))
	// A target whose checks are cached (cache.go) needs neither its
	// objects decoded nor the schemas and policies compiled: those are
	// prepared only when some target's checks miss.
	checked := lookupChecks(ctx, opts, keys, results, caches, views)
	missed := len(results) == 0
	for i := range results {
		if checked[i] == nil {
			missed = true
		}
	}
	var val *schema.Validator
	if schemaOpts != nil {
		vf, ok := keys.lookupValidator(schemaOpts.Only)
		if !ok || missed {
			newValidator := opts.NewValidator
			if newValidator == nil {
				newValidator = schema.New
			}
			v, fresh, err := newValidator(*schemaOpts)
			if err != nil {
				return nil, err
			}
			val = v
			if !ok {
				keys.storeValidator(schemaOpts.Only, fresh)
			}
			vf = fresh
			opts.Prepared.call("schema")
		}
		for _, f := range vf {
			f.Target = "."
			findings = append(findings, f)
		}
	}
	if missed {
		builder() // kyaml's schema, read by the checks' source maps
		for _, c := range opts.Checkers {
			if p, ok := c.(CachedChecker); ok {
				if err := p.Prepare(ctx); err != nil {
					return nil, err
				}
			}
		}
		opts.Prepared.call("checks")
	}
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(opts.Jobs)
	for i, b := range results {
		g.Go(func() error {
			done := func(phase string) { opts.Progress.step(phase, len(results)) }
			if c := checked[i]; c != nil {
				reps[i], perTarget[i] = c.rep, c.findings
				if schemaOpts != nil {
					done(PhaseSchemas)
				}
				if len(opts.Checkers) > 0 {
					done(PhasePolicies)
				}
			} else {
				reps[i], perTarget[i] = check(gctx, opts, val, b, views[i], caches[i], done)
				if gctx.Err() == nil {
					caches[i].storeCheck(reps[i], perTarget[i])
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err // interrupted: a partial report must not pass
	}
	matched, misses := componentPatches(opts.Root, results)
	partial := !fullRun(opts)
	for _, fs := range perTarget {
		for _, f := range fs {
			if f.Rule == "patch-no-match" && matched[f.Source] {
				continue // a component's patch that matches in another target
			}
			if f.Rule == "patch-no-match" && misses[f.Source] && partial {
				f.Severity = report.SeverityWarning
				f.Message += " (this run checked only some targets: the component may match in one that includes it and was not checked)"
			}
			findings = append(findings, f)
		}
	}
	findings = append(findings, dependsOn(opts, repo, results, views)...) // entrypoints.go
	report.Relativize(opts.Root, reps, findings)
	keys.commit()
	return report.New(reps, findings), nil
}

// sourceMap reads the target's files as its build did: from the disk, or
// from the file system the build options name (editor buffers).
func sourceMap(opts Options, dir string) *sourcemap.Map {
	if opts.Build.FS != nil {
		return sourcemap.NewReading(dir, opts.Build.FS.ReadFile)
	}
	return sourcemap.New(dir)
}

func safeBuild(ctx context.Context, b *build.Builder, t discover.Target) (res *build.Result) {
	defer func() {
		if r := recover(); r != nil {
			res = &build.Result{Dir: t.Dir, Err: fmt.Errorf("panic: %v", r), Findings: []report.Finding{{
				Severity: report.SeverityError, Check: report.CheckBuild, Rule: "internal-error",
				Message: fmt.Sprintf("kvet crashed while building this target: %v (please report it)\n%s", r, firstFrames(debug.Stack())),
			}}}
		}
	}()
	if e := t.Entry; e != nil && e.Rule != "" {
		// The controller fails on the entry point itself.
		return &build.Result{Dir: t.Dir, Findings: []report.Finding{{
			Severity: report.SeverityError, Check: report.CheckBuild, Rule: e.Rule,
			Resource: report.Resource{APIVersion: e.APIVersion, Kind: e.Kind, Namespace: e.Namespace, Name: e.Name},
			Message:  e.Describe() + ": " + e.NotRendered,
			Source:   report.Source{File: e.Source.File, Line: e.Source.Line},
		}}}
	}
	if t.Entry != nil && t.Entry.NotRendered != "" {
		// Not this repository: nothing to build, the reason is a note.
		return &build.Result{Dir: t.Dir, Notes: []string{t.Entry.Describe() + " is not rendered: " + t.Entry.NotRendered}}
	}
	return b.Build(ctx, build.Spec{Dir: t.Dir, Generate: t.Generated, Recurse: t.Recurse, Flux: t.Flux, ArtifactIgnores: t.ArtifactIgnores, Entry: t.Entry, Applier: applierOf(t)})
}

// applierOf is the client that sends t's objects to the API server: Argo CD
// reads a plain directory's manifests as kubectl does (no kustomize, so keys
// like 5: become strings and yes is a boolean); everything else goes through
// kustomize's printing (Flux builds plain directories with kustomize too).
func applierOf(t discover.Target) yamljson.Applier {
	if !t.Generated || len(t.Via) == 0 {
		return yamljson.Kustomize
	}
	if t.Entry != nil {
		if t.Entry.Argo != nil {
			return yamljson.Kubectl
		}
		return yamljson.Kustomize
	}
	for _, v := range t.Via {
		if !strings.Contains(v, "#Application/") && !strings.Contains(v, "#ApplicationSet/") {
			return yamljson.Kustomize
		}
	}
	return yamljson.Kubectl
}

func firstFrames(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	if len(lines) > 12 {
		lines = lines[:12]
	}
	return strings.Join(lines, "\n")
}

// fullRun: every target of the repository is checked (no narrowing, the
// repository root among the paths).
func fullRun(opts Options) bool {
	if opts.Select != nil {
		return false
	}
	for _, p := range opts.Paths {
		if abs, err := filepath.Abs(p); err == nil && abs == opts.Root {
			return true
		}
	}
	return false
}

// componentPatches are the components' patches (repository-relative)
// that match an object in at least one target, and those that match
// nothing in some target.
func componentPatches(root string, results []built) (matched, misses map[report.Source]bool) {
	matched, misses = map[report.Source]bool{}, map[report.Source]bool{}
	for _, b := range results {
		if b.result == nil {
			continue
		}
		for _, m := range b.result.Matched {
			matched[report.Source{File: repoPath(root, m.File), Line: m.Line}] = true
		}
		for _, m := range b.result.ComponentMisses {
			misses[report.Source{File: repoPath(root, m.File), Line: m.Line}] = true
		}
	}
	return matched, misses
}

// check checks one built target; done is told as its schema check
// (PhaseSchemas) and its policies (PhasePolicies) finish.
func check(ctx context.Context, opts Options, val *schema.Validator, b built, cluster *Cluster, tc *targetCache, done func(phase string)) (rep report.Target, findings []report.Finding) {
	t := b.target
	rep = report.Target{Path: t.Path}
	defer func() {
		if r := recover(); r != nil {
			findings = append(findings, report.Finding{
				Target: t.Path, Severity: report.SeverityError, Check: report.CheckSchema, Rule: "internal-error",
				Message: fmt.Sprintf("kvet crashed while checking this target: %v (please report it)\n%s", r, firstFrames(debug.Stack())),
			}.WithOrder(-1))
		}
	}()
	res := b.result
	rep.Notes = res.Notes
	for _, f := range res.Findings {
		f.Target = t.Path
		f.Source.File = repoPath(opts.Root, f.Source.File)
		f.Related = slices.Clone(f.Related) // the build's own stay as built
		for k := range f.Related {
			f.Related[k].File = repoPath(opts.Root, f.Related[k].File)
		}
		findings = append(findings, f.WithOrder(-1))
	}
	if res.Err != nil {
		rep.Error = res.Err.Error()
		// Nothing to check: the target is done with both phases.
		if val != nil {
			done(PhaseSchemas)
		}
		if len(opts.Checkers) > 0 {
			done(PhasePolicies)
		}
		return rep, findings
	}
	rep.Resources = len(res.Objects)
	objs := make([]Object, 0, len(res.Objects))
	for k, o := range res.Objects {
		rep.Objects = append(rep.Objects, o.Resource)
		js, err := b.json(k)
		if err != nil {
			findings = append(findings, report.Finding{Target: t.Path, Severity: report.SeverityError, Check: report.CheckSchema,
				Rule: "internal-error", Resource: o.Resource, Message: fmt.Sprintf("cannot encode object: %v", err)}.WithOrder(o.Index))
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(js, &body); err != nil {
			findings = append(findings, report.Finding{Target: t.Path, Severity: report.SeverityError, Check: report.CheckSchema,
				Rule: "internal-error", Resource: o.Resource, Message: fmt.Sprintf("cannot decode object: %v", err)}.WithOrder(o.Index))
			continue
		}
		objs = append(objs, Object{Index: o.Index, Resource: o.Resource, JSON: js, Body: body,
			Source: report.Source{File: repoPath(opts.Root, o.Source.File), Line: o.Source.Line}})
	}
	if opts.Rendered != nil {
		opts.Rendered(t, objs)
	}
	byIndex := map[int]Object{}
	for _, o := range objs {
		byIndex[o.Index] = o
	}
	// Findings about an object point at the line to edit: where the field
	// is written (a patch, the kustomization, the resource file).
	// The source map parses the target's kustomizations: made on the first
	// finding that needs it (a clean or cached target needs none).
	var sm *sourcemap.Map
	place := func(f report.Finding, idx int) report.Finding {
		f.Target = t.Path
		if o, ok := byIndex[idx]; ok {
			if f.Source.File == "" {
				f.Source = o.Source
				origin := sourcemap.Object{Body: o.Body, File: filepath.Join(opts.Root, filepath.FromSlash(o.Source.File)), Line: o.Source.Line}
				ptr := f.Pointer
				if ptr == nil {
					ptr = sourcemap.Pointer(o.Body, f.Path)
				}
				if sm == nil {
					sm = sourceMap(opts, t.Dir)
				}
				if src, ok := sm.Locate(origin, ptr); ok && o.Source.File != "" {
					f.Source = report.Source{File: repoPath(opts.Root, src.File), Line: src.Line}
				}
			}
		}
		return f.WithOrder(idx)
	}
	if val != nil {
		// --skip filters what the (cached) schema check found, so the
		// cache never depends on it.
		if cached, ok := tc.lookupSchema(); ok {
			findings = append(findings, withoutKinds(cached, opts.SkipKinds)...)
		} else {
			var fresh []report.Finding
			for _, o := range objs {
				if ctx.Err() != nil {
					break // interrupted
				}
				for _, f := range safeValidate(val, o) {
					fresh = append(fresh, place(f, o.Index))
				}
			}
			if ctx.Err() == nil {
				tc.storeSchema(fresh)
			}
			findings = append(findings, withoutKinds(fresh, opts.SkipKinds)...)
		}
		done(PhaseSchemas)
	}
	for _, o := range objs {
		if kindIn(opts.RejectKinds, o.Resource) {
			findings = append(findings, place(report.Finding{Severity: report.SeverityError, Check: report.CheckSchema, Rule: "rejected-kind",
				Resource: o.Resource, Message: fmt.Sprintf("%s is a kind this run rejects (--reject): remove the object or stop rejecting its kind", o.Resource.Kind)}, o.Index))
		}
	}
	tgt := Target{Path: t.Path, Environment: opts.Config.Environment(t.Path), Cluster: cluster}
	for _, c := range opts.Checkers {
		fs, err := safeCheck(ctx, c, tgt, objs, opts.Build.Limits.TargetTimeout)
		if err != nil {
			findings = append(findings, report.Finding{Target: t.Path, Severity: report.SeverityError, Check: report.CheckPolicy,
				Rule: "internal-error", Message: err.Error()}.WithOrder(-1))
			continue
		}
		for _, f := range fs {
			if f.Severity == severityNote {
				rep.Notes = append(rep.Notes, noteText(place(f, objectIndex(objs, f.Resource))))
				continue
			}
			idx := -1
			for _, o := range objs {
				if o.Resource == f.Resource {
					idx = o.Index
					break
				}
			}
			findings = append(findings, place(f, idx))
		}
	}
	if len(opts.Checkers) > 0 {
		done(PhasePolicies)
	}
	return rep, findings
}

const crdKind = "CustomResourceDefinition"

// collectCRDs gathers the CRDs every target renders and those in the
// configured CRD directories.
func collectCRDs(opts Options, results []built) ([]schema.CRD, []report.Finding, error) {
	var crds []schema.CRD
	for _, b := range results {
		if b.result == nil || b.result.Err != nil {
			continue
		}
		for k, o := range b.result.Objects {
			if o.Resource.Kind != crdKind || o.Resource.APIVersion != "apiextensions.k8s.io/v1" {
				continue
			}
			js, err := b.json(k)
			if err != nil {
				continue
			}
			var m map[string]any
			if json.Unmarshal(js, &m) == nil {
				crds = append(crds, schema.CRD{Object: m, Origin: b.target.Path})
			}
		}
	}
	dirs := slices.Clone(opts.CRDDirs)
	for _, d := range opts.Config.CRDs {
		dirs = append(dirs, filepath.Join(opts.Root, filepath.FromSlash(d)))
	}
	var findings []report.Finding
	for _, d := range dirs {
		found, fs, err := crdsInDir(opts.Root, d, opts.Build.Limits)
		if err != nil {
			return nil, nil, err
		}
		crds = append(crds, found...)
		findings = append(findings, fs...)
	}
	return crds, findings, nil
}

// crdsInDir reads the CRDs of the YAML and JSON files under dir, each
// through the guard: within the limits and, for a directory inside the
// repository (every kvet.yaml one), never through a symlink out of it.
// A refused file is a finding; the other files are still read.
func crdsInDir(root, dir string, limits guard.Limits) ([]schema.CRD, []report.Finding, error) {
	guardRoot := ""
	if abs, err := filepath.Abs(dir); err == nil && guard.Within(root, abs) {
		guardRoot = root
	}
	var out []schema.CRD
	var findings []report.Finding
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		b, v, err := guard.ReadFile(guardRoot, p, limits)
		if v == nil && err != nil {
			v = guard.Unreadable(p, err)
			if v == nil {
				return err
			}
		}
		if v != nil {
			findings = append(findings, report.Finding{Target: ".", Severity: report.SeverityError, Check: report.CheckBuild,
				Rule: v.Rule, Message: "CRD file " + v.Message, Source: report.Source{File: repoPath(root, p), Line: v.Line}}.WithOrder(-1))
			return nil
		}
		dec := yaml3.NewDecoder(bytes.NewReader(b))
		for {
			var n yaml3.Node
			err := dec.Decode(&n)
			if err == io.EOF {
				break
			}
			if err != nil {
				findings = append(findings, report.Finding{Target: ".", Severity: report.SeverityError, Check: report.CheckSchema,
					Rule: "yaml-syntax", Message: fmt.Sprintf("cannot read CRD file: %v", err), Source: report.Source{File: repoPath(root, p)}}.WithOrder(-1))
				break
			}
			// CRD files are applied as they are (kubectl apply -f): read
			// them as kubectl does, so a CRD with a non-string key in a
			// default or an example is still a CRD.
			js, err := yamljson.FromNode(&n, yamljson.Kubectl)
			if err != nil {
				continue
			}
			var jm map[string]any
			if json.Unmarshal(js, &jm) == nil && jm["kind"] == crdKind {
				out = append(out, schema.CRD{Object: jm, Origin: repoPath(root, p)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read CRD directory %s: %w", repoPath(root, dir), err)
	}
	return out, findings, nil
}

// kindsOf lists the "apiVersion/Kind" of every rendered object, so only
// their schemas are prepared.
func kindsOf(results []built) map[string]bool {
	kinds := map[string]bool{}
	for _, b := range results {
		if b.result == nil {
			continue
		}
		for _, o := range b.result.Objects {
			kinds[o.Resource.APIVersion+"/"+o.Resource.Kind] = true
		}
	}
	return kinds
}

// severityNote is the severity a checker gives a finding it downgraded to a
// note (policy.SeverityNote): it goes to the target's notes.
const severityNote report.Severity = "note"

func objectIndex(objs []Object, r report.Resource) int {
	for _, o := range objs {
		if o.Resource == r {
			return o.Index
		}
	}
	return -1
}

// noteText is how a downgraded finding reads among the target's notes.
func noteText(f report.Finding) string {
	where := f.Source.File
	if f.Source.Line > 0 {
		where = fmt.Sprintf("%s:%d", where, f.Source.Line)
	}
	if where != "" {
		where += ": "
	}
	return fmt.Sprintf("%s%s %s: %s (%s, not an error)", where, f.Resource.Kind, f.Resource.Name, f.Message, f.Rule)
}

// schemaLocations resolves the command line's and kvet.yaml's schema
// locations. A kvet.yaml one is part of the untrusted repository: it reads
// inside the repository root only. A command-line one may name any local
// directory, and reads inside that directory only (the part of the
// template before its first placeholder).
func schemaLocations(opts Options) ([]schema.SchemaLocation, error) {
	var out []schema.SchemaLocation
	for _, l := range opts.SchemaLocations {
		tpl, err := schema.ParseSchemaLocation(l)
		if err != nil {
			return nil, err
		}
		fixed := schema.FixedDir(tpl)
		name := "--schema-location " + filepath.Base(fixed)
		if r, err := filepath.Rel(opts.Root, l); err == nil && !strings.HasPrefix(r, "..") {
			name = filepath.ToSlash(r)
		}
		out = append(out, schema.SchemaLocation{Template: tpl, Root: fixed, Name: name, Limits: opts.Build.Limits})
	}
	for _, l := range opts.Config.SchemaLocations {
		tpl, err := schema.ParseSchemaLocation(l)
		if err != nil {
			return nil, fmt.Errorf("kvet.yaml schemaLocations: %w", err)
		}
		out = append(out, schema.SchemaLocation{Template: filepath.Join(opts.Root, tpl), Root: opts.Root, Name: l, Limits: opts.Build.Limits})
	}
	return out, nil
}

// kindIn reports whether r's kind, or its apiVersion/kind, is in kinds
// (kubeconform matches -skip and -reject both ways).
func kindIn(kinds []string, r report.Resource) bool {
	return slices.Contains(kinds, r.Kind) || slices.Contains(kinds, r.APIVersion+"/"+r.Kind)
}

// withoutKinds drops the findings about objects of kinds (kindIn).
func withoutKinds(fs []report.Finding, kinds []string) []report.Finding {
	if len(kinds) == 0 {
		return fs
	}
	var out []report.Finding
	for _, f := range fs {
		if !kindIn(kinds, f.Resource) {
			out = append(out, f)
		}
	}
	return out
}
