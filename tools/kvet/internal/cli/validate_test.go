package cli_test

// Tests of `kvet validate`, `render` and `version` through cli.Main: exit
// statuses, the JSON report's shape (the contract in the kvet spec), the
// text report and --kubernetes-version. cli.Main takes the repository root
// from the working directory (nearest .git), so each test builds a small
// repository in a temporary directory and changes into it: not parallel.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
)

// cvRepo writes files (path -> content) into a new repository and changes
// into it.
func cvRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".git"), 0o755))
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(c), 0o644))
	}
	t.Chdir(dir)
	return dir
}

func cvMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(t.Context(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

const cvConfigMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  LOG_LEVEL: info
`

// cvFiles: "ok" builds and passes; "bad" has a ConfigMap with a value of
// the wrong type at line 9 of its file (document at line 3); "versions"
// holds objects that only some bundled Kubernetes releases serve.
var cvFiles = map[string]string{
	"ok/kustomization.yaml":  "resources:\n- configmap.yaml\n",
	"ok/configmap.yaml":      cvConfigMap,
	"bad/kustomization.yaml": "resources:\n- configmap.yaml\n- broken.yaml\n",
	"bad/configmap.yaml":     cvConfigMap,
	"bad/broken.yaml": `# a comment first
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: broken
  namespace: shop
data:
  replicas: 3
`,
	"versions/kustomization.yaml": "resources:\n- objects.yaml\n",
	"versions/objects.yaml": `apiVersion: networking.k8s.io/v1beta1
kind: ServiceCIDR
metadata:
  name: extra
spec:
  cidrs:
  - 10.100.0.0/16
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicy
metadata:
  name: add-label
spec:
  failurePolicy: Fail
  reinvocationPolicy: Never
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [configmaps]
  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: 'Object{metadata: Object.metadata{labels: {"a": "b"}}}'
`,
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		name   string
		config string // kvet.yaml, "" for none
		args   []string
		want   int
		stderr string // substring of stderr
	}{
		{name: "valid target", args: []string{"validate", "--no-policies", "ok"}, want: 0},
		{name: "valid target with policies", args: []string{"validate", "ok"}, want: 0},
		{name: "error finding", args: []string{"validate", "--no-policies", "bad"}, want: 1},
		{name: "tree with an error finding", args: []string{"validate", "--no-policies"}, want: 1},
		{name: "one good and one bad path", args: []string{"validate", "--no-policies", "ok", "bad"}, want: 1},
		{name: "bad flag", args: []string{"validate", "--no-such-flag", "ok"}, want: 2, stderr: "no-such-flag"},
		{name: "missing path", args: []string{"validate", "does/not/exist"}, want: 2, stderr: "does/not/exist"},
		{name: "bad kubernetes version", args: []string{"validate", "--kubernetes-version", "1.20", "ok"}, want: 2, stderr: "1.20"},
		{name: "bad output format", args: []string{"validate", "-o", "xml", "ok"}, want: 2, stderr: "xml"},
		{name: "unknown config key", config: "kubernetesVersion: \"1.37\"\nexternalKind: [x]\n", args: []string{"validate", "ok"}, want: 2, stderr: "externalKind"},
		{name: "unreadable config", config: "kubernetesVersion: [\n", args: []string{"validate", "ok"}, want: 2, stderr: "kvet.yaml"},
		{name: "bad kubernetes version in config", config: "kubernetesVersion: \"1.20\"\n", args: []string{"validate", "ok"}, want: 2, stderr: "1.20"},
		{name: "missing --config file", args: []string{"validate", "--config", "nope.yaml", "ok"}, want: 2, stderr: "nope.yaml"},
		{name: "no command", args: []string{}, want: 2},
		{name: "unknown command", args: []string{"frobnicate"}, want: 2, stderr: "frobnicate"},
		{name: "render", args: []string{"render", "ok"}, want: 0},
		{name: "render missing path", args: []string{"render", "does/not/exist"}, want: 2},
		{name: "version", args: []string{"version"}, want: 0},
		{name: "help", args: []string{"validate", "--help"}, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range cvFiles {
				files[k] = v
			}
			if tc.config != "" {
				files["kvet.yaml"] = tc.config
			}
			cvRepo(t, files)
			code, stdout, stderr := cvMain(t, tc.args...)
			require.Equal(t, tc.want, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			if tc.stderr != "" {
				assert.Contains(t, stderr, tc.stderr)
			}
		})
	}
}

// cvReport is the JSON report exactly as the spec defines it: decoding
// rejects any field the spec does not name.
type cvReport struct {
	Version int `json:"version"`
	Summary struct {
		Targets   int `json:"targets"`
		Resources int `json:"resources"`
		Errors    int `json:"errors"`
		Warnings  int `json:"warnings"`
	} `json:"summary"`
	Targets []struct {
		Path      string `json:"path"`
		Resources int    `json:"resources"`
		Error     string `json:"error"`
	} `json:"targets"`
	Findings []cvFinding `json:"findings"`
}

type cvFinding struct {
	Target   string   `json:"target"`
	Targets  []string `json:"targets"`
	Severity string   `json:"severity"`
	Check    string   `json:"check"`
	Rule     string   `json:"rule"`
	Resource struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Namespace  string `json:"namespace"`
		Name       string `json:"name"`
	} `json:"resource"`
	Path    string `json:"path"`
	Message string `json:"message"`
	Source  struct {
		File string `json:"file"`
		Line int    `json:"line"`
	} `json:"source"`
}

func TestJSONReport(t *testing.T) {
	cvRepo(t, cvFiles)
	code, stdout, stderr := cvMain(t, "validate", "--no-policies", "-o", "json", "ok", "bad")
	require.Equal(t, 1, code, stderr)

	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	var rep cvReport
	require.NoError(t, dec.Decode(&rep), stdout)
	assert.Equal(t, 1, rep.Version)
	assert.Equal(t, 2, rep.Summary.Targets)
	assert.Equal(t, 3, rep.Summary.Resources)
	assert.Equal(t, 1, rep.Summary.Errors)
	assert.Equal(t, 0, rep.Summary.Warnings)
	require.Len(t, rep.Targets, 2)
	assert.Equal(t, "bad", rep.Targets[0].Path)
	assert.Equal(t, 2, rep.Targets[0].Resources)
	assert.Equal(t, "ok", rep.Targets[1].Path)
	assert.Equal(t, 1, rep.Targets[1].Resources)

	require.Len(t, rep.Findings, 1, stdout)
	f := rep.Findings[0]
	assert.Equal(t, "bad", f.Target)
	assert.Equal(t, []string{"bad"}, f.Targets)
	assert.Equal(t, "error", f.Severity)
	assert.Equal(t, "schema", f.Check)
	assert.Equal(t, "invalid-type", f.Rule)
	assert.Equal(t, "v1", f.Resource.APIVersion)
	assert.Equal(t, "ConfigMap", f.Resource.Kind)
	assert.Equal(t, "shop", f.Resource.Namespace)
	assert.Equal(t, "broken", f.Resource.Name)
	assert.Equal(t, "data.replicas", f.Path)
	assert.Contains(t, f.Message, "want string")
	assert.Equal(t, "bad/broken.yaml", f.Source.File)
	assert.Equal(t, 9, f.Source.Line, "the line of the field to edit")

	// Every key of the spec is present in a finding about an object, and
	// a target-level finding carries an empty resource object.
	var raw struct {
		Findings []map[string]json.RawMessage `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &raw))
	for _, k := range []string{"target", "targets", "severity", "check", "rule", "resource", "path", "message", "source"} {
		assert.Contains(t, raw.Findings[0], k)
	}
	var resKeys map[string]any
	require.NoError(t, json.Unmarshal(raw.Findings[0]["resource"], &resKeys))
	assert.ElementsMatch(t, []string{"apiVersion", "kind", "namespace", "name"}, keys(resKeys))
}

func TestJSONReportOfCleanRun(t *testing.T) {
	cvRepo(t, cvFiles)
	code, stdout, _ := cvMain(t, "validate", "--no-policies", "--output", "json", "ok")
	require.Equal(t, 0, code)
	var rep cvReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.NotNil(t, rep.Findings)
	assert.Contains(t, stdout, `"findings": []`, "an empty list, never null")
}

func keys(m map[string]any) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestKubernetesVersion(t *testing.T) {
	tests := []struct {
		name   string
		config string
		args   []string
		want   []string // kinds with a no-schema finding
	}{
		{name: "1.35 lacks MutatingAdmissionPolicy v1", args: []string{"--kubernetes-version", "1.35"}, want: []string{"MutatingAdmissionPolicy"}},
		{name: "1.36 serves both", args: []string{"--kubernetes-version", "1.36"}, want: []string{}},
		{name: "1.37 no longer serves ServiceCIDR v1beta1", args: []string{"--kubernetes-version", "1.37"}, want: []string{"ServiceCIDR"}},
		{name: "default is the newest", want: []string{"ServiceCIDR"}},
		{name: "kvet.yaml selects", config: "kubernetesVersion: \"1.35\"\n", want: []string{"MutatingAdmissionPolicy"}},
		{name: "the flag overrides kvet.yaml", config: "kubernetesVersion: \"1.35\"\n", args: []string{"--kubernetes-version", "1.36"}, want: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range cvFiles {
				files[k] = v
			}
			if tc.config != "" {
				files["kvet.yaml"] = tc.config
			}
			cvRepo(t, files)
			args := append([]string{"validate", "--no-policies", "-o", "json"}, tc.args...)
			code, stdout, stderr := cvMain(t, append(args, "versions")...)
			var rep cvReport
			require.NoError(t, json.Unmarshal([]byte(stdout), &rep), stderr)
			got := []string{}
			for _, f := range rep.Findings {
				require.Equal(t, "no-schema", f.Rule, f.Message)
				got = append(got, f.Resource.Kind)
			}
			assert.Equal(t, tc.want, got)
			wantCode := 0
			if len(tc.want) > 0 {
				wantCode = 1
			}
			assert.Equal(t, wantCode, code)
		})
	}
}

func TestTextReport(t *testing.T) {
	cvRepo(t, cvFiles)
	code, stdout, _ := cvMain(t, "validate", "--no-policies", "--verbose", "ok", "bad")
	require.Equal(t, 1, code)
	for _, s := range []string{
		"bad  (2 resources, 1 error)",
		"ok  (1 resource, ok)",
		"schema/invalid-type",
		"ConfigMap/shop/broken data.replicas",
		"bad/broken.yaml:9",
		"2 targets, 3 resources: 1 error, 0 warnings",
	} {
		assert.Contains(t, stdout, s)
	}
	assert.Less(t, strings.Index(stdout, "bad  ("), strings.Index(stdout, "ok  ("), "targets in path order")
}

func TestRenderPrintsKustomizeOutput(t *testing.T) {
	cvRepo(t, cvFiles)
	code, stdout, stderr := cvMain(t, "render", "ok")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "apiVersion: v1\ndata:\n  LOG_LEVEL: info\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n", stdout)
}

func TestVersion(t *testing.T) {
	code, stdout, _ := cvMain(t, "version")
	require.Equal(t, 0, code)
	for _, s := range []string{"kvet ", "kustomize api", "1.35", "1.36", "1.37", "cert-manager v1.21.2 (github.com/cert-manager/cert-manager)"} {
		assert.Contains(t, stdout, s)
	}

	code, stdout, _ = cvMain(t, "version", "-o", "json")
	require.Equal(t, 0, code)
	var info struct {
		KubernetesVersions []string `json:"kubernetesVersions"`
		CRDCatalog         struct {
			Sources []struct{ Module, Version string }
			History []struct{ Project string }
		} `json:"crdCatalog"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &info))
	assert.Equal(t, []string{"1.35", "1.36", "1.37"}, info.KubernetesVersions)
	modules := map[string]string{}
	for _, s := range info.CRDCatalog.Sources {
		modules[s.Module] = s.Version
	}
	assert.Equal(t, "v1.21.2", modules["github.com/cert-manager/cert-manager"])
	assert.Equal(t, "v1.7.0", modules["sigs.k8s.io/gateway-api"])
	require.NotEmpty(t, info.CRDCatalog.History)
	assert.Equal(t, "Flux", info.CRDCatalog.History[0].Project)
}
