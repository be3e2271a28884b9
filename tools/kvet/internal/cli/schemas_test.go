package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/yannh/kubeconform/pkg/resource"
	"github.com/yannh/kubeconform/pkg/validator"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

const widgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
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
                size: {type: integer, minimum: 1}
`

// schemasRepo is a repository with a CRD directory; the working directory
// is its root.
func schemasRepo(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(repo, ".git"), 0o755))
	write(t, filepath.Join(repo, "crds/widget.yaml"), widgetCRD)
	write(t, filepath.Join(repo, "broken/bad.yaml"), "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: bad\nspec: {}\n")
	t.Chdir(repo)
	return repo
}

func TestSchemasExport(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		wantFiles []string
		absent    []string
	}{
		{
			name:      "built-ins, catalog and repository CRDs",
			args:      []string{"schemas", "export", "--crds", "crds", "out"},
			wantFiles: []string{"apps/v1/deployment.json", "v1/v1/configmap.json", "networking.k8s.io/v1/ingress.json", "monitoring.coreos.com/v1/servicemonitor.json", "example.com/v1/widget.json"},
		},
		{
			name:      "without --crds only what kvet bundles",
			args:      []string{"schemas", "export", "out"},
			wantFiles: []string{"apps/v1/deployment.json"},
			absent:    []string{"example.com/v1/widget.json"},
		},
		{name: "older release", args: []string{"schemas", "export", "--kubernetes-version", "1.35", "out"}, wantFiles: []string{"apps/v1/deployment.json"}},
		{name: "a CRD that cannot be converted is reported", args: []string{"schemas", "export", "--crds", "broken", "out"}, wantCode: ExitFindings},
		{name: "no directory", args: []string{"schemas", "export"}, wantCode: ExitUsage},
		{name: "two directories", args: []string{"schemas", "export", "a", "b"}, wantCode: ExitUsage},
		{name: "unknown subcommand", args: []string{"schemas", "import"}, wantCode: ExitUsage},
		{name: "--crds must be a directory", args: []string{"schemas", "export", "--crds", "missing", "out"}, wantCode: ExitUsage},
		{name: "unknown release", args: []string{"schemas", "export", "--kubernetes-version", "1.2", "out"}, wantCode: ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := schemasRepo(t)
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), tt.args, &stdout, &stderr)
			require.Equal(t, tt.wantCode, code, "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
			for _, f := range tt.wantFiles {
				assert.FileExists(t, filepath.Join(repo, "out", filepath.FromSlash(f)))
			}
			for _, f := range tt.absent {
				assert.NoFileExists(t, filepath.Join(repo, "out", filepath.FromSlash(f)))
			}
			if tt.wantCode == ExitOK {
				assert.Contains(t, stdout.String(), "kubeconform -strict -schema-location")
			}
		})
	}
}

// The exported tree is what kubeconform reads: the same verdicts as kvet.
func TestSchemasExportFeedsKubeconform(t *testing.T) {
	repo := schemasRepo(t)
	var stdout, stderr bytes.Buffer
	require.Equal(t, ExitOK, Main(context.Background(), []string{"schemas", "export", "--crds", "crds", "out"}, &stdout, &stderr), stderr.String())
	v, err := validator.New([]string{filepath.ToSlash(filepath.Join(repo, "out")) + "/" + bundled.SchemaLocationTemplate}, validator.Opts{Strict: true})
	require.NoError(t, err)
	tests := []struct {
		name string
		doc  string
		want validator.Status
	}{
		{"valid custom resource", `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":2}}`, validator.Valid},
		{"custom resource below minimum", `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":0}}`, validator.Invalid},
		{"unknown field in a custom resource", `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":1,"colour":"red"}}`, validator.Invalid},
		{"valid built-in", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"}}`, validator.Valid},
		{"unknown field in a built-in", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"dataa":{}}`, validator.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := v.ValidateResource(resource.Resource{Bytes: []byte(tt.doc)})
			assert.Equal(t, tt.want, res.Status, "%v %v", res.Err, res.ValidationErrors)
		})
	}
}

// kvet schemas list: every kind with its source; with a PATH, the kinds it
// uses without a schema.
func TestSchemasList(t *testing.T) {
	repo := schemasRepo(t)
	write(t, filepath.Join(repo, "app/kustomization.yaml"), "resources: [objects.yaml]\n")
	write(t, filepath.Join(repo, "app/objects.yaml"), `apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {size: 1}
---
apiVersion: things.example.org/v1
kind: Thing
metadata: {name: a}
---
apiVersion: things.example.org/v1
kind: Thing
metadata: {name: b}
`)

	var stdout, stderr bytes.Buffer
	require.Equal(t, ExitOK, Main(context.Background(), []string{"schemas", "list", "-o", "json", "--crds", "crds"}, &stdout, &stderr), stderr.String())
	var out listOutput
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out))
	find := func(apiVersion, kind string) *schema.Listed {
		for i, l := range out.Schemas {
			if l.APIVersion() == apiVersion && l.Kind == kind {
				return &out.Schemas[i]
			}
		}
		return nil
	}
	if l := find("apps/v1", "Deployment"); assert.NotNil(t, l) {
		assert.Equal(t, "Kubernetes "+out.KubernetesVersion, l.Source)
	}
	if l := find("cert-manager.io/v1", "Certificate"); assert.NotNil(t, l) {
		assert.Equal(t, "cert-manager v1.21.2", l.Source)
		assert.Equal(t, "github.com/cert-manager/cert-manager@v1.21.2", l.Module)
		assert.Equal(t, "certificates.cert-manager.io", l.CRD)
	}
	if l := find("example.com/v1", "Widget"); assert.NotNil(t, l) {
		assert.Equal(t, "crds/widget.yaml", l.Source)
	}
	assert.Nil(t, find("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease"), "a removed version has no schema")
	assert.Nil(t, out.Missing, "no PATH, no usage")

	stdout.Reset()
	require.Equal(t, ExitOK, Main(context.Background(), []string{"schemas", "list", "-o", "json", "--crds", "crds", "app"}, &stdout, &stderr), stderr.String())
	out = listOutput{}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out))
	assert.Equal(t, []missingKind{{APIVersion: "things.example.org/v1", Kind: "Thing", Objects: 2, First: report.Source{File: "app/objects.yaml", Line: 6}}}, out.Missing)

	stdout.Reset()
	require.Equal(t, ExitOK, Main(context.Background(), []string{"schemas", "list", "app"}, &stdout, &stderr), stderr.String())
	text := stdout.String()
	assert.Contains(t, text, "cert-manager v1.21.2 (github.com/cert-manager/cert-manager@v1.21.2)")
	assert.Contains(t, text, "2 kinds used without a schema")
	assert.Regexp(t, `things\.example\.org/v1 +Thing +2 +app/objects\.yaml:6`, text)
	assert.NotContains(t, text, repo, "no machine path in the output")

	assert.Equal(t, ExitUsage, Main(context.Background(), []string{"schemas", "list", "-o", "yaml"}, &stdout, &stderr))
}
