package build

import (
	"fmt"
	"regexp"
	"strings"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// Kustomize's images transformer silently does nothing for an entry whose
// name matches no image of the build (a typo, a registry prefix missing).
// kvet checks the entries of the target's own kustomization against every
// "image" field of the output: that kustomization's images run last, so an
// entry that matched left its result (name, or newName) in the output.
// Entries of bases and components are not checked (a later rename hides
// what they matched), nor targets of GitOps entry points (Flux and Argo CD
// apply images of their own after the directory's), nor builds with
// transformer configurations (their image fields may have any name).

// unmatchedImages returns an image-no-match finding for each images entry
// of root that leaves no trace in objs.
func unmatchedImages(root *kustfile.File, files []*kustfile.File, objs []Object) []report.Finding {
	if root == nil || len(root.K.Images) == 0 {
		return nil
	}
	for _, f := range files {
		if len(f.K.Configurations) > 0 {
			return nil
		}
	}
	var images []string
	for _, o := range objs {
		if o.Node != nil {
			images = collectImages(o.Node.YNode(), images)
		}
	}
	var out []report.Finding
	for i, img := range root.K.Images {
		if img.Name == "" || imageEntryMatched(img.Name, img.NewName, images) {
			continue
		}
		out = append(out, finding("image-no-match",
			fmt.Sprintf("images entry %q matches no container or initContainer image of this build, so kustomize silently skips it: use the image name the manifests use (registry and path included, without tag), or remove the entry", img.Name),
			root.Path, root.Line("images", i)))
	}
	return out
}

// collectImages appends every string value of a field named "image",
// anywhere in n: a superset of what kustomize's images transformer updates
// (containers and initContainers at any depth, its default field specs).
func collectImages(n *kyaml.Node, acc []string) []string {
	if n == nil {
		return acc
	}
	if n.Kind == kyaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "image" && v.Kind == kyaml.ScalarNode {
				acc = append(acc, v.Value)
				continue
			}
			acc = collectImages(v, acc)
		}
		return acc
	}
	for _, c := range n.Content {
		acc = collectImages(c, acc)
	}
	return acc
}

// imageEntryMatched holds when an image of the output is one the entry
// matched: its name, or (renamed) its newName.
func imageEntryMatched(name, newName string, images []string) bool {
	for _, s := range images {
		if isImageMatched(s, name) {
			return true
		}
		if newName != "" && (s == newName || strings.HasPrefix(s, newName+":") || strings.HasPrefix(s, newName+"@")) {
			return true
		}
	}
	return false
}

// isImageMatched is kustomize's own match (api/internal/image.IsImageMatched,
// v0.21.3, not importable): t is used as a regular expression, and one
// that does not compile matches nothing.
func isImageMatched(s, t string) bool {
	pattern, err := regexp.Compile("^" + t + "(:[a-zA-Z0-9_.{}-]*)?(@[a-zA-Z0-9]+([.+_-][a-zA-Z0-9]+)*:[a-zA-Z0-9_.{}-]*)?$")
	if err != nil {
		return false
	}
	return pattern.MatchString(s)
}
