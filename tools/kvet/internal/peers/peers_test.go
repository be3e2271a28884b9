package peers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
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

// finding is what the verdicts need of kvet's JSON report.
type finding struct {
	Target   string `json:"target"`
	Severity string `json:"severity"`
	Check    string `json:"check"`
	Rule     string `json:"rule"`
	Resource struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Namespace  string `json:"namespace"`
		Name       string `json:"name"`
	} `json:"resource"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

type kvetReport struct {
	Targets []struct {
		Path      string `json:"path"`
		Resources int    `json:"resources"`
		Error     string `json:"error"`
	} `json:"targets"`
	Findings []finding `json:"findings"`
}

// runKvet writes files (name → content) as the resources of one
// kustomization in a fresh repository, runs `kvet validate -o json args...`
// on it and returns the exit status and the report. The test's working
// directory changes: callers cannot run in parallel.
func runKvet(t *testing.T, files map[string][]byte, args ...string) (int, kvetReport) {
	t.Helper()
	return runKvetWith(t, files, "", args...)
}

// runKvetWith is runKvet with a kvet.yaml at the repository root.
func runKvetWith(t *testing.T, files map[string][]byte, config string, args ...string) (int, kvetReport) {
	t.Helper()
	repo := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(repo, ".git"), 0o755))
	if config != "" {
		require.NoError(t, os.WriteFile(filepath.Join(repo, "kvet.yaml"), []byte(config), 0o644))
	}
	target := filepath.Join(repo, "target")
	var kus strings.Builder
	kus.WriteString("resources:\n")
	for name, b := range files {
		p := filepath.Join(target, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, b, 0o644))
		kus.WriteString("- " + name + "\n")
	}
	require.NoError(t, os.WriteFile(filepath.Join(target, "kustomization.yaml"), []byte(kus.String()), 0o644))
	t.Chdir(repo)
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), append([]string{"validate", "-o", "json"}, append(args, "target")...), &stdout, &stderr)
	require.NotEqual(t, cli.ExitUsage, code, "kvet could not run: %s", stderr.String())
	var rep kvetReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	for _, f := range rep.Findings {
		require.NotEqual(t, "internal-error", f.Rule, "kvet crashed: %s", f.Message)
	}
	return code, rep
}

func summary(rep kvetReport) string {
	var b strings.Builder
	for _, f := range rep.Findings {
		b.WriteString(f.Severity + " " + f.Check + "/" + f.Rule + " " + f.Resource.Kind + "/" + f.Resource.Name + " " + f.Path + ": " + f.Message + "\n")
	}
	return b.String()
}
