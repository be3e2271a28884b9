// Package sourcemap finds the line a person should edit for a finding: the
// line where the offending field of a rendered object is written.
//
// The build tells where each object comes from (kustomize's origin: the
// resource file and the line its document starts, or the kustomization of
// a generator). What kustomize does not tell is which of the later edits
// (patches, images, replacements, namespace) wrote a given field: its
// alpha.config.kubernetes.io/transformations annotation lists every
// transformer run over the whole resource map, touched or not. So this
// package reads the kustomization graph of the target itself, in the order
// kustomize applies it (resources and their kustomizations first, then
// components, then the kustomization's own patches, namespace, JSON6902
// patches, images and replacements), and asks, from the last edit back,
// which edit both selects the object and writes the field. The first that
// does is the place to edit; when none does, the field is in the resource
// file, found by walking its YAML nodes (for a missing field: the deepest
// object or list item that lacks it).
//
// It never changes what is built or rendered: it only reads files.
package sourcemap

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-openapi/jsonpointer"
	yaml3 "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"

	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

type editKind int

const (
	editSMP editKind = iota
	editJSON6902
	editNamespace
	editImages
	editReplacement
)

// edit is one change a kustomization makes to the objects it selects.
type edit struct {
	kind editKind
	// reach holds the kustomization directories whose objects the edit
	// can see: its own and everything it includes (for a component, also
	// everything its includer includes).
	reach map[string]bool
	// file is where the edit is written (a patch file or the
	// kustomization); line the kustomization entry.
	file string
	line int
	// target selects the objects; nil for a strategic-merge patch that
	// names its object itself.
	target *types.Selector
	reject []*types.Selector
	// doc is a strategic-merge patch, ops a JSON6902 patch.
	doc *yaml3.Node
	ops []op
	// pos maps a line of doc or ops to the line in file (inline patches
	// are text inside the kustomization).
	pos func(int) int
	// images and replacements.
	image      types.Image
	fieldPaths []string
}

// op is one JSON6902 operation.
type op struct {
	op, path string
	node     *yaml3.Node // the operation's mapping
	valueKey *yaml3.Node
	value    *yaml3.Node
}

// Map locates fields of the objects one target renders. It reads files
// lazily and caches them; it is not safe for concurrent use (the runner
// uses one per target).
type Map struct {
	edits []edit
	// kdirs are the kustomization directories of the graph, longest
	// first (the owner of a resource file is the deepest one holding it).
	kdirs []string
	kfile map[string]*kustfile.File // kustomization file path -> file
	cache map[string][]*yaml3.Node
	read  func(path string) ([]byte, error)
}

// New reads the kustomization graph of the target directory dir
// (absolute). Parts that cannot be read are skipped: the build reports
// them, and locations then fall back to the object's document.
func New(dir string) *Map { return NewReading(dir, os.ReadFile) }

// NewReading is New with the files read by read (kvet lsp: the editor's
// unsaved buffers over the disk).
func NewReading(dir string, read func(path string) ([]byte, error)) *Map {
	m := &Map{kfile: map[string]*kustfile.File{}, cache: map[string][]*yaml3.Node{}, read: read}
	files := map[string]*kustfile.File{}
	var load func(d string)
	load = func(d string) {
		if _, ok := files[d]; ok {
			return
		}
		files[d] = nil
		f, err := m.loadKustomization(d)
		if err != nil {
			return
		}
		files[d] = f
		m.kfile[f.Path] = f
		for _, sub := range f.LocalDirs() {
			load(sub)
		}
	}
	dir = filepath.Clean(dir)
	load(dir)
	for d, f := range files {
		if f != nil {
			m.kdirs = append(m.kdirs, d)
		}
	}
	slices.SortFunc(m.kdirs, func(a, b string) int { return len(b) - len(a) })

	reachOf := map[string]map[string]bool{}
	var reach func(d string) map[string]bool
	reach = func(d string) map[string]bool {
		if r, ok := reachOf[d]; ok {
			return r
		}
		r := map[string]bool{d: true}
		reachOf[d] = r // cycles end here; kustomize refuses them anyway
		if f := files[d]; f != nil {
			for _, sub := range f.LocalDirs() {
				for k := range reach(sub) {
					r[k] = true
				}
			}
		}
		return r
	}
	visited := map[string]bool{}
	var visit func(d string, includer map[string]bool)
	visit = func(d string, includer map[string]bool) {
		f := files[d]
		if f == nil || visited[d] {
			return
		}
		visited[d] = true
		components := map[string]bool{}
		for _, c := range f.K.Components {
			components[filepath.Clean(filepath.Join(d, c))] = true
		}
		for _, sub := range f.LocalDirs() {
			if !components[sub] {
				visit(sub, nil)
			}
		}
		for _, sub := range f.LocalDirs() {
			if components[sub] {
				visit(sub, reach(d))
			}
		}
		r := reach(d)
		if includer != nil {
			r = union(r, includer)
		}
		m.edits = append(m.edits, kustomizationEdits(f, r, m.read)...)
	}
	visit(dir, nil)
	return m
}

func (m *Map) loadKustomization(dir string) (*kustfile.File, error) {
	p, err := kustfile.Find(dir)
	if err != nil {
		return nil, err
	}
	raw, err := m.read(p)
	if err != nil {
		return nil, err
	}
	return kustfile.Parse(dir, p, raw)
}

func union(a, b map[string]bool) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// Object is a rendered object and where the build says it comes from.
type Object struct {
	Body map[string]any
	// File is the absolute file the object comes from (the kustomization,
	// for generated objects) and Line the line its document starts on.
	File string
	Line int
}

// ident is what selectors match: the object as rendered and as written.
type ident struct {
	gvk                     resid.Gvk
	name, namespace         string
	origName, origNamespace string
	labels, annotations     map[string]string
}

// Locate returns the file and line to edit for the field at ptr (JSON-
// pointer tokens inside the rendered object; none for the object itself).
// ok is false when the object's origin is unknown.
func (m *Map) Locate(o Object, ptr []string) (src report.Source, ok bool) {
	if o.File == "" {
		return src, false
	}
	segs := segments(o.Body, ptr)
	id := identOf(o.Body)
	owner := m.owner(o.File)
	kf, generated := m.kfile[o.File]
	var doc *yaml3.Node
	if !generated {
		doc = m.document(o.File, o.Line, id)
		if doc != nil {
			id.origName = str(doc, "metadata", "name")
			id.origNamespace = str(doc, "metadata", "namespace")
		}
	}
	// The object itself (empty path) is its document; otherwise the last
	// edit that writes the field wins.
	//
	// A strategic-merge patch names a list item (containers[web]) only to
	// merge into it: it is where the item is edited, not where it is
	// defined, so for a finding about the item itself the resource file
	// wins when it defines the item, and the patch only when it adds it.
	//
	// For a missing field the place is the deepest object that lacks it,
	// wherever that object is written: partial tracks the deepest one a
	// strategic-merge patch writes, in case it is deeper than the resource.
	var weak, partial *report.Source
	partialDepth := 0
	for i := len(m.edits) - 1; i >= 0 && len(segs) > 0; i-- {
		e := &m.edits[i]
		if !e.reach[owner] || !e.selects(id) {
			continue
		}
		if e.kind == editSMP && e.doc != nil {
			if line, depth := walk(e.doc, segs); depth > partialDepth && depth < len(segs) {
				partial, partialDepth = &report.Source{File: e.file, Line: e.pos(line)}, depth
			}
		}
		if line, ok, inside := e.locate(segs, o.Body); ok {
			src := report.Source{File: e.file, Line: line}
			// A string item is a value the patch sets (strategic merge
			// replaces lists of strings), not an item it merges into.
			if last := segs[len(segs)-1]; inside && last.item && !last.scalar {
				if weak == nil {
					weak = &src
				}
				continue
			}
			return src, true
		}
	}
	if generated {
		return report.Source{File: o.File, Line: generatorLine(kf, id)}, true
	}
	if doc == nil {
		if weak != nil {
			return *weak, true
		}
		return report.Source{File: o.File, Line: o.Line}, true
	}
	line, depth := walk(doc, segs)
	switch {
	case depth < len(segs) && weak != nil:
		return *weak, true
	case depth < partialDepth:
		return *partial, true
	}
	return report.Source{File: o.File, Line: line}, true
}

// owner is the kustomization directory that lists file: the deepest one
// of the graph that holds it (kustomize loads files only inside a root).
func (m *Map) owner(file string) string {
	for _, d := range m.kdirs {
		if strings.HasPrefix(file, d+string(filepath.Separator)) {
			return d
		}
	}
	return ""
}

func (m *Map) docs(path string) []*yaml3.Node {
	if d, ok := m.cache[path]; ok {
		return d
	}
	var d []*yaml3.Node
	if b, err := m.read(path); err == nil {
		d = docs(b)
	}
	m.cache[path] = d
	return d
}

// document finds the object's document in its file: by the line the build
// found, else by kind and name, else the only one.
func (m *Map) document(file string, line int, id ident) *yaml3.Node {
	ds := m.docs(file)
	for _, d := range ds {
		if line > 0 && d.Line == line {
			return d
		}
	}
	// The build's line is unknown when a prefix, suffix or hash changed the
	// name: the rendered name contains the written one, and the longest
	// such name is the most specific (web-headless before web).
	var best *yaml3.Node
	for _, d := range ds {
		name := str(d, "metadata", "name")
		if str(d, "kind") != id.gvk.Kind || name == "" || !strings.Contains(id.name, name) {
			continue
		}
		if name == id.name {
			return d
		}
		if best == nil || len(name) > len(str(best, "metadata", "name")) {
			best = d
		}
	}
	if best != nil {
		return best
	}
	if len(ds) == 1 {
		return ds[0]
	}
	return nil
}

func identOf(body map[string]any) ident {
	md, _ := body["metadata"].(map[string]any)
	s := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	av, _ := body["apiVersion"].(string)
	kind, _ := body["kind"].(string)
	gv := strings.SplitN(av, "/", 2)
	gvk := resid.Gvk{Kind: kind}
	if len(gv) == 2 {
		gvk.Group, gvk.Version = gv[0], gv[1]
	} else {
		gvk.Version = gv[0]
	}
	toMap := func(v any) map[string]string {
		out := map[string]string{}
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				if s, ok := x.(string); ok {
					out[k] = s
				}
			}
		}
		return out
	}
	return ident{gvk: gvk, name: s(md, "name"), namespace: s(md, "namespace"),
		labels: toMap(md["labels"]), annotations: toMap(md["annotations"])}
}

// selects reports whether the edit applies to the object.
func (e *edit) selects(id ident) bool {
	switch {
	case e.kind == editNamespace:
		return true
	case e.kind == editImages:
		return true
	case e.target != nil:
		if !matchSelector(e.target, id) {
			return false
		}
		for _, r := range e.reject {
			if matchSelector(r, id) {
				return false
			}
		}
		return true
	case e.doc != nil:
		// A strategic-merge patch without target names its object.
		if str(e.doc, "kind") != id.gvk.Kind {
			return false
		}
		if n := str(e.doc, "metadata", "name"); n != id.name && n != id.origName {
			return false
		}
		ns := str(e.doc, "metadata", "namespace")
		return ns == "" || ns == id.namespace || ns == id.origNamespace
	}
	return false
}

func matchSelector(s *types.Selector, id ident) bool {
	sr, err := types.NewSelectorRegex(s)
	if err != nil {
		return false
	}
	if !sr.MatchGvk(id.gvk) {
		return false
	}
	if !sr.MatchName(id.name) && !sr.MatchName(id.origName) {
		return false
	}
	if !sr.MatchNamespace(id.namespace) && !sr.MatchNamespace(id.origNamespace) {
		return false
	}
	for sel, set := range map[string]map[string]string{s.LabelSelector: id.labels, s.AnnotationSelector: id.annotations} {
		if sel == "" {
			continue
		}
		ls, err := labels.Parse(sel)
		if err != nil || !ls.Matches(labels.Set(set)) {
			return false
		}
	}
	return true
}

// identity fields of a strategic-merge patch name the object; they are
// not values the patch sets.
func identityPath(segs []segment) bool {
	if len(segs) == 1 && (segs[0].key == "kind" || segs[0].key == "apiVersion") {
		return true
	}
	return len(segs) == 2 && segs[0].key == "metadata" && (segs[1].key == "name" || segs[1].key == "namespace")
}

// locate returns the line of the edit that writes the field at segs;
// inside is set when the edit only writes into the field (a patch merging
// into a list item it names), rather than setting it.
func (e *edit) locate(segs []segment, body map[string]any) (line int, ok, inside bool) {
	switch e.kind {
	case editSMP:
		if e.doc == nil || len(segs) == 0 || identityPath(segs) {
			return 0, false, false
		}
		if line, depth := walk(e.doc, segs); depth == len(segs) {
			return e.pos(line), true, true
		}
	case editJSON6902:
		want := pointer(segs)
		for i := len(e.ops) - 1; i >= 0; i-- {
			o := e.ops[i]
			if o.op == "test" {
				continue
			}
			p, err := jsonpointer.New(o.path)
			if err != nil {
				continue // kustomize refuses the patch
			}
			have := p.DecodedTokens()
			if appendsOther(o, have, segs) {
				continue
			}
			switch {
			case prefix(have, want):
				// The operation writes (or removes) the field or a parent.
				if o.value != nil && len(have) < len(want) {
					if line, depth := walk(o.value, segs[len(have):]); depth == len(want)-len(have) {
						return e.pos(line), true, false
					}
				}
				if o.valueKey != nil {
					return e.pos(o.valueKey.Line), true, false
				}
				return e.pos(o.node.Line), true, false
			case prefix(want, have):
				// The operation writes inside the field.
				return e.pos(o.node.Line), true, true
			}
		}
	case editNamespace:
		if len(segs) == 2 && segs[0].key == "metadata" && segs[1].key == "namespace" {
			return e.line, true, false
		}
	case editImages:
		if len(segs) >= 3 && segs[len(segs)-1].key == "image" && imageMatches(e.image, imageAt(body, segs)) {
			return e.line, true, false
		}
	case editReplacement:
		keys := keysOnly(segs)
		for _, fp := range e.fieldPaths {
			fk := fieldPathKeys(fp)
			if prefix(fk, keys) || prefix(keys, fk) {
				return e.line, true, len(keys) < len(fk)
			}
		}
	}
	return 0, false, false
}

// appendsOther reports whether o appends ("-") a string to a list other
// than the one string item segs names: "-" matches any index, so the
// value tells which item the operation wrote.
func appendsOther(o op, have []string, segs []segment) bool {
	n := len(have)
	if n == 0 || n > len(segs) || have[n-1] != "-" || !segs[n-1].scalar {
		return false
	}
	return o.value != nil && o.value.Kind == yaml3.ScalarNode && o.value.Value != segs[n-1].name
}

// prefix reports whether p is a prefix of s (a "-" token, JSON6902's
// append, matches any index).
func prefix(p, s []string) bool {
	if len(p) > len(s) {
		return false
	}
	for i := range p {
		if p[i] != s[i] && !(p[i] == "-" || s[i] == "-") {
			return false
		}
	}
	return true
}

func keysOnly(segs []segment) []string {
	var out []string
	for _, s := range segs {
		if s.index >= 0 || (s.bracket && s.name != "") {
			continue
		}
		out = append(out, s.key)
	}
	return out
}

// fieldPathKeys turns a replacement field path
// (spec.template.spec.containers.[name=web].image) into its keys.
func fieldPathKeys(fp string) []string {
	var out []string
	for _, p := range strings.Split(fp, ".") {
		if p == "" || strings.HasPrefix(p, "[") || strings.HasPrefix(p, "*") {
			continue
		}
		out = append(out, p)
	}
	return out
}

func imageAt(body map[string]any, segs []segment) string {
	var cur any = body
	for _, s := range segs {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[s.key]
		case []any:
			if s.index < 0 || s.index >= len(c) {
				return ""
			}
			cur = c[s.index]
		default:
			return ""
		}
	}
	v, _ := cur.(string)
	return v
}

// imageMatches reports whether an images: entry rewrote the rendered image.
func imageMatches(img types.Image, rendered string) bool {
	repo := rendered
	if i := strings.Index(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	return repo == img.Name || (img.NewName != "" && repo == img.NewName)
}

// generatorLine is the line of the configMapGenerator or secretGenerator
// entry that made a generated object: the longest generator name the
// rendered name contains (prefixes and the hash suffix are added to it).
func generatorLine(f *kustfile.File, id ident) int {
	best, line := -1, f.Line("configMapGenerator", -1)
	try := func(field string, names []string) {
		for i, n := range names {
			if n != "" && strings.Contains(id.name, n) && len(n) > best {
				best, line = len(n), f.Line(field, i)
			}
		}
	}
	if id.gvk.Kind == "Secret" {
		line = f.Line("secretGenerator", -1)
		var names []string
		for _, g := range f.K.SecretGenerator {
			names = append(names, g.Name)
		}
		try("secretGenerator", names)
	} else {
		var names []string
		for _, g := range f.K.ConfigMapGenerator {
			names = append(names, g.Name)
		}
		try("configMapGenerator", names)
	}
	return line
}
