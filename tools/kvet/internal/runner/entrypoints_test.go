package runner_test

import (
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// dirTargets are the directory targets of a report, without the targets
// of GitOps entry points ("file#Kind/namespace/name").
func dirTargets(rep *report.Report) []report.Target {
	out := []report.Target{}
	for _, t := range targets(rep) {
		if !strings.Contains(t.Path, "#") {
			out = append(out, t)
		}
	}
	return out
}
