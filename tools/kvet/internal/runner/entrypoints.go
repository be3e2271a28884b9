package runner

import (
	"path/filepath"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// dependsOn checks the Flux dependsOn graphs of the repository and keeps
// the findings about manifests under the validated paths.
func dependsOn(opts Options) []report.Finding {
	var prefixes []string
	for _, p := range opts.Paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		r := repoPath(opts.Root, abs)
		if r == "." {
			prefixes = nil
			break
		}
		prefixes = append(prefixes, r+"/")
	}
	under := func(file string) bool {
		if len(prefixes) == 0 {
			return true
		}
		for _, p := range prefixes {
			if strings.HasPrefix(file, p) {
				return true
			}
		}
		return false
	}
	if len(opts.Paths) == 0 {
		under = nil
	}
	fs := gitops.NewRepo(opts.Root, opts.Config.Excluded, 0).DependsOn(under)
	for i := range fs {
		fs[i].Target = "."
		fs[i] = fs[i].WithOrder(-1)
	}
	return fs
}
