package build

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	yaml3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// Where each rendered object comes from (its source file) is what kvet's
// findings point at. kustomize can say it itself (buildMetadata:
// [originAnnotations]), but turning that on also makes kustomize record
// every transformer on every object as a YAML annotation, parsed and
// re-encoded at each step: on a typical overlay that is more than half of
// the build's CPU time.
//
// So when the kustomization graph of a target declares every object in
// exactly one place, kvet leaves origin tracking off: it indexes where each
// group/kind/name is declared (resource files, generators) and appends to
// the target's kustomization one marker patch per kind (or per name when a
// kind is declared in several files) that stamps the file's number on the
// objects, by their original names. The stamps are read and removed after
// the build. An object without a stamp makes kvet build the target again
// with kustomize's origin annotations, so the result is the same either way.

const originStampKey = "kvet.internal/origin"

type groupKind struct{ group, kind string }

// originIndex says where each object of a target is declared.
type originIndex struct {
	files  []string                     // stamp number -> file (absolute)
	number map[string]int               // file -> stamp number
	byKind map[groupKind]map[string]int // group/kind -> original name -> stamp number
}

func (x *originIndex) add(gk groupKind, name, file string) bool {
	if gk.kind == "" || name == "" {
		return false
	}
	n, ok := x.number[file]
	if !ok {
		n = len(x.files)
		x.files = append(x.files, file)
		x.number[file] = n
	}
	names := x.byKind[gk]
	if names == nil {
		names = map[string]int{}
		x.byKind[gk] = names
	}
	if prev, dup := names[name]; dup && prev != n {
		return false
	}
	names[name] = n
	return true
}

// indexOrigins reads the resource files of the graph (through the guard)
// and returns the index, or false when some object's origin could be
// ambiguous or unknowable without kustomize: the same kind and name in two
// places, generators, transformers and helm charts, List documents,
// documents without a kind or name, generators that replace.
func indexOrigins(gfs *guardedFS, files []*kustfile.File) (*originIndex, bool) {
	x := &originIndex{number: map[string]int{}, byKind: map[groupKind]map[string]int{}}
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
			if isDir(p) {
				continue // a kustomization: in files itself
			}
			// Read only what kustomize itself would read: regular files
			// inside the kustomization root, no symlinks (kustomize's
			// root-escape findings come first).
			if !guard.Within(f.Dir, p) {
				return nil, false
			}
			if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
				return nil, false
			}
			if !realWithin(f.Dir, p) {
				return nil, false
			}
			docs, ok := declaredObjects(gfs, p)
			if !ok {
				return nil, false
			}
			for _, d := range docs {
				if !x.add(d.gk, d.name, p) {
					return nil, false
				}
			}
		}
		generators := []struct {
			kind string
			args []types.GeneratorArgs
		}{{"ConfigMap", configMapArgs(k.ConfigMapGenerator)}, {"Secret", secretArgs(k.SecretGenerator)}}
		for _, g := range generators {
			for _, a := range g.args {
				switch a.Behavior {
				case "", "create":
					if !x.add(groupKind{kind: g.kind}, a.Name, f.Path) {
						return nil, false
					}
				case "merge":
				default:
					return nil, false
				}
			}
		}
	}
	return x, true
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

func configMapArgs(in []types.ConfigMapArgs) []types.GeneratorArgs {
	out := make([]types.GeneratorArgs, len(in))
	for i, a := range in {
		out[i] = a.GeneratorArgs
	}
	return out
}

func secretArgs(in []types.SecretArgs) []types.GeneratorArgs {
	out := make([]types.GeneratorArgs, len(in))
	for i, a := range in {
		out[i] = a.GeneratorArgs
	}
	return out
}

type declared struct {
	gk   groupKind
	name string
}

// declaredObjects lists group, kind and name of every document of a
// resource file.
func declaredObjects(gfs *guardedFS, path string) ([]declared, bool) {
	b, err := gfs.ReadFile(path)
	if err != nil {
		return nil, false // kustomize reports it, with the origin machinery on
	}
	var out []declared
	dec := yaml3.NewDecoder(bytes.NewReader(b))
	for {
		var n yaml3.Node
		if err := dec.Decode(&n); err != nil {
			return out, errors.Is(err, io.EOF)
		}
		if len(n.Content) == 0 {
			continue
		}
		m := n.Content[0]
		if m.Kind != yaml3.MappingNode {
			return nil, false
		}
		var d declared
		for i := 0; i+1 < len(m.Content); i += 2 {
			switch m.Content[i].Value {
			case "apiVersion":
				if g, _, found := strings.Cut(m.Content[i+1].Value, "/"); found {
					d.gk.group = g
				}
			case "kind":
				d.gk.kind = m.Content[i+1].Value
			case "metadata":
				md := m.Content[i+1]
				for j := 0; j+1 < len(md.Content); j += 2 {
					if md.Content[j].Value == "name" {
						d.name = md.Content[j+1].Value
					}
				}
			}
		}
		if d.gk.kind == "" || strings.HasSuffix(d.gk.kind, "List") {
			return nil, false
		}
		out = append(out, d)
	}
}

// patches are the stamp patches: per group/kind, one patch when every
// object of the kind is declared in one file, else one per name. The core
// group's come first: a selector without a group matches every group, so
// the patches naming a group must run after it to override.
func (x *originIndex) patches() []types.Patch {
	kinds := make([]groupKind, 0, len(x.byKind))
	for gk := range x.byKind {
		kinds = append(kinds, gk)
	}
	slices.SortFunc(kinds, func(a, b groupKind) int {
		return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(a.kind, b.kind))
	})
	var out []types.Patch
	for _, gk := range kinds {
		names := x.byKind[gk]
		numbers := map[int]bool{}
		for _, n := range names {
			numbers[n] = true
		}
		gvk := resid.Gvk{Group: gk.group, Kind: gk.kind}
		if len(numbers) == 1 {
			for n := range numbers {
				out = append(out, stampPatch(types.Selector{ResId: resid.ResId{Gvk: gvk}}, n))
			}
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(names)) {
			out = append(out, stampPatch(types.Selector{ResId: resid.ResId{Gvk: gvk, Name: regexp.QuoteMeta(name)}}, names[name]))
		}
	}
	return out
}

func stampPatch(target types.Selector, n int) types.Patch {
	return types.Patch{
		Target: &target,
		Patch: "apiVersion: kvet.internal/v1\nkind: Marker\nmetadata:\n  name: marker\n  annotations:\n    " +
			originStampKey + ": \"" + strconv.Itoa(n) + "\"\n",
	}
}

// stampRoot appends the stamp patches to the target's kustomization as
// kustomize will read it (the instrumented copy when there is one).
func (x *originIndex) stampRoot(ofs *overlayFS, root *kustfile.File) error {
	content, ok := ofs.lookup(root.Path)
	if !ok {
		content = root.Raw
	}
	node, err := kyaml.Parse(string(content))
	if err != nil {
		return err
	}
	var k types.Kustomization
	if err := kyaml.Unmarshal(content, &k); err != nil {
		return err
	}
	if err := setField(node, "patches", append(k.Patches, x.patches()...)); err != nil {
		return err
	}
	s, err := node.String()
	if err != nil {
		return fmt.Errorf("stamp %s: %w", root.Path, err)
	}
	ofs.set(root.Path, []byte(s))
	return nil
}

// originsOf decides how the build of spec learns its objects' origins:
// from stamps (true) or from kustomize's origin annotations (false).
func (b *Builder) originsOf(gfs *guardedFS, files []*kustfile.File, spec Spec) (*originIndex, bool) {
	if spec.Entry != nil || spec.kustomizeOrigins || len(files) == 0 {
		return nil, false
	}
	return indexOrigins(gfs, files)
}

// originFallbacks counts builds done again with kustomize's origins (tests).
var originFallbacks atomic.Int64

// rebuildWithOrigins builds spec again, with kustomize's origin annotations.
func (b *Builder) rebuildWithOrigins(ctx context.Context, spec Spec) *Result {
	originFallbacks.Add(1)
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
// generator makes it. False when the object has no stamp.
func (x *originIndex) locate(obj *Object, r *resource.Resource, lines *lineIndex) bool {
	annos := r.GetAnnotations()
	stamp, ok := annos[originStampKey]
	if !ok {
		return false
	}
	n, err := strconv.Atoi(stamp)
	if err != nil || n < 0 || n >= len(x.files) {
		return false
	}
	delete(annos, originStampKey)
	if err := r.SetAnnotations(annos); err != nil {
		return false
	}
	file := x.files[n]
	obj.Source.File = file
	obj.Source.Line = lines.line(file, r.OrgId().Kind, r.OrgId().Name)
	return true
}
