package sourcemap

import (
	"os"
	"path/filepath"

	yaml3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// kustomizationEdits lists the edits of one kustomization in the order
// kustomize's builtin transformers run: strategic-merge patches, patches,
// namespace, JSON6902 patches, images, replacements.
func kustomizationEdits(f *kustfile.File, reach map[string]bool, read func(string) ([]byte, error)) []edit {
	var root *yaml3.Node
	if ds := docs(f.Raw); len(ds) > 0 {
		root = ds[0]
	}
	var out []edit
	same := func(l int) int { return l }
	// patch turns one patch (file or inline text) into edits.
	patch := func(field string, i int, path, inline string, target *types.Selector) {
		entry := f.Line(field, i)
		var ds []*yaml3.Node
		file, pos := f.Path, same
		switch {
		case path != "":
			p := filepath.Join(f.Dir, path)
			b, err := read(p)
			if err != nil {
				return
			}
			ds, file = docs(b), p
		case inline != "":
			ds = docs([]byte(inline))
			pos = inlinePos(root, field, i, entry)
		}
		for _, d := range ds {
			e := edit{reach: reach, file: file, line: entry, pos: pos, target: target}
			if d.Kind == yaml3.SequenceNode {
				e.kind, e.ops = editJSON6902, ops(d)
			} else {
				e.kind, e.doc = editSMP, d
			}
			out = append(out, e)
		}
	}
	for i, p := range f.K.PatchesStrategicMerge { //nolint:staticcheck // still applied by kustomize
		s := string(p)
		if fi, err := os.Stat(filepath.Join(f.Dir, s)); err == nil && fi.Mode().IsRegular() {
			patch("patchesStrategicMerge", i, s, "", nil)
		} else {
			patch("patchesStrategicMerge", i, "", s, nil)
		}
	}
	for i, p := range f.K.Patches {
		patch("patches", i, p.Path, p.Patch, p.Target)
	}
	if f.K.Namespace != "" {
		out = append(out, edit{kind: editNamespace, reach: reach, file: f.Path, line: f.Line("namespace", -1)})
	}
	for i, p := range f.K.PatchesJson6902 { //nolint:staticcheck // still applied by kustomize
		if p.Target != nil {
			patch("patchesJson6902", i, p.Path, p.Patch, p.Target)
		}
	}
	for i, img := range f.K.Images {
		out = append(out, edit{kind: editImages, reach: reach, file: f.Path, line: f.Line("images", i), image: img})
	}
	for i, r := range f.K.Replacements {
		list := []types.Replacement{r.Replacement}
		if r.Path != "" {
			list = replacementFile(filepath.Join(f.Dir, r.Path), read)
		}
		for _, rep := range list {
			for _, t := range rep.Targets {
				if t == nil || t.Select == nil {
					continue
				}
				out = append(out, edit{kind: editReplacement, reach: reach, file: f.Path, line: f.Line("replacements", i),
					target: t.Select, reject: t.Reject, fieldPaths: t.FieldPaths})
			}
		}
	}
	return out
}

// inlinePos maps lines of an inline patch to lines of the kustomization:
// a block scalar (patch: |) starts on the next line; any other scalar is
// reported at its own line.
func inlinePos(root *yaml3.Node, name string, i, entry int) func(int) int {
	_, seq := field(root, name)
	if seq == nil || seq.Kind != yaml3.SequenceNode || i >= len(seq.Content) {
		return func(int) int { return entry }
	}
	v := seq.Content[i]
	if v.Kind == yaml3.MappingNode {
		_, v = field(v, "patch")
	}
	if v == nil {
		return func(int) int { return entry }
	}
	if v.Style&(yaml3.LiteralStyle|yaml3.FoldedStyle) != 0 {
		start := v.Line
		return func(l int) int { return start + l }
	}
	line := v.Line
	return func(int) int { return line }
}

func ops(seq *yaml3.Node) []op {
	var out []op
	for _, n := range seq.Content {
		o := op{op: str(n, "op"), path: str(n, "path"), node: n}
		o.valueKey, o.value = field(n, "value")
		out = append(out, o)
	}
	return out
}

func replacementFile(p string, read func(string) ([]byte, error)) []types.Replacement {
	b, err := read(p)
	if err != nil {
		return nil
	}
	var list []types.Replacement
	if err := yaml.Unmarshal(b, &list); err != nil {
		var one types.Replacement
		if yaml.Unmarshal(b, &one) != nil {
			return nil
		}
		list = []types.Replacement{one}
	}
	return list
}
