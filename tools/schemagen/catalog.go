package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// catalogSource is one pinned module and the files or directories inside it
// that hold CustomResourceDefinition manifests.
type catalogSource struct {
	// Project names the upstream project, for people ("cert-manager").
	Project string `json:"project"`
	Module  string `json:"module"`
	Version string `json:"version"`
	// Paths are files or directories (not recursive); a path may hold
	// path.Match wildcards in any segment.
	Paths []string `json:"paths"`
	// Prefer, when set, resolves a CRD that the source ships several times
	// (OpenShift's per-feature-set manifests): the copy from the file whose
	// name contains Prefer wins; without it a repeated CRD is an error.
	Prefer string `json:"prefer,omitempty"`
	// Exclude drops matches of a wildcard path (test fixtures upstream).
	Exclude []string `json:"exclude,omitempty"`
	// Behind, when set, says why the pinned release is older than the
	// project's current one (the proxy refuses the newer ones): kvet then
	// reports an unknown field of these CRDs as a warning, since a newer
	// operator may define it.
	Behind string `json:"behind,omitempty"`
	// OpenAPI, when set, adds the kinds an OpenAPI document of the module
	// describes that are not CRDs (openshift.go).
	OpenAPI *openAPIRef `json:"openapi,omitempty"`
}

// catalogSources pins the CRDs kvet bundles, at the newest release the
// module proxy serves of each project's own module (docs/schemas.md lists
// them, with the projects the proxy refuses).
//
// Notes on the choices:
//   - The proxy refuses (403) the helm, notification and image controllers
//     of Flux, so those come from the newest Flux distribution (v2.9.5) that
//     the Flux Operator module embeds: the upstream release manifests.
//   - Istio tags are not semantic versions, so the proxy only offers
//     pseudo-versions of istio.io/istio.
//   - The proxy lists no version of grafana-operator, volsync,
//     CloudNativePG, Tekton, Multus or openshift/api, but serves the exact
//     versions pinned here; newer exact versions tried were refused.
//   - Gateway API: the experimental channel, a superset of the standard
//     one (same CRD names, more fields and versions), so that a cluster
//     running either accepts what kvet accepts.
//   - OpenShift ships one manifest per feature set for some CRDs; the
//     CustomNoUpgrade one enables every feature gate, the superset.
//   - Prometheus Operator v0.89.0 is the newest release of its root module
//     the proxy serves (v0.90.0 and the v0.95.x of its API module's line
//     are refused).
func catalogSources() []catalogSource {
	const fluxDist = "config/data/flux/v2.9.5/"
	return []catalogSource{
		{Project: "Flux source-controller", Module: "github.com/fluxcd/source-controller", Version: "v1.10.1", Paths: []string{"config/crd/bases"}},
		{Project: "Flux kustomize-controller", Module: "github.com/fluxcd/kustomize-controller", Version: "v1.10.1", Paths: []string{"config/crd/bases"}},
		{Project: "Flux v2.9.5 and Flux Operator", Module: "github.com/controlplaneio-fluxcd/flux-operator", Version: "v0.59.0", Paths: []string{
			fluxDist + "helm-controller.yaml",
			fluxDist + "image-automation-controller.yaml",
			fluxDist + "image-reflector-controller.yaml",
			fluxDist + "notification-controller.yaml",
			fluxDist + "source-watcher.yaml",
			"config/crd/bases",
		}},
		{Project: "Argo CD", Module: "github.com/argoproj/argo-cd/v3", Version: "v3.6.1", Paths: []string{"manifests/crds"}},
		{Project: "Argo Rollouts", Module: "github.com/argoproj/argo-rollouts", Version: "v1.10.2", Paths: []string{"manifests/crds"}},
		{Project: "Argo Workflows", Module: "github.com/argoproj/argo-workflows/v4", Version: "v4.0.5", Paths: []string{"manifests/base/crds/full"}},
		{Project: "Istio", Module: "istio.io/istio", Version: "v0.0.0-20260827124520-eed52ebb66ad", Paths: []string{"manifests/charts/base/files/crd-all.gen.yaml"}},
		{Project: "Prometheus Operator", Module: "github.com/prometheus-operator/prometheus-operator", Version: "v0.89.0", Paths: []string{"example/prometheus-operator-crd"}},
		{Project: "Sealed Secrets", Module: "github.com/bitnami-labs/sealed-secrets", Version: "v0.40.0", Paths: []string{"helm/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml"}},
		{Project: "External Secrets Operator", Module: "github.com/external-secrets/external-secrets", Version: "v1.3.2", Paths: []string{"config/crds/bases"}},
		{Project: "cert-manager", Module: "github.com/cert-manager/cert-manager", Version: "v1.21.2", Paths: []string{"deploy/crds"}},
		{Project: "Gateway API (experimental channel)", Module: "sigs.k8s.io/gateway-api", Version: "v1.7.0", Paths: []string{"config/crd/experimental"}},
		{Project: "Envoy Gateway", Module: "github.com/envoyproxy/gateway", Version: "v1.9.1", Paths: []string{"charts/gateway-helm/charts/crds/crds/generated"}},
		{Project: "Operator Lifecycle Manager", Module: "github.com/operator-framework/api", Version: "v0.36.0", Paths: []string{"crds"}},
		{Project: "OpenShift", Module: "github.com/openshift/api", Version: "v0.0.0-20251015095338-264e80a2b6e7", Paths: []string{
			"*/*/zz_generated.crd-manifests",
		}, Prefer: "-CustomNoUpgrade.", Exclude: []string{"example/*/*"}, OpenAPI: &openAPIRef{
			File:   "openapi/openapi.json",
			Prefix: "com.github.openshift.api.",
			Packages: map[string]string{
				"apps": "apps.openshift.io", "authorization": "authorization.openshift.io",
				"build": "build.openshift.io", "image": "image.openshift.io", "oauth": "oauth.openshift.io",
				"project": "project.openshift.io", "quota": "quota.openshift.io", "security": "security.openshift.io",
				"template": "template.openshift.io", "user": "user.openshift.io",
			},
		}},
		{Project: "grafana-operator", Module: "github.com/grafana/grafana-operator/v5", Version: "v5.18.0", Paths: []string{"config/crd/bases"},
			Behind: "newer grafana-operator releases (v5.19 and later) are refused by the module proxy"},
		{Project: "Cilium", Module: "github.com/cilium/cilium", Version: "v1.20.2", Paths: []string{
			"pkg/k8s/apis/cilium.io/client/crds/v2",
			"pkg/k8s/apis/cilium.io/client/crds/v2alpha1",
		}},
		{Project: "VolSync", Module: "github.com/backube/volsync", Version: "v0.14.0", Paths: []string{"config/crd/bases"}},
		{Project: "Multus (NetworkAttachmentDefinition)", Module: "github.com/k8snetworkplumbingwg/network-attachment-definition-client", Version: "v1.7.7", Paths: []string{"artifacts/networks-crd.yaml"}},
		{Project: "ExternalDNS", Module: "sigs.k8s.io/external-dns", Version: "v0.23.0", Paths: []string{"config/crd/standard"}},
		{Project: "OPA Gatekeeper", Module: "github.com/open-policy-agent/gatekeeper/v3", Version: "v3.23.1", Paths: []string{"charts/gatekeeper/crds"}},
		{Project: "Kyverno", Module: "github.com/kyverno/kyverno", Version: "v1.19.1", Paths: []string{
			"config/crds/kyverno",
			"config/crds/policies.kyverno.io",
			"config/crds/policyreport",
			"config/crds/reports",
		}},
		{Project: "CSI external-snapshotter", Module: "github.com/kubernetes-csi/external-snapshotter/client/v8", Version: "v8.7.0", Paths: []string{"config/crd"}},
		{Project: "Tekton Pipelines", Module: "github.com/tektoncd/pipeline", Version: "v1.6.0", Paths: []string{"config/300-crds"}},
		{Project: "CloudNativePG", Module: "github.com/cloudnative-pg/cloudnative-pg", Version: "v1.28.0", Paths: []string{"config/crd/bases"}},
		{Project: "KEDA", Module: "github.com/kedacore/keda/v2", Version: "v2.21.0", Paths: []string{"config/crd/bases"}},
		{Project: "Knative Serving", Module: "knative.dev/serving", Version: "v0.51.0", Paths: []string{"config/core/300-resources"}},
		{Project: "Knative Operator", Module: "knative.dev/operator", Version: "v0.42.2", Paths: []string{"config/crd/bases"}},
		{Project: "Traefik", Module: "github.com/traefik/traefik/v3", Version: "v3.7.13", Paths: []string{"docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml"}},
		{Project: "Karpenter", Module: "sigs.k8s.io/karpenter", Version: "v1.15.0", Paths: []string{"pkg/apis/crds"}},
		{Project: "Karpenter AWS provider", Module: "github.com/aws/karpenter-provider-aws", Version: "v1.15.2", Paths: []string{"pkg/apis/crds/karpenter.k8s.aws_*.yaml"}},
		{Project: "Velero", Module: "github.com/vmware-tanzu/velero", Version: "v1.18.3", Paths: []string{"config/crd/v1/bases", "config/crd/v2alpha1/bases"}},
	}
}

// catalogIndex is the layout of catalog/index.json.gz: what every bundled
// CRD is called and serves, so that kvet knows every kind without
// decompressing a single schema; each group's CRDs are in their own file.
type catalogIndex struct {
	Sources []catalogSource  `json:"sources"`
	History []historySource  `json:"history"`
	Groups  []catalogGroup   `json:"groups"`
	Removed []removedVersion `json:"removed"`
}

type catalogGroup struct {
	Group string       `json:"group"`
	File  string       `json:"file"`
	CRDs  []catalogCRD `json:"crds"`
	// Schemas are kinds of the group that are not CRDs, converted from an
	// OpenAPI document: the group file holds them ready to use.
	Schemas []catalogSchema `json:"schemas,omitempty"`
}

type catalogSchema struct {
	Version string `json:"version"`
	Kind    string `json:"kind"`
	Source  int    `json:"source"`
}

type catalogCRD struct {
	Name     string           `json:"name"`
	Kind     string           `json:"kind"`
	Scope    string           `json:"scope"`
	Source   int              `json:"source"` // index into Sources
	Versions []catalogVersion `json:"versions"`
}

type catalogVersion struct {
	Name               string `json:"name"`
	Served             bool   `json:"served"`
	Deprecated         bool   `json:"deprecated,omitempty"`
	DeprecationWarning string `json:"deprecationWarning,omitempty"`
}

// groupBundle is the layout of catalog/<group>.json.gz.
type groupBundle struct {
	CRDs []any `json:"crds"`
	// Schemas are standalone schemas keyed apiVersion/kind.
	Schemas map[string]any `json:"schemas,omitempty"`
}

const (
	catalogDir       = "catalog"
	catalogIndexName = "index.json.gz"
)

type sourcedCRD struct {
	crd    map[string]any
	source int
}

type sourcedSchema struct {
	schema any
	source int
}

// generateCatalog downloads every source and writes the index and one
// bundle per API group.
func generateCatalog(ctx context.Context, out string) (string, int, error) {
	sources := catalogSources()
	byName := map[string]sourcedCRD{}
	schemas := map[string]sourcedSchema{} // apiVersion/kind -> schema
	for i, src := range sources {
		crds, kinds, err := readSource(ctx, src)
		if err != nil {
			return "", 0, err
		}
		for key, s := range kinds {
			schemas[key] = sourcedSchema{schema: s, source: i}
		}
		for _, crd := range crds {
			name := crdName(crd)
			if prev, dup := byName[name]; dup {
				return "", 0, fmt.Errorf("%s@%s: CRD %s is shipped twice (also by %s)", src.Module, src.Version, name, sources[prev.source].Module)
			}
			byName[name] = sourcedCRD{crd: crd, source: i}
		}
	}
	removed, err := removedVersions(ctx, byName)
	if err != nil {
		return "", 0, err
	}
	dir := filepath.Join(out, catalogDir)
	// A group that left the catalog must not leave its file behind.
	if err := os.RemoveAll(dir); err != nil {
		return "", 0, fmt.Errorf("clear %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, fmt.Errorf("create %s: %w", dir, err)
	}
	groups := map[string][]string{}
	served := map[string]bool{} // apiVersion/kind a CRD serves
	for name, c := range byName {
		g := str(get(c.crd, "spec", "group"))
		groups[g] = append(groups[g], name)
		for _, v := range servedVersions(c.crd) {
			served[g+"/"+v+"/"+str(get(c.crd, "spec", "names", "kind"))] = true
		}
	}
	groupSchemas := map[string][]string{}
	for key := range schemas {
		if served[key] {
			continue // a CRD describes it (OpenShift serves some kinds both ways)
		}
		g := key[:strings.Index(key, "/")]
		groupSchemas[g] = append(groupSchemas[g], key)
		if _, ok := groups[g]; !ok {
			groups[g] = nil
		}
	}
	index := catalogIndex{Sources: sources, History: historySources(), Removed: removed}
	total := 0
	for _, g := range slices.Sorted(maps.Keys(groups)) {
		names := groups[g]
		slices.Sort(names)
		entry := catalogGroup{Group: g, File: g + ".json.gz"}
		var bundle groupBundle
		for _, name := range names {
			c := byName[name]
			bundle.CRDs = append(bundle.CRDs, c.crd)
			entry.CRDs = append(entry.CRDs, indexEntry(c))
		}
		keys := groupSchemas[g]
		slices.Sort(keys)
		for _, key := range keys {
			if bundle.Schemas == nil {
				bundle.Schemas = map[string]any{}
			}
			bundle.Schemas[key] = schemas[key].schema
			parts := strings.Split(key, "/")
			entry.Schemas = append(entry.Schemas, catalogSchema{Version: parts[1], Kind: parts[2], Source: schemas[key].source})
		}
		size, err := writeGzipJSON(filepath.Join(dir, entry.File), bundle)
		if err != nil {
			return "", 0, err
		}
		total += size
		index.Groups = append(index.Groups, entry)
	}
	size, err := writeGzipJSON(filepath.Join(dir, catalogIndexName), index)
	if err != nil {
		return "", 0, err
	}
	total += size
	nSchemas := 0
	for _, keys := range groupSchemas {
		nSchemas += len(keys)
	}
	return fmt.Sprintf("%s/: %d CRDs and %d other kinds in %d groups from %d modules, %d removed versions, %d bytes", catalogDir, len(byName), nSchemas, len(groups), len(sources), len(removed), total), total, nil
}

func indexEntry(c sourcedCRD) catalogCRD {
	e := catalogCRD{
		Name:   crdName(c.crd),
		Kind:   str(get(c.crd, "spec", "names", "kind")),
		Scope:  str(get(c.crd, "spec", "scope")),
		Source: c.source,
	}
	versions, _ := get(c.crd, "spec", "versions").([]any)
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		served, _ := vm["served"].(bool)
		dep, _ := vm["deprecated"].(bool)
		e.Versions = append(e.Versions, catalogVersion{
			Name: str(vm["name"]), Served: served, Deprecated: dep, DeprecationWarning: str(vm["deprecationWarning"]),
		})
	}
	return e
}

func get(m any, path ...string) any {
	cur := m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// readSource returns the trimmed CRDs of every path of one source, and the
// schemas of its OpenAPI kinds keyed apiVersion/kind.
func readSource(ctx context.Context, src catalogSource) ([]map[string]any, map[string]any, error) {
	module, err := openModule(ctx, src.Module, src.Version)
	if err != nil {
		return nil, nil, err
	}
	defer module.Close()
	var kinds map[string]any
	if src.OpenAPI != nil {
		if kinds, err = readOpenAPIKinds(module, src.OpenAPI); err != nil {
			return nil, nil, fmt.Errorf("%s@%s: %w", src.Module, src.Version, err)
		}
	}
	crds, err := readSourceCRDs(module, src)
	return crds, kinds, err
}

func readSourceCRDs(module fs.FS, src catalogSource) ([]map[string]any, error) {
	var all []map[string]any
	at := map[string]int{}                 // CRD name -> index in all
	from := map[string]map[string]string{} // CRD name -> version -> file, for Prefer
	for _, pattern := range src.Paths {
		paths, err := expand(module, pattern, src.Exclude)
		if err != nil {
			return nil, fmt.Errorf("%s@%s %s: %w", src.Module, src.Version, pattern, err)
		}
		found := 0
		for _, p := range paths {
			crds, files, err := readCRDFiles(module, p)
			if err != nil {
				return nil, fmt.Errorf("%s@%s %s: %w", src.Module, src.Version, p, err)
			}
			found += len(crds)
			for i, crd := range crds {
				name := crdName(crd)
				j, dup := at[name]
				if !dup {
					at[name] = len(all)
					all = append(all, crd)
					from[name] = map[string]string{}
					for _, v := range versionNames(crd) {
						from[name][v] = files[i]
					}
					continue
				}
				if src.Prefer == "" {
					return nil, fmt.Errorf("%s@%s: CRD %s is shipped twice (%s)", src.Module, src.Version, name, files[i])
				}
				mergeVariant(all[j], crd, from[name], files[i], src.Prefer)
			}
		}
		if found == 0 {
			// A path that yields nothing is a typo or a moved file upstream.
			return nil, fmt.Errorf("%s@%s %s: no CustomResourceDefinition found", src.Module, src.Version, pattern)
		}
	}
	return all, nil
}

// mergeVariant folds another manifest of the same CRD into kept: OpenShift
// writes one file per API version directory and per feature set. A version
// kept lacks is added; a version both have is taken from the file whose
// name contains prefer.
func mergeVariant(kept, other map[string]any, files map[string]string, file, prefer string) {
	spec, _ := kept["spec"].(map[string]any)
	keptVersions, _ := spec["versions"].([]any)
	otherVersions, _ := get(other, "spec", "versions").([]any)
	for _, ov := range otherVersions {
		name := str(get(ov, "name"))
		i := slices.IndexFunc(keptVersions, func(kv any) bool { return str(get(kv, "name")) == name })
		switch {
		case i < 0:
			keptVersions = append(keptVersions, ov)
			files[name] = file
		case strings.Contains(path.Base(file), prefer) && !strings.Contains(path.Base(files[name]), prefer):
			keptVersions[i] = ov
			files[name] = file
		}
	}
	slices.SortFunc(keptVersions, func(a, b any) int { return strings.Compare(str(get(a, "name")), str(get(b, "name"))) })
	spec["versions"] = keptVersions
}

func versionNames(crd map[string]any) []string {
	var out []string
	versions, _ := get(crd, "spec", "versions").([]any)
	for _, v := range versions {
		out = append(out, str(get(v, "name")))
	}
	return out
}

// expand resolves the wildcards of a source path, in lexical order, less
// the matches of an exclude pattern.
func expand(module fs.FS, pattern string, exclude []string) ([]string, error) {
	if !strings.ContainsAny(pattern, "*?[") {
		return []string{pattern}, nil
	}
	matches, err := fs.Glob(module, pattern)
	if err != nil {
		return nil, fmt.Errorf("glob: %w", err)
	}
	return slices.DeleteFunc(matches, func(m string) bool {
		for _, x := range exclude {
			if ok, _ := path.Match(x, m); ok {
				return true
			}
		}
		return false
	}), nil
}

func crdName(crd map[string]any) string {
	meta, _ := crd["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	return name
}

// readCRDs is readCRDFiles without the file names.
func readCRDs(module fs.FS, path string) ([]map[string]any, error) {
	crds, _, err := readCRDFiles(module, path)
	return crds, err
}

// readCRDFiles reads a manifest file, or every *.yaml/*.yml file of a
// directory (not recursively), and returns the trimmed CRDs in file order
// with the file each came from. Other documents (kustomization.yaml,
// Deployments of an install manifest) are skipped.
func readCRDFiles(module fs.FS, path string) ([]map[string]any, []string, error) {
	info, err := fs.Stat(module, path)
	if err != nil {
		return nil, nil, fmt.Errorf("stat: %w", err)
	}
	files := []string{path}
	if info.IsDir() {
		entries, err := fs.ReadDir(module, path)
		if err != nil {
			return nil, nil, fmt.Errorf("read directory: %w", err)
		}
		files = files[:0]
		for _, e := range entries { // ReadDir sorts by name
			if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
				files = append(files, path+"/"+e.Name())
			}
		}
	}
	var crds []map[string]any
	var fromFiles []string
	for _, f := range files {
		data, err := fs.ReadFile(module, f)
		if err != nil {
			return nil, nil, fmt.Errorf("read manifest: %w", err)
		}
		for i, doc := range splitYAMLDocuments(data) {
			jsonDoc, err := yaml.YAMLToJSON(doc)
			if err != nil {
				return nil, nil, fmt.Errorf("%s document %d: %w", filepath.Base(f), i+1, err)
			}
			var obj map[string]any
			if err := decodeJSON(jsonDoc, &obj); err != nil {
				return nil, nil, fmt.Errorf("%s document %d: %w", filepath.Base(f), i+1, err)
			}
			if obj == nil || obj["kind"] != "CustomResourceDefinition" {
				continue
			}
			crd, err := trimCRD(obj)
			if err != nil {
				return nil, nil, fmt.Errorf("%s document %d: %w", filepath.Base(f), i+1, err)
			}
			crds = append(crds, crd)
			fromFiles = append(fromFiles, f)
		}
	}
	return crds, fromFiles, nil
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
		for _, k := range []string{"name", "served", "storage", "deprecated", "deprecationWarning"} {
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
