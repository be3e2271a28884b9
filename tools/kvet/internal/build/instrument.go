package build

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// Kustomize applies a patch or replacement whose target selects nothing
// without a word. kvet finds those by building an instrumented copy of each
// kustomization (held in memory): before every targeted patch and
// replacement it inserts a marker with the same selector that only adds an
// annotation. A marker that appears on no rendered object is a patch that
// matched nothing. The markers are stripped before anything is checked.

const (
	patchMarkerPrefix       = "kvet.internal/p"
	replacementMarkerPrefix = "x-kvet-internal-r"
	originAnnotation        = "config.kubernetes.io/origin"
)

// probe is one instrumented patch or replacement.
type probe struct {
	key   string // annotation key the marker sets
	rule  string // finding rule when nothing matched
	file  string // kustomization file that declares it
	line  int
	what  string // human description of the entry
	field string
	// destructive: the patch can remove the marker from the object it
	// matched (it deletes or replaces the object, its metadata or its
	// annotations), so a missing marker proves nothing (verify.go).
	destructive bool
}

// instrument rewrites f's kustomization with markers; it returns the new
// content and the probes it added. root says whether f is the target's own
// kustomization, which also gets origin annotations turned on. file is f's
// marker number (markers.number): the keys depend on the file and the entry
// only, so a base reads the same bytes in every target that includes it.
func instrument(read readFunc, f *kustfile.File, root bool, file int, drop map[string]bool) ([]byte, []probe, bool, error) {
	k := f.K
	var probes []probe
	entry := 0
	next := func() string { entry++; return fmt.Sprintf("%d-%d", file, entry) }
	var patches []types.Patch
	for i, p := range k.Patches {
		if p.Target != nil {
			pr := probe{key: patchMarkerPrefix + next(), rule: "patch-no-match", file: f.Path,
				line: f.Line("patches", i), field: "patches", what: describePatch(p), destructive: destructive(f, p, read)}
			probes = append(probes, pr)
			patches = append(patches, markerPatch(p.Target, pr.key))
			if drop[pr.key] {
				continue
			}
		}
		patches = append(patches, p)
	}
	var json6902 []types.Patch
	for i, p := range k.PatchesJson6902 { //nolint:staticcheck // deprecated but still applied by kustomize
		if p.Target == nil {
			json6902 = append(json6902, p)
			continue
		}
		pr := probe{key: patchMarkerPrefix + next(), rule: "patch-no-match", file: f.Path,
			line: f.Line("patchesJson6902", i), field: "patchesJson6902", what: describePatch(p), destructive: destructive(f, p, read)}
		probes = append(probes, pr)
		patches = append(patches, markerPatch(p.Target, pr.key))
		if !drop[pr.key] {
			json6902 = append(json6902, p)
		}
	}
	var repls []types.ReplacementField
	for i, r := range k.Replacements {
		list := []types.Replacement{r.Replacement}
		if r.Path != "" {
			// A replacement file: inline its entries so each target gets a marker.
			loaded, err := loadReplacementFile(read, f.Dir, r.Path)
			if err != nil {
				return nil, nil, false, err
			}
			list = loaded
		}
		for _, rep := range list {
			for ti, t := range rep.Targets {
				if t == nil || t.Select == nil {
					continue
				}
				pr := probe{key: replacementMarkerPrefix + next(), rule: "replacement-no-match", file: f.Path,
					line: f.Line("replacements", i), field: "replacements",
					what: fmt.Sprintf("replacement target %d (select %s)", ti+1, describeSelector(t.Select))}
				probes = append(probes, pr)
				hit := "hit"
				repls = append(repls, types.ReplacementField{Replacement: types.Replacement{
					SourceValue: &hit,
					Targets: []*types.TargetSelector{{
						Select: t.Select, Reject: t.Reject,
						FieldPaths: []string{"metadata.annotations." + pr.key},
						Options:    &types.FieldOptions{Create: true},
					}},
				}})
			}
			repls = append(repls, types.ReplacementField{Replacement: rep})
		}
	}
	if len(probes) == 0 && !root {
		return nil, nil, false, nil
	}
	out := f.Node.Copy()
	if len(probes) > 0 {
		if len(patches) > 0 {
			if err := setField(out, "patches", patches); err != nil {
				return nil, nil, false, err
			}
		}
		if len(repls) > 0 {
			if err := setField(out, "replacements", repls); err != nil {
				return nil, nil, false, err
			}
		}
		if len(json6902) != len(k.PatchesJson6902) { //nolint:staticcheck // deprecated but still applied by kustomize
			if err := setField(out, "patchesJson6902", json6902); err != nil {
				return nil, nil, false, err
			}
		}
	}
	addedOrigin := false
	if root && !slices.Contains(k.BuildMetadata, types.OriginAnnotations) {
		if err := setField(out, "buildMetadata", append(append([]string{}, k.BuildMetadata...), types.OriginAnnotations)); err != nil {
			return nil, nil, false, err
		}
		addedOrigin = true
	}
	s, err := out.String()
	if err != nil {
		return nil, nil, false, fmt.Errorf("instrument %s: %w", f.Path, err)
	}
	return []byte(s), probes, addedOrigin, nil
}

func markerPatch(target *types.Selector, key string) types.Patch {
	t := *target
	return types.Patch{
		Target: &t,
		Patch: "apiVersion: kvet.internal/v1\nkind: Marker\nmetadata:\n  name: marker\n  annotations:\n    " +
			key + ": hit\n",
	}
}

func setField(n *kyaml.RNode, field string, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", field, err)
	}
	val, err := kyaml.Parse(string(b))
	if err != nil {
		return fmt.Errorf("parse %s: %w", field, err)
	}
	return n.PipeE(kyaml.SetField(field, val))
}

func loadReplacementFile(read readFunc, dir, p string) ([]types.Replacement, error) {
	b, err := read(filepath.Join(dir, p))
	if err != nil {
		return nil, fmt.Errorf("read replacement file %s: %w", p, err)
	}
	var list []types.Replacement
	if err := yaml.Unmarshal(b, &list); err != nil {
		var one types.Replacement
		if err2 := yaml.Unmarshal(b, &one); err2 != nil {
			return nil, fmt.Errorf("decode replacement file %s: %w", p, err)
		}
		list = []types.Replacement{one}
	}
	return list, nil
}

func describePatch(p types.Patch) string {
	src := "inline patch"
	if p.Path != "" {
		src = "patch " + p.Path
	}
	return fmt.Sprintf("%s (target %s)", src, describeSelector(p.Target))
}

func describeSelector(s *types.Selector) string {
	if s == nil {
		return "none"
	}
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("group", s.Group)
	add("version", s.Version)
	add("kind", s.Kind)
	add("name", s.Name)
	add("namespace", s.Namespace)
	add("labelSelector", s.LabelSelector)
	add("annotationSelector", s.AnnotationSelector)
	if len(parts) == 0 {
		return "everything"
	}
	return strings.Join(parts, " ")
}
