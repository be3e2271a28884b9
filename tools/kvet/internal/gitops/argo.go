package gitops

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// ArgoSpec is what an Argo CD Application applies to its source directory.
type ArgoSpec struct {
	Kustomize            *ArgoKustomize
	DestinationNamespace string
	// Helm is set when Argo CD reads the source as a Helm chart
	// (ArgoSourceType): it is rendered with the Helm SDK, not kustomize.
	Helm *ArgoHelm
}

// ArgoHelm is an Application's spec.source.helm.
type ArgoHelm struct {
	ReleaseName             string           `yaml:"releaseName"`
	Namespace               string           `yaml:"namespace"`
	ValueFiles              []string         `yaml:"valueFiles"`
	IgnoreMissingValueFiles bool             `yaml:"ignoreMissingValueFiles"`
	Values                  string           `yaml:"values"`
	ValuesObject            map[string]any   `yaml:"valuesObject"`
	Parameters              []ArgoHelmParam  `yaml:"parameters"`
	FileParameters          []map[string]any `yaml:"fileParameters"`
	SkipCrds                bool             `yaml:"skipCrds"`
}

// ArgoHelmParam is a helm.parameters entry (helm --set / --set-string).
type ArgoHelmParam struct {
	Name        string `yaml:"name"`
	Value       string `yaml:"value"`
	ForceString bool   `yaml:"forceString"`
}

// Argo CD source types (v1alpha1.ApplicationSourceType).
const (
	ArgoHelmSource      = "Helm"
	ArgoKustomizeSource = "Kustomize"
	ArgoDirectorySource = "Directory"
)

// ArgoSourceType is how Argo CD's repo-server reads a source directory
// (ApplicationSource.ExplicitType, then util/app/discovery.AppType): an
// explicit helm, kustomize or directory block decides (explicit: the
// type it names, "" when none); otherwise a file of the top directory
// whose name ends in Chart.yaml makes a Helm source and a kustomization
// file a Kustomize one (it wins when both are there, as in discovery's
// lexical walk); anything else is a Directory.
func ArgoSourceType(dir, explicit string) string {
	if explicit != "" {
		return explicit
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ArgoDirectorySource
	}
	typ := ArgoDirectorySource
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		switch {
		case slices.Contains(kustomizationNames, e.Name()):
			return ArgoKustomizeSource
		case strings.HasSuffix(e.Name(), "Chart.yaml"):
			typ = ArgoHelmSource
		}
	}
	return typ
}

var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// ArgoKustomize is an Application's spec.source.kustomize.
type ArgoKustomize struct {
	NamePrefix              string            `yaml:"namePrefix"`
	NameSuffix              string            `yaml:"nameSuffix"`
	Images                  []string          `yaml:"images"`
	Replicas                []ArgoReplica     `yaml:"replicas"`
	CommonLabels            map[string]string `yaml:"commonLabels"`
	CommonAnnotations       map[string]string `yaml:"commonAnnotations"`
	ForceCommonLabels       bool              `yaml:"forceCommonLabels"`
	ForceCommonAnnotations  bool              `yaml:"forceCommonAnnotations"`
	LabelWithoutSelector    bool              `yaml:"labelWithoutSelector"`
	LabelIncludeTemplates   bool              `yaml:"labelIncludeTemplates"`
	Namespace               string            `yaml:"namespace"`
	Patches                 []map[string]any  `yaml:"patches"`
	Components              []string          `yaml:"components"`
	IgnoreMissingComponents bool              `yaml:"ignoreMissingComponents"`
}

// ArgoReplica is a replicas override; count is an int or a string.
type ArgoReplica struct {
	Name  string `yaml:"name"`
	Count any    `yaml:"count"`
}

func (k *ArgoKustomize) empty() bool {
	return k == nil || (k.NamePrefix == "" && k.NameSuffix == "" && len(k.Images) == 0 && len(k.Replicas) == 0 &&
		len(k.CommonLabels) == 0 && len(k.CommonAnnotations) == 0 && k.Namespace == "" && len(k.Patches) == 0 &&
		len(k.Components) == 0)
}

// kustomization applies spec.source.kustomize as Argo CD does in its
// checkout (util/kustomize: `kustomize edit set nameprefix`, `namesuffix`,
// `image`, `replicas`, `edit add label`/`annotation`, `edit set
// namespace`, patches appended to the file, `edit add component`), in
// that order. A directory without a kustomization is a plain-directory
// application: nil (build it as it is).
func (s *ArgoSpec) kustomization(dir string, existing []byte) ([]byte, error) {
	k := s.Kustomize
	if k.empty() {
		return nil, nil
	}
	if existing == nil {
		return nil, errors.New("spec.source.kustomize is set but the directory has no kustomization file: Argo CD's `kustomize edit` fails (Missing kustomization file)")
	}
	var kus kustypes.Kustomization
	if err := yaml.Unmarshal(existing, &kus); err != nil {
		return nil, err
	}
	kus.FixKustomization() // what `kustomize edit` does on load
	if k.NamePrefix != "" {
		kus.NamePrefix = k.NamePrefix
	}
	if k.NameSuffix != "" {
		kus.NameSuffix = k.NameSuffix
	}
	for _, arg := range k.Images {
		setImage(&kus, arg)
	}
	for _, r := range k.Replicas {
		n, err := replicaCount(r.Count)
		if err != nil {
			return nil, fmt.Errorf("replicas %s: %w", r.Name, err)
		}
		set := false
		for i := range kus.Replicas {
			if kus.Replicas[i].Name == r.Name {
				kus.Replicas[i].Count, set = n, true
			}
		}
		if !set {
			kus.Replicas = append(kus.Replicas, kustypes.Replica{Name: r.Name, Count: n})
		}
	}
	if len(k.CommonLabels) > 0 {
		if err := addLabels(&kus, k); err != nil {
			return nil, err
		}
	}
	if len(k.CommonAnnotations) > 0 {
		if kus.CommonAnnotations == nil {
			kus.CommonAnnotations = map[string]string{}
		}
		for _, key := range sortedKeys(k.CommonAnnotations) {
			if _, ok := kus.CommonAnnotations[key]; ok && !k.ForceCommonAnnotations {
				return nil, fmt.Errorf("kustomize edit add annotation: annotation %s already in kustomization file (set forceCommonAnnotations)", key)
			}
			kus.CommonAnnotations[key] = k.CommonAnnotations[key]
		}
	}
	if k.Namespace != "" {
		kus.Namespace = k.Namespace
	}
	for _, p := range k.Patches {
		b, err := yaml.Marshal(p)
		if err != nil {
			return nil, err
		}
		var kp kustypes.Patch
		if err := yaml.Unmarshal(b, &kp); err != nil {
			return nil, fmt.Errorf("spec.source.kustomize.patches: %w", err)
		}
		kus.Patches = append(kus.Patches, kp)
	}
	for _, c := range k.Components {
		if k.IgnoreMissingComponents && !hasKustomization(filepath.Join(dir, c)) {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, c)); err != nil && !isRemoteish(c) {
			return nil, fmt.Errorf("kustomize edit add component %s: %s has no match", c, c)
		}
		if !slices.Contains(kus.Components, c) {
			kus.Components = append(kus.Components, c)
		}
	}
	return yaml.Marshal(kus)
}

func isRemoteish(p string) bool { return !localRelative(p) }

func hasKustomization(dir string) bool {
	for _, n := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		if fi, err := os.Stat(filepath.Join(dir, n)); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// addLabels is `kustomize edit add label [--force] [--without-selector]
// [--include-templates]`.
func addLabels(kus *kustypes.Kustomization, k *ArgoKustomize) error {
	if k.LabelWithoutSelector {
		pairs := map[string]string{}
		for key, v := range k.CommonLabels {
			pairs[key] = v
		}
		kus.Labels = append(kus.Labels, kustypes.Label{Pairs: pairs, IncludeSelectors: false, IncludeTemplates: k.LabelIncludeTemplates})
		return nil
	}
	if kus.CommonLabels == nil {
		kus.CommonLabels = map[string]string{}
	}
	for _, key := range sortedKeys(k.CommonLabels) {
		if _, ok := kus.CommonLabels[key]; ok && !k.ForceCommonLabels {
			return fmt.Errorf("kustomize edit add label: label %s already in kustomization file (set forceCommonLabels)", key)
		}
		kus.CommonLabels[key] = k.CommonLabels[key]
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func replicaCount(v any) (int64, error) {
	switch c := v.(type) {
	case int:
		return int64(c), nil
	case int64:
		return c, nil
	case string:
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("count %q is not a number", c)
		}
		return n, nil
	}
	return 0, fmt.Errorf("count %v is not a number", v)
}

// setImage is `kustomize edit set image ARG`, ARG one of name=newName[:tag|@digest],
// name[:tag|@digest].
func setImage(kus *kustypes.Kustomization, arg string) {
	name, ref, hasNew := strings.Cut(arg, "=")
	img := kustypes.Image{}
	if hasNew {
		img.Name = name
		img.NewName, img.NewTag, img.Digest = splitImage(ref)
		if img.NewName == name {
			img.NewName = ""
		}
	} else {
		img.Name, img.NewTag, img.Digest = splitImage(arg)
	}
	for i := range kus.Images {
		if kus.Images[i].Name != img.Name {
			continue
		}
		if img.NewName != "" {
			kus.Images[i].NewName = img.NewName
		}
		if img.NewTag != "" || img.Digest != "" {
			kus.Images[i].NewTag, kus.Images[i].Digest = img.NewTag, img.Digest
		}
		return
	}
	kus.Images = append(kus.Images, img)
}

// splitImage splits registry/name:tag@digest; a ":" before the last "/" is
// a registry port.
func splitImage(s string) (name, tag, digest string) {
	if n, d, ok := strings.Cut(s, "@"); ok {
		return n, "", d
	}
	slash := strings.LastIndex(s, "/")
	if c := strings.LastIndex(s, ":"); c > slash {
		return s[:c], s[c+1:], ""
	}
	return s, "", ""
}
