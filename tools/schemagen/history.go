package main

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// historySource is a module that holds several releases of a project's
// install manifests, one directory per release under Dir. The Flux
// Operator module embeds every Flux distribution it can install, which
// tells when each CRD version stopped being served.
type historySource struct {
	Project string `json:"project"`
	Module  string `json:"module"`
	Version string `json:"version"`
	Dir     string `json:"dir"`
}

func historySources() []historySource {
	return []historySource{
		{Project: "Flux", Module: "github.com/controlplaneio-fluxcd/flux-operator", Version: "v0.59.0", Dir: "config/data/flux"},
	}
}

// removedVersion is a CRD version that a release of its project stopped
// serving while the bundled CRD still exists: the API server of a cluster
// running that release rejects objects of it.
type removedVersion struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	Project string `json:"project"`
	// RemovedIn is the first release that does not serve the version;
	// LastServedIn the release before it.
	RemovedIn    string `json:"removedIn"`
	LastServedIn string `json:"lastServedIn"`
	// Use is the apiVersion to move to: the storage version of the
	// bundled CRD.
	Use string `json:"use"`
}

// removedVersions compares every release of each history source with the
// bundled CRDs.
func removedVersions(ctx context.Context, bundled map[string]sourcedCRD) ([]removedVersion, error) {
	var out []removedVersion
	for _, h := range historySources() {
		found, err := readHistory(ctx, h, bundled)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	slices.SortFunc(out, func(a, b removedVersion) int {
		return strings.Compare(a.Group+"/"+a.Version+"/"+a.Kind, b.Group+"/"+b.Version+"/"+b.Kind)
	})
	return out, nil
}

func readHistory(ctx context.Context, h historySource, bundled map[string]sourcedCRD) ([]removedVersion, error) {
	module, err := openModule(ctx, h.Module, h.Version)
	if err != nil {
		return nil, err
	}
	defer module.Close()
	return historyOf(module, h, bundled)
}

// historyOf compares the releases under h.Dir of module with the bundled
// CRDs.
func historyOf(module fs.FS, h historySource, bundled map[string]sourcedCRD) ([]removedVersion, error) {
	entries, err := fs.ReadDir(module, h.Dir)
	if err != nil {
		return nil, fmt.Errorf("%s@%s %s: %w", h.Module, h.Version, h.Dir, err)
	}
	var releases []string
	for _, e := range entries {
		if e.IsDir() {
			if _, ok := parseRelease(e.Name()); ok {
				releases = append(releases, e.Name())
			}
		}
	}
	if len(releases) == 0 {
		return nil, fmt.Errorf("%s@%s %s: no release directories", h.Module, h.Version, h.Dir)
	}
	slices.SortFunc(releases, compareRelease)

	// lastServed[crd name][version] is the newest release that serves it.
	lastServed := map[string]map[string]string{}
	for _, rel := range releases {
		crds, _, err := readCRDFiles(module, h.Dir+"/"+rel)
		if err != nil {
			return nil, fmt.Errorf("%s@%s %s: %w", h.Module, h.Version, rel, err)
		}
		for _, crd := range crds {
			name := crdName(crd)
			for _, v := range servedVersions(crd) {
				if lastServed[name] == nil {
					lastServed[name] = map[string]string{}
				}
				lastServed[name][v] = rel
			}
		}
	}
	var out []removedVersion
	for _, name := range slices.Sorted(maps.Keys(lastServed)) {
		cur, ok := bundled[name]
		if !ok {
			continue // the project dropped the whole CRD: nothing to point to
		}
		now := servedVersions(cur.crd)
		use := storageVersion(cur.crd)
		group := str(get(cur.crd, "spec", "group"))
		for _, v := range slices.Sorted(maps.Keys(lastServed[name])) {
			if slices.Contains(now, v) || use == "" {
				continue
			}
			last := lastServed[name][v]
			i := slices.Index(releases, last)
			removedIn := "a release after " + last
			if i+1 < len(releases) {
				removedIn = releases[i+1]
			}
			out = append(out, removedVersion{
				Group: group, Version: v, Kind: str(get(cur.crd, "spec", "names", "kind")),
				Project: h.Project, RemovedIn: removedIn, LastServedIn: last, Use: group + "/" + use,
			})
		}
	}
	return out, nil
}

func servedVersions(crd map[string]any) []string {
	var out []string
	versions, _ := get(crd, "spec", "versions").([]any)
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		if served, _ := vm["served"].(bool); served {
			out = append(out, str(vm["name"]))
		}
	}
	return out
}

func storageVersion(crd map[string]any) string {
	versions, _ := get(crd, "spec", "versions").([]any)
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		if storage, _ := vm["storage"].(bool); storage {
			return str(vm["name"])
		}
	}
	return ""
}

// parseRelease reads "v2.9.5" as [2 9 5].
func parseRelease(s string) ([3]int, bool) {
	var out [3]int
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if len(parts) != 3 || !strings.HasPrefix(s, "v") {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return out, false
		}
		out[i] = n
	}
	return out, true
}

func compareRelease(a, b string) int {
	pa, _ := parseRelease(a)
	pb, _ := parseRelease(b)
	for i := range pa {
		if pa[i] != pb[i] {
			return pa[i] - pb[i]
		}
	}
	return 0
}
