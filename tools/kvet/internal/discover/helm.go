package discover

import (
	"os"
	"path/filepath"

	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
)

// addHelmTarget adds the target of a Flux HelmRelease: its chart directory
// when the chart is in the repository (rendered with the Helm SDK), else
// the manifest's directory (the target then only carries a note).
func addHelmTarget(opts Options, e gitops.EntryPoint, byDir map[string]*Target) {
	dir := filepath.Dir(filepath.Join(opts.Root, filepath.FromSlash(e.Source.File)))
	if p := e.Helm.ChartPath; p != "" {
		if opts.Excluded(p) {
			return
		}
		cd := filepath.Join(opts.Root, filepath.FromSlash(p))
		if fi, err := os.Stat(cd); err == nil && fi.IsDir() {
			dir = cd
		}
	}
	id := e.ID()
	key := dir + "#" + id
	if _, dup := byDir[key]; dup {
		return
	}
	byDir[key] = &Target{Dir: dir, Path: id, Via: []string{id}, Entry: &e}
}
