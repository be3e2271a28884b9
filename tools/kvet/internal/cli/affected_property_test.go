package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/benchcorpus/corpus"
	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
)

// fluxFixture adds to the generated corpus what a target reads outside its
// kustomization graph: a Flux Kustomization whose postBuild.substituteFrom
// names a ConfigMap of another file, a HelmRelease with a chart of the
// repository and valuesFrom a ConfigMap of another file.
var fluxFixture = map[string]string{
	"flux/system/sync.yaml": `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m
  url: https://example.com/repo.git
  ref:
    branch: main
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./flux/apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
    substituteFrom:
      - kind: ConfigMap
        name: cluster-vars
`,
	"flux/system/vars.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: cluster-vars
  namespace: flux-system
data:
  team: shop
  replicas: "2"
`,
	"flux/apps/settings.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  team: ${team}
  replicas: "${replicas}"
`,
	"flux/system/helm.yaml": `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: demo
  namespace: flux-system
spec:
  interval: 10m
  chart:
    spec:
      chart: ./flux/charts/demo
      sourceRef:
        kind: GitRepository
        name: flux-system
  valuesFrom:
    - kind: ConfigMap
      name: demo-values
`,
	"flux/system/demo-values.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: demo-values
  namespace: flux-system
data:
  values.yaml: |
    port: 8080
`,
	"flux/charts/demo/Chart.yaml":  "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
	"flux/charts/demo/values.yaml": "port: 80\n",
	"flux/charts/demo/templates/svc.yaml": `apiVersion: v1
kind: Service
metadata:
  name: demo
spec:
  selector:
    app: demo
  ports:
    - port: {{ .Values.port }}
`,
}

// Property: for a random single-file edit of a generated repository, every
// target whose report differs between two full runs is among the targets
// --changed-since selects. The edits are seeded (KVET_AFFECTED_SEED
// replays another sequence).
func TestChangedSinceCoversEveryChangedReport(t *testing.T) {
	if testing.Short() {
		t.Skip("full runs")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	repo := filepath.Join(t.TempDir(), "repo")
	c, err := corpus.Generate(1)
	require.NoError(t, err)
	require.NoError(t, c.Write(repo))
	for p, s := range fluxFixture {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(repo, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(repo, p), []byte(s), 0o644))
	}
	gitRun := func(args ...string) string {
		cmd := exec.Command(git, args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	gitRun("init", "-q", "-b", "main")
	gitRun("add", ".")
	gitRun("commit", "-qm", "base")
	t.Chdir(repo)

	baseline := reports(t, "validate", "-o", "json", ".")
	require.NotEmpty(t, baseline)
	for _, want := range []string{"flux/system/sync.yaml#Kustomization/flux-system/apps", "flux/system/helm.yaml#HelmRelease/flux-system/demo"} {
		require.Contains(t, baseline, want, "the fixture's entry points are targets")
	}

	files := strings.Fields(gitRun("ls-files"))
	seed := uint64(20261201)
	if s := os.Getenv("KVET_AFFECTED_SEED"); s != "" {
		_, err := fmt.Sscan(s, &seed)
		require.NoError(t, err)
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	type edit struct{ file, kind string }
	// The inputs outside kustomization graphs, always; then random ones.
	edits := []edit{
		{"flux/system/vars.yaml", "rename"},
		{"flux/system/demo-values.yaml", "number"},
		{"platform/crds/widgets.bench.example.com.yaml", "delete"},
		{"flux/charts/demo/values.yaml", "number"},
	}
	kinds := []string{"number", "rename", "delete", "break"}
	for range 6 {
		edits = append(edits, edit{files[rng.IntN(len(files))], kinds[rng.IntN(len(kinds))]})
	}
	for _, e := range edits {
		t.Run(e.kind+" "+e.file, func(t *testing.T) {
			defer func() {
				gitRun("checkout", "-q", "--", ".")
				gitRun("clean", "-fdq")
			}()
			if !applyEdit(t, filepath.Join(repo, filepath.FromSlash(e.file)), e.kind) {
				t.Skipf("%s edit does not apply to %s", e.kind, e.file)
			}
			after := reports(t, "validate", "-o", "json", ".")
			var changed []string
			for target, r := range after {
				if baseline[target] != r {
					changed = append(changed, target)
				}
			}
			selected := reports(t, "validate", "--changed-since", "HEAD", "-o", "json", ".")
			for _, target := range changed {
				if _, ok := selected[target]; !ok {
					t.Errorf("%s: the report of %s changed but --changed-since did not select it\nbefore: %s\nafter:  %s",
						e.file, target, baseline[target], after[target])
				}
			}
		})
	}
}

var digitRE = regexp.MustCompile(`[0-9]`)
var nameRE = regexp.MustCompile(`(?m)^(\s*name: )(\S+)`)

// applyEdit changes a file as a pull request could; false when the edit
// has nothing to change in that file.
func applyEdit(t *testing.T, p, kind string) bool {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	var out []byte
	switch kind {
	case "delete":
		require.NoError(t, os.Remove(p))
		return true
	case "number":
		loc := digitRE.FindIndex(b)
		if loc == nil {
			return false
		}
		out = slices.Concat(b[:loc[0]], []byte{'0' + (b[loc[0]]-'0'+1)%10}, b[loc[1]:])
	case "rename":
		if !nameRE.Match(b) {
			return false
		}
		done := false
		out = nameRE.ReplaceAllFunc(b, func(m []byte) []byte {
			if done {
				return m
			}
			done = true
			return append(m, "-renamed"...)
		})
	case "break":
		out = append(slices.Clone(b), "\n  broken: [\n"...)
	}
	require.NoError(t, os.WriteFile(p, out, 0o644))
	return true
}

// reports runs kvet in-process and returns, per target, its report: the
// target line and its findings, as comparable text. Repository-level
// findings (target ".") are left out: every run computes them from the
// whole tree.
func reports(t *testing.T, args ...string) map[string]string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), args, &stdout, &stderr)
	require.Contains(t, []int{0, 1}, code, "kvet %v: %s", args, stderr.String())
	var rep struct {
		Targets  []json.RawMessage `json:"targets"`
		Findings []struct {
			Target  string   `json:"target"`
			Targets []string `json:"targets"`
		} `json:"findings"`
	}
	var raw struct {
		Findings []json.RawMessage `json:"findings"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &raw))
	per := map[string][]string{}
	for _, tg := range rep.Targets {
		var p struct {
			Path string `json:"path"`
		}
		require.NoError(t, json.Unmarshal(tg, &p))
		per[p.Path] = append(per[p.Path], "target "+string(tg))
	}
	for i, f := range rep.Findings {
		targets := f.Targets
		if len(targets) == 0 {
			targets = []string{f.Target}
		}
		for _, tg := range targets {
			if _, ok := per[tg]; ok {
				per[tg] = append(per[tg], string(raw.Findings[i]))
			}
		}
	}
	out := map[string]string{}
	for tg, lines := range per {
		sort.Strings(lines)
		out[tg] = strings.Join(lines, "\n")
	}
	return out
}
