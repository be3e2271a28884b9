// Package kustfile reads kustomization files: what they include, where each
// entry is written (for findings with file:line) and which entries would
// reach the network.
package kustfile

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/types"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"
)

// ErrNotFound is returned when a directory holds no kustomization file.
var ErrNotFound = errors.New("no kustomization file")

// File is one parsed kustomization file.
type File struct {
	// Dir is the directory holding the file, Path the file itself
	// (both as given by the caller, usually absolute).
	Dir, Path string
	// Raw is the file content.
	Raw []byte
	// K is the decoded kustomization.
	K types.Kustomization
	// Node is the parsed document, for line numbers and rewriting.
	Node *kyaml.RNode
}

// Names are the file names kustomize recognises, in its order of preference.
func Names() []string { return konfig.RecognizedKustomizationFileNames() }

// Find returns the kustomization file in dir, or ErrNotFound.
func Find(dir string) (string, error) {
	for _, n := range Names() {
		p := filepath.Join(dir, n)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("stat %s: %w", p, err)
		}
	}
	return "", ErrNotFound
}

// Load reads and parses the kustomization file of dir.
func Load(dir string) (*File, error) {
	p, err := Find(dir)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return Parse(dir, p, raw)
}

// Parse decodes a kustomization file's content.
func Parse(dir, path string, raw []byte) (*File, error) {
	f := &File{Dir: dir, Path: path, Raw: raw}
	node, err := kyaml.Parse(string(raw))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	f.Node = node
	if !decodeNode(raw, node.YNode(), &f.K) {
		f.K = types.Kustomization{}
		if err := yaml.Unmarshal(raw, &f.K); err != nil {
			return nil, fmt.Errorf("decode %s: %w", path, err)
		}
	}
	f.K.FixKustomization()
	return f, nil
}

// IsComponent reports whether the file declares kind: Component.
func (f *File) IsComponent() bool { return f.K.Kind == types.ComponentKind }

// Line returns the 1-based line of the item at index i of the top-level
// sequence field, or of the field itself when i < 0; 0 when unknown.
func (f *File) Line(field string, i int) int {
	if f.Node == nil {
		return 0
	}
	n := f.Node.Field(field)
	if n == nil {
		return 0
	}
	if i < 0 || n.Value.YNode().Kind != kyaml.SequenceNode {
		return n.Key.YNode().Line
	}
	items := n.Value.YNode().Content
	if i >= len(items) {
		return 0
	}
	return items[i].Line
}

// Ref is an entry of resources, bases or components.
type Ref struct {
	Field string // "resources", "bases" or "components"
	Index int
	Value string
	Line  int
}

// Refs lists the resources, bases and components entries in file order.
func (f *File) Refs() []Ref {
	var out []Ref
	add := func(field string, vals []string) {
		for i, v := range vals {
			out = append(out, Ref{Field: field, Index: i, Value: v, Line: f.Line(field, i)})
		}
	}
	add("resources", f.K.Resources)
	add("bases", f.K.Bases) //nolint:staticcheck // still honoured by kustomize v5
	add("components", f.K.Components)
	return out
}

// LocalDirs returns the existing local directories that f includes
// (resources, bases, components), as cleaned paths joined to f.Dir.
func (f *File) LocalDirs() []string {
	var out []string
	for _, r := range f.Refs() {
		if LooksRemote(r.Value) {
			continue
		}
		p := filepath.Join(f.Dir, r.Value)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			out = append(out, filepath.Clean(p))
		}
	}
	return out
}

// Remote is an entry that would make kustomize reach the network.
type Remote struct {
	Field string
	Value string
	Line  int
}

// Remotes lists every entry of f that kustomize would fetch over the
// network: remote bases and resources (git or HTTP) and HTTP URLs in any
// file-valued field.
func (f *File) Remotes() []Remote {
	var out []Remote
	for _, r := range f.Refs() {
		if LooksRemote(r.Value) && !existsLocally(f.Dir, r.Value) {
			out = append(out, Remote{Field: r.Field, Value: r.Value, Line: r.Line})
		}
	}
	check := func(field string, i int, v string) {
		if IsURL(v) {
			out = append(out, Remote{Field: field, Value: v, Line: f.Line(field, i)})
		}
	}
	for i, p := range f.K.Patches {
		check("patches", i, p.Path)
	}
	for i, p := range f.K.PatchesJson6902 { //nolint:staticcheck
		check("patchesJson6902", i, p.Path)
	}
	for i, p := range f.K.PatchesStrategicMerge { //nolint:staticcheck
		check("patchesStrategicMerge", i, string(p))
	}
	for i, c := range f.K.Crds {
		check("crds", i, c)
	}
	for i, c := range f.K.Configurations {
		check("configurations", i, c)
	}
	for i, g := range f.K.Generators {
		check("generators", i, g)
	}
	for i, t := range f.K.Transformers {
		check("transformers", i, t)
	}
	for i, r := range f.K.Replacements {
		check("replacements", i, r.Path)
	}
	for i, g := range f.K.ConfigMapGenerator {
		for _, v := range append(append(append([]string{}, g.FileSources...), g.EnvSources...), g.EnvSource) { //nolint:staticcheck
			check("configMapGenerator", i, fileOf(v))
		}
	}
	for i, g := range f.K.SecretGenerator {
		for _, v := range append(append(append([]string{}, g.FileSources...), g.EnvSources...), g.EnvSource) { //nolint:staticcheck
			check("secretGenerator", i, fileOf(v))
		}
	}
	if p, ok := f.K.OpenAPI["path"]; ok {
		check("openapi", -1, p)
	}
	return out
}

// fileOf strips the "key=" prefix of a generator file source.
func fileOf(v string) string {
	if k, p, ok := strings.Cut(v, "="); ok && !strings.Contains(k, "/") {
		return p
	}
	return v
}

func existsLocally(dir, p string) bool {
	if IsURL(p) {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, p))
	return err == nil
}

// IsURL reports whether v is an absolute URL with a scheme kustomize
// would fetch (http, https, git, ssh, file is excluded).
func IsURL(v string) bool {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || u.Scheme == "" || u.Scheme == "file" {
		return false
	}
	// A Windows-style drive letter is not a scheme worth refusing.
	return len(u.Scheme) > 1
}

// LooksRemote reports whether a resources/bases/components entry names a
// remote location the way kustomize's git and HTTP loaders accept them:
// URLs, scp-like git addresses, go-getter prefixes, refs and host/path forms.
func LooksRemote(v string) bool {
	v = strings.TrimSpace(v)
	switch {
	case IsURL(v),
		strings.HasPrefix(v, "git@"),
		strings.HasPrefix(v, "git::"),
		strings.HasPrefix(v, "gh:"),
		strings.Contains(v, "?ref="),
		strings.Contains(v, "?version="),
		strings.Contains(v, ".git//"),
		strings.HasSuffix(v, ".git"):
		return true
	}
	if strings.HasPrefix(v, ".") || strings.HasPrefix(v, "/") {
		return false
	}
	// host.tld/org/repo: the first segment is a host name.
	first, rest, ok := strings.Cut(v, "/")
	return ok && rest != "" && strings.Contains(first, ".") && !strings.HasSuffix(first, ".yaml") && !strings.HasSuffix(first, ".yml") && !strings.HasSuffix(first, ".json")
}
