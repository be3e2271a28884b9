package peers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// moduleDir is the directory of module path in the module cache, as
// `go list -m` gives it: the module must be a requirement of go.mod and
// downloaded (`go mod download`); nothing is fetched here.
func moduleDir(t *testing.T, path string) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path)
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=readonly")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go list -m %s (run go mod download first): %s", path, out)
	dir := strings.TrimSpace(string(out))
	require.NotEmpty(t, dir, "module %s is not downloaded: run go mod download", path)
	return dir
}

// kvetRun is one `kvet validate -o json` over a repository whose targets
// are the fixtures, one kustomization each.
type kvetRun struct {
	code     int
	report   report.Report
	findings map[string][]report.Finding // by target
	errors   map[string]string           // build error by target
}

// verdict is the exit status kvet would give the target alone: 1 when the
// target failed to build or has an error finding, else 0.
func (r kvetRun) verdict(target string) int {
	if r.errors[target] != "" {
		return 1
	}
	for _, f := range r.findings[target] {
		if f.Severity == report.SeverityError {
			return 1
		}
	}
	return 0
}

func (r kvetRun) summary(target string) string {
	var b strings.Builder
	if e := r.errors[target]; e != "" {
		b.WriteString("build: " + e + "\n")
	}
	for _, f := range r.findings[target] {
		b.WriteString(string(f.Severity) + " " + f.Check + "/" + f.Rule + " " + f.Resource.Kind + "/" + f.Resource.Name + " " + f.Path + ": " + f.Message + "\n")
	}
	return b.String()
}

// runKvet writes each target (name → files, file name → content) as a
// directory holding those files and a kustomization listing them, in a
// fresh repository, and runs `kvet validate -o json args...` on all of them
// at once: each target is built and checked on its own, as if kvet ran once
// per fixture, while the schemas and policies are loaded once. The test's
// working directory changes: callers cannot run in parallel. No target may
// crash kvet.
func runKvet(t *testing.T, targets map[string]map[string][]byte, args ...string) kvetRun {
	t.Helper()
	repo := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(repo, ".git"), 0o755))
	for target, files := range targets {
		dir := filepath.Join(repo, filepath.FromSlash(target))
		var kus strings.Builder
		kus.WriteString("resources:\n")
		for _, name := range slices.Sorted(maps.Keys(files)) {
			p := filepath.Join(dir, filepath.FromSlash(name))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, files[name], 0o644))
			kus.WriteString("- " + name + "\n")
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(kus.String()), 0o644))
	}
	t.Chdir(repo)
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), append([]string{"validate", "-o", "json"}, append(args, ".")...), &stdout, &stderr)
	require.NotEqual(t, cli.ExitUsage, code, "kvet could not run: %s", stderr.String())
	r := kvetRun{code: code, findings: map[string][]report.Finding{}, errors: map[string]string{}}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &r.report), "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	for _, f := range r.report.Findings {
		require.NotEqual(t, "internal-error", f.Rule, "kvet crashed on %s: %s", f.Target, f.Message)
		ts := f.Targets
		if len(ts) == 0 {
			ts = []string{f.Target}
		}
		for _, tg := range ts {
			r.findings[tg] = append(r.findings[tg], f)
		}
	}
	for _, tg := range r.report.Targets {
		if tg.Error != "" {
			r.errors[tg.Path] = tg.Error
		}
	}
	require.Len(t, r.report.Targets, len(targets), "every fixture is a target of its own")
	return r
}
