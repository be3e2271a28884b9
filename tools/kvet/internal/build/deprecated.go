package build

import (
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// deprecation is a kustomization field kustomize warns about
// (types.Kustomization.CheckDeprecatedFields, which prints to the process's
// stderr without a file name) and the field `kustomize edit fix` moves it to.
type deprecation struct {
	field, replacement string
	// fix sets the deprecated field of an empty kustomization from raw.
	fix func(k, raw *types.Kustomization)
}

// deprecations are in kustomize's own order of warnings.
var deprecations = []deprecation{
	{"bases", "resources", func(k, raw *types.Kustomization) { k.Bases = raw.Bases }},
	{"commonLabels", "labels", func(k, raw *types.Kustomization) { k.CommonLabels = raw.CommonLabels }},
	{"imageTags", "images", func(k, raw *types.Kustomization) { k.ImageTags = raw.ImageTags }},
	{"patchesJson6902", "patches", func(k, raw *types.Kustomization) { k.PatchesJson6902 = raw.PatchesJson6902 }},
	{"patchesStrategicMerge", "patches", func(k, raw *types.Kustomization) { k.PatchesStrategicMerge = raw.PatchesStrategicMerge }},
	{"vars", "replacements", nil},
}

// deprecatedSnippetLines bounds the replacement shown in a message.
const deprecatedSnippetLines = 12

// deprecatedFields reports every deprecated field f uses, at its key, with
// what `kustomize edit fix` would write instead (computed with kustomize's
// own fix functions).
func deprecatedFields(f *kustfile.File) []report.Finding {
	if f == nil || f.Node == nil {
		return nil
	}
	var raw *types.Kustomization
	var out []report.Finding
	for _, d := range deprecations {
		n := f.Node.Field(d.field)
		if n == nil || n.Value == nil || n.Value.YNode().Tag == kyaml.NodeTagNull {
			continue // kustomize warns only about a non-nil field
		}
		// Decoded only for a file that has one: deprecatedInGraph runs
		// for every file of every target, and most have none.
		if raw == nil {
			raw = &types.Kustomization{}
			if err := yaml.Unmarshal(f.Raw, raw); err != nil {
				return nil // the build reports the broken file
			}
		}
		msg := fmt.Sprintf("'%s' is deprecated: use '%s' instead", d.field, d.replacement)
		if d.fix == nil {
			msg += " (`kustomize edit fix --vars` converts vars into replacements, experimentally)"
		} else if snippet, err := editFix(d, raw); err != nil {
			msg += fmt.Sprintf("; `kustomize edit fix` cannot convert it: %v", err)
		} else {
			msg += "; `kustomize edit fix` writes:\n" + snippet
		}
		fd := finding("deprecated-field", msg, f.Path, f.Line(d.field, -1))
		fd.Severity = report.SeverityWarning
		out = append(out, fd)
	}
	return out
}

// editFix returns the YAML `kustomize edit fix` writes for the deprecated
// field d of raw alone.
func editFix(d deprecation, raw *types.Kustomization) (string, error) {
	var k types.Kustomization
	d.fix(&k, raw)
	// A strategic-merge entry is a file when kustomize can read it, else
	// an inline patch: only the distinction matters, not the content.
	mem := filesys.MakeFsInMemory()
	for _, p := range k.PatchesStrategicMerge {
		if !strings.Contains(string(p), "\n") {
			if err := mem.WriteFile(string(p), nil); err != nil {
				return "", fmt.Errorf("entry %q: %w", p, err)
			}
		}
	}
	k.FixKustomization()
	if err := k.FixKustomizationPreMarshalling(mem); err != nil {
		return "", err
	}
	var value any
	switch d.replacement {
	case "resources":
		value = k.Resources
	case "images":
		value = k.Images
	case "patches":
		value = k.Patches
	case "labels":
		value = k.Labels
	}
	out, err := yaml.Marshal(map[string]any{d.replacement: value})
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", d.replacement, err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > deprecatedSnippetLines {
		lines = append(lines[:deprecatedSnippetLines], "...")
	}
	return strings.Join(lines, "\n"), nil
}

// deprecatedInGraph reports the deprecated fields of a target's
// kustomization graph. The target's own file is the one on disk: not the
// kustomization kvet generated for a plain directory, nor the one it
// rewrote for an entry point (whose additions are the controller's, not
// deprecated fields of the repository).
func deprecatedInGraph(files []*kustfile.File, root *kustfile.File, er *entryRoot) []report.Finding {
	var out []report.Finding
	for i, f := range files {
		if i == 0 && root != nil {
			if f = nil; er != nil {
				f = er.orig
			}
		}
		out = append(out, deprecatedFields(f)...)
	}
	return out
}
