package schema

import (
	"fmt"
	"slices"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

// Listed is one group/version/kind kvet has a schema for.
type Listed struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	// Source names where the schema comes from: "Kubernetes 1.37.2", a
	// bundled project and release, or a repository CRD file.
	Source string `json:"source"`
	// Module is the Go module (module@version) a bundled schema was
	// generated from; empty for the repository's CRDs.
	Module string `json:"module,omitempty"`
	// CRD is the CustomResourceDefinition's name, for custom resources.
	CRD        string `json:"crd,omitempty"`
	Deprecated bool   `json:"deprecated,omitempty"`
}

// APIVersion is group/version, or the version alone for the core group.
func (l Listed) APIVersion() string {
	if l.Group == "" {
		return l.Version
	}
	return l.Group + "/" + l.Version
}

// List returns every kind a Validator built with opts has a schema for
// (schema locations aside: they are files looked up per kind), sorted by
// group, version and kind; a repository CRD replaces the bundled one of
// the same kind, as in validation. Nothing is decompressed but the index
// and the built-in release.
func List(opts Options) ([]Listed, error) {
	minor := opts.KubernetesVersion
	if minor == "" {
		minor = bundled.DefaultKubernetesVersion()
	}
	ks, err := bundled.Kubernetes(minor)
	if err != nil {
		return nil, err
	}
	byKey := map[string]Listed{}
	for key := range ks.Schemas {
		i := strings.LastIndex(key, "/")
		apiVersion, kind := key[:i], key[i+1:]
		group, version, ok := strings.Cut(apiVersion, "/")
		if !ok {
			group, version = "", apiVersion
		}
		byKey[key] = Listed{Group: group, Version: version, Kind: kind, Source: "Kubernetes " + ks.Version,
			Deprecated: deprecated(apiVersion, kind, minorOnly(ks.Version)) != ""}
	}
	idx, err := bundled.LoadCatalogIndex()
	if err != nil {
		return nil, fmt.Errorf("load CRD catalog: %w", err)
	}
	for _, g := range idx.Groups {
		for _, c := range g.CRDs {
			src := idx.Sources[c.Source]
			for _, v := range c.Versions {
				if v.Served {
					byKey[g.Group+"/"+v.Name+"/"+c.Kind] = Listed{Group: g.Group, Version: v.Name, Kind: c.Kind,
						Source: src.Label(), Module: src.Module + "@" + src.Version, CRD: c.Name, Deprecated: v.Deprecated}
				}
			}
		}
		for _, sc := range g.Schemas {
			src := idx.Sources[sc.Source]
			byKey[g.Group+"/"+sc.Version+"/"+sc.Kind] = Listed{Group: g.Group, Version: sc.Version, Kind: sc.Kind,
				Source: src.Label() + " (OpenAPI)", Module: src.Module + "@" + src.Version}
		}
	}
	for _, c := range opts.CRDs {
		group := str(get(c.Object, "spec", "group"))
		kind := str(get(c.Object, "spec", "names", "kind"))
		versions, _ := get(c.Object, "spec", "versions").([]any)
		for _, ver := range versions {
			if served, ok := get(ver, "served").(bool); ok && !served {
				continue
			}
			dep, _ := get(ver, "deprecated").(bool)
			v := str(get(ver, "name"))
			byKey[group+"/"+v+"/"+kind] = Listed{Group: group, Version: v, Kind: kind, Source: c.Origin,
				CRD: str(get(c.Object, "metadata", "name")), Deprecated: dep}
		}
	}
	out := make([]Listed, 0, len(byKey))
	for _, l := range byKey {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b Listed) int {
		return strings.Compare(a.Group+"\x00"+a.Version+"\x00"+a.Kind, b.Group+"\x00"+b.Version+"\x00"+b.Kind)
	})
	return out, nil
}
