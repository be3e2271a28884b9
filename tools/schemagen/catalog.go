package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// catalogSource is one pinned module and the files or directories inside it
// that hold CustomResourceDefinition manifests.
type catalogSource struct {
	Module  string   `json:"module"`
	Version string   `json:"version"`
	Paths   []string `json:"paths"`
}

// catalogSources pins the CRDs kvet bundles, at the newest release the
// module proxy serves of each project's own module. The proxy refuses (403)
// the helm, notification and image controllers of Flux, so those come from
// the newest Flux distribution (v2.9.5) that the Flux Operator module embeds:
// the upstream release manifests. Istio tags are not semantic versions, so
// the proxy only offers pseudo-versions of istio.io/istio. The OpenTelemetry
// Operator module is refused by the proxy (403): its CRDs are not bundled.
func catalogSources() []catalogSource {
	const fluxDist = "config/data/flux/v2.9.5/"
	return []catalogSource{
		{Module: "github.com/fluxcd/source-controller", Version: "v1.10.1", Paths: []string{"config/crd/bases"}},
		{Module: "github.com/fluxcd/kustomize-controller", Version: "v1.10.1", Paths: []string{"config/crd/bases"}},
		{Module: "github.com/controlplaneio-fluxcd/flux-operator", Version: "v0.59.0", Paths: []string{
			fluxDist + "helm-controller.yaml",
			fluxDist + "image-automation-controller.yaml",
			fluxDist + "image-reflector-controller.yaml",
			fluxDist + "notification-controller.yaml",
			fluxDist + "source-watcher.yaml",
		}},
		{Module: "github.com/argoproj/argo-cd/v3", Version: "v3.6.1", Paths: []string{"manifests/crds"}},
		{Module: "istio.io/istio", Version: "v0.0.0-20260827124520-eed52ebb66ad", Paths: []string{"manifests/charts/base/files/crd-all.gen.yaml"}},
		{Module: "github.com/prometheus-operator/prometheus-operator", Version: "v0.85.0", Paths: []string{"example/prometheus-operator-crd"}},
		{Module: "github.com/bitnami-labs/sealed-secrets", Version: "v0.40.0", Paths: []string{"helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml"}},
		{Module: "github.com/external-secrets/external-secrets", Version: "v1.3.2", Paths: []string{"config/crds/bases"}},
	}
}

// catalogBundle is the layout of catalog.json.gz.
type catalogBundle struct {
	Sources []catalogSource `json:"sources"`
	CRDs    []any           `json:"crds"`
}

const catalogFileName = "catalog.json.gz"

// generateCatalog downloads every source and writes the trimmed CRDs.
func generateCatalog(ctx context.Context, out string) (string, int, error) {
	sources := catalogSources()
	byName := map[string]map[string]any{}
	for _, src := range sources {
		crds, err := readSource(ctx, src)
		if err != nil {
			return "", 0, err
		}
		for _, crd := range crds {
			name := crdName(crd)
			if _, dup := byName[name]; dup {
				return "", 0, fmt.Errorf("%s@%s: CRD %s is shipped twice", src.Module, src.Version, name)
			}
			byName[name] = crd
		}
	}
	bundle := catalogBundle{Sources: sources}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		bundle.CRDs = append(bundle.CRDs, byName[name])
	}
	size, err := writeGzipJSON(filepath.Join(out, catalogFileName), bundle)
	if err != nil {
		return "", 0, err
	}
	return fmt.Sprintf("%s: %d CRDs from %d modules, %d bytes", catalogFileName, len(bundle.CRDs), len(sources), size), size, nil
}

// readSource returns the trimmed CRDs of every path of one source.
func readSource(ctx context.Context, src catalogSource) ([]map[string]any, error) {
	module, err := openModule(ctx, src.Module, src.Version)
	if err != nil {
		return nil, err
	}
	defer module.Close()
	var all []map[string]any
	for _, p := range src.Paths {
		crds, err := readCRDs(module, p)
		if err != nil {
			return nil, fmt.Errorf("%s@%s %s: %w", src.Module, src.Version, p, err)
		}
		if len(crds) == 0 {
			// A path that yields nothing is a typo or a moved file upstream.
			return nil, fmt.Errorf("%s@%s %s: no CustomResourceDefinition found", src.Module, src.Version, p)
		}
		all = append(all, crds...)
	}
	return all, nil
}

func crdName(crd map[string]any) string {
	meta, _ := crd["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	return name
}

// readCRDs reads a manifest file, or every *.yaml/*.yml file of a directory
// (not recursively), and returns the trimmed CRDs in file order. Other
// documents (kustomization.yaml, Deployments of an install manifest) are
// skipped.
func readCRDs(module fs.FS, path string) ([]map[string]any, error) {
	info, err := fs.Stat(module, path)
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	files := []string{path}
	if info.IsDir() {
		entries, err := fs.ReadDir(module, path)
		if err != nil {
			return nil, fmt.Errorf("read directory: %w", err)
		}
		files = files[:0]
		for _, e := range entries { // ReadDir sorts by name
			if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
				files = append(files, path+"/"+e.Name())
			}
		}
	}
	var crds []map[string]any
	for _, f := range files {
		data, err := fs.ReadFile(module, f)
		if err != nil {
			return nil, fmt.Errorf("read manifest: %w", err)
		}
		for i, doc := range splitYAMLDocuments(data) {
			jsonDoc, err := yaml.YAMLToJSON(doc)
			if err != nil {
				return nil, fmt.Errorf("%s document %d: %w", filepath.Base(f), i+1, err)
			}
			var obj map[string]any
			if err := decodeJSON(jsonDoc, &obj); err != nil {
				return nil, fmt.Errorf("%s document %d: %w", filepath.Base(f), i+1, err)
			}
			if obj == nil || obj["kind"] != "CustomResourceDefinition" {
				continue
			}
			crd, err := trimCRD(obj)
			if err != nil {
				return nil, fmt.Errorf("%s document %d: %w", filepath.Base(f), i+1, err)
			}
			crds = append(crds, crd)
		}
	}
	return crds, nil
}

// splitYAMLDocuments splits a multi-document stream at "---" lines.
func splitYAMLDocuments(data []byte) [][]byte {
	var docs [][]byte
	var cur bytes.Buffer
	flush := func() {
		if len(bytes.TrimSpace(cur.Bytes())) > 0 {
			docs = append(docs, bytes.Clone(cur.Bytes()))
		}
		cur.Reset()
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "---" || strings.HasPrefix(line, "--- ") {
			flush()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush()
	return docs
}

// trimCRD keeps what a validator needs: identity, names, scope and, per
// version, whether it is served or deprecated and its schema (without
// descriptions, which are most of a CRD's size).
func trimCRD(obj map[string]any) (map[string]any, error) {
	name := crdName(obj)
	if name == "" {
		return nil, fmt.Errorf("CustomResourceDefinition without metadata.name")
	}
	spec, _ := obj["spec"].(map[string]any)
	if spec == nil {
		return nil, fmt.Errorf("CRD %s has no spec", name)
	}
	versions, _ := spec["versions"].([]any)
	if len(versions) == 0 {
		return nil, fmt.Errorf("CRD %s has no spec.versions (apiextensions.k8s.io/v1 expected)", name)
	}
	trimmedVersions := make([]any, 0, len(versions))
	for _, v := range versions {
		vm, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("CRD %s: version entry is %T", name, v)
		}
		tv := map[string]any{}
		for _, k := range []string{"name", "served", "deprecated", "deprecationWarning"} {
			if val, ok := vm[k]; ok {
				tv[k] = val
			}
		}
		if schema, ok := vm["schema"].(map[string]any); ok {
			if s, ok := schema["openAPIV3Schema"]; ok {
				tv["schema"] = map[string]any{"openAPIV3Schema": stripDescriptions(s)}
			}
		}
		trimmedVersions = append(trimmedVersions, tv)
	}
	trimmedSpec := map[string]any{"versions": trimmedVersions}
	for _, k := range []string{"group", "names", "scope"} {
		if val, ok := spec[k]; ok {
			trimmedSpec[k] = val
		}
	}
	return map[string]any{
		"apiVersion": obj["apiVersion"],
		"kind":       obj["kind"],
		"metadata":   map[string]any{"name": name},
		"spec":       trimmedSpec,
	}, nil
}

// stripDescriptions removes "description" from every schema node of a
// JSONSchemaProps tree. It follows the schema structure instead of deleting
// every key named description, because a property may be called that.
func stripDescriptions(v any) any {
	s, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(s))
	for k, val := range s {
		switch k {
		case "description":
		case "properties", "patternProperties", "definitions", "dependencies":
			if m, ok := val.(map[string]any); ok {
				conv := make(map[string]any, len(m))
				for name, child := range m {
					conv[name] = stripDescriptions(child) // string lists pass through
				}
				out[k] = conv
			} else {
				out[k] = val
			}
		case "items", "allOf", "anyOf", "oneOf":
			if list, ok := val.([]any); ok {
				conv := make([]any, len(list))
				for i, child := range list {
					conv[i] = stripDescriptions(child)
				}
				out[k] = conv
			} else {
				out[k] = stripDescriptions(val)
			}
		case "additionalProperties", "additionalItems", "not":
			out[k] = stripDescriptions(val) // booleans pass through
		default:
			out[k] = val
		}
	}
	return out
}
