package runner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

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

func lastName(p string) string { return filepath.Base(p) }

// readGolden returns testdata/<name>; with KVET_UPDATE_GOLDEN=1 it writes got first.
func readGolden(t *testing.T, name string, got []byte) string {
	t.Helper()
	p := filepath.Join("testdata", filepath.FromSlash(name))
	if os.Getenv("KVET_UPDATE_GOLDEN") == "1" {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, got, 0o644))
	}
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(b)
}
