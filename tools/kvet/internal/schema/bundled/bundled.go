// Package bundled gives kvet the schemas it ships, so that validation never
// needs the network.
//
// The data is produced by tools/schemagen (`make schemas`) from pinned Go
// modules and committed compressed under data/:
//
//   - kubernetes-<minor>.json.gz: one strict, standalone Draft-04 JSON schema
//     per built-in kind of that Kubernetes release, keyed by
//     apiVersion + "/" + kind ("apps/v1/Deployment", "v1/Pod"). Objects are
//     closed, required fields and the exact apiVersion/kind are enforced,
//     optional fields accept null, int-or-string and quantities accept both
//     JSON types. List kinds are not included: kvet expands them.
//   - catalog/index.json.gz: the CRD catalog's sources (pinned modules of
//     the projects: Flux, Argo, cert-manager, Gateway API, OpenShift, ...),
//     every CRD's name, kind, scope and versions, and the CRD versions their
//     projects removed (derived from the releases a module embeds).
//   - catalog/<group>.json.gz: the trimmed CustomResourceDefinitions of one
//     API group, not converted: kvet converts them at runtime with the same
//     code as the CRDs found in users' trees, and only for the groups a run
//     renders.
//
// # Layout for kubeconform
//
// kubeconform's validator reads schemas from files named by a path template.
// Write each schema to the path [SchemaFile] returns under a directory dir and
// pass dir + "/" + [SchemaLocationTemplate] as the only schema location
// (see [KubernetesSchemas.WriteFiles]):
//
//	apps/v1/deployment.json        apps/v1 Deployment
//	v1/v1/pod.json                 v1 Pod (core group: kubeconform's Group is "v1")
//	networking.k8s.io/v1/ingress.json
//	networking.istio.io/v1/gateway.json
//
// kubeconform derives {{ .Group }} from the part of apiVersion before "/"
// (the whole apiVersion for the core group) and lower-cases
// {{ .ResourceKind }}, so the group stays in the path and kinds of
// networking.k8s.io and networking.istio.io never collide. Schemas converted
// from CRDs belong in the same tree.
//
// Nothing is decompressed until a function asks for it.
package bundled

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:embed data/*.json.gz data/catalog/*.json.gz
var data embed.FS

// SchemaLocationTemplate is the kubeconform schema location, relative to the
// directory the schemas were written to, that matches [SchemaFile].
const SchemaLocationTemplate = "{{ .Group }}/{{ .ResourceAPIVersion }}/{{ .ResourceKind }}.json"

const (
	kubernetesPrefix = "kubernetes-"
	bundleSuffix     = ".json.gz"
	catalogDir       = "catalog"
	catalogIndex     = "index.json.gz"
)

// KubernetesVersions returns the bundled minors, oldest first:
// ["1.35","1.36","1.37"].
func KubernetesVersions() []string {
	entries, err := data.ReadDir("data")
	if err != nil {
		// The directory is embedded at build time; it cannot be missing.
		panic(fmt.Sprintf("bundled schemas: %v", err))
	}
	var versions []string
	for _, e := range entries {
		name := e.Name()
		if v, ok := strings.CutPrefix(name, kubernetesPrefix); ok {
			versions = append(versions, strings.TrimSuffix(v, bundleSuffix))
		}
	}
	// Sort numerically: "1.100" comes after "1.99".
	slices.SortFunc(versions, compareMinor)
	return versions
}

func compareMinor(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, errA := strconv.Atoi(pa[i])
		nb, errB := strconv.Atoi(pb[i])
		if errA != nil || errB != nil {
			if c := strings.Compare(pa[i], pb[i]); c != 0 {
				return c
			}
			continue
		}
		if na != nb {
			return na - nb
		}
	}
	return len(pa) - len(pb)
}

// DefaultKubernetesVersion returns the newest minor.
func DefaultKubernetesVersion() string {
	versions := KubernetesVersions()
	return versions[len(versions)-1]
}

// KubernetesSchemas are the schemas of every built-in kind of one release.
type KubernetesSchemas struct {
	// Version is the exact release the schemas come from, e.g. "1.37.2".
	Version string `json:"kubernetesVersion"`
	// Source names the input: module@version and the path inside it.
	Source string `json:"source"`
	// Schemas maps apiVersion + "/" + kind, e.g. "apps/v1/Deployment", to a
	// standalone Draft-04 JSON schema.
	Schemas map[string]json.RawMessage `json:"schemas"`
}

// Kubernetes returns the schemas of a bundled minor. It accepts "1.37",
// "v1.37" and a patch release such as "1.37.2" (which maps to its minor; the
// bundle holds one patch release per minor).
func Kubernetes(version string) (*KubernetesSchemas, error) {
	minor, ok := minorOf(version)
	supported := KubernetesVersions()
	if !ok || !slices.Contains(supported, minor) {
		return nil, fmt.Errorf("kubernetes version %q is not bundled: supported versions are %s",
			version, strings.Join(supported, ", "))
	}
	return decoded(kubernetesPrefix+minor+bundleSuffix, func() (*KubernetesSchemas, error) {
		var s KubernetesSchemas
		if err := readBundle(kubernetesPrefix+minor+bundleSuffix, &s); err != nil {
			return nil, err
		}
		return &s, nil
	})
}

// minorOf reduces "1.37", "v1.37" or "1.37.2" to "1.37".
func minorOf(version string) (string, bool) {
	parts := strings.Split(strings.TrimPrefix(version, "v"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return "", false
	}
	for _, p := range parts {
		if _, err := strconv.ParseUint(p, 10, 32); err != nil {
			return "", false
		}
	}
	return parts[0] + "." + parts[1], true
}

// SchemaFile is the path, relative to the schema directory, where kubeconform
// looks for the schema of apiVersion/kind when given [SchemaLocationTemplate].
func SchemaFile(apiVersion, kind string) string {
	group, version, found := strings.Cut(apiVersion, "/")
	if !found {
		version = apiVersion // core group: kubeconform's Group is the version
	}
	return path.Join(group, version, strings.ToLower(kind)+".json")
}

// WriteFiles writes every schema into dir in the layout [SchemaFile]
// describes, for kubeconform's file loader.
func (s *KubernetesSchemas) WriteFiles(dir string) error {
	for _, key := range slices.Sorted(maps.Keys(s.Schemas)) {
		i := strings.LastIndex(key, "/")
		if i <= 0 {
			return fmt.Errorf("malformed schema key %q", key)
		}
		p := filepath.Join(dir, filepath.FromSlash(SchemaFile(key[:i], key[i+1:])))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write schema %s: %w", key, err)
		}
		if err := os.WriteFile(p, s.Schemas[key], 0o644); err != nil {
			return fmt.Errorf("write schema %s: %w", key, err)
		}
	}
	return nil
}

// CatalogSource is one pinned Go module the catalog's CRDs come from.
type CatalogSource struct {
	// Project names the upstream project ("cert-manager").
	Project string   `json:"project"`
	Module  string   `json:"module"`
	Version string   `json:"version"`
	Paths   []string `json:"paths"`
	// Prefer, Exclude and OpenAPI are how schemagen chose among the files
	// of the module (see tools/schemagen).
	Prefer  string          `json:"prefer,omitempty"`
	Exclude []string        `json:"exclude,omitempty"`
	OpenAPI json.RawMessage `json:"openapi,omitempty"`
	// Behind, when set, says why the pinned release is older than the
	// project's current one: a newer operator may define fields this
	// release lacks.
	Behind string `json:"behind,omitempty"`
}

// Label is how messages name the source: "cert-manager v1.21.2".
func (s CatalogSource) Label() string {
	return s.Project + " " + s.Version
}

// HistorySource is a module holding several releases of a project's
// install manifests; schemagen derives RemovedVersions from it.
type HistorySource struct {
	Project string `json:"project"`
	Module  string `json:"module"`
	Version string `json:"version"`
	Dir     string `json:"dir"`
}

// CatalogIndex says what every bundled CRD is called and serves without
// decompressing any schema: each group's CRDs are in their own file,
// decoded by [GroupCRDs] on first use.
type CatalogIndex struct {
	Sources []CatalogSource  `json:"sources"`
	History []HistorySource  `json:"history"`
	Groups  []CatalogGroup   `json:"groups"`
	Removed []RemovedVersion `json:"removed"`
}

// CatalogGroup is one API group of the catalog.
type CatalogGroup struct {
	Group string       `json:"group"`
	File  string       `json:"file"`
	CRDs  []CatalogCRD `json:"crds"`
	// Schemas are kinds of the group that are not CRDs (OpenShift's own
	// API server kinds), bundled as ready standalone schemas.
	Schemas []CatalogSchema `json:"schemas,omitempty"`
}

// CatalogSchema is one kind of a group bundled as a standalone schema.
type CatalogSchema struct {
	Version string `json:"version"`
	Kind    string `json:"kind"`
	// Source indexes CatalogIndex.Sources.
	Source int `json:"source"`
}

// CatalogCRD is the identity of one bundled CRD.
type CatalogCRD struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Scope string `json:"scope"`
	// Source indexes CatalogIndex.Sources.
	Source   int              `json:"source"`
	Versions []CatalogVersion `json:"versions"`
}

// CatalogVersion is one version of a bundled CRD.
type CatalogVersion struct {
	Name               string `json:"name"`
	Served             bool   `json:"served"`
	Deprecated         bool   `json:"deprecated,omitempty"`
	DeprecationWarning string `json:"deprecationWarning,omitempty"`
}

// RemovedVersion is a CRD version a release of its project stopped
// serving: clusters running that release or a newer one reject it.
type RemovedVersion struct {
	Group        string `json:"group"`
	Version      string `json:"version"`
	Kind         string `json:"kind"`
	Project      string `json:"project"`
	RemovedIn    string `json:"removedIn"`
	LastServedIn string `json:"lastServedIn"`
	// Use is the apiVersion to move to.
	Use string `json:"use"`
}

// Catalog holds every bundled CustomResourceDefinition, trimmed to
// apiVersion, kind, metadata.name, spec.group, spec.names, spec.scope and
// spec.versions[].{name, served, storage, deprecated, deprecationWarning,
// schema.openAPIV3Schema}, sorted by group, then name.
type Catalog struct {
	Sources []CatalogSource   `json:"sources"`
	CRDs    []json.RawMessage `json:"crds"`
}

// LoadCatalogIndex decompresses the catalog's index.
func LoadCatalogIndex() (*CatalogIndex, error) {
	return decoded(catalogDir+"/"+catalogIndex, func() (*CatalogIndex, error) {
		var c CatalogIndex
		if err := readBundle(catalogDir+"/"+catalogIndex, &c); err != nil {
			return nil, err
		}
		return &c, nil
	})
}

// Group returns the index entry of an API group, or nil.
func (c *CatalogIndex) Group(group string) *CatalogGroup {
	i, found := slices.BinarySearchFunc(c.Groups, group, func(g CatalogGroup, name string) int { return strings.Compare(g.Group, name) })
	if !found {
		return nil
	}
	return &c.Groups[i]
}

type groupFile struct {
	CRDs    []json.RawMessage          `json:"crds"`
	Schemas map[string]json.RawMessage `json:"schemas"`
}

// groupRaw decompresses one group's file.
func groupRaw(group string) (*groupFile, error) {
	idx, err := LoadCatalogIndex()
	if err != nil {
		return nil, err
	}
	g := idx.Group(group)
	if g == nil {
		return &groupFile{}, nil
	}
	name := catalogDir + "/" + g.File
	return decoded(name, func() (*groupFile, error) {
		var f groupFile
		if err := readBundle(name, &f); err != nil {
			return nil, err
		}
		return &f, nil
	})
}

// GroupCRDs returns the bundled CRDs of one API group decoded as JSON
// objects (none for a group the catalog lacks). They are shared: read
// them, never modify them.
func GroupCRDs(group string) ([]map[string]any, error) {
	type crds struct{ list []map[string]any }
	c, err := decoded(catalogDir+"/"+group+"#objects", func() (*crds, error) {
		f, err := groupRaw(group)
		if err != nil {
			return nil, err
		}
		out := &crds{list: make([]map[string]any, 0, len(f.CRDs))}
		for i, raw := range f.CRDs {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, fmt.Errorf("bundled CRD catalog, group %s entry %d: %w", group, i, err)
			}
			out.list = append(out.list, m)
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return c.list, nil
}

// GroupSchemas returns the standalone schemas of one group's kinds that
// are not CRDs, keyed apiVersion/kind (Draft-04, strict, like the
// Kubernetes built-ins). Shared: never modify them.
func GroupSchemas(group string) (map[string]json.RawMessage, error) {
	f, err := groupRaw(group)
	if err != nil {
		return nil, err
	}
	return f.Schemas, nil
}

// LoadCatalog decompresses every group of the CRD catalog (for export;
// validation decodes only the groups it needs).
func LoadCatalog() (*Catalog, error) {
	return decoded(catalogDir+"#all", func() (*Catalog, error) {
		idx, err := LoadCatalogIndex()
		if err != nil {
			return nil, err
		}
		c := &Catalog{Sources: idx.Sources}
		for _, g := range idx.Groups {
			f, err := groupRaw(g.Group)
			if err != nil {
				return nil, err
			}
			c.CRDs = append(c.CRDs, f.CRDs...)
		}
		return c, nil
	})
}

// The embedded files never change, so each is decompressed and decoded
// once per process (a test binary or a long-lived caller validates many
// times). What Kubernetes and LoadCatalog return is shared: read it, never
// modify it.
var cache sync.Map // file name -> func() (any, error), from sync.OnceValues

func decoded[T any](name string, load func() (*T, error)) (*T, error) {
	f, _ := cache.LoadOrStore(name, sync.OnceValues(func() (any, error) { return load() }))
	v, err := f.(func() (any, error))()
	if err != nil {
		return nil, err
	}
	return v.(*T), nil
}

func readBundle(name string, v any) error {
	compressed, err := data.ReadFile("data/" + name)
	if err != nil {
		return fmt.Errorf("bundled schemas: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return fmt.Errorf("bundled schemas: decompress %s: %w", name, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("bundled schemas: decompress %s: %w", name, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("bundled schemas: decode %s: %w", name, err)
	}
	return nil
}
