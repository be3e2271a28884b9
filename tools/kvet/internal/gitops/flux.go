package gitops

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	yaml3 "go.yaml.in/yaml/v3"
)

// FluxSpec is what kvet reads of a Flux Kustomization's spec
// (kustomize.toolkit.fluxcd.io/v1).
type FluxSpec struct {
	Path            string      `yaml:"path"`
	SourceRef       SourceRef   `yaml:"sourceRef"`
	TargetNamespace *string     `yaml:"targetNamespace"`
	NamePrefix      *string     `yaml:"namePrefix"`
	NameSuffix      *string     `yaml:"nameSuffix"`
	Patches         []FluxPatch `yaml:"patches"`
	Images          []struct {
		Name    string `yaml:"name"`
		NewName string `yaml:"newName"`
		NewTag  string `yaml:"newTag"`
		Digest  string `yaml:"digest"`
	} `yaml:"images"`
	Components              []string `yaml:"components"`
	IgnoreMissingComponents bool     `yaml:"ignoreMissingComponents"`
	CommonMetadata          *struct {
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"commonMetadata"`
	PostBuild *struct {
		Substitute         map[string]string `yaml:"substitute"`
		SubstituteFrom     []SubstituteRef   `yaml:"substituteFrom"`
		SubstituteStrategy string            `yaml:"substituteStrategy"`
	} `yaml:"postBuild"`
	DependsOn []DependencyRef `yaml:"dependsOn"`

	// Lines of the entries, for findings (repository-relative file).
	file           string
	patchLines     []int
	componentLines []int
	postBuildLine  int
	substFromLines []int
}

// FluxPatch is a Flux Kustomization patch: an inline strategic-merge or
// JSON6902 patch and an optional target selector.
type FluxPatch struct {
	Patch  string `yaml:"patch"`
	Target *struct {
		Group              string `yaml:"group"`
		Version            string `yaml:"version"`
		Kind               string `yaml:"kind"`
		Name               string `yaml:"name"`
		Namespace          string `yaml:"namespace"`
		LabelSelector      string `yaml:"labelSelector"`
		AnnotationSelector string `yaml:"annotationSelector"`
	} `yaml:"target"`
}

// SubstituteRef is a postBuild.substituteFrom entry.
type SubstituteRef struct {
	Kind     string `yaml:"kind"`
	Name     string `yaml:"name"`
	Optional bool   `yaml:"optional"`
}

// DependencyRef is a dependsOn entry.
type DependencyRef struct {
	Name      string `yaml:"name"`
	Namespace string `yaml:"namespace"`
}

func (s *FluxSpec) lines(spec *yaml3.Node, file string) {
	s.file = file
	s.patchLines = itemLines(spec, "patches")
	s.componentLines = itemLines(spec, "components")
	if pb := lookup(spec, "postBuild"); pb != nil {
		s.postBuildLine = pb.Line
		s.substFromLines = itemLines(pb, "substituteFrom")
	}
}

func lineAt(lines []int, i int) int {
	if i >= 0 && i < len(lines) {
		return lines[i]
	}
	return 0
}

// fluxKustomization is kustomize-controller's generator
// (github.com/fluxcd/pkg/kustomize, Generator.GenerateManifest): the
// directory's kustomization, or one generated over its manifests, with the
// Kustomization's targetNamespace, namePrefix, nameSuffix, patches,
// components and images applied.
func (s *FluxSpec) kustomization(dir string, existing []byte) ([]byte, error) {
	data := existing
	created := false
	if data == nil {
		var err error
		if data, err = fluxGenerate(dir); err != nil {
			return nil, err
		}
		created = true
	}
	kus := kustypes.Kustomization{TypeMeta: kustypes.TypeMeta{APIVersion: kustypes.KustomizationVersion, Kind: kustypes.KustomizationKind}}
	if err := yaml.Unmarshal(data, &kus); err != nil {
		return nil, err
	}
	if !created && len(kus.Resources) == 0 {
		// What the controller does to avoid "kustomization.yaml is empty".
		kus.BuildMetadata = []string{kustypes.OriginAnnotations}
	}
	if s.TargetNamespace != nil {
		kus.Namespace = *s.TargetNamespace
	}
	if s.NamePrefix != nil {
		kus.NamePrefix = *s.NamePrefix
	}
	if s.NameSuffix != nil {
		kus.NameSuffix = *s.NameSuffix
	}
	for _, p := range s.Patches {
		kp := kustypes.Patch{Patch: p.Patch}
		if t := p.Target; t != nil {
			kp.Target = &kustypes.Selector{LabelSelector: t.LabelSelector, AnnotationSelector: t.AnnotationSelector}
			kp.Target.Name, kp.Target.Namespace = t.Name, t.Namespace
			kp.Target.Group, kp.Target.Version, kp.Target.Kind = t.Group, t.Version, t.Kind
		}
		kus.Patches = append(kus.Patches, kp)
	}
	for _, c := range s.Components {
		if !localRelative(c) {
			return nil, fmt.Errorf("component path '%s' must be local and relative", c)
		}
		if _, err := os.Stat(filepath.Join(dir, c)); err != nil && s.IgnoreMissingComponents {
			continue
		}
		kus.Components = append(kus.Components, c)
	}
	for _, im := range s.Images {
		found := false
		for i := range kus.Images {
			if kus.Images[i].Name != im.Name {
				continue
			}
			found = true
			if im.NewName != "" {
				kus.Images[i].NewName = im.NewName
			}
			if im.NewTag != "" || im.Digest != "" {
				kus.Images[i].NewTag, kus.Images[i].Digest = im.NewTag, im.Digest
			}
			break
		}
		if !found {
			kus.Images = append(kus.Images, kustypes.Image{Name: im.Name, NewName: im.NewName, NewTag: im.NewTag, Digest: im.Digest})
		}
	}
	return yaml.Marshal(kus)
}

// fluxGenerate is the kustomization kustomize-controller writes into a
// directory without one: every .yaml/.yml file, recursively, in lexical
// order; a subdirectory holding a kustomization file is one resource and
// is not descended into. An empty directory gets a placeholder namespace.
func fluxGenerate(dir string) ([]byte, error) {
	var resources []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		r, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir // source-controller's default ignore rules
			}
			for _, n := range konfig.RecognizedKustomizationFileNames() {
				if fi, err := os.Stat(filepath.Join(p, n)); err == nil && fi.Mode().IsRegular() {
					resources = append(resources, "./"+filepath.ToSlash(r))
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if ext := filepath.Ext(p); ext == ".yaml" || ext == ".yml" {
			resources = append(resources, "./"+filepath.ToSlash(r))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list manifests of %s: %w", dir, err)
	}
	kus := kustypes.Kustomization{TypeMeta: kustypes.TypeMeta{APIVersion: kustypes.KustomizationVersion, Kind: kustypes.KustomizationKind}}
	if len(resources) == 0 {
		kus.Namespace = "_placeholder"
	} else {
		kus.Resources = resources
	}
	return yaml.Marshal(kus)
}

// localRelative is the controller's IsLocalRelativePath.
func localRelative(p string) bool {
	for _, pre := range []string{"git::", "gh:", "ssh://", "https://", "http://", "git@", "github.com:", "github.com/"} {
		if len(pre) < len(p) && strings.ToLower(p[:len(pre)]) == pre {
			return false
		}
	}
	return !filepath.IsAbs(p) && !filepath.IsAbs(strings.TrimPrefix(strings.ToLower(p), "file://"))
}
