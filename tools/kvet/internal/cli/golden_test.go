package cli_test

// Golden tests of what a person reads: help texts, the text report of
// deprecated kustomization fields and of build errors, quiet and verbose
// output. Regenerate with `go test ./tools/kvet/internal/cli -run Golden -update`.

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(goldenDir(t), name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden: run go test -run Golden -update")
	assert.Equal(t, string(want), got)
}

// goldenDirPath is absolute: the tests change into temporary repositories.
var goldenDirPath = func() string {
	p, err := filepath.Abs(filepath.Join("testdata", "golden"))
	if err != nil {
		panic(err)
	}
	return p
}()

func goldenDir(t *testing.T) string {
	t.Helper()
	return goldenDirPath
}

// deprecatedFiles use every field kustomize warns about, in the target and
// in the base it includes.
var deprecatedFiles = map[string]string{
	"base/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- configmap.yaml
commonLabels:
  app: web
imageTags:
- name: web
  newTag: "1.2"
`,
	"base/configmap.yaml": cvConfigMap,
	"overlay/kustomization.yaml": `bases:
- ../base
patchesStrategicMerge:
- patch.yaml
- |-
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: settings
    namespace: shop
  data:
    INLINE: "yes"
patchesJson6902:
- target:
    version: v1
    kind: ConfigMap
    name: settings
  path: ops.yaml
vars:
- name: LEVEL
  objref:
    apiVersion: v1
    kind: ConfigMap
    name: settings
  fieldref:
    fieldpath: data.LOG_LEVEL
`,
	"overlay/patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  LOG_LEVEL: debug\n",
	"overlay/ops.yaml":   "- op: add\n  path: /data/EXTRA\n  value: x\n",
}

func TestGoldenDeprecatedFields(t *testing.T) {
	cvRepo(t, deprecatedFiles)
	code, stdout, stderr := cvMain(t, "validate", "--no-policies", "overlay")
	assert.Equal(t, 0, code, "deprecations are warnings")
	assert.Empty(t, stderr)
	golden(t, "deprecated.txt", stdout)
}

// brokenFiles: a key typo in a base (reported in the base, not in the
// overlay that includes it), an indentation error, and two files that
// define the same object.
var brokenFiles = map[string]string{
	"base/kustomization.yaml":    "resource:\n- configmap.yaml\n",
	"base/configmap.yaml":        cvConfigMap,
	"overlay/kustomization.yaml": "resources:\n- ../base\n",
	"indent/kustomization.yaml":  "resources:\n- configmap.yaml\n",
	"indent/configmap.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n data:\n  LOG_LEVEL: info\n",
	"twice/kustomization.yaml":   "resources:\n- configmap.yaml\n- again.yaml\n",
	"twice/configmap.yaml":       cvConfigMap,
	"twice/again.yaml":           cvConfigMap,
	"missing/kustomization.yaml": "resources:\n- configmap.yaml\n- gone.yaml\n",
	"missing/configmap.yaml":     cvConfigMap,
}

func TestGoldenBuildErrors(t *testing.T) {
	dir := cvRepo(t, brokenFiles)
	code, stdout, stderr := cvMain(t, "validate", "--no-policies", ".")
	assert.Equal(t, 1, code)
	assert.Empty(t, stderr)
	assert.NotContains(t, stdout, dir, "no absolute path")
	assert.NotContains(t, stdout, "accumulation err", "the chain stays in -o json")
	golden(t, "build-errors.txt", stdout)

	_, stdout, _ = cvMain(t, "validate", "--no-policies", "-o", "json", ".")
	var rep struct {
		Findings []struct {
			Message, Detail string
			Source          struct{ File string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	require.Len(t, rep.Findings, 4)
	for _, f := range rep.Findings {
		assert.NotEmpty(t, f.Detail, "kustomize's chain is kept in detail: %s", f.Message)
		assert.NotContains(t, f.Detail, dir)
	}
}

// TestGoldenHelp: every command's help has a description, flags, exit
// statuses and examples, goes to stdout and exits 0.
func TestGoldenHelp(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"validate", "--help"}, {"render", "--help"}, {"diff", "--help"}, {"graph", "--help"}, {"version", "--help"},
		{"policy", "--help"}, {"policy", "test", "--help"}, {"schemas", "--help"},
		{"schemas", "export", "--help"}, {"schemas", "list", "-h"}, {"lsp", "--help"},
	} {
		name := strings.Join(args, "_")
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := cvMain(t, args...)
			assert.Equal(t, 0, code)
			assert.Empty(t, stderr)
			golden(t, "help/"+strings.Trim(strings.ReplaceAll(name, "-", ""), "_")+".txt", stdout)
		})
	}
}

func TestUnknownFlagSuggests(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"validate", "--outptu", "json"}, "unknown flag: --outptu: did you mean --output?"},
		{[]string{"validate", "--no-polices"}, "did you mean --no-policies?"},
		{[]string{"diff", "--bsae", "main"}, "did you mean --base?"},
		{[]string{"validate", "--frobnicate"}, "unknown flag: --frobnicate (kvet validate --help lists the flags)"},
	}
	for _, tc := range tests {
		code, _, stderr := cvMain(t, tc.args...)
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, tc.want)
	}
}

// viewFiles: two clean targets, one with a warning (a deprecated field),
// one with an error.
var viewFiles = map[string]string{
	"a/kustomization.yaml":    "resources:\n- configmap.yaml\n",
	"a/configmap.yaml":        cvConfigMap,
	"b/kustomization.yaml":    "resources:\n- configmap.yaml\n",
	"b/configmap.yaml":        cvConfigMap,
	"warn/kustomization.yaml": "resources:\n- configmap.yaml\ncommonLabels:\n  app: web\n",
	"warn/configmap.yaml":     cvConfigMap,
	"bad/kustomization.yaml":  "resources:\n- configmap.yaml\n",
	"bad/configmap.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  n: 3\n",
}

func TestGoldenQuietAndVerbose(t *testing.T) {
	cvRepo(t, viewFiles)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"default", nil}, {"verbose", []string{"--verbose"}}, {"quiet", []string{"-q"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cvMain(t, append([]string{"validate", "--no-policies", "--color", "never"}, tc.args...)...)
			assert.Equal(t, 1, code, stderr)
			golden(t, "view/"+tc.name+".txt", stdout)
		})
	}
	_, stdout, _ := cvMain(t, "validate", "--no-policies", "--color", "always", "-q")
	assert.Contains(t, stdout, "\x1b[31m1 error\x1b[0m")
	t.Setenv("NO_COLOR", "1")
	_, stdout, _ = cvMain(t, "validate", "--no-policies", "-q")
	assert.NotContains(t, stdout, "\x1b[")
}

func TestFailOnSkipReject(t *testing.T) {
	cvRepo(t, viewFiles)
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"warnings pass by default", []string{"warn"}, 0},
		{"--fail-on warning fails on one", []string{"--fail-on", "warning", "warn"}, 1},
		{"clean target passes --fail-on warning", []string{"--fail-on", "warning", "a"}, 0},
		{"--skip ConfigMap drops its schema check", []string{"--skip", "ConfigMap", "bad"}, 0},
		{"--skip takes apiVersion/kind", []string{"--skip", "Secret,v1/ConfigMap", "bad"}, 0},
		{"--skip of another kind keeps it", []string{"--skip", "apps/v1/ConfigMap", "bad"}, 1},
		{"--reject fails a clean target", []string{"--reject", "ConfigMap", "a"}, 1},
		{"bad --fail-on", []string{"--fail-on", "note", "a"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cvMain(t, append([]string{"validate", "--no-policies"}, tc.args...)...)
			assert.Equal(t, tc.code, code, stdout+stderr)
			if slices.Contains(tc.args, "--reject") {
				assert.Contains(t, stdout, "schema/rejected-kind")
				assert.Contains(t, stdout, "at a/configmap.yaml:1")
			}
		})
	}
}

// unmatchedPatchFiles: strategic-merge patches without a target whose
// metadata.name matches nothing, in a file (behind a comment, in its second
// document) and inline as a block scalar.
var unmatchedPatchFiles = map[string]string{
	"base/kustomization.yaml": "resources:\n- configmap.yaml\n",
	"base/configmap.yaml":     cvConfigMap,
	"file/kustomization.yaml": "resources:\n- ../base\npatches:\n- path: patch.yaml\n",
	"file/patch.yaml": "# the name is misspelt\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  A: b\n" +
		"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: shop\n  name: setings\ndata:\n  A: b\n",
	"inline/kustomization.yaml": "resources:\n- ../base\npatches:\n- patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: settngs\n      namespace: shop\n    data:\n      A: b\n",
	// A Flux Kustomization's inline patch: kvet builds a rewritten
	// kustomization, whose lines are no file's; the finding is at the
	// manifest's patch entry only.
	"clusters/prod/kustomization.yaml": "resources:\n- apps.yaml\n",
	"clusters/prod/apps.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\n" +
		"spec:\n  interval: 1m\n  path: ./base\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n" +
		"  patches:\n    - patch: |\n        apiVersion: v1\n        kind: ConfigMap\n        metadata:\n          name: nope\n          namespace: shop\n",
}

// TestGoldenPatchNoMatch: the finding points at the kustomization entry
// and at the patch's metadata.name line, in every format that carries it.
func TestGoldenPatchNoMatch(t *testing.T) {
	dir := cvRepo(t, unmatchedPatchFiles)
	code, stdout, stderr := cvMain(t, "validate", "--no-policies", "--color", "never", ".")
	assert.Equal(t, 1, code, stderr)
	assert.NotContains(t, stdout, dir, "no absolute path")
	golden(t, "patch-no-match.txt", stdout)

	_, stdout, _ = cvMain(t, "validate", "--no-policies", "-o", "json", ".")
	var rep struct {
		Findings []struct {
			Rule    string
			Source  struct{ File string }
			Related []struct {
				File    string
				Line    int
				Message string
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	related := map[string][]string{}
	for _, f := range rep.Findings {
		require.Equal(t, "patch-no-match", f.Rule)
		related[f.Source.File] = []string{}
		for _, r := range f.Related {
			related[f.Source.File] = append(related[f.Source.File], fmt.Sprintf("%s:%d", r.File, r.Line))
		}
	}
	assert.Equal(t, map[string][]string{
		"file/kustomization.yaml":   {"file/patch.yaml:14"},
		"inline/kustomization.yaml": {"inline/kustomization.yaml:8"},
		"clusters/prod/apps.yaml":   {},
	}, related)

	_, stdout, _ = cvMain(t, "validate", "--no-policies", "-o", "sarif", ".")
	var sarif struct {
		Runs []struct {
			Results []struct {
				Message          struct{ Text string }
				RelatedLocations []struct {
					ID               int
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &sarif))
	require.Len(t, sarif.Runs[0].Results, 3)
	for _, r := range sarif.Runs[0].Results {
		if strings.Contains(r.Message.Text, "Flux Kustomization") {
			assert.Empty(t, r.RelatedLocations)
			continue
		}
		require.Len(t, r.RelatedLocations, 1)
		loc := r.RelatedLocations[0]
		assert.Equal(t, 1, loc.ID)
		assert.Contains(t, related, strings.Split(loc.PhysicalLocation.ArtifactLocation.URI, "/")[0]+"/kustomization.yaml")
		assert.Contains(t, r.Message.Text, fmt.Sprintf("](%d)", loc.ID), "the message links the related location")
	}
}
