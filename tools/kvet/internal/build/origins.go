package build

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	yaml3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"

	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
)

// Where each rendered object comes from (its source file) is what kvet's
// findings point at. kustomize can say it itself (buildMetadata:
// [originAnnotations]), but turning that on also makes kustomize record
// every transformer on every object as a YAML annotation, parsed and
// re-encoded at each step: on a typical overlay that is more than half of
// the build's CPU time.
//
// So kvet leaves origin tracking off when it can and stamps the objects
// itself: kustomize reads each resource file of the target from an
// in-memory copy whose documents carry the file's number in an annotation
// (the stamped copy is made once per file and shared by every target that
// includes it). Objects made by a ConfigMap or Secret generator are matched
// to their generator by kind and name. The stamps are read and removed
// after the build. When a target cannot be stamped safely (generator
// plugins, helm, remote or out-of-root files, YAML kvet cannot round-trip)
// or an object comes out without a stamp it can place, kvet builds the
// target with kustomize's origin annotations instead, so the sources are
// the same either way.
//
// A GitOps entry point's target is stamped the same way: the kustomization
// its controller builds (rewritten with the entry point's options, or
// generated for a plain directory) is in files like any other, its
// generators are matched by kind and name, and the controller's post-build
// steps (Flux substitution and commonMetadata, Argo CD's namespace) run
// after the stamps are read and removed. A Flux Kustomization may list
// files outside the kustomization root (kustomize-controller builds without
// the load restriction): those targets keep kustomize's origins, as above.

const originStampKey = "kvet.internal/origin"

// stamps are the stamped copies of resource files, shared by the builds of
// a Builder.
type stamps struct {
	mu     sync.Mutex
	files  []string       // stamp number -> file (absolute)
	number map[string]int // file -> stamp number
	copies map[string]stamped
}

type stamped struct{ raw, content []byte }

func newStamps() *stamps {
	return &stamps{number: map[string]int{}, copies: map[string]stamped{}}
}

// originCounts are what tests read of a Builder's origin decisions:
// fallbacks counts builds done again with kustomize's origins, and
// kustomize every build made with them.
type originCounts struct {
	fallbacks, kustomize atomic.Int64
}

type generated struct {
	kind, name, file string
}

// originIndex is how one build places its objects.
type originIndex struct {
	stamps     *stamps
	generators []generated
}

// stampTarget prepares the build of files without origin tracking: every
// resource file is replaced in ofs by its stamped copy. False when the
// target must be built with kustomize's origins.
func stampTarget(st *stamps, gfs *guardedFS, ofs *overlayFS, files []*kustfile.File) (*originIndex, bool) {
	x := &originIndex{stamps: st}
	copies := map[string][]byte{}
	for _, f := range files {
		k := f.K
		if len(k.Generators) > 0 || len(k.HelmCharts) > 0 || len(k.HelmChartInflationGenerator) > 0 ||
			len(k.Transformers) > 0 || len(k.Validators) > 0 || len(k.BuildMetadata) > 0 {
			return nil, false
		}
		for _, r := range k.Resources {
			if kustfile.LooksRemote(r) {
				return nil, false
			}
			p := filepath.Join(f.Dir, r)
			if paths.IsDir(p) {
				continue // a kustomization: in files itself
			}
			// Read only what kustomize itself would read: regular files
			// inside the kustomization root (kustomize's root-escape and
			// kvet's symlink findings come first).
			if !guard.Within(f.Dir, p) || !realWithin(f.Dir, p) {
				return nil, false
			}
			if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
				return nil, false
			}
			content, ok := x.stamps.copy(gfs, p)
			if !ok {
				return nil, false
			}
			copies[p] = content
		}
		for _, g := range k.ConfigMapGenerator {
			if !x.addGenerator("ConfigMap", g.GeneratorArgs, f.Path) {
				return nil, false
			}
		}
		for _, g := range k.SecretGenerator {
			if !x.addGenerator("Secret", g.GeneratorArgs, f.Path) {
				return nil, false
			}
		}
	}
	for p, content := range copies {
		ofs.set(p, content)
	}
	return x, true
}

func (x *originIndex) addGenerator(kind string, g types.GeneratorArgs, file string) bool {
	switch g.Behavior {
	case "", "create":
		x.generators = append(x.generators, generated{kind: kind, name: g.Name, file: file})
		return true
	case "merge":
		return true // the object keeps the origin of the generator that made it
	default:
		return false
	}
}

// copy returns the stamped copy of the resource file p, made once.
func (s *stamps) copy(gfs *guardedFS, p string) ([]byte, bool) {
	s.mu.Lock()
	n, known := s.number[p]
	cached, done := s.copies[p]
	if !known {
		n = len(s.files)
		s.files = append(s.files, p)
		s.number[p] = n
	}
	s.mu.Unlock()
	// Through the guard every time: its findings belong to each build.
	raw, err := gfs.ReadFile(p)
	if err != nil {
		return nil, false // kustomize reports it, with the origin machinery on
	}
	if done && bytes.Equal(cached.raw, raw) {
		return cached.content, true
	}
	content, ok := stamp(raw, strconv.Itoa(n))
	if !ok {
		return nil, false
	}
	s.mu.Lock()
	s.copies[p] = stamped{raw: raw, content: content}
	s.mu.Unlock()
	return content, true
}

// stamp adds the annotation to every document of a resource file. False
// for what kvet does not round-trip exactly: YAML errors and duplicate keys
// (kustomize reports their lines), List documents, non-mapping documents.
func stamp(raw []byte, value string) ([]byte, bool) {
	dec := yaml3.NewDecoder(bytes.NewReader(raw))
	for {
		var n yaml3.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || len(n.Content) == 0 || n.Content[0].Kind != yaml3.MappingNode {
			return nil, false
		}
		if _, _, dup := duplicateKey(&n); dup {
			return nil, false
		}
		for i := 0; i+1 < len(n.Content[0].Content); i += 2 {
			if n.Content[0].Content[i].Value == "kind" && strings.HasSuffix(n.Content[0].Content[i+1].Value, "List") {
				return nil, false
			}
		}
	}
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(raw), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, false
	}
	for _, n := range nodes {
		if err := n.PipeE(kyaml.SetAnnotation(originStampKey, value)); err != nil {
			return nil, false
		}
	}
	var out bytes.Buffer
	if err := (kio.ByteWriter{Writer: &out}).Write(nodes); err != nil {
		return nil, false
	}
	return out.Bytes(), true
}

// realWithin says whether p, symlinks resolved, is inside dir (resolved).
func realWithin(dir, p string) bool {
	rd, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	rp, err := filepath.EvalSymlinks(p)
	if err != nil {
		return false
	}
	return guard.Within(rd, rp)
}

// originsOf decides how the build of spec learns its objects' origins:
// from stamps (true) or from kustomize's origin annotations (false).
func (b *Builder) originsOf(gfs *guardedFS, ofs *overlayFS, files []*kustfile.File, spec Spec) (*originIndex, bool) {
	if spec.kustomizeOrigins || len(files) == 0 {
		b.origins.kustomize.Add(1)
		return nil, false
	}
	st := b.stamps
	if st == nil { // a Builder not made by New (tests): stamps of this build only
		st = newStamps()
	}
	x, ok := stampTarget(st, gfs, ofs, files)
	if !ok {
		b.origins.kustomize.Add(1)
	}
	return x, ok
}

// rebuildWithOrigins builds spec again, with kustomize's origin annotations.
func (b *Builder) rebuildWithOrigins(ctx context.Context, spec Spec) *Result {
	b.origins.fallbacks.Add(1)
	return b.Build(ctx, spec.withKustomizeOrigins())
}

// withKustomizeOrigins is spec built with kustomize's origin annotations.
func (s Spec) withKustomizeOrigins() Spec {
	s.kustomizeOrigins = true
	return s
}

// locate reads and removes obj's stamp and sets its source as kustomize's
// origin annotation would: the file that declares the object (its line by
// kind and name, as object() finds it), or the kustomization whose
// generator makes it. False when kvet cannot tell.
func (x *originIndex) locate(obj *Object, r *resource.Resource, lines *lineIndex) bool {
	annos := r.GetAnnotations()
	var file string
	if v, ok := annos[originStampKey]; ok {
		n, err := strconv.Atoi(v)
		x.stamps.mu.Lock()
		if err == nil && n >= 0 && n < len(x.stamps.files) {
			file = x.stamps.files[n]
		}
		x.stamps.mu.Unlock()
		if file == "" {
			return false
		}
		delete(annos, originStampKey)
		if err := r.SetAnnotations(annos); err != nil {
			return false
		}
	} else if file = x.generator(r); file == "" {
		return false
	}
	obj.Source.File = file
	obj.Source.Line = lines.line(file, r.OrgId().Kind, r.OrgId().Name)
	return true
}

// generator is the kustomization whose generator made r: the only
// generator of r's kind whose name r's name contains.
func (x *originIndex) generator(r *resource.Resource) string {
	if r.GetApiVersion() != "v1" {
		return ""
	}
	kind, name := r.GetKind(), r.GetName()
	var byName []generated
	for _, g := range x.generators {
		if g.kind == kind && strings.Contains(name, g.name) {
			byName = append(byName, g)
		}
	}
	if len(byName) == 1 {
		return byName[0].file
	}
	return ""
}
