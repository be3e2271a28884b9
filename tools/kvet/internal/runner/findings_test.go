package runner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

const (
	E = report.SeverityError
	W = report.SeverityWarning
)

// TestFindings validates small repositories under testdata/ and compares
// every finding: target, severity, check, rule, resource, field path and
// source file:line (the line of the field to edit: the misspelt key, the
// mapping that lacks a required field, the value of the wrong type).
// Messages are checked for the words a person needs.
func TestFindings(t *testing.T) {
	t.Parallel()
	deploy := res("apps/v1", "Deployment", "web")
	tests := []struct {
		name    string
		fixture string
		opts    func(*runner.Options)
		want    []got
		// messages holds substrings expected in the messages, finding by finding.
		messages [][]string
	}{
		{
			name:    "valid objects of every family pass",
			fixture: "valid",
			want:    []got{},
		},
		{
			name:    "built-in kinds: unknown field, wrong type, missing required fields, removed and deprecated APIs",
			fixture: "builtin-errors",
			want: []got{
				{"container-without-name", E, "schema", "missing-field", deploy, "spec.template.spec.containers[0]", "container-without-name/deploy.yaml:15"},
				{"container-without-name", E, "schema", "required-field", deploy, "spec.template.spec.containers[0].name", "container-without-name/deploy.yaml:15"},
				{"deployment-without-selector", E, "schema", "missing-field", deploy, "spec", "deployment-without-selector/deploy.yaml:5"},
				{"deployment-without-selector", E, "schema", "selector-mismatch", deploy, "spec.selector", "deployment-without-selector/deploy.yaml:5"},
				{"deprecated", W, "schema", "deprecated-api", res("v1", "Endpoints", "legacy"), "apiVersion", "deprecated/endpoints.yaml:1"},
				{"removed-apis", E, "schema", "removed-api", res("extensions/v1beta1", "Deployment", "web"), "apiVersion", "removed-apis/removed.yaml:1"},
				{"removed-apis", E, "schema", "removed-api", res("batch/v1beta1", "CronJob", "nightly"), "apiVersion", "removed-apis/removed.yaml:39"},
				{"removed-apis", E, "schema", "removed-api", res("policy/v1beta1", "PodDisruptionBudget", "web"), "apiVersion", "removed-apis/removed.yaml:18"},
				{"removed-apis", E, "schema", "removed-api", res("autoscaling/v2beta2", "HorizontalPodAutoscaler", "web"), "apiVersion", "removed-apis/removed.yaml:28"},
				{"unknown-field", E, "schema", "unknown-field", deploy, "spec.template.spec.containers[web]", "unknown-field/deploy.yaml:17"},
				{"wrong-type", E, "schema", "invalid-type", deploy, "spec.replicas", "wrong-type/deploy.yaml:6"},
			},
			messages: [][]string{
				{"missing property 'name'"},
				{"name is required"},
				{"missing property 'selector'"},
				{"selector is required"},
				{"deprecated since Kubernetes 1.33", "EndpointSlice"},
				{"removed in Kubernetes 1.16", "use apps/v1"},
				{"removed in Kubernetes 1.25", "use batch/v1"},
				{"removed in Kubernetes 1.25", "use policy/v1"},
				{"removed in Kubernetes 1.26", "use autoscaling/v2"},
				{"unknown field imagePullPolicyy"},
				{"got string, want", "integer"},
			},
		},
		{
			// The schema library's own pointer tokens: a key holding "/" or "."
			// is one field (kubeconform's joined path split it in two), and an
			// unknown field's line is the misspelt key whatever its name holds.
			name:    "keys with slashes and dots point at their own line",
			fixture: "pointer-keys",
			want: []got{
				{".", E, "schema", "invalid-type", deploy, `spec.template.spec.nodeSelector["example.com/pool"]`, "deploy.yaml:16"},
				{".", E, "schema", "unknown-field", deploy, "spec.template.spec.containers[web]", "deploy.yaml:31"},
			},
			messages: [][]string{{"got number, want string"}, {"unknown field imagePullPolicyy, ports.http in"}},
		},
		{
			name:    "CRD in the same target: wrong type and missing required field",
			fixture: "crd-in-tree",
			want: []got{
				{".", E, "schema", "missing-field", res("example.com/v1", "Widget", "missing-size"), "spec", "widgets.yaml:12"},
				{".", E, "schema", "invalid-type", res("example.com/v1", "Widget", "wrong-type"), "spec.size", "widgets.yaml:6"},
			},
			messages: [][]string{{"missing property 'size'"}, {"got string, want integer"}},
		},
		{
			name:    "CRD rendered by another target of the tree",
			fixture: "crd-other-target",
			want: []got{
				{"app", E, "schema", "missing-field", res("example.com/v1", "Widget", "missing-size"), "spec", "app/widgets.yaml:12"},
				{"app", E, "schema", "invalid-type", res("example.com/v1", "Widget", "wrong-type"), "spec.size", "app/widgets.yaml:6"},
			},
		},
		{
			name:    "CRD passed with CRDDirs",
			fixture: "crd-dirs",
			opts: func(o *runner.Options) {
				o.Paths = []string{filepath.Join(o.Root, "app")}
				o.CRDDirs = []string{filepath.Join(o.Root, "crds")}
			},
			want: []got{
				{"app", E, "schema", "missing-field", res("example.com/v1", "Widget", "missing-size"), "spec", "app/widgets.yaml:12"},
				{"app", E, "schema", "invalid-type", res("example.com/v1", "Widget", "wrong-type"), "spec.size", "app/widgets.yaml:6"},
			},
		},
		{
			name:    "CRD directory from the configuration",
			fixture: "crd-dirs",
			opts: func(o *runner.Options) {
				o.Paths = []string{filepath.Join(o.Root, "app")}
				o.Config = &config.Config{CRDs: []string{"crds"}}
			},
			want: []got{
				{"app", E, "schema", "missing-field", res("example.com/v1", "Widget", "missing-size"), "spec", "app/widgets.yaml:12"},
				{"app", E, "schema", "invalid-type", res("example.com/v1", "Widget", "wrong-type"), "spec.size", "app/widgets.yaml:6"},
			},
		},
		{
			name:    "without its CRD a custom resource has no schema",
			fixture: "crd-dirs",
			opts:    func(o *runner.Options) { o.Paths = []string{filepath.Join(o.Root, "app")} },
			want: []got{
				{"app", E, "schema", "no-schema", res("example.com/v1", "Widget", "missing-size"), "apiVersion", "app/widgets.yaml:8"},
				{"app", E, "schema", "no-schema", res("example.com/v1", "Widget", "wrong-type"), "apiVersion", "app/widgets.yaml:1"},
			},
		},
		{
			name:    "catalog CRDs: Istio, Flux and Argo CD typos",
			fixture: "catalog-typos",
			want: []got{
				{".", E, "schema", "unknown-field", res("argoproj.io/v1alpha1", "Application", "argocd/web"), "spec.source", "argo.yaml:11"},
				{".", E, "schema", "missing-field", res("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system/apps"), "spec", "flux.yaml:6"},
				{".", E, "schema", "unknown-field", res("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system/apps"), "spec", "flux.yaml:9"},
				{".", E, "schema", "unknown-field", res("networking.istio.io/v1", "VirtualService", "web"), "spec", "virtualservice.yaml:8"},
			},
			messages: [][]string{{"targetRevsion"}, {"'prune'"}, {"prue"}, {"htpp"}},
		},
		{
			name:    "unknown kind has no schema and the message says how to fix it",
			fixture: "no-schema",
			want: []got{
				{".", E, "schema", "no-schema", res("things.example.com/v1", "Thing", "t"), "apiVersion", "thing.yaml:1"},
			},
			messages: [][]string{{"things.example.com/v1 Thing", "CustomResourceDefinition", "--crds", "externalKinds"}},
		},
		{
			name:    "externalKinds silence no-schema",
			fixture: "no-schema",
			opts: func(o *runner.Options) {
				o.Config = &config.Config{ExternalKinds: []string{"things.example.com/v1/Thing"}}
			},
			want:     []got{},
			messages: nil,
		},
		{
			name:    "externalKinds group wildcard",
			fixture: "no-schema",
			opts:    func(o *runner.Options) { o.Config = &config.Config{ExternalKinds: []string{"things.example.com/*"}} },
			want:    []got{},
		},
		{
			name:    "YAML: duplicate key and tab indentation",
			fixture: "yaml",
			want: []got{
				{"duplicate-key", E, "build", "yaml-syntax", res("v1", "ConfigMap", "settings"), "", "duplicate-key/cm.yaml:7"},
				{"tab", E, "build", "yaml-syntax", "", "", "tab/cm.yaml:4"},
			},
			messages: [][]string{{`"key" already defined`, "duplicate key"}, {"tabs"}},
		},
		{
			name:    "missing resource file, in the target and in its base",
			fixture: "missing",
			want: []got{
				{"file", E, "build", "missing-file", "", "", "file/kustomization.yaml:3"},
				{"in-base/overlay", E, "build", "missing-file", "", "", "in-base/base/kustomization.yaml:3"},
			},
			messages: [][]string{{"absent.yaml", "does not exist"}, {"absent.yaml", "does not exist"}},
		},
		{
			name:    "remote bases and resources are refused without network",
			fixture: "remote",
			want: []got{
				{"git", E, "build", "remote-resource", "", "", "git/kustomization.yaml:3"},
				{"https", E, "build", "remote-resource", "", "", "https/kustomization.yaml:2"},
				{"in-base/overlay", E, "build", "remote-resource", "", "", "in-base/base/kustomization.yaml:2"},
			},
			messages: [][]string{
				{"github.com/org/repo//dir?ref=v1", "--allow-remote"},
				{"https://example.com/manifests/app.yaml", "--allow-remote"},
				{"git@github.com:org/repo.git"},
			},
		},
		{
			name:    "files outside the kustomization root are refused",
			fixture: "root-escape",
			want: []got{
				{"symlink", E, "build", "root-escape", "", "", "symlink/kustomization.yaml:2"},
				{"up/inner", E, "build", "root-escape", "", "", "up/inner/kustomization.yaml:2"},
			},
			messages: [][]string{{"link.yaml", "not in or below"}, {"outside.yaml", "not in or below"}},
		},
		{
			name:    "images entries that match no image",
			fixture: "images",
			// Silent: ok, whose entries match by name, rename, and match the new name.
			want: []got{
				{"typo", E, "build", "image-no-match", "", "", "typo/kustomization.yaml:7"},
			},
			messages: [][]string{{`"example/migrate"`, "silently skips"}},
		},
		{
			name:    "replicas entries that name no workload",
			fixture: "replicas",
			// Silent: ok, whose entry names the base's Deployment.
			want: []got{
				{"typo", E, "build", "replicas-no-match", "", "", "typo/kustomization.yaml:8"},
			},
			messages: [][]string{{`"wbe"`, "refuses the build"}},
		},
		{
			name:    "patches and replacements that select nothing",
			fixture: "patches",
			// Silent: a $patch: delete and JSON6902 ops on /metadata and
			// /metadata/annotations that did match (deleting, annotations);
			// a component's patch that matches in one of the targets
			// including it (some-match, some-miss); patches over the empty
			// gotk-components.yaml placeholder (flux-system: a note).
			want: []got{
				{"annotations", E, "build", "patch-no-match", "", "", "annotations/kustomization.yaml:22"},
				{"deleting", E, "build", "patch-no-match", "", "", "deleting/kustomization.yaml:13"},
				{"json6902", W, "build", "deprecated-field", "", "", "json6902/kustomization.yaml:3"},
				{"json6902", E, "build", "patch-no-match", "", "", "json6902/kustomization.yaml:4"},
				{"matching", W, "build", "deprecated-field", "", "", "matching/kustomization.yaml:12"},
				{"replacement", E, "build", "replacement-no-match", "", "", "replacement/kustomization.yaml:4"},
				{"smp-without-target", E, "build", "patch-no-match", "", "", "smp-without-target/kustomization.yaml:4"},
				{"targeted", E, "build", "patch-no-match", "", "", "targeted/kustomization.yaml:11"},
				{"targeted", E, "build", "patch-no-match", "", "", "targeted/kustomization.yaml:4"},
				{"targeted", E, "build", "patch-no-match", "", "", "targeted/kustomization.yaml:21"},
				{"via-patched-base", E, "build", "patch-no-match", "", "", "patched-base/kustomization.yaml:4"},
				{"with-component", E, "build", "patch-no-match", "", "", "component/kustomization.yaml:4"},
			},
			messages: [][]string{
				{"inline patch", "name=nothing"},
				{"inline patch", "name=ghost"},
				{"'patchesJson6902' is deprecated", "- path: replicas.yaml"},
				{"patchesJson6902", "name=frontend"},
				{"'patchesJson6902' is deprecated", "- path: revisions.yaml"},
				{"kind=Service"},
				{"Deployment.v1.apps/frontend"},
				{"inline patch", "name=api"},
				{"inline patch", "name=webb"},
				{"replicas.yaml", "kind=StatefulSet"},
				{"kind=DaemonSet"},
				{"kind=StatefulSet"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := run(t, fixture(t, tc.fixture), tc.opts)
			require.Equal(t, tc.want, projectAll(rep.Findings), "findings:\n%s", dump(rep))
			for i, subs := range tc.messages {
				for _, s := range subs {
					assert.Contains(t, rep.Findings[i].Message, s, "finding %d", i)
				}
			}
		})
	}
}

// TestPatchThatMatchesIsSilent: a patch of every kind that applies gives no
// finding, and the patched object carries every change.
func TestPatchThatMatchesIsSilent(t *testing.T) {
	t.Parallel()
	root := fixture(t, "patches")
	rep := run(t, root, func(o *runner.Options) { o.Paths = []string{filepath.Join(root, "matching")} })
	// Only the warning that patchesJson6902 is deprecated (it still works).
	require.Len(t, rep.Findings, 1, dump(rep))
	require.Equal(t, "deprecated-field", rep.Findings[0].Rule)
	require.Equal(t, []report.Target{{Path: "matching", Resources: 1}}, targets(rep))

	out, err := build.New(build.Options{}).Render(t.Context(), build.Spec{Dir: filepath.Join(root, "matching")})
	require.NoError(t, err)
	for _, s := range []string{"replicas: 2", "paused: true", "revisionHistoryLimit: 3", "app: web"} {
		assert.Contains(t, string(out), s)
	}
}

// TestComponentPatchPartialRun: a component's patch that matches nothing in
// the targets a partial run checks may match in another: a warning.
func TestComponentPatchPartialRun(t *testing.T) {
	t.Parallel()
	root := fixture(t, "patches")
	rep := run(t, root, func(o *runner.Options) { o.Paths = []string{filepath.Join(root, "some-miss")} })
	require.Equal(t, []got{{"some-miss", report.SeverityWarning, "build", "patch-no-match", "", "", "component-some/kustomization.yaml:4"}},
		projectAll(rep.Findings), dump(rep))
	assert.Contains(t, rep.Findings[0].Message, "only some targets")
}

// TestFluxBootstrapPlaceholder: patches of a flux-system kustomization over
// the empty gotk-components.yaml that `flux bootstrap` commits are a note.
func TestFluxBootstrapPlaceholder(t *testing.T) {
	t.Parallel()
	root := fixture(t, "patches")
	rep := run(t, root, func(o *runner.Options) { o.Paths = []string{filepath.Join(root, "flux-system")} })
	require.Empty(t, rep.Findings, dump(rep))
	require.Len(t, rep.Targets, 1)
	notes := strings.Join(rep.Targets[0].Notes, "\n")
	assert.Contains(t, notes, "gotk-components.yaml")
	assert.Contains(t, notes, "name=(kustomize-controller|helm-controller)")
	assert.NotContains(t, notes, root)
}

// TestKnownFindingsFailTheRun: the report's summary counts errors and
// warnings, and only errors fail.
func TestSummary(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "builtin-errors"), nil)
	assert.Equal(t, report.Summary{Targets: 6, Resources: 9, Errors: 10, Warnings: 1}, rep.Summary)
	assert.True(t, rep.Failed())

	rep = run(t, fixture(t, "builtin-errors"), func(o *runner.Options) { o.Paths = []string{filepath.Join(o.Root, "deprecated")} })
	assert.Equal(t, report.Summary{Targets: 1, Resources: 1, Errors: 0, Warnings: 1}, rep.Summary)
	assert.False(t, rep.Failed(), "warnings never fail a run")
}

// TestNoCodeExecution puts trap programs first in PATH and as legacy
// plugins: any of them running writes a marker file. kvet must refuse
// exec and container KRM functions, exec generators, legacy plugins,
// helmCharts and remote bases (git) without running anything.
func TestNoCodeExecution(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "executed")
	trapBin := t.TempDir()
	script := "#!/bin/sh\necho \"$0 $*\" >> '" + marker + "'\n"
	for _, name := range []string{"trap", "docker", "podman", "helm", "kustomize", "git", "ssh", "curl"} {
		require.NoError(t, os.WriteFile(filepath.Join(trapBin, name), []byte(script), 0o755))
	}
	xdg := t.TempDir()
	legacy := filepath.Join(xdg, "kustomize", "plugin", "trap.example.com", "v1", "trap")
	require.NoError(t, os.MkdirAll(legacy, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(legacy, "Trap"), []byte(script), 0o755))
	t.Setenv("PATH", trapBin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv("KUSTOMIZE_PLUGIN_HOME", filepath.Join(xdg, "kustomize", "plugin"))
	t.Setenv("KVET_TRAP_MARKER", marker)

	rep := run(t, fixture(t, "exec"), nil)
	assert.Equal(t, []got{
		{"exec-generator", E, "build", "plugin-disabled", "", "", "exec-generator/kustomization.yaml:2"},
		{"helm", E, "build", "helm-disabled", "", "", "helm/kustomization.yaml:1"},
		{"krm-container", E, "build", "plugin-disabled", "", "", "krm-container/kustomization.yaml:2"},
		{"krm-exec", E, "build", "plugin-disabled", "", "", "krm-exec/kustomization.yaml:4"},
		{"legacy-plugin", E, "build", "plugin-disabled", "", "", "legacy-plugin/kustomization.yaml:2"},
	}, projectAll(rep.Findings), dump(rep))
	for _, f := range rep.Findings {
		if f.Rule == "plugin-disabled" {
			assert.Contains(t, f.Message, "--enable-plugins")
		} else {
			assert.Contains(t, f.Message, "--enable-helm")
		}
	}
	_, err := os.Stat(marker)
	require.ErrorIs(t, err, os.ErrNotExist, "a trap program ran")

	// Remote bases are refused before kustomize could clone them with git
	// or fetch them: no program runs, and no connection is tried (a proxy
	// that refuses every connection would make any attempt fail loudly).
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	rep = run(t, fixture(t, "remote"), nil)
	require.Len(t, rep.Findings, 3, dump(rep))
	for _, f := range rep.Findings {
		assert.Equal(t, "remote-resource", f.Rule, f.Message)
	}
	_, err = os.Stat(marker)
	require.ErrorIs(t, err, os.ErrNotExist, "git or another program ran for a remote base")

	// Control: the traps do fire when execution is explicitly enabled, so
	// the assertion above is not vacuous.
	root := fixture(t, "exec")
	run(t, root, func(o *runner.Options) {
		o.Paths = []string{filepath.Join(root, "krm-exec"), filepath.Join(root, "exec-generator")}
		o.Build = build.Options{EnablePlugins: true}
	})
	b, err := os.ReadFile(marker)
	require.NoError(t, err, "the trap did not run with --enable-plugins: the test cannot tell")
	assert.Contains(t, string(b), "trap")
}
