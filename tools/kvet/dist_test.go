package main

// Tests of how kvet ships: the GitHub workflows (actionlint as a library),
// the composite action (action.yml) and the pre-commit hook
// (.pre-commit-hooks.yaml) parse, name only flags kvet has, and the
// action's shell steps install and run kvet as they say. The README
// snippets are linted against action.yml as a workflow using it would be.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
)

// execEnv makes this test binary run as kvet (cli.Process), so that the
// action's scripts run the real kvet without building it again.
const execEnv = "KVET_DIST_TEST_EXEC"

func TestMain(m *testing.M) {
	if os.Getenv(execEnv) == "1" {
		os.Exit(cli.Process(os.Args[1:]))
	}
	os.Exit(m.Run())
}

const repoRoot = "../.."

// composite is the part of action.yml the tests read.
type composite struct {
	Inputs  map[string]struct{ Default string } `yaml:"inputs"`
	Outputs map[string]struct{ Value string }   `yaml:"outputs"`
	Runs    struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Name  string            `yaml:"name"`
			If    string            `yaml:"if"`
			Shell string            `yaml:"shell"`
			Run   string            `yaml:"run"`
			Uses  string            `yaml:"uses"`
			Env   map[string]string `yaml:"env"`
			With  map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func readAction(t *testing.T) composite {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	require.NoError(t, err)
	var a composite
	dec := yaml.NewDecoder(bytes.NewReader(b))
	require.NoError(t, dec.Decode(&a))
	return a
}

// stepRun is the script of the action's step with that id.
func stepRun(t *testing.T, a composite, id string) string {
	t.Helper()
	for _, s := range a.Runs.Steps {
		if s.ID == id || s.Name == id {
			require.Equal(t, "bash", s.Shell, "step %s", id)
			return s.Run
		}
	}
	t.Fatalf("action.yml has no step %q", id)
	return ""
}

func lintWorkflow(t *testing.T, root, path string, content []byte) []*actionlint.Error {
	t.Helper()
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{WorkingDir: root})
	require.NoError(t, err)
	project, err := actionlint.NewProject(root)
	require.NoError(t, err)
	errs, err := l.Lint(path, content, project)
	require.NoError(t, err)
	return errs
}

// TestWorkflowsLint runs actionlint (without shellcheck, as
// `make release-check` does) over every workflow of the repository.
func TestWorkflowsLint(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.y*ml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			for _, e := range lintWorkflow(t, root, f, b) {
				t.Errorf("%s", e)
			}
		})
	}
}

// pinnedAction is a third-party action pinned to a commit.
const pinnedAction = `^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`

// TestWorkflowActionsPinned: every action a workflow uses is pinned to a
// commit (a tag can be moved to other code; a commit cannot).
func TestWorkflowActionsPinned(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, ".github", "workflows", "*.y*ml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	uses := regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(\S+)`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range uses.FindAllStringSubmatch(string(b), -1) {
			if strings.HasPrefix(m[1], "./") {
				continue // this repository's own action
			}
			assert.Regexp(t, pinnedAction, m[1], "%s: pin %s to a commit", filepath.Base(f), m[1])
		}
	}
}

// TestWorkflowLintCatchesErrors: the lint above reports what actionlint
// finds (a workflow with a mistyped expression and an unknown input fails).
func TestWorkflowLintCatchesErrors(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	bad := []byte(`on: push
jobs:
  kvet:
    runs-on: ubuntu-latest
    steps:
      - uses: ./
        with:
          versoin: v1.0.0
      - run: echo ${{ github.nmber }}
`)
	var msgs []string
	for _, e := range lintWorkflow(t, root, filepath.Join(root, ".github", "workflows", "bad.yml"), bad) {
		msgs = append(msgs, e.Message)
	}
	joined := strings.Join(msgs, "\n")
	assert.Contains(t, joined, `input "versoin" is not defined in action "kvet validate"`)
	assert.Contains(t, joined, "nmber")
}

// TestReadmeActionSnippet lints the README's workflow snippet for the
// action against this repository's action.yml (as `uses: ./`): its inputs
// exist and the YAML is a valid workflow.
func TestReadmeActionSnippet(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	snippets := regexp.MustCompile("(?s)```yaml\n(# \\.github/workflows/kvet\\.yml\n.*?)```").FindAllSubmatch(readme, -1)
	require.Len(t, snippets, 1, "README.md has one ```yaml block starting with # .github/workflows/kvet.yml")
	uses := regexp.MustCompile(`uses: example/gitops-go-stack@\S+`)
	require.Regexp(t, uses, string(snippets[0][1]))
	wf := uses.ReplaceAll(snippets[0][1], []byte("uses: ./"))
	for _, e := range lintWorkflow(t, root, filepath.Join(root, ".github", "workflows", "readme-snippet.yml"), wf) {
		t.Errorf("README snippet: %s", e)
	}
}

// kvetHelp is the --help text of a kvet command.
func kvetHelp(t *testing.T, command string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), []string{command, "--help"}, &stdout, &stderr)
	require.Equal(t, cli.ExitOK, code, stderr.String())
	return stdout.String()
}

// kvetInvocation matches `kvet COMMAND flags...` in a shell script, up to
// the end of the line or a redirection.
var kvetInvocation = regexp.MustCompile(`(?m)(?:^|[\s"/])kvet"? (validate|version|render|diff|graph)((?: [^\n>|]*)?)`)

// TestActionUsesExistingFlags: every kvet flag and output format the
// action's scripts pass is one `kvet COMMAND --help` lists, every input and
// step an expression names exists, and third-party actions are pinned to a
// commit.
func TestActionUsesExistingFlags(t *testing.T) {
	a := readAction(t)
	assert.Equal(t, "composite", a.Runs.Using)
	raw, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	require.NoError(t, err)

	calls := 0
	for _, s := range a.Runs.Steps {
		for _, m := range kvetInvocation.FindAllStringSubmatch(s.Run, -1) {
			calls++
			help := kvetHelp(t, m[1])
			fields := strings.Fields(m[2])
			for i, f := range fields {
				if !strings.HasPrefix(f, "-") {
					continue
				}
				name := strings.SplitN(f, "=", 2)[0]
				assert.True(t, regexp.MustCompile(`(?m)^\s+(-\w, )?`+regexp.QuoteMeta(name)+`\b`).MatchString(help),
					"step %q: kvet %s has no flag %s", s.Name, m[1], name)
				if (name == "-o" || name == "--output") && i+1 < len(fields) {
					format := fields[i+1]
					assert.True(t, regexp.MustCompile(`output format: [^\n]*\b`+regexp.QuoteMeta(format)+`\b`).MatchString(help),
						"step %q: kvet %s has no output format %s", s.Name, m[1], format)
				}
			}
		}
	}
	assert.GreaterOrEqual(t, calls, 3, "the action runs kvet version, validate -o sarif and validate -o markdown")

	for _, m := range regexp.MustCompile(`inputs\.([\w-]+)`).FindAllStringSubmatch(string(raw), -1) {
		assert.Contains(t, a.Inputs, m[1], "action.yml names input %s", m[1])
	}
	ids := map[string]bool{}
	for _, s := range a.Runs.Steps {
		ids[s.ID] = s.ID != ""
	}
	for _, m := range regexp.MustCompile(`steps\.([\w-]+)\.outputs`).FindAllStringSubmatch(string(raw), -1) {
		assert.True(t, ids[m[1]], "action.yml names step %s", m[1])
	}
	for _, s := range a.Runs.Steps {
		if s.Uses != "" {
			assert.Regexp(t, pinnedAction, s.Uses, "step %q: pin the action to a commit", s.Name)
		}
	}
}

// TestPreCommitHook: the hook runs a kvet command that exists with the
// binary `go install ./...` builds, and its files pattern selects what
// changes a target.
func TestPreCommitHook(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, ".pre-commit-hooks.yaml"))
	require.NoError(t, err)
	var hooks []struct {
		ID            string `yaml:"id"`
		Entry         string `yaml:"entry"`
		Language      string `yaml:"language"`
		PassFilenames *bool  `yaml:"pass_filenames"`
		Files         string `yaml:"files"`
	}
	require.NoError(t, yaml.Unmarshal(b, &hooks))
	require.Len(t, hooks, 1)
	h := hooks[0]
	assert.Equal(t, "kvet-validate", h.ID)
	assert.Equal(t, "golang", h.Language)
	require.NotNil(t, h.PassFilenames)
	assert.False(t, *h.PassFilenames, "kvet validates targets, not the files pre-commit passes")

	entry := strings.Fields(h.Entry)
	require.Len(t, entry, 2)
	// `go install ./...` names the binary after the main package's directory.
	assert.Equal(t, filepath.Base(mustAbs(t, ".")), entry[0])
	kvetHelp(t, entry[1])

	files := regexp.MustCompile(h.Files)
	for _, f := range []string{"overlays/dev/kustomization.yaml", "base/app/Kustomization", "apps/app.yml", "policy/images.rego", "kvet.yaml"} {
		assert.True(t, files.MatchString(f), "files should select %s", f)
	}
	for _, f := range []string{"tools/kvet/main.go", "README.md", "docs/yaml.md", "base/notKustomization"} {
		assert.False(t, files.MatchString(f), "files should not select %s", f)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	require.NoError(t, err)
	return abs
}

// runnerOS is what GitHub's RUNNER_OS and RUNNER_ARCH say on this machine,
// and the name of the release archive the action downloads for it.
func runnerOS(t *testing.T) (osName, arch, archive string) {
	t.Helper()
	osName, ok := map[string]string{"linux": "Linux", "darwin": "macOS"}[runtime.GOOS]
	require.True(t, ok, "the action's scripts are tested on linux and darwin, not %s", runtime.GOOS)
	arch, ok = map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
	require.True(t, ok, "no kvet release for %s", runtime.GOARCH)
	return osName, arch, fmt.Sprintf("kvet_%s_%s.tar.gz", runtime.GOOS, runtime.GOARCH)
}

// release writes what a GoReleaser release of the archive holds into dir:
// the archive (its kvet runs this test binary as kvet) and checksums.txt.
func release(t *testing.T, dir, archive string) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	var tgz bytes.Buffer
	zw := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(zw)
	for _, f := range []struct {
		name string
		body string
	}{
		{"README.md", "kvet\n"},
		{"kvet", fmt.Sprintf("#!/bin/sh\n%s=1 exec '%s' \"$@\"\n", execEnv, exe)},
	} {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o755, Size: int64(len(f.body))}))
		_, err := tw.Write([]byte(f.body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(filepath.Join(dir, archive), tgz.Bytes(), 0o644))
	sum := sha256.Sum256(tgz.Bytes())
	checksums := fmt.Sprintf("%x  kvet_windows_amd64.zip\n%x  %s\n", sha256.Sum256(nil), sum, archive)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(checksums), 0o644))
}

// fakeCurl stands in for the network: `curl ... -o FILE URL` copies
// URL's last element from the release directory and logs the URL.
func fakeCurl(t *testing.T, bin, releases string) string {
	t.Helper()
	log := filepath.Join(bin, "urls.log")
	script := fmt.Sprintf(`#!/bin/sh
out=""
while [ $# -gt 1 ]; do
  if [ "$1" = -o ]; then out=$2; shift; fi
  shift
done
echo "$1" >> '%s'
cp '%s'/"${1##*/}" "$out"
`, log, releases)
	require.NoError(t, os.WriteFile(filepath.Join(bin, "curl"), []byte(script), 0o755))
	return log
}

type scriptResult struct {
	code   int
	output string
	ghOut  map[string]string
}

// runStep runs an action step's script with bash as the runner would, with
// the given environment (inputs already expanded) and GITHUB_OUTPUT.
func runStep(t *testing.T, script, dir string, env []string) scriptResult {
	t.Helper()
	ghOut := filepath.Join(t.TempDir(), "github_output")
	require.NoError(t, os.WriteFile(ghOut, nil, 0o644))
	cmd := exec.Command("bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append(env, "GITHUB_OUTPUT="+ghOut)...)
	out, err := cmd.CombinedOutput()
	res := scriptResult{output: string(out), ghOut: map[string]string{}}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.code = ee.ExitCode()
	} else {
		require.NoError(t, err, string(out))
	}
	b, err := os.ReadFile(ghOut)
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			res.ghOut[k] = v
		}
	}
	return res
}

// TestActionInstallsAndValidates runs the action's own scripts: install
// from a release (URL, checksum verification, PATH), then validate a small
// repository with a schema error (SARIF file, job summary, exit status
// recorded, the step itself passing), then the verdict step.
func TestActionInstallsAndValidates(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatalf("the action's steps run with bash: %v", err)
	}
	a := readAction(t)
	osName, arch, archive := runnerOS(t)
	releases, bin, tmp := t.TempDir(), t.TempDir(), t.TempDir()
	release(t, releases, archive)
	urls := fakeCurl(t, bin, releases)
	ghPath := filepath.Join(tmp, "github_path")
	base := []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"RUNNER_OS=" + osName, "RUNNER_ARCH=" + arch, "RUNNER_TEMP=" + tmp, "GITHUB_PATH=" + ghPath,
		"KVET_REPOSITORY=example/gitops-go-stack",
		"XDG_CACHE_HOME=" + filepath.Join(tmp, "cache"), "HOME=" + tmp,
	}
	install := stepRun(t, a, "install")

	res := runStep(t, install, tmp, append(slices.Clone(base), "KVET_VERSION=v1.2.3"))
	require.Equal(t, 0, res.code, res.output)
	logged, err := os.ReadFile(urls)
	require.NoError(t, err)
	assert.Equal(t, "https://github.com/example/gitops-go-stack/releases/download/v1.2.3/"+archive+"\n"+
		"https://github.com/example/gitops-go-stack/releases/download/v1.2.3/checksums.txt\n", string(logged))
	var stdout, stderr bytes.Buffer
	require.Equal(t, cli.ExitOK, cli.Main(context.Background(), []string{"version", "-o", "json"}, &stdout, &stderr), stderr.String())
	var version struct{ Kvet string }
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &version))
	require.NotEmpty(t, version.Kvet)
	assert.Equal(t, version.Kvet, res.ghOut["version"], "the installed kvet reports its version")
	path, err := os.ReadFile(ghPath)
	require.NoError(t, err)
	installed := strings.TrimSpace(string(path))
	assert.FileExists(t, filepath.Join(installed, "kvet"))

	// latest comes from the latest release's download URL.
	require.NoError(t, os.Remove(urls))
	res = runStep(t, install, tmp, append(slices.Clone(base), "KVET_VERSION=latest"))
	require.Equal(t, 0, res.code, res.output)
	logged, err = os.ReadFile(urls)
	require.NoError(t, err)
	assert.Contains(t, string(logged), "https://github.com/example/gitops-go-stack/releases/latest/download/"+archive+"\n")

	// A download whose checksum differs is not installed.
	require.NoError(t, os.WriteFile(filepath.Join(releases, archive), []byte("tampered"), 0o644))
	res = runStep(t, install, tmp, append(slices.Clone(base), "KVET_VERSION=v1.2.4"))
	assert.Equal(t, 1, res.code, res.output)
	assert.Contains(t, res.output, "::error title=kvet::"+archive+" has SHA-256")
	assert.NoDirExists(t, filepath.Join(tmp, "kvet-v1.2.4-"+runtime.GOOS+"-"+runtime.GOARCH, "kvet"))

	// validate: a repository whose ConfigMap has a field no ConfigMap has.
	repo := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(repo, "kustomization.yaml"), []byte("resources: [cm.yaml]\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "cm.yaml"),
		[]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: b\nbogus: 1\n"), 0o644))
	summary := filepath.Join(tmp, "summary.md")
	env := append(slices.Clone(base),
		"PATH="+installed+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GITHUB_STEP_SUMMARY="+summary, "KVET_PATH=.", "KVET_ARGS=--fail-on error", "KVET_SUMMARY=true")
	res = runStep(t, stepRun(t, a, "validate"), repo, env)
	require.Equal(t, 0, res.code, "the step records kvet's status, the verdict step acts on it: %s", res.output)
	assert.Equal(t, "1", res.ghOut["exit-code"], res.output)
	sarifFile := res.ghOut["sarif-file"]
	require.NotEmpty(t, sarifFile)
	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	b, err := os.ReadFile(sarifFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &sarif))
	require.Len(t, sarif.Runs, 1)
	assert.NotEmpty(t, sarif.Runs[0].Results)
	md, err := os.ReadFile(summary)
	require.NoError(t, err)
	assert.Contains(t, string(md), "bogus")

	// kvet that cannot run (a PATH that does not exist; no args): no SARIF to upload.
	res = runStep(t, stepRun(t, a, "validate"), repo, append(slices.Clone(env), "KVET_PATH=missing", "KVET_ARGS="))
	require.Equal(t, 0, res.code, res.output)
	assert.Equal(t, "2", res.ghOut["exit-code"])
	assert.Empty(t, res.ghOut["sarif-file"])

	verdict := stepRun(t, a, "verdict")
	for _, tc := range []struct {
		exit, fail string
		want       int
	}{
		{"0", "true", 0}, {"1", "true", 1}, {"1", "false", 0}, {"2", "false", 2},
	} {
		res := runStep(t, verdict, tmp, []string{"KVET_EXIT=" + tc.exit, "KVET_FAIL=" + tc.fail})
		assert.Equal(t, tc.want, res.code, "exit %s, fail %s: %s", tc.exit, tc.fail, res.output)
	}
}

// TestReleaseConfigMatches: the release configuration builds what the rest
// assumes: static, trimmed, stripped binaries whose version lands in
// cli.Version (also for make build and the image built from source), the
// archive and checksum names action.yml downloads for every runner it
// supports, and base images pinned by digest.
func TestReleaseConfigMatches(t *testing.T) {
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(repoRoot, p))
		require.NoError(t, err)
		return string(b)
	}
	// The package of cli.Main, as the linker names it.
	cliPkg := strings.TrimSuffix(runtime.FuncForPC(reflect.ValueOf(cli.Main).Pointer()).Name(), ".Main")
	require.True(t, strings.HasSuffix(cliPkg, "/tools/kvet/internal/cli"), cliPkg)
	stamp := regexp.MustCompile(`-X ([\w./-]+)\.Version=`)
	for _, f := range []string{"Makefile", ".goreleaser.yaml", "tools/kvet/Dockerfile"} {
		m := stamp.FindStringSubmatch(read(f))
		require.NotNil(t, m, "%s stamps the version with -X ...cli.Version=", f)
		assert.Equal(t, cliPkg, m[1], "%s stamps the version into kvet's cli package", f)
	}
	assert.Contains(t, read("Makefile"), "CGO_ENABLED=0 $(GO) build -trimpath", "make build is static and trimmed")

	var cfg struct {
		Builds []struct {
			Main    string   `yaml:"main"`
			Binary  string   `yaml:"binary"`
			Env     []string `yaml:"env"`
			Flags   []string `yaml:"flags"`
			Ldflags []string `yaml:"ldflags"`
			Goos    []string `yaml:"goos"`
			Goarch  []string `yaml:"goarch"`
		} `yaml:"builds"`
		Archives []struct {
			NameTemplate    string   `yaml:"name_template"`
			Formats         []string `yaml:"formats"`
			FormatOverrides []struct {
				Goos    string   `yaml:"goos"`
				Formats []string `yaml:"formats"`
			} `yaml:"format_overrides"`
		} `yaml:"archives"`
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
		} `yaml:"checksum"`
		Dockers []struct {
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"dockers_v2"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(read(".goreleaser.yaml")), &cfg))
	require.Len(t, cfg.Builds, 1)
	b := cfg.Builds[0]
	assert.Equal(t, "./tools/kvet", b.Main)
	assert.Equal(t, "kvet", b.Binary)
	assert.Contains(t, b.Env, "CGO_ENABLED=0")
	assert.Contains(t, b.Flags, "-trimpath")
	require.Len(t, b.Ldflags, 1)
	assert.True(t, strings.HasPrefix(b.Ldflags[0], "-s -w "), "release binaries are stripped: %s", b.Ldflags[0])

	// action.yml: archive="kvet_${os}_${arch}.$ext" for every OS and
	// architecture its install step maps RUNNER_OS and RUNNER_ARCH to.
	require.Len(t, cfg.Archives, 1)
	assert.Equal(t, "{{ .ProjectName }}_{{ .Os }}_{{ .Arch }}", cfg.Archives[0].NameTemplate)
	install := stepRun(t, readAction(t), "install")
	assert.Contains(t, install, `archive="kvet_${os}_${arch}.$ext"`)
	assert.Contains(t, install, `"$base/checksums.txt"`)
	assert.Equal(t, "checksums.txt", cfg.Checksum.NameTemplate)
	for _, m := range regexp.MustCompile(`(?m)^\s+\w+\) os=(\w+) ext=([\w.]+) ;;`).FindAllStringSubmatch(install, -1) {
		assert.Contains(t, b.Goos, m[1], "the action installs kvet on %s", m[1])
		want := cfg.Archives[0].Formats
		for _, o := range cfg.Archives[0].FormatOverrides {
			if o.Goos == m[1] {
				want = o.Formats
			}
		}
		assert.Equal(t, []string{m[2]}, want, "the %s archive is what the action extracts", m[1])
	}
	for _, m := range regexp.MustCompile(`(?m)^\s+\w+\) arch=(\w+) ;;`).FindAllStringSubmatch(install, -1) {
		assert.Contains(t, b.Goarch, m[1], "the action installs kvet on %s", m[1])
	}

	// Base images: the released image and the one built from source run on
	// the same distroless, pinned by digest.
	require.Len(t, cfg.Dockers, 1)
	from := regexp.MustCompile(`(?m)^FROM (gcr\.io/distroless/\S+)`)
	var bases []string
	for _, f := range []string{cfg.Dockers[0].Dockerfile, "tools/kvet/Dockerfile"} {
		for _, m := range from.FindAllStringSubmatch(read(f), -1) {
			assert.Regexp(t, `@sha256:[0-9a-f]{64}$`, m[1], "%s: pin the base image by digest", f)
			bases = append(bases, m[1])
		}
	}
	require.Len(t, bases, 2)
	assert.Equal(t, bases[0], bases[1], "both images use the same base")
}
