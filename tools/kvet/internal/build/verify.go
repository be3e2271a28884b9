package build

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// A patch that deletes or replaces the object it matched, or overwrites its
// metadata or annotations, also removes the marker that proves the match:
// `$patch: delete` of a whole object, a JSON6902 op on /metadata or
// /metadata/annotations. When such a target leaves a probe unmatched, kvet
// builds it once more without those patches (their markers stay, in the
// same place): a marker that appears then did match.

// verifyUnmatched marks in hits the unmatched probes that match once the
// destructive patches are left out.
func (b *Builder) verifyUnmatched(ctx context.Context, ofs *overlayFS, dir string, spec Spec,
	files []*kustfile.File, fastOrigins bool, mk *markers, probes []probe, hits map[string]bool) {
	drop := map[string]bool{}
	unmatched := false
	for _, p := range probes {
		if p.destructive {
			drop[p.key] = true
		}
		unmatched = unmatched || !hits[p.key]
	}
	if len(drop) == 0 || !unmatched {
		return
	}
	for i, f := range files {
		// Same marker numbers as the first build: drop names its keys.
		content, _, _, err := instrument(b.read, f, i == 0 && !fastOrigins, mk.fileNumber(f.Path), drop)
		if err != nil {
			return
		}
		if content != nil {
			ofs.set(f.Path, content)
		}
	}
	m, err := b.run(ctx, ofs, dir, spec.flux())
	if err != nil {
		return
	}
	for _, r := range m.Resources() {
		for k := range r.GetAnnotations() {
			if strings.HasPrefix(k, patchMarkerPrefix) {
				hits[k] = true
			}
		}
	}
}

// destructive reports whether patch p of f can remove its own marker.
func destructive(f *kustfile.File, p types.Patch, read func(string) ([]byte, error)) bool {
	content := []byte(p.Patch)
	if p.Path != "" && read != nil {
		b, err := read(filepath.Join(f.Dir, p.Path))
		if err != nil {
			return false
		}
		content = b
	}
	s := string(content)
	if strings.Contains(s, "$patch: delete") || strings.Contains(s, "$patch: replace") {
		return true
	}
	var ops []struct {
		Op   string `json:"op"`
		Path string `json:"path"`
	}
	if err := yaml.Unmarshal(content, &ops); err != nil {
		return false // a strategic-merge patch
	}
	for _, op := range ops {
		switch strings.TrimSuffix(op.Path, "/") {
		case "", "/metadata", "/metadata/annotations":
			return true
		}
	}
	return false
}

// bootstrapFiles are what `flux bootstrap` commits into the flux-system
// directory; before it has run they are empty placeholders, or missing.
var bootstrapFiles = []string{"gotk-components.yaml", "gotk-sync.yaml"}

// fluxPlaceholders returns the kustomizations of files that list a
// bootstrap file that is missing or holds no object; a missing one is
// given to kustomize as empty, as bootstrap will write it.
func fluxPlaceholders(gfs *guardedFS, ofs *overlayFS, files []*kustfile.File) map[string]bool {
	out := map[string]bool{}
	for _, f := range files {
		for _, r := range f.K.Resources {
			if !slices.Contains(bootstrapFiles, r) {
				continue
			}
			p := filepath.Join(f.Dir, r)
			b, err := gfs.ReadFile(p)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				ofs.set(p, nil)
			case err != nil || !emptyYAML(b):
				continue
			}
			out[f.Path] = true
		}
	}
	return out
}

// emptyYAML: only comments, blank lines and document separators.
func emptyYAML(b []byte) bool {
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") && l != "---" {
			return false
		}
	}
	return true
}
