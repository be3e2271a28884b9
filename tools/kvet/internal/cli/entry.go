package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// renderSpec resolves what kvet render builds: a directory, or a GitOps
// entry point named as in reports, FILE#Kind/namespace/name (FILE
// relative to the working directory or the repository root).
func renderSpec(p string) (build.Spec, error) {
	file, id, isEntry := strings.Cut(p, "#")
	if !isEntry {
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			return build.Spec{}, fmt.Errorf("path %s is not a directory", p)
		}
		return build.Spec{Dir: p}, nil
	}
	root, err := repoRoot()
	if err != nil {
		return build.Spec{}, err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return build.Spec{}, err
	}
	if _, err := os.Stat(abs); err != nil {
		if abs2 := filepath.Join(root, filepath.FromSlash(file)); abs2 != abs {
			abs = abs2
		}
	}
	if fi, err := os.Stat(abs); err != nil || fi.IsDir() {
		return build.Spec{}, fmt.Errorf("entry point %s: %s is not a file", p, file)
	}
	var configured []string
	if cfg, err := config.Load(root); err == nil {
		configured = cfg.RepositoryURLs
	}
	repo := gitops.NewRepo(root, nil, 0).WithRepositoryURLs(gitops.RepositoryURLs(root, configured))
	var known []string
	for _, e := range gitops.Parse(root, abs, repo) {
		_, eid, _ := strings.Cut(e.ID(), "#")
		if eid != id {
			known = append(known, eid)
			continue
		}
		if e.NotRendered != "" {
			return build.Spec{}, fmt.Errorf("entry point %s is not rendered from this checkout: %s", p, e.NotRendered)
		}
		dir := filepath.Join(root, filepath.FromSlash(e.Path))
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return build.Spec{}, fmt.Errorf("entry point %s: path %s is not a directory", p, e.Path)
		}
		_, kerr := kustfile.Find(dir)
		return build.Spec{Dir: dir, Generate: kerr != nil, Recurse: e.Recurse, Entry: &e}, nil
	}
	if len(known) == 0 {
		return build.Spec{}, fmt.Errorf("entry point %s: %s declares no Flux Kustomization or Argo CD Application", p, file)
	}
	return build.Spec{}, fmt.Errorf("entry point %s not found; %s declares %s", p, file, strings.Join(known, ", "))
}
