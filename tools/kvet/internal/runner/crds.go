package runner

import (
	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
)

// CRDsInDir reads the CustomResourceDefinitions of the YAML and JSON files
// under dir, as validate's --crds does, through the guard with limits;
// refused and unreadable files are findings with repository-relative paths.
func CRDsInDir(root, dir string, limits guard.Limits) ([]schema.CRD, []report.Finding, error) {
	return crdsInDir(root, dir, limits)
}
