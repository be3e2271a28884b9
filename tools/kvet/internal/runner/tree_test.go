package runner_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// genTree writes a repository of n targets into dir: a target holding a
// CRD, and n-1 applications, each a base (Deployment, Service, ConfigMap)
// and an overlay (name prefix, labels, JSON6902 and strategic-merge
// patches, a configMapGenerator and a custom resource of the CRD). With
// defects, some applications carry an unknown field, a patch that matches
// nothing or a missing file.
func genTree(t testing.TB, dir string, n int, defects bool) {
	t.Helper()
	write := func(p, s string) {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(s), 0o644))
	}
	write("crds/kustomization.yaml", "resources:\n- widget.yaml\n")
	write("crds/widget.yaml", `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer}
              color: {type: string, enum: [red, blue]}
`)
	for i := 1; i < n; i++ {
		app := fmt.Sprintf("app%03d", i)
		base, overlay := "apps/"+app+"/base", "apps/"+app+"/overlay"
		write(base+"/kustomization.yaml", "resources:\n- deployment.yaml\n- service.yaml\n- configmap.yaml\n")
		extra := ""
		if defects && i%7 == 0 {
			extra = "\n        imagePullPolicyy: Always"
		}
		write(base+"/deployment.yaml", fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  labels: {app: %[1]s}
spec:
  replicas: 1
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
      - name: app
        image: registry.example.com/%[1]s:1.0.0%[2]s
        ports:
        - name: http
          containerPort: 8080
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {memory: 128Mi}
        envFrom:
        - configMapRef:
            name: %[1]s-settings
`, app, extra))
		write(base+"/service.yaml", fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: %[1]s
spec:
  selector: {app: %[1]s}
  ports:
  - name: http
    port: 80
    targetPort: http
`, app))
		write(base+"/configmap.yaml", fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-settings\ndata:\n  LOG_LEVEL: info\n", app))
		target := app
		if defects && i%5 == 0 {
			target = app + "-renamed"
		}
		missing := ""
		if defects && i%11 == 0 {
			missing = "- absent.yaml\n"
		}
		write(overlay+"/kustomization.yaml", fmt.Sprintf(`namePrefix: prod-
namespace: %[1]s
labels:
- pairs: {env: prod}
resources:
- ../base
- widget.yaml
%[3]spatches:
- path: replicas.yaml
- target:
    kind: Deployment
    name: %[2]s
  patch: |
    - op: add
      path: /spec/template/spec/containers/0/env
      value: [{name: ENV, value: prod}]
configMapGenerator:
- name: %[1]s-extra
  literals: [MODE=prod]
`, app, target, missing))
		write(overlay+"/replicas.yaml", fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\nspec:\n  replicas: 3\n", app))
		write(overlay+"/widget.yaml", fmt.Sprintf("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: %s\nspec:\n  size: %d\n  color: red\n", app, i))
	}
}

// TestReportOrderIsDeterministic: the report is the same, byte for byte,
// whatever the parallelism and the scheduling.
func TestReportOrderIsDeterministic(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	genTree(t, root, 24, true)
	var first []byte
	for _, jobs := range []int{1, 8, 8, 3} {
		rep := run(t, root, func(o *runner.Options) { o.Jobs = jobs })
		require.NotEmpty(t, rep.Findings)
		var b bytes.Buffer
		require.NoError(t, report.WriteJSON(&b, rep))
		if first == nil {
			first = b.Bytes()
			// The defects are all there: unknown fields, unmatched
			// patches, missing files.
			for _, rule := range []string{"unknown-field", "patch-no-match", "missing-file"} {
				assert.Contains(t, b.String(), `"rule": "`+rule+`"`)
			}
			continue
		}
		require.Equal(t, string(first), b.String(), "report differs with Jobs=%d", jobs)
	}
}

// TestGeneratedTreeIsValid: the benchmark's tree without defects gives no
// finding, so the benchmark measures a clean run.
func TestGeneratedTreeIsValid(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	genTree(t, root, 6, false)
	rep := run(t, root, nil)
	require.Empty(t, rep.Findings, dump(rep))
	require.Len(t, rep.Targets, 6)
	for _, tg := range rep.Targets {
		want := 5 // Deployment, Service, ConfigMap, generated ConfigMap, Widget
		if tg.Path == "crds" {
			want = 1
		}
		assert.Equal(t, want, tg.Resources, tg.Path)
	}
}

// TestRepositoryRendersValidObjects: the bundled schemas accept every
// object this repository renders.
func TestRepositoryRendersValidObjects(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	root := wd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		require.NotEqual(t, parent, root, "no go.mod above %s", wd)
		root = parent
	}
	cfg, err := config.Load(root)
	require.NoError(t, err)
	rep := run(t, root, func(o *runner.Options) {
		o.Config = cfg
		o.Jobs = 0
	})
	require.NotEmpty(t, rep.Targets, "the repository has no target")
	var bad []string
	for _, f := range rep.Findings {
		if f.Severity == report.SeverityError && (f.Check == report.CheckSchema || f.Check == report.CheckBuild) {
			bad = append(bad, fmt.Sprintf("%s: %s/%s %s %s: %s (%s:%d)", f.Target, f.Check, f.Rule, f.Resource, f.Path, f.Message, f.Source.File, f.Source.Line))
		}
	}
	assert.Empty(t, bad, "the repository renders objects its schemas reject:\n%s", strings.Join(bad, "\n"))
}

// BenchmarkValidate100Targets validates a generated tree of 100 targets
// (build, CRD collection, schema check) per iteration.
func BenchmarkValidate100Targets(b *testing.B) {
	root := b.TempDir()
	genTree(b, root, 100, false)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rep := run(b, root, nil)
		if len(rep.Targets) != 100 || len(rep.Findings) != 0 {
			b.Fatalf("unexpected report: %d targets, findings:\n%s", len(rep.Targets), dump(rep))
		}
	}
}
