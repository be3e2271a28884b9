package cli_test

// kvet's safety rules, proven on the running program: the test binary
// re-executes itself as kvet (KVET_TEST_MAIN=1), with a PATH whose helm,
// docker, podman, kustomize and trap programs write a marker file, with a
// legacy-plugin home holding a trap plugin, and with every proxy variable
// pointing at a local listener that fails the test if anything connects.

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
)

func TestMain(m *testing.M) {
	if os.Getenv("KVET_TEST_MAIN") == "1" {
		os.Exit(cli.Process(os.Args[1:])) // exactly what tools/kvet/main.go does
	}
	cli.SilenceLibraries() // kustomize's own warnings are findings here
	// Keep the default cache directory (os.UserCacheDir) of every test of
	// the package out of the user's home.
	dir, err := os.MkdirTemp("", "kvet-cli-cache")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir) //nolint:errcheck,usetesting // before any test runs
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sandbox is a repository copy, a trap PATH, a proxy trap and a private
// TMPDIR for one kvet process.
type sandbox struct {
	repo, tmp, marker string
	env               []string
	dials             *atomic.Int64
}

func newSandbox(t *testing.T, fixture string) *sandbox {
	t.Helper()
	base := t.TempDir()
	s := &sandbox{repo: filepath.Join(base, "repo"), tmp: filepath.Join(base, "tmp"), marker: filepath.Join(base, "executed"), dials: &atomic.Int64{}}
	require.NoError(t, os.CopyFS(s.repo, os.DirFS(filepath.Join("testdata", fixture))))
	require.NoError(t, os.Mkdir(s.tmp, 0o700))
	trap := fmt.Sprintf("#!/bin/sh\necho \"$0 $*\" >> %s\necho 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pwned}'\n", s.marker)
	bin := filepath.Join(base, "bin")
	for _, name := range []string{"helm", "docker", "podman", "nerdctl", "kustomize", "kubectl", "trap"} {
		writeExec(t, filepath.Join(bin, name), trap)
	}
	plugins := filepath.Join(base, "plugins")
	writeExec(t, filepath.Join(plugins, "trap.example.com", "v1", "trap", "Trap"), trap)
	if _, err := os.Stat(filepath.Join(s.repo, "exec-generator")); err == nil {
		writeExec(t, filepath.Join(s.repo, "exec-generator", "trap.sh"), trap)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.dials.Add(1)
			_ = c.Close()
		}
	}()
	proxy := "http://" + ln.Addr().String()
	git, _ := exec.LookPath("git") // kvet diff reads git objects with git
	path := bin
	if git != "" {
		path += string(os.PathListSeparator) + filepath.Dir(git)
	}
	s.env = []string{
		"KVET_TEST_MAIN=1", "PATH=" + path, "HOME=" + base, "TMPDIR=" + s.tmp,
		"XDG_CONFIG_HOME=" + base, "KUSTOMIZE_PLUGIN_HOME=" + plugins,
		"HTTP_PROXY=" + proxy, "HTTPS_PROXY=" + proxy, "ALL_PROXY=" + proxy,
		"http_proxy=" + proxy, "https_proxy=" + proxy, "all_proxy=" + proxy, "NO_PROXY=", "no_proxy=",
		"GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
	}
	return s
}

func writeExec(t *testing.T, p, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o755))
}

func (s *sandbox) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Dir = s.repo
	cmd.Env = s.env
	return cmd
}

func (s *sandbox) run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := s.command(ctx, args...).CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return string(out), code
}

// assertNothingHappened: nothing executed, nothing dialled, nothing left
// in the temporary directory.
func (s *sandbox) assertNothingHappened(t *testing.T, what string) {
	t.Helper()
	if b, err := os.ReadFile(s.marker); err == nil {
		t.Errorf("%s executed a program: %s", what, b)
	}
	assert.Zero(t, s.dials.Load(), "%s connected to the proxy: it tried the network", what)
	left, err := os.ReadDir(s.tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "%s left files in its temporary directory", what)
}

// git runs git in the sandbox's repository.
func (s *sandbox) git(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = s.repo
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
}

func TestNoExecNoNetwork(t *testing.T) {
	s := newSandbox(t, "untrusted")
	s.git(t, "init", "-q")
	s.git(t, "add", ".")
	s.git(t, "commit", "-qm", "untrusted")

	out, code := s.run(t, "validate", "--no-policies", "-o", "json", ".")
	assert.Equal(t, 1, code, out)
	for _, want := range []string{
		`"target": "exec-generator"`, `"target": "krm-exec"`, `"target": "krm-container"`, `"target": "legacy-plugin"`,
		`"rule": "helm-disabled"`, `"rule": "remote-resource"`,
	} {
		assert.Contains(t, out, want)
	}
	s.assertNothingHappened(t, "validate")

	entries, err := os.ReadDir(s.repo)
	require.NoError(t, err)
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := e.Name()
		if dir == "remote-in-base" {
			dir = "remote-in-base/overlay"
		}
		out, code := s.run(t, "render", dir)
		if dir == "valid" {
			assert.Equal(t, 0, code, out)
		} else {
			assert.Equal(t, 1, code, "render %s: %s", dir, out)
		}
		s.assertNothingHappened(t, "render "+dir)
	}

	// Give the work tree a change so diff renders both revisions.
	require.NoError(t, os.WriteFile(filepath.Join(s.repo, "valid", "cm.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: valid\ndata:\n  a: \"2\"\n"), 0o644))
	out, _ = s.run(t, "diff", "--base", "HEAD", ".")
	assert.Contains(t, out, "valid")
	s.assertNothingHappened(t, "diff")
}

// SIGINT while kvet diff's base revision is on disk (kvet's only
// temporary files; validate keeps its schemas in memory): kvet stops and
// removes it.
func TestInterruptRemovesTemporaryFiles(t *testing.T) {
	s := newSandbox(t, "untrusted/valid")
	var b strings.Builder
	// Enough objects that rendering them outlasts the signal: the base
	// revision is on disk while both trees are rendered (1,000 keeps the
	// test at seconds; kustomize builds grow faster than linearly with more).
	for i := range 1000 {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c%d\ndata:\n  a: \"1\"\n", i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(s.repo, "cm.yaml"), []byte(b.String()), 0o644))
	s.git(t, "init", "-q")
	s.git(t, "add", ".")
	s.git(t, "commit", "-qm", "base")

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := s.command(ctx, "diff", "--base", "HEAD", ".")
	require.NoError(t, cmd.Start())
	sent := false
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if entries, _ := os.ReadDir(s.tmp); len(entries) > 0 {
			require.NoError(t, cmd.Process.Signal(os.Interrupt))
			sent = true
			break
		}
		if cmd.ProcessState != nil {
			break
		}
	}
	err := cmd.Wait()
	require.True(t, sent, "kvet finished before it exported the base revision (%v)", err)
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "an interrupted run does not report success")
	assert.Equal(t, 2, ee.ExitCode())
	left, err := os.ReadDir(s.tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "temporary files left after SIGINT")
}

// kvet.yaml and repository policies are untrusted too: a path out of the
// repository is a configuration error at its line (nothing outside is
// read, nothing of it printed), and repository Rego cannot reach the
// network or DNS.
func TestUntrustedConfigAndPolicies(t *testing.T) {
	// A listener http.send would reach directly (not through the proxy).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	var direct atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			direct.Add(1)
			_ = c.Close()
		}
	}()
	crd := "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: TOPSECRET}\n"
	tests := []struct {
		name   string
		files  map[string]string // repository files
		setup  func(t *testing.T, s *sandbox)
		args   []string
		code   int
		output []string
	}{
		{name: "crds up and out", files: map[string]string{"kvet.yaml": "crds: [\"../../../../usr\"]\n"},
			code: 2, output: []string{`kvet.yaml:1: crds[0]: "../../../../usr" leaves the repository`}},
		{name: "crds absolute", files: map[string]string{"kvet.yaml": "crds:\n- /usr\n"},
			code: 2, output: []string{`kvet.yaml:2: crds[0]: "/usr" is absolute`}},
		{name: "policy dirs outside", files: map[string]string{"kvet.yaml": "policy:\n  dirs: [\"../outside\"]\n"},
			code: 2, output: []string{`kvet.yaml:2: policy.dirs[0]: "../outside" leaves the repository`}},
		{name: "crds symlink out", files: map[string]string{"kvet.yaml": "crds: [vendor-crds]\n"},
			setup: func(t *testing.T, s *sandbox) {
				out := filepath.Join(filepath.Dir(s.repo), "outside")
				require.NoError(t, os.MkdirAll(out, 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(out, "crd.yaml"), []byte(crd), 0o644))
				require.NoError(t, os.Symlink(out, filepath.Join(s.repo, "vendor-crds")))
			},
			code: 2, output: []string{`kvet.yaml:1: crds[0]: vendor-crds is a symlink out of the repository`}},
		{name: "oversize CRD file", files: map[string]string{
			"kvet.yaml":     "crds: [crds]\nlimits: {maxFileBytes: 100000}\n",
			"crds/big.yaml": "# " + strings.Repeat("x", 200_000) + "\n"},
			code: 1, output: []string{`"rule": "file-too-large"`, `"file": "crds/big.yaml"`}},
		{name: "unknown key", files: map[string]string{"kvet.yaml": "exclude: [tools/**]\nexternalKind: [x/*]\n"},
			code: 2, output: []string{`kvet.yaml:2: unknown key "externalKind" at the top level: did you mean "externalKinds"?`}},
		{name: "http.send", files: map[string]string{
			"kvet.yaml":       "policy:\n  dirs: [policies]\n",
			"policies/p.rego": "package leak\n\ndeny contains msg if {\n\tr := http.send({\"method\": \"GET\", \"url\": \"http://" + ln.Addr().String() + "/\"})\n\tmsg := sprintf(\"%v\", [r])\n}\n"},
			code: 2, output: []string{"policies/p.rego:4: rego_type_error: undefined function http.send", "--allow-unsafe-builtins"}},
		{name: "net.lookup_ip_addr", files: map[string]string{
			"policies/p.rego": "package leak\n\ndeny contains msg if {\n\tr := net.lookup_ip_addr(\"TOPSECRET.example.com\")\n\tmsg := sprintf(\"%v\", [r])\n}\n"},
			args: []string{"--policy", "policies"},
			code: 2, output: []string{"policies/p.rego:4: rego_type_error: undefined function net.lookup_ip_addr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t, "untrusted/valid")
			for p, content := range tt.files {
				require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(s.repo, p)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(s.repo, p), []byte(content), 0o644))
			}
			require.NoError(t, os.Mkdir(filepath.Join(s.repo, ".git"), 0o755))
			if tt.setup != nil {
				tt.setup(t, s)
			}
			start := time.Now()
			out, code := s.run(t, append(append([]string{"validate", "-o", "json"}, tt.args...), ".")...)
			assert.Equal(t, tt.code, code, out)
			for _, w := range tt.output {
				assert.Contains(t, out, w)
			}
			assert.Less(t, time.Since(start), 30*time.Second, "nothing outside the repository was walked")
			if tt.name != "net.lookup_ip_addr" {
				assert.NotContains(t, out, "TOPSECRET")
			}
			assert.NotContains(t, out, filepath.Dir(s.repo), "no absolute machine path")
			s.assertNothingHappened(t, tt.name)
		})
	}
	assert.Zero(t, direct.Load(), "a policy connected to a local listener")
}
