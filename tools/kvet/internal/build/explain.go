package build

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	yaml3 "go.yaml.in/yaml/v3"

	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// explain turns a kustomize build error into findings that name the file
// and line to edit. kustomize's own message is always kept.
func explain(read readFunc, err error, files []*kustfile.File) []report.Finding {
	var pe *PanicError
	if errors.As(err, &pe) {
		return []report.Finding{finding("internal-error",
			fmt.Sprintf("kustomize crashed while building this target (%v); the input is probably malformed: %s", pe.Value, firstLine(pe.Stack)),
			files[0].Path, 0)}
	}
	detail := stripStamps(err.Error())
	out := explainCause(read, detail, files)
	for i := range out {
		if out[i].Message != detail {
			out[i].Detail = detail
		}
	}
	return out
}

// explainCause states the root cause of kustomize's error chain detail,
// at the file and line to edit, with what to do.
func explainCause(read readFunc, detail string, files []*kustfile.File) []report.Finding {
	msg := rootCause(detail)
	var out []report.Finding
	if f, ok := unknownKustomizationField(msg, files); ok {
		return []report.Finding{f}
	}
	if f, line, related, ok := locateUnmatchedPatch(read, msg, files); ok {
		nf := finding("patch-no-match",
			"strategic-merge patch selects no object: "+msg+"; fix the patch's apiVersion/kind/metadata.name (and namespace) to match an object of this build, or remove it",
			f, line)
		nf.Related = related
		return append(out, nf)
	}
	if f, ok := unmatchedReplicas(msg, files); ok {
		return []report.Finding{f}
	}
	// YAML problems: find the file and line ourselves, kustomize's messages
	// rarely name the file.
	for _, f := range files {
		for _, p := range yamlInputs(f) {
			if lf, ok := lintYAML(read, p); ok {
				out = append(out, lf)
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	rule := "build-failed"
	file, line := files[0].Path, 0
	if f, l, ok := locateEntry(detail, files); ok {
		file, line = f, l
	}
	switch {
	case strings.Contains(msg, "may not add resource with an already registered id"):
		msg += ": two resources of this build define the same object; remove one of them, or give them different names or namespaces"
	case strings.Contains(msg, "no such file or directory"):
		rule = "missing-file"
		if m := failedPathRE.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("%s does not exist: fix the entry's path or add the file", m[1])
		} else {
			msg += ": the file or directory this entry names does not exist; fix the path or add the file"
		}

	case strings.Contains(msg, "plugins disabled"), strings.Contains(msg, "is not allowed: exec"),
		strings.Contains(msg, "function"):
		rule = "plugin-disabled"
		msg += ": kvet does not run plugins or KRM functions by default; pass --enable-plugins to accept the risk"
		if f, l, ok := locatePlugin(read, msg, files); ok {
			file, line = f, l
		}
	case strings.Contains(msg, "security; file") && strings.Contains(msg, "is not in or below"):
		rule = "root-escape"
		msg += ": kustomize only loads files inside the kustomization root; move the file under it, or reference a kustomization directory as a resource"
	}
	return []report.Finding{finding(rule, msg, file, line)}
}

var (
	failedPathRE = regexp.MustCompile(`(?:evalsymlink failure on|security; file) '([^']+)'`)
	entryRE      = regexp.MustCompile(`(?:accumulating resources from|merging resources from|path\() ?'?([^')]+)'?\)?`)
)

var pluginRE = regexp.MustCompile(`external plugin '([^']+)'`)

// replicasRE is the error of kustomize's replicas transformer
// (api/internal/builtins/ReplicaCountTransformer.go) for an entry whose
// name matches no workload: unlike images, it fails the build.
var replicasRE = regexp.MustCompile(`^resource with name (\S+) does not match a config with the following GVK`)

// unmatchedReplicas reports the replicas entry kustomize refused, at the
// entry. Bases build before the kustomizations that include them, so the
// deepest kustomization with such an entry is the one that failed.
func unmatchedReplicas(msg string, files []*kustfile.File) (report.Finding, bool) {
	m := replicasRE.FindStringSubmatch(msg)
	if m == nil {
		return report.Finding{}, false
	}
	for j := len(files) - 1; j >= 0; j-- {
		f := files[j]
		for i, r := range f.K.Replicas {
			if r.Name == m[1] {
				return finding("replicas-no-match",
					fmt.Sprintf("replicas entry %q names no Deployment, StatefulSet, ReplicaSet or ReplicationController of this build, so kustomize refuses the build: use the workload's name as its resources write it (before namePrefix/nameSuffix), or remove the entry", r.Name),
					f.Path, f.Line("replicas", i)), true
			}
		}
	}
	return report.Finding{}, false
}

// locatePlugin finds the generators, transformers or validators entry that
// declares the plugin kind a kustomize error names.
func locatePlugin(read readFunc, msg string, files []*kustfile.File) (string, int, bool) {
	m := pluginRE.FindStringSubmatch(msg)
	if m == nil {
		return "", 0, false
	}
	kindRE := regexp.MustCompile(`(?m)^kind:\s*['"]?` + regexp.QuoteMeta(m[1]) + `['"]?\s*$`)
	for _, f := range files {
		for _, field := range []struct {
			name    string
			entries []string
		}{{"generators", f.K.Generators}, {"transformers", f.K.Transformers}, {"validators", f.K.Validators}} {
			for i, e := range field.entries {
				content := []byte(e)
				if !strings.Contains(e, "\n") {
					b, err := read(filepath.Join(f.Dir, e))
					if err != nil {
						continue
					}
					content = b
				}
				if kindRE.Match(content) {
					return f.Path, f.Line(field.name, i), true
				}
			}
		}
	}
	return "", 0, false
}

// locateEntry finds the kustomization entry (resources, bases, components,
// patches) that a kustomize error is about, for its file and line.
func locateEntry(msg string, files []*kustfile.File) (string, int, bool) {
	type entry struct {
		f     *kustfile.File
		value string
		line  int
	}
	var entries []entry
	for _, f := range files {
		for _, r := range f.Refs() {
			entries = append(entries, entry{f, r.Value, r.Line})
		}
		for i, p := range f.K.Patches {
			if p.Path != "" {
				entries = append(entries, entry{f, p.Path, f.Line("patches", i)})
			}
		}
		for i, p := range f.K.PatchesJson6902 { //nolint:staticcheck
			if p.Path != "" {
				entries = append(entries, entry{f, p.Path, f.Line("patchesJson6902", i)})
			}
		}
	}
	// The innermost failing path is the most precise: match it exactly.
	if m := failedPathRE.FindAllStringSubmatch(msg, -1); m != nil {
		failed := filepath.Clean(m[len(m)-1][1])
		for _, e := range entries {
			if filepath.Clean(filepath.Join(e.f.Dir, e.value)) == failed {
				return e.f.Path, e.line, true
			}
		}
	}
	if m := entryRE.FindAllStringSubmatch(msg, -1); m != nil {
		value := m[len(m)-1][1]
		for i := len(entries) - 1; i >= 0; i-- {
			if entries[i].value == value {
				return entries[i].f.Path, entries[i].line, true
			}
		}
	}
	return "", 0, false
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// yamlInputs lists the local files a kustomization reads as YAML.
func yamlInputs(f *kustfile.File) []string {
	var out []string
	add := func(p string) {
		if p == "" || kustfile.IsURL(p) {
			return
		}
		full := filepath.Join(f.Dir, p)
		if fi, err := os.Stat(full); err == nil && fi.Mode().IsRegular() {
			out = append(out, full)
		}
	}
	add(filepath.Base(f.Path))
	for _, r := range f.Refs() {
		add(r.Value)
	}
	for _, p := range f.K.Patches {
		add(p.Path)
	}
	for _, p := range f.K.PatchesStrategicMerge { //nolint:staticcheck
		if !strings.Contains(string(p), "\n") {
			add(string(p))
		}
	}
	for _, p := range f.K.PatchesJson6902 { //nolint:staticcheck
		add(p.Path)
	}
	return out
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// lintYAML decodes every document of a file the strict way and reports
// the first syntax problem (bad indentation, tabs, duplicate keys).
func lintYAML(read readFunc, path string) (report.Finding, bool) {
	b, err := read(path)
	if err != nil {
		return report.Finding{}, false
	}
	dec := yaml3.NewDecoder(bytes.NewReader(b))
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return report.Finding{}, false
		}
		if err != nil {
			line := 0
			if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
				fmt.Sscan(m[1], &line)
			}
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			hint := "fix the YAML syntax"
			switch {
			case strings.Contains(msg, "already defined"):
				hint = "remove or rename the duplicate key"
			case strings.Contains(msg, "found character that cannot start any token") || strings.Contains(msg, "tab"):
				hint = "indent with spaces; YAML forbids tabs"
			}
			return finding("yaml-syntax", fmt.Sprintf("invalid YAML: %s: %s", msg, hint), path, line), true
		}
	}
}

var idRE = regexp.MustCompile(`no matches for Id ([^ ;]+)`)

// locateUnmatchedPatch finds the strategic-merge patch kustomize could not
// apply, from the resource id in its error message: the kustomization
// entry that applies it, and the patch's metadata.name line (nil when the
// patch is not found), the other place a fix may go.
func locateUnmatchedPatch(read readFunc, msg string, files []*kustfile.File) (string, int, []report.Related, bool) {
	m := idRE.FindStringSubmatch(msg)
	if m == nil || !strings.Contains(msg, "patch") {
		return "", 0, nil, false
	}
	// Id format: Kind.version.group/name.namespace
	id := m[1]
	gvk, nn, _ := strings.Cut(id, "/")
	kind, _, _ := strings.Cut(gvk, ".")
	name := nn
	if i := strings.LastIndex(nn, "."); i >= 0 {
		name = nn[:i]
	}
	for _, f := range files {
		for i, p := range f.K.Patches {
			if p.Target != nil {
				continue
			}
			if rel, ok := patchNameLine(read, f, "patches", i, p.Path, p.Patch, kind, name); ok {
				return f.Path, f.Line("patches", i), rel, true
			}
		}
		for i, p := range f.K.PatchesStrategicMerge { //nolint:staticcheck
			s := string(p)
			path, inline := s, ""
			if strings.Contains(s, "\n") {
				path, inline = "", s
			}
			if rel, ok := patchNameLine(read, f, "patchesStrategicMerge", i, path, inline, kind, name); ok {
				return f.Path, f.Line("patchesStrategicMerge", i), rel, true
			}
		}
	}
	if len(files) > 0 {
		return files[0].Path, 0, nil, true
	}
	return "", 0, nil, false
}

// patchNameLine reports whether the patch (a file, or inline text of
// f's field entry i) holds a document of kind named name, and where its
// metadata.name is written.
func patchNameLine(read readFunc, f *kustfile.File, field string, i int, path, inline, kind, name string) ([]report.Related, bool) {
	content, file := []byte(inline), f.Path
	if path != "" {
		file = filepath.Join(f.Dir, path)
		b, err := read(file)
		if err != nil {
			return nil, false
		}
		content = b
	}
	line, ok := nameLine(content, kind, name)
	if !ok {
		return nil, false
	}
	if path == "" {
		line = inlineLine(f, field, i, line)
	}
	if line == 0 {
		return nil, true
	}
	return []report.Related{{File: file, Line: line,
		Message: fmt.Sprintf("the patch's metadata.name (%s %s): fix it, or the patch's kind or namespace, to name an object of this build", kind, name)}}, true
}

// nameLine is the line of metadata.name in the first document of content
// with that kind and name (0 when it is written on no line of its own).
func nameLine(content []byte, kind, name string) (int, bool) {
	dec := yaml3.NewDecoder(bytes.NewReader(content))
	for {
		var doc yaml3.Node
		if err := dec.Decode(&doc); err != nil {
			return 0, false
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml3.MappingNode {
			continue
		}
		top := doc.Content[0]
		k := mapValue(top, "kind")
		meta := mapValue(top, "metadata")
		if k == nil || k.Value != kind || meta == nil {
			continue
		}
		if n := mapValue(meta, "name"); n != nil && n.Value == name {
			return n.Line, true
		}
	}
}

func mapValue(m *yaml3.Node, key string) *yaml3.Node {
	if m.Kind != yaml3.MappingNode {
		return nil
	}
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == key {
			return m.Content[j+1]
		}
	}
	return nil
}

// inlineLine maps line l of the inline patch of f's field entry i to a
// line of f: a block scalar (patch: |) starts on the line after its
// indicator; a patch written otherwise is given no line (0).
func inlineLine(f *kustfile.File, field string, i, l int) int {
	if f.Node == nil {
		return 0
	}
	seq := mapValue(f.Node.YNode(), field)
	if seq == nil || seq.Kind != yaml3.SequenceNode || i >= len(seq.Content) {
		return 0
	}
	v := seq.Content[i]
	if v.Kind == yaml3.MappingNode {
		v = mapValue(v, "patch")
	}
	if v == nil || v.Style&(yaml3.LiteralStyle|yaml3.FoldedStyle) == 0 {
		return 0
	}
	return v.Line + l
}

// lineIndex finds the line where an object's document starts in a file.
type lineIndex struct {
	read  readFunc
	files map[string][]docStart
	// shared, when set, holds the scans of every build of the Builder
	// (a file reads the same in each).
	shared *docStarts
}

// docStarts are the scanned files of a Builder, by path, with the
// content they were scanned from.
type docStarts struct {
	mu    sync.Mutex
	files map[string]scanned
}

type scanned struct {
	content []byte
	docs    []docStart
}

type docStart struct {
	kind, name string
	line       int
}

func (l *lineIndex) line(path, kind, name string) int {
	if l.files == nil {
		l.files = map[string][]docStart{}
	}
	docs, ok := l.files[path]
	if !ok {
		docs = l.scan(path)
		l.files[path] = docs
	}
	for _, d := range docs {
		if d.kind == kind && d.name == name {
			return d.line
		}
	}
	return 0
}

// scan scans path, or reuses the Builder's scan of the same content.
func (l *lineIndex) scan(path string) []docStart {
	b, err := l.read(path)
	if err != nil {
		return nil
	}
	if l.shared == nil {
		return scanDocs(b)
	}
	l.shared.mu.Lock()
	s, ok := l.shared.files[path]
	l.shared.mu.Unlock()
	if ok && bytes.Equal(s.content, b) {
		return s.docs
	}
	docs := scanDocs(b)
	l.shared.mu.Lock()
	l.shared.files[path] = scanned{content: bytes.Clone(b), docs: docs}
	l.shared.mu.Unlock()
	return docs
}

func scanDocs(b []byte) []docStart {
	var out []docStart
	dec := yaml3.NewDecoder(bytes.NewReader(b))
	for {
		var n yaml3.Node
		if err := dec.Decode(&n); err != nil {
			return out
		}
		if len(n.Content) == 0 || n.Content[0].Kind != yaml3.MappingNode {
			continue
		}
		m := n.Content[0]
		d := docStart{line: m.Line}
		for i := 0; i+1 < len(m.Content); i += 2 {
			switch m.Content[i].Value {
			case "kind":
				d.kind = m.Content[i+1].Value
			case "metadata":
				md := m.Content[i+1]
				for j := 0; j+1 < len(md.Content); j += 2 {
					if md.Content[j].Value == "name" {
						d.name = md.Content[j+1].Value
					}
				}
			}
		}
		out = append(out, d)
	}
}
