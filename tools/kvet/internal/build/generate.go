package build

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// generatedKustomization lists the manifests of a plain directory the way
// Argo CD's repo-server reads a directory source (reposerver/repository
// findManifests and getPotentiallyValidManifests, v3.6): every file whose
// name ends in .yaml, .yml or .json (case-sensitive), in lexical order,
// sub-directories only with directory.recurse, hidden ones included. A YAML
// file that holds no Kubernetes object and does not look like one (Argo CD
// checks for "apiVersion:", "kind:" and "metadata:") is ignored, as Argo CD
// ignores it (a Helm values file next to the manifests). A kustomization
// file in a recursed sub-directory is read as an object, as Argo CD reads it
// (and fails to apply it). Symlinks are not followed. Files are read through
// read, kvet's guarded file system.
func generatedKustomization(dir string, recurse bool, read func(string) ([]byte, error)) ([]byte, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && (!recurse || d.Name() == ".git") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		name := d.Name()
		switch {
		case strings.HasSuffix(name, ".json"):
		case strings.HasSuffix(name, ".yaml"), strings.HasSuffix(name, ".yml"):
			content, err := read(p)
			if err != nil {
				return err
			}
			if !argoManifest(content) {
				return nil
			}
		default:
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if slices.Contains(kustfile.Names(), name) {
			return &kustomizationAsManifest{file: p, rel: filepath.ToSlash(rel)}
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	var kam *kustomizationAsManifest
	if errors.As(err, &kam) {
		return nil, kam
	}
	if err != nil {
		return nil, fmt.Errorf("list manifests of %s: %w", dir, err)
	}
	slices.Sort(files)
	return yaml.Marshal(map[string]any{
		"apiVersion": "kustomize.config.k8s.io/v1beta1",
		"kind":       "Kustomization",
		"resources":  files,
	})
}

// argoManifest reports whether Argo CD's repo-server keeps a YAML file of
// a directory source (getObjsFromYAMLOrJSON): it decodes the documents into
// unstructured objects; when decoding fails before any object, the file is
// an error only when it looks like a resource, otherwise it is ignored.
func argoManifest(content []byte) bool {
	d := kubeyaml.NewYAMLOrJSONDecoder(bytes.NewReader(content), 4096)
	for n := 0; ; n++ {
		u := &unstructured.Unstructured{}
		err := d.Decode(&u)
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return n > 0 || bytes.Contains(content, []byte("apiVersion:")) &&
				bytes.Contains(content, []byte("kind:")) &&
				bytes.Contains(content, []byte("metadata:"))
		}
	}
}

// kustomizationAsManifest: directory.recurse makes Argo CD read a
// sub-directory's kustomization file as a manifest; applying it fails
// (the cluster has no kustomize.config.k8s.io/Kustomization kind).
type kustomizationAsManifest struct{ file, rel string }

func (e *kustomizationAsManifest) Error() string {
	return fmt.Sprintf("Argo CD's directory.recurse reads %s as a manifest (Argo CD runs kustomize only on the source path itself, never on a sub-directory) and the sync fails, as the cluster has no kustomize.config.k8s.io Kustomization kind: point an Application of its own at that directory, or leave it out with directory.exclude", e.rel)
}
