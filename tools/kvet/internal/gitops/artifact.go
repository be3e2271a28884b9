package gitops

import (
	"fmt"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
)

// An ExternalArtifact that a Flux ArtifactGenerator (source-watcher,
// source.extensions.fluxcd.io) composes from this repository holds this
// repository's files under other paths: copy "@monorepo/apps/base/**" to
// "@artifact/base/" puts apps/base at base. When every copy of the
// artifact moves whole directories of this repository by one common
// prefix, a path in the artifact is that prefix plus the path, and the
// files a kustomization there reads relatively are where they are in the
// artifact: kvet renders it from the checkout. Anything else (excludes,
// single files, several prefixes, other sources) is not this repository.

type artifactSpec struct {
	name    string
	file    string               // the generator's manifest (repository-relative)
	sources map[string]SourceRef // alias -> source
	copies  []artifactCopy
}

type artifactCopy struct {
	From    string   `yaml:"from"`
	To      string   `yaml:"to"`
	Exclude []string `yaml:"exclude"`
}

func (r *Repo) addArtifactGenerator(node *yaml3.Node, file, namespace string) {
	spec := lookup(node, "spec")
	if spec == nil {
		return
	}
	var s struct {
		Sources []struct {
			Alias     string `yaml:"alias"`
			Kind      string `yaml:"kind"`
			Name      string `yaml:"name"`
			Namespace string `yaml:"namespace"`
		} `yaml:"sources"`
		Artifacts []struct {
			Name string         `yaml:"name"`
			Copy []artifactCopy `yaml:"copy"`
		} `yaml:"artifacts"`
	}
	if spec.Decode(&s) != nil {
		return
	}
	sources := map[string]SourceRef{}
	for _, src := range s.Sources {
		ns := src.Namespace
		if ns == "" {
			ns = namespace
		}
		sources[src.Alias] = SourceRef{Kind: src.Kind, Name: src.Name, Namespace: ns}
	}
	if r.artifacts == nil {
		r.artifacts = map[string][]artifactSpec{}
	}
	for _, a := range s.Artifacts {
		key := namespace + "/" + a.Name
		r.artifacts[key] = append(r.artifacts[key], artifactSpec{name: a.Name, file: file, sources: sources, copies: a.Copy})
	}
}

// artifactPath maps path in the ExternalArtifact namespace/name to this
// repository, when an ArtifactGenerator of the tree composes it from this
// repository by one common prefix; why says otherwise. Several clusters
// may each define the artifact: the generator nearest to the referring
// manifest (file) is the one of its cluster.
func (r *Repo) artifactPath(file, namespace, name, path string) (string, string) {
	r.load()
	ref := name
	if namespace != "" {
		ref = namespace + "/" + name
	}
	var found []artifactSpec
	best := -1
	for key, specs := range r.artifacts {
		ns, n, _ := strings.Cut(key, "/")
		if n != name || (ns != namespace && namespace != "") {
			continue
		}
		for _, a := range specs {
			switch l := commonDirs(file, a.file); {
			case l > best:
				best, found = l, []artifactSpec{a}
			case l == best:
				found = append(found, a)
			}
		}
	}
	if len(found) != 1 {
		return "", fmt.Sprintf("its source is ExternalArtifact %s, which no single ArtifactGenerator of this repository composes", ref)
	}
	a := found[0]
	shift, ok := "", false
	for i, c := range a.copies {
		alias, from, okFrom := strings.Cut(strings.TrimPrefix(c.From, "@"), "/")
		to, okTo := strings.CutPrefix(c.To, "@artifact/")
		src, known := a.sources[alias]
		if !okFrom || !okTo || !known || !strings.HasSuffix(from, "/**") || len(c.Exclude) > 0 || (to != "" && !strings.HasSuffix(to, "/")) {
			return "", fmt.Sprintf("its source is ExternalArtifact %s, whose copy %s -> %s kvet does not map onto this repository (only whole directories, without excludes)", ref, c.From, c.To)
		}
		if this, _ := r.SourceOrigin(src.Kind, src.Namespace, src.Name); !this {
			return "", fmt.Sprintf("its source is ExternalArtifact %s, composed from %s %s/%s, which is not this repository", ref, src.Kind, src.Namespace, src.Name)
		}
		dir := strings.TrimSuffix(from, "**")
		s, cut := strings.CutSuffix(dir, to)
		if !cut || (i > 0 && s != shift) {
			return "", fmt.Sprintf("its source is ExternalArtifact %s, whose copies rearrange this repository's directories", ref)
		}
		shift, ok = s, true
	}
	if !ok {
		return "", fmt.Sprintf("its source is ExternalArtifact %s, which copies nothing", ref)
	}
	return clean(shift + path), ""
}

// commonDirs counts the leading directories two repository-relative files share.
func commonDirs(a, b string) int {
	da, db := strings.Split(a, "/"), strings.Split(b, "/")
	n := 0
	for n < len(da)-1 && n < len(db)-1 && da[n] == db[n] {
		n++
	}
	return n
}
