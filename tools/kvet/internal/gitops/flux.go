package gitops

import (
	"encoding/json"
	"fmt"
	"strings"

	fluxkustomize "github.com/fluxcd/pkg/kustomize"
	"github.com/fluxcd/pkg/sourceignore"
	yaml3 "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
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
	// raw is the spec as written (UnmarshalYAML).
	raw map[string]any
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

// UnmarshalYAML keeps the spec as written too: kustomize-controller's
// generator reads the Kustomization as an unstructured object.
func (s *FluxSpec) UnmarshalYAML(n *yaml3.Node) error {
	type plain FluxSpec
	if err := n.Decode((*plain)(s)); err != nil {
		return err
	}
	var raw map[string]any
	if err := n.Decode(&raw); err != nil {
		return err
	}
	// Through JSON, so numbers and nested maps have the types the
	// unstructured helpers expect.
	js, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(js, &s.raw)
}

// ArtifactIgnores are the spec.ignore values of the GitRepositories a Flux
// Kustomization may read (several when the tree defines its source more
// than once, e.g. one flux-system per cluster); [""] when its source has
// none or is not a GitRepository of the tree.
func (e *EntryPoint) ArtifactIgnores() []string {
	if e.Flux == nil || e.Flux.SourceRef.Kind != "GitRepository" {
		return []string{""}
	}
	ref := e.Flux.SourceRef
	ns := ref.Namespace
	if ns == "" {
		ns = e.Namespace
	}
	if igs := e.Repo.gitRepositoryIgnores(ns, ref.Name); len(igs) > 0 {
		return igs
	}
	return []string{""}
}

// fluxKustomization is what kustomize-controller builds in dir for this
// Kustomization (FluxKustomization), over the files of its source's
// artifact.
func (e *EntryPoint) fluxKustomization(dir string) ([]byte, error) {
	ignores := e.ArtifactIgnores()
	var f *ArtifactFilter
	var err error
	if e.Repo != nil {
		f, err = e.Repo.ArtifactFilter(ignores)
	} else {
		f, err = NewArtifactFilter(e.Root, ignores)
	}
	if err != nil {
		return nil, err
	}
	return FluxKustomization(dir, e.Flux.raw, f)
}

// FluxKustomization is the kustomization kustomize-controller builds in
// dir for a Kustomization whose spec is spec (nil: an empty spec), made by
// the controller's own generator (github.com/fluxcd/pkg/kustomize): the
// directory's kustomization, or one generated over every .yaml/.yml file,
// recursively, a sub-directory with its own kustomization being one
// resource that is not descended into; then targetNamespace, namePrefix,
// nameSuffix, patches, components and images. The generator reads dir from
// disk: callers pass it through kvet's guard first. artifact (nil: none)
// leaves out what source-controller's ignore rules exclude.
func FluxKustomization(dir string, spec map[string]any, artifact *ArtifactFilter) ([]byte, error) {
	u := unstructured.Unstructured{Object: map[string]any{}}
	if spec != nil {
		u.Object["spec"] = spec
	}
	g := fluxkustomize.NewGenerator("", u)
	if _, err := kustfile.Find(dir); err != nil {
		// The controller reads source-controller's artifact, which never
		// holds what the default ignore rules exclude (.git/, .github/,
		// images, archives, ...): generate over the same files.
		// The repository's .sourceignore files and the GitRepository's
		// spec.ignore too, matched from the artifact's root.
		more, err := artifact.patternsUnder(dir)
		if err != nil {
			return nil, err
		}
		g = fluxkustomize.NewGeneratorWithIgnore("", artifactExcludes()+"\n"+more, u)
	}
	manifest, _, _, err := g.GenerateManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize-controller's generator: %w", err)
	}
	return manifest, nil
}

// artifactExcludes are source-controller's default exclusions from an
// artifact, one gitignore pattern a line.
func artifactExcludes() string {
	return strings.ReplaceAll(strings.Join([]string{
		sourceignore.ExcludeVCS, sourceignore.ExcludeExt, sourceignore.ExcludeCI, sourceignore.ExcludeExtra}, ","), ",", "\n")
}

// localRelative is the controller's IsLocalRelativePath.
func localRelative(p string) bool { return fluxkustomize.IsLocalRelativePath(p) }
