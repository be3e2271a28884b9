package discover

import (
	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// loadKustomization reads the kustomization file of dir through the guard:
// never outside the repository (symlinks resolved), never a FIFO, never
// beyond the size and YAML limits. A refused file is an error, so the
// directory stays a target and its build reports the refusal by name.
func loadKustomization(opts Options, dir string) (*kustfile.File, error) {
	p, err := kustfile.Find(dir)
	if err != nil {
		return nil, err
	}
	raw, v, err := guard.ReadFile(opts.Root, p, guard.Limits{MaxFileBytes: opts.MaxFileBytes})
	if v != nil {
		return nil, v
	}
	if err != nil {
		return nil, err
	}
	return kustfile.Parse(dir, p, raw)
}
