package runner

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/fluxcd/pkg/sourceignore"
	"golang.org/x/sync/errgroup"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/example/gitops-go-stack/tools/kvet/internal/affected"
	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/cache"
	"github.com/example/gitops-go-stack/tools/kvet/internal/contents"
	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
	"github.com/example/gitops-go-stack/tools/kvet/internal/yamljson"
)

// The persistent cache (Options.Cache) keeps three records per target: its
// compacted build (objects as JSON, build findings, notes, component patch
// matches), its schema findings (the bundled schemas and the API server's
// Go-side rules, placed at their file:line) and its checks. Every record of
// a run lives in one file, the run's pack (cache.Pack), read when the run
// starts and written when it ends. Everything that reads
// more than one target — the CRDs collected from every build, the cluster
// views, policies, dependsOn, component patch aggregation, the report's
// deduplication — runs every time over all objects, cached or fresh, so a
// warm report is the cold report.
//
// A build's key hashes what the build can read: the target's inputs as
// --changed-since computes them (affected.TargetInputs: kustomization
// graph, resources, patches, generator files, components, the entry
// point's manifest, plain directories, charts) with every file's content,
// the target as discovered, and what every build shares (kvet's version,
// the repository root, the configuration, the build options, the
// repository's URLs and SOPS rules). Whatever is looked up by name
// elsewhere in the repository (substituteFrom and valuesFrom objects, chart
// sources, resource scopes of an entry point) is covered by the hash of
// every file of the repository: coarse, never stale. A target whose inputs
// pass through a symlink or a special file is not cached, nor is any
// target of a run that may read outside the repository (remote resources,
// plugins, helm).
//
// A schema entry's key adds what the schema check depends on besides the
// object: the Kubernetes version, external kinds, feature gates, whether
// the Flux Operator is used and every CRD of the run. Runs with
// --schema-location or kvet.yaml schemaLocations do not cache it.

// repoFile is one file of the repository as the cache keys see it.
type repoFile struct {
	// sum is the content's hash of a regular file; zero otherwise.
	sum [sha256.Size]byte
	// odd: a symlink or a special file, which makes a target uncacheable.
	odd bool
}

type cacheKeys struct {
	c *cache.Cache
	// p holds the run's records: read from the last run of the same
	// repository and selection, written when the run ends (cache.Pack).
	p    *cache.Pack
	root string
	// files are the repository's files (repository-relative, "/"), sorted
	// in names for directory scans.
	files map[string]repoFile
	names []string
	// base is the hash every build key starts from.
	base [sha256.Size]byte
	// all is the hash of every file of the repository.
	all [sha256.Size]byte
	// schemaOff: the schema findings are not cached in this run.
	schemaOff bool
	// schemaBase is set once the CRDs are known (setSchema).
	schemaBase [sha256.Size]byte
	// inputs reads each kustomization once for every target's key.
	inputs *affected.Loader
	// kustomizations are the directories holding a kustomization file.
	kustomizations []string
}

// The kustomizations entry keeps every kustomization of the repository as
// parsed (what discovery and the input sets read: the decoded fields, not
// the YAML node) under the hash of every kustomization file, so that a run
// where no kustomization changed parses none of them. A change to any
// kustomization file gives another key; a kustomization that does not read
// or parse, or is reached through a symlink, is not kept (it is read again
// and reported as on a cold run).

// cachedKust is one kustomization in the kustomizations entry.
type cachedKust struct {
	Dir, Path string
	K         types.Kustomization
}

// kustomizationsKey hashes every file of the repository with a
// kustomization's name (regular or not, so that one appearing, going or
// turning into a symlink is a change) with its content: a kustomization's
// parse reads nothing else.
func (k *cacheKeys) kustomizationsKey() cache.Key {
	h := sha256.New()
	writeField(h, "kvet kustomizations")
	writeField(h, k.c.Version())
	writeField(h, k.root)
	for _, n := range k.names {
		if slices.Contains(kustfile.Names(), path.Base(n)) {
			f := k.files[n]
			writeField(h, n)
			fmt.Fprintf(h, "%x%t", f.sum, f.odd)
		}
	}
	var key cache.Key
	h.Sum(key[:0])
	return key
}

// loadKustomizations fills the inputs loader: from the kustomizations
// entry when no kustomization changed, else by reading every kustomization
// (jobs at a time) and storing the entry for the next run.
func (k *cacheKeys) loadKustomizations(opts Options) {
	key := k.kustomizationsKey()
	if payload, ok := k.p.Get(key); ok {
		if files, ok := decodeKustomizations(payload); ok {
			for _, f := range files {
				k.inputs.Preload(f.Dir, f)
			}
			if opts.KustomizationsCached != nil {
				opts.KustomizationsCached(true)
			}
			return
		}
	}
	if opts.KustomizationsCached != nil {
		opts.KustomizationsCached(false)
	}
	var g errgroup.Group
	g.SetLimit(opts.Jobs)
	for _, dir := range k.kustomizations {
		g.Go(func() error {
			_, _ = k.inputs.Kustomization(dir) // errors are discovery's to report
			return nil
		})
	}
	_ = g.Wait()
	loaded := k.inputs.Loaded()
	out := make([]cachedKust, 0, len(loaded))
	for _, f := range loaded {
		// Only a regular file the key hashed (not one reached through a
		// symlink, whose target the key does not see).
		rel, inside := strings.CutPrefix(f.Path, k.root+string(filepath.Separator))
		if rf, ok := k.files[filepath.ToSlash(rel)]; inside && ok && !rf.odd {
			out = append(out, cachedKust{Dir: f.Dir, Path: f.Path, K: f.K})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	if payload, err := json.Marshal(out); err == nil {
		_ = k.p.Put(key, payload) // best effort
	}
}

// decodeKustomizations reads the kustomizations entry; false when it is
// not one (a foreign payload with a valid checksum).
func decodeKustomizations(payload []byte) ([]*kustfile.File, bool) {
	var cs []cachedKust
	if err := json.Unmarshal(payload, &cs); err != nil {
		return nil, false
	}
	out := make([]*kustfile.File, len(cs))
	for i, c := range cs {
		if c.Dir == "" || filepath.Dir(c.Path) != c.Dir {
			return nil, false
		}
		out[i] = &kustfile.File{Dir: c.Dir, Path: c.Path, K: c.K}
	}
	return out, true
}

// newCacheKeys prepares the keys of a run; nil when the run caches nothing.
// The manifests it hashes are kept in store for the passes that read
// them again (discovery, the GitOps index).
func newCacheKeys(opts Options, inputs *affected.Loader, store *contents.Store) (*cacheKeys, error) {
	if opts.Cache == nil || opts.Build.AllowRemote || opts.Build.EnablePlugins || opts.Build.EnableHelm {
		return nil, nil
	}
	k := &cacheKeys{c: opts.Cache, root: opts.Root, files: map[string]repoFile{}, inputs: inputs,
		schemaOff: len(opts.SchemaLocations) > 0 || len(opts.Config.SchemaLocations) > 0}
	if err := k.scan(opts.Jobs, store, opts.Build.Limits.WithDefaults().MaxFileBytes); err != nil {
		return nil, err
	}
	all := sha256.New()
	var sops []string
	for _, n := range k.names {
		f := k.files[n]
		writeField(all, n)
		fmt.Fprintf(all, "%x%t", f.sum, f.odd)
		if filepath.Base(n) == ".sops.yaml" {
			sops = append(sops, n)
		}
	}
	all.Sum(k.all[:0])
	slot, full := packSlot(opts)
	k.p = opts.Cache.OpenPack(slot, full)
	k.loadKustomizations(opts)
	h := sha256.New()
	writeField(h, "kvet build cache")
	writeField(h, opts.Cache.Version())
	writeField(h, opts.Root)
	writeJSON(h, opts.Build)
	writeJSON(h, opts.Config)
	writeJSON(h, gitops.RepositoryURLs(opts.Root, opts.Config.RepositoryURLs))
	for _, s := range sops {
		writeField(h, s)
		fmt.Fprintf(h, "%x%t", k.files[s].sum, k.files[s].odd)
	}
	h.Sum(k.base[:0])
	return k, nil
}

// packSlot names the run's pack: the repository and which of its targets
// the run checks, so that a run of some targets (a pre-commit hook, a CI
// shard) does not replace the records of a run of all of them. full is
// the slot of a run of the whole repository, whose records every run may
// use.
func packSlot(opts Options) (slot, full cache.Key) {
	paths := make([]string, 0, len(opts.Paths))
	for _, p := range opts.Paths {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	name := func(paths []string, selection string) cache.Key {
		h := sha256.New()
		writeField(h, "kvet run pack")
		writeField(h, opts.Cache.Version())
		writeField(h, opts.Root)
		writeJSON(h, paths)
		writeField(h, selection)
		var key cache.Key
		h.Sum(key[:0])
		return key
	}
	return name(paths, opts.Selection), name([]string{opts.Root}, "")
}

// commit writes the run's pack; abort drops it (an interrupted or failed
// run). Both are no-ops without a cache, and after either.
func (k *cacheKeys) commit() {
	if k != nil && k.p != nil {
		_ = k.p.Commit() // best effort: a full disk only costs speed
	}
}

func (k *cacheKeys) abort() {
	if k != nil && k.p != nil {
		k.p.Abort()
	}
}

// scan hashes every file of the repository (but .git) once, jobs at a
// time, and notes where the kustomizations are (loadKustomizations then
// fills the inputs loader, which discovery and the build keys share).
func (k *cacheKeys) scan(jobs int, store *contents.Store, maxBytes int64) error {
	var regular []string
	err := filepath.WalkDir(k.root, func(p string, d fs.DirEntry, err error) error {
		rel := filepath.ToSlash(strings.TrimPrefix(p, k.root+string(filepath.Separator)))
		if err != nil {
			if p == k.root {
				return err
			}
			// Unreadable: a target reading under it is not cached.
			k.files[rel] = repoFile{odd: true}
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			// .git is no input; a cache directory inside the repository
			// changes with every run.
			if p != k.root && (d.Name() == ".git" || p == k.c.Dir()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			k.files[rel] = repoFile{odd: true}
			return nil
		}
		regular = append(regular, p)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache: hash the repository: %w", err)
	}
	sums := make([]repoFile, len(regular))
	// One copy buffer per worker: io.Copy would allocate 32 KiB per file
	// (most of a warm run's allocations).
	var g errgroup.Group
	next := make(chan int)
	for range max(jobs, 1) {
		g.Go(func() error {
			buf := make([]byte, 32<<10)
			for i := range next {
				sums[i] = hashFile(regular[i], buf, store, maxBytes)
			}
			return nil
		})
	}
	for i := range regular {
		next <- i
	}
	close(next)
	_ = g.Wait()
	k.kustomizations = k.kustomizations[:0]
	for _, p := range regular {
		if slices.Contains(kustfile.Names(), filepath.Base(p)) {
			k.kustomizations = append(k.kustomizations, filepath.Dir(p))
		}
	}
	for i, p := range regular {
		k.files[filepath.ToSlash(strings.TrimPrefix(p, k.root+string(filepath.Separator)))] = sums[i]
	}
	k.names = make([]string, 0, len(k.files))
	for n := range k.files {
		k.names = append(k.names, n)
	}
	sort.Strings(k.names)
	return nil
}

// hashFile is a regular file's content hash; odd when it cannot be read
// (the build reports it, the targets reading it are not cached).
// A manifest (.yaml, .yml) up to maxBytes is read whole and kept in store.
func hashFile(p string, buf []byte, store *contents.Store, maxBytes int64) repoFile {
	f, err := os.Open(p)
	if err != nil {
		return repoFile{odd: true}
	}
	defer f.Close()
	h := sha256.New()
	if ext := strings.ToLower(filepath.Ext(p)); store != nil && (ext == ".yaml" || ext == ".yml") {
		if fi, err := f.Stat(); err == nil && fi.Size() <= maxBytes {
			b := make([]byte, fi.Size())
			_, err := io.ReadFull(f, b)
			if n, _ := f.Read(buf[:1]); err == nil && n == 0 {
				h.Write(b)
				store.Keep(p, b)
				rf := repoFile{}
				h.Sum(rf.sum[:0])
				return rf
			}
			// It changed while read: hash it as it is now.
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return repoFile{odd: true}
			}
		}
	}
	// (a bare Reader: *os.File's WriterTo would ignore buf)
	_, err = io.CopyBuffer(h, struct{ io.Reader }{f}, buf)
	rf := repoFile{odd: err != nil}
	h.Sum(rf.sum[:0])
	return rf
}

func writeField(h hash.Hash, s string) {
	fmt.Fprintf(h, "%d:%s;", len(s), s)
}

func writeJSON(h hash.Hash, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte("unencodable:" + err.Error())
	}
	writeField(h, string(b))
}

// buildKey is the key of t's build; false when t is not cached.
func (k *cacheKeys) buildKey(t discover.Target) (cache.Key, bool) {
	h := sha256.New()
	h.Write(k.base[:])
	desc := t
	if t.Entry != nil {
		e := *t.Entry
		e.Repo = nil // looked up across the repository: the all-files hash below
		desc.Entry = &e
	}
	b, err := json.Marshal(desc)
	if err != nil {
		return cache.Key{}, false
	}
	writeField(h, string(b))
	in := k.inputs.TargetInputs(t)
	files := make([]string, 0, len(in.Files))
	for f := range in.Files {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		writeField(h, f)
		rf, ok := k.files[f]
		if !ok {
			if _, err := os.Lstat(filepath.Join(k.root, filepath.FromSlash(f))); !errors.Is(err, fs.ErrNotExist) {
				return cache.Key{}, false // a directory, or reached through a symlink
			}
			writeField(h, "absent")
			continue
		}
		if rf.odd {
			return cache.Key{}, false
		}
		h.Write(rf.sum[:])
	}
	dirs := slices.Clone(in.Dirs)
	sort.Strings(dirs)
	for _, d := range dirs {
		writeField(h, "dir "+d)
		if fi, err := os.Lstat(filepath.Join(k.root, filepath.FromSlash(d))); err == nil && !fi.IsDir() {
			return cache.Key{}, false
		}
		prefix := d + "/"
		if d == "." {
			prefix = ""
		}
		for i := sort.SearchStrings(k.names, prefix); i < len(k.names) && strings.HasPrefix(k.names[i], prefix); i++ {
			rf := k.files[k.names[i]]
			if rf.odd {
				return cache.Key{}, false
			}
			writeField(h, k.names[i])
			h.Write(rf.sum[:])
		}
	}
	if t.Flux && t.Generated {
		// source-controller's .sourceignore files, wherever they are,
		// decide which files the generated kustomization lists.
		for _, n := range k.names {
			if path.Base(n) == sourceignore.IgnoreFile {
				rf := k.files[n]
				writeField(h, n)
				h.Write(rf.sum[:])
			}
		}
	}
	if len(in.Objects) > 0 || (t.Entry != nil && (t.Entry.Repo != nil || t.Entry.Helm != nil)) {
		writeField(h, "all")
		h.Write(k.all[:])
	}
	var key cache.Key
	h.Sum(key[:0])
	return key, true
}

// setSchema fixes what every schema key shares, once the CRDs are known.
func (k *cacheKeys) setSchema(opts Options, version string, crds []schema.CRD, fluxOperator bool) {
	h := sha256.New()
	writeField(h, "kvet schema cache")
	writeField(h, version)
	writeJSON(h, opts.Config.ExternalKinds)
	writeJSON(h, opts.Config.FeatureGates)
	writeField(h, fmt.Sprint(fluxOperator))
	for _, c := range crds {
		writeField(h, c.Origin)
		writeJSON(h, c.Object)
	}
	h.Sum(k.schemaBase[:0])
}

func (k *cacheKeys) schemaKey(build cache.Key) cache.Key {
	h := sha256.New()
	h.Write(k.schemaBase[:])
	h.Write(build[:])
	var key cache.Key
	h.Sum(key[:0])
	return key
}

// cachedFinding keeps what a finding's JSON leaves out.
type cachedFinding struct {
	F       report.Finding
	Pointer []string `json:",omitempty"`
	Order   int
}

func toCached(fs []report.Finding) []cachedFinding {
	out := make([]cachedFinding, len(fs))
	for i, f := range fs {
		out[i] = cachedFinding{F: f, Pointer: f.Pointer, Order: f.Order()}
	}
	return out
}

// getFindings reads a list of findings stored under key; false on a miss
// or an entry that does not decode (rebuilt, never trusted).
func getFindings(c *cache.Pack, key cache.Key) ([]report.Finding, bool) {
	payload, ok := c.Get(key)
	if !ok {
		return nil, false
	}
	var cs []cachedFinding
	if err := json.Unmarshal(payload, &cs); err != nil {
		return nil, false
	}
	return fromCached(cs), true
}

// putFindings stores fs under key; a failed write only costs a rebuild.
func putFindings(c *cache.Pack, key cache.Key, fs []report.Finding) {
	if payload, err := json.Marshal(toCached(fs)); err == nil {
		_ = c.Put(key, payload)
	}
}

func fromCached(cs []cachedFinding) []report.Finding {
	if cs == nil {
		return nil
	}
	out := make([]report.Finding, len(cs))
	for i, c := range cs {
		f := c.F
		f.Pointer = c.Pointer
		out[i] = f.WithOrder(c.Order)
	}
	return out
}

type cachedObject struct {
	Index    int
	Resource report.Resource
	Applier  yamljson.Applier
	Source   report.Source
	// Size is the length of the object's JSON, which follows the header.
	Size int    `json:",omitempty"`
	JSON bool   `json:",omitempty"`
	Err  string `json:",omitempty"`
}

type cachedBuild struct {
	Dir string
	// Objects are laid out apart from the JSON header (cachewire.go).
	Objects         []cachedObject `json:"-"`
	Findings        []cachedFinding
	Err             *string `json:",omitempty"`
	Notes           []string
	Matched         []report.Source
	ComponentMisses []report.Source
}

// encodeBuilt is b's compacted build as a cache payload: the object list
// (cachewire.go) and a JSON header, each after its length (uvarint), then
// every object's JSON as it is (no base64, no re-validation when read
// back).
func encodeBuilt(b built) ([]byte, error) {
	r := b.result
	cb := cachedBuild{Dir: r.Dir, Findings: toCached(r.Findings), Notes: r.Notes, Matched: r.Matched, ComponentMisses: r.ComponentMisses}
	if r.Err != nil {
		s := r.Err.Error()
		cb.Err = &s
	}
	if r.Objects != nil {
		cb.Objects = make([]cachedObject, len(r.Objects))
	}
	var blobs [][]byte
	size := 0
	for i, o := range r.Objects {
		co := cachedObject{Index: o.Index, Resource: o.Resource, Applier: o.Applier, Source: o.Source}
		if r.Err == nil {
			js, err := b.json(i)
			if err != nil {
				co.Err = err.Error()
			}
			if js != nil {
				co.JSON, co.Size = true, len(js)
				blobs = append(blobs, js)
				size += len(js)
			}
		}
		cb.Objects[i] = co
	}
	header, err := json.Marshal(cb)
	if err != nil {
		return nil, err
	}
	list := encodeObjectList(cb.Objects)
	out := appendSection(make([]byte, 0, 2*binary.MaxVarintLen64+len(list)+len(header)+size), list)
	out = appendSection(out, header)
	for _, js := range blobs {
		out = append(out, js...)
	}
	return out, nil
}

// decodeBuilt is the inverse of encodeBuilt.
func decodeBuilt(t discover.Target, payload []byte) (built, error) {
	list, rest, err := cutSection(payload)
	if err != nil {
		return built{}, err
	}
	header, rest, err := cutSection(rest)
	if err != nil {
		return built{}, err
	}
	var cb cachedBuild
	if err := json.Unmarshal(header, &cb); err != nil {
		return built{}, err
	}
	if cb.Objects, err = decodeObjectList(list); err != nil {
		return built{}, err
	}
	r := &build.Result{Dir: cb.Dir, Findings: fromCached(cb.Findings), Notes: cb.Notes, Matched: cb.Matched, ComponentMisses: cb.ComponentMisses}
	if cb.Err != nil {
		r.Err = errors.New(*cb.Err)
	}
	b := built{target: t, result: r}
	if cb.Objects != nil {
		r.Objects = make([]build.Object, len(cb.Objects))
	}
	if r.Err == nil {
		b.encoded = make([]encodedObject, len(cb.Objects))
	}
	for i, co := range cb.Objects {
		r.Objects[i] = build.Object{Index: co.Index, Resource: co.Resource, Applier: co.Applier, Source: co.Source}
		if r.Err != nil {
			continue
		}
		var e encodedObject
		if co.JSON {
			if co.Size < 0 || co.Size > len(rest) {
				return built{}, errors.New("truncated objects")
			}
			e.json, rest = rest[:co.Size:co.Size], rest[co.Size:]
		}
		if co.Err != "" {
			e.err = errors.New(co.Err)
		}
		if e.json == nil && e.err == nil {
			return built{}, errors.New("object without JSON")
		}
		b.encoded[i] = e
	}
	if len(rest) != 0 {
		return built{}, errors.New("trailing bytes")
	}
	return b, nil
}

// targetCache is one target's place in the cache during a run.
type targetCache struct {
	keys  *cacheKeys
	build cache.Key
	ok    bool
	// check is the key of the target's checks, when checkOK.
	check   cache.Key
	checkOK bool
}

// lookupBuild returns t's cached build.
func (tc *targetCache) lookupBuild(t discover.Target) (built, bool) {
	if tc == nil || !tc.ok {
		return built{}, false
	}
	payload, ok := tc.keys.p.Get(tc.build)
	if !ok {
		return built{}, false
	}
	b, err := decodeBuilt(t, payload)
	if err != nil {
		return built{}, false // a foreign payload with a valid checksum: rebuild
	}
	return b, true
}

func (tc *targetCache) storeBuild(b built) {
	if tc == nil || !tc.ok || b.result == nil {
		return
	}
	if payload, err := encodeBuilt(b); err == nil {
		_ = tc.keys.p.Put(tc.build, payload) // best effort: a full disk only costs speed
	}
}

func (tc *targetCache) schemaOn() bool {
	return tc != nil && tc.ok && !tc.keys.schemaOff
}

// lookupSchema returns the target's cached schema findings.
func (tc *targetCache) lookupSchema() ([]report.Finding, bool) {
	if !tc.schemaOn() {
		return nil, false
	}
	return getFindings(tc.keys.p, tc.keys.schemaKey(tc.build))
}

func (tc *targetCache) storeSchema(fs []report.Finding) {
	if !tc.schemaOn() {
		return
	}
	putFindings(tc.keys.p, tc.keys.schemaKey(tc.build), fs)
}

// A target's checks (schema findings, rejected kinds, the Checkers'
// findings, placed at their file:line, and the target's report line) are
// kept under a key that adds to its build key what the checks read
// besides the build: the schema key (every CRD of the run), --skip and
// --reject, the target's environment, the build keys of every target of
// its cluster (the policies' data.kvet.cluster) and the Checkers'
// fingerprints (the policy sources, their data, which exceptions have
// expired). A run whose every target hits compiles neither schemas nor
// policies. Only runs whose Checkers are all CachedCheckers cache checks.

type cachedCheck struct {
	Rep report.Target
	// Objects are laid out apart from the JSON (cachewire.go).
	Objects  []report.Resource `json:"-"`
	Findings []cachedFinding
}

// checked is one target's checks as a cache hit returns them.
type checked struct {
	rep      report.Target
	findings []report.Finding
}

// checkFingerprint is what every check key of the run shares; false when
// the run's checks are not cached.
func checkFingerprint(opts Options, k *cacheKeys) ([sha256.Size]byte, bool) {
	var out [sha256.Size]byte
	if k == nil || (!opts.SkipSchema && k.schemaOff) || opts.Rendered != nil {
		return out, false // (Rendered must see every target's objects)
	}
	h := sha256.New()
	writeField(h, "kvet check cache")
	writeField(h, fmt.Sprint(opts.SkipSchema))
	writeJSON(h, opts.SkipKinds)
	writeJSON(h, opts.RejectKinds)
	for _, c := range opts.Checkers {
		cc, ok := c.(CachedChecker)
		if !ok {
			return out, false
		}
		fp, ok := cc.Fingerprint()
		if !ok {
			return out, false
		}
		writeField(h, fp)
	}
	h.Sum(out[:0])
	return out, true
}

// lookupChecks sets each cacheable target's check key and returns the
// cached checks of those that hit (nil for the others).
func lookupChecks(ctx context.Context, opts Options, k *cacheKeys, results []built, caches []*targetCache, views []*Cluster) []*checked {
	out := make([]*checked, len(results))
	fp, ok := checkFingerprint(opts, k)
	if !ok {
		return out
	}
	var g errgroup.Group
	g.SetLimit(opts.Jobs)
	for i, b := range results {
		tc := caches[i]
		if tc == nil || !tc.ok {
			continue
		}
		if tc.check, tc.checkOK = k.checkKey(opts, fp, b, tc, views[i], caches); !tc.checkOK {
			continue
		}
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil
			}
			c, hit := tc.lookupCheck()
			if opts.ChecksCached != nil {
				opts.ChecksCached(b.target.Path, hit)
			}
			if hit {
				out[i] = c
			}
			return nil
		})
	}
	_ = g.Wait()
	return out
}

// checkKey is the key of b's checks; tc is b's place in the cache,
// caches every target's (for the cluster's members).
func (k *cacheKeys) checkKey(opts Options, fp [sha256.Size]byte, b built, tc *targetCache, view *Cluster, caches []*targetCache) (cache.Key, bool) {
	var key cache.Key
	h := sha256.New()
	h.Write(fp[:])
	h.Write(tc.build[:])
	if !opts.SkipSchema {
		sk := k.schemaKey(tc.build)
		h.Write(sk[:])
	}
	writeField(h, opts.Config.Environment(b.target.Path))
	if view != nil {
		writeField(h, fmt.Sprintf("cluster of %d", len(view.members)))
		for _, m := range view.members {
			if caches[m] == nil || !caches[m].ok {
				return key, false
			}
			h.Write(caches[m].build[:])
		}
	}
	h.Sum(key[:0])
	return key, true
}

func (tc *targetCache) lookupCheck() (*checked, bool) {
	payload, ok := tc.keys.p.Get(tc.check)
	if !ok {
		return nil, false
	}
	list, rest, err := cutSection(payload)
	if err != nil {
		return nil, false
	}
	var cc cachedCheck
	if err := json.Unmarshal(rest, &cc); err != nil {
		return nil, false
	}
	if cc.Objects, err = decodeResources(list); err != nil {
		return nil, false
	}
	rep := cc.Rep
	rep.Objects = cc.Objects
	return &checked{rep: rep, findings: fromCached(cc.Findings)}, true
}

// storeCheck keeps a target's checks, unless one of them crashed or timed
// out (an internal error is never reused).
func (tc *targetCache) storeCheck(rep report.Target, fs []report.Finding) {
	if tc == nil || !tc.checkOK {
		return
	}
	for _, f := range fs {
		if f.Rule == guard.RuleInternalError {
			return
		}
	}
	if js, err := json.Marshal(cachedCheck{Rep: rep, Findings: toCached(fs)}); err == nil {
		_ = tc.keys.p.Put(tc.check, append(appendSection(nil, encodeResources(rep.Objects)), js...))
	}
}

// validatorKey names the findings schema.New gives about the run's
// schemas themselves (a CRD that does not convert, ...).
func (k *cacheKeys) validatorKey(kinds map[string]bool) cache.Key {
	h := sha256.New()
	writeField(h, "kvet schema validator")
	h.Write(k.base[:])
	h.Write(k.schemaBase[:])
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	writeJSON(h, names)
	var key cache.Key
	h.Sum(key[:0])
	return key
}

// lookupValidator returns the cached findings of schema.New.
func (k *cacheKeys) lookupValidator(kinds map[string]bool) ([]report.Finding, bool) {
	if k == nil || k.schemaOff {
		return nil, false
	}
	return getFindings(k.p, k.validatorKey(kinds))
}

func (k *cacheKeys) storeValidator(kinds map[string]bool, fs []report.Finding) {
	if k == nil || k.schemaOff {
		return
	}
	putFindings(k.p, k.validatorKey(kinds), fs)
}
