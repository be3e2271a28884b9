package schema

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/yannh/kubeconform/pkg/resource"
	"github.com/yannh/kubeconform/pkg/validator"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"sigs.k8s.io/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

const oracleDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 1}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 8080
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {memory: 128Mi}
`

const oracleFlux = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 5m
  prune: true
  path: ./apps
  sourceRef: {kind: GitRepository, name: flux-system}
`

const oracleTimer = "apiVersion: example.com/v1\nkind: Timer\nmetadata: {name: t}\n"

// oracleCases are objects valid and invalid in the ways kubeconform's own
// tests and fixtures exercise (types, required fields, unknown fields,
// nulls, int-or-string, the duration format, formats, enums, bounds,
// missing and broken schemas).
var oracleCases = []struct{ name, doc string }{
	{"valid deployment", oracleDeployment},
	{"unknown container field", oracleDeployment + "        imagePullPolice: Always\n"},
	{"container without name, with unknown field", strings.Replace(oracleDeployment, "      - name: web\n        image: nginx:1.27\n", "      - image: nginx:1.27\n        frobnicate: true\n", 1)},
	{"replicas as string", strings.Replace(oracleDeployment, "replicas: 2", "replicas: two", 1)},
	{"replicas fractional", strings.Replace(oracleDeployment, "replicas: 2", "replicas: 2.5", 1)},
	{"replicas beyond int32", strings.Replace(oracleDeployment, "replicas: 2", "replicas: 3000000000", 1)},
	{"null labels and annotations", strings.Replace(oracleDeployment, "  labels: {app: web}\nspec:", "  labels: null\n  annotations: null\nspec:", 1)},
	{"selector missing", strings.Replace(oracleDeployment, "  selector:\n    matchLabels: {app: web}\n", "", 1)},
	{"quantity as boolean", strings.Replace(oracleDeployment, "limits: {memory: 128Mi}", "limits: {memory: true}", 1)},
	{"maxSurge as list", strings.Replace(oracleDeployment, "maxSurge: 25%", "maxSurge: [1]", 1)},
	{"label key with slash, wrong type", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {app.kubernetes.io/name: 5}\n"},
	{"configmap data number", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: 5}\n"},
	{"configmap valid", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: \"5\"}\nbinaryData: {b: aGk=}\n"},
	{"service named target port", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {port: 80, targetPort: http}\n"},
	{"service port as string", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - {port: \"80\", targetPort: 8080}\n"},
	{"cronjob valid", "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: j}\nspec:\n  schedule: '*/5 * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - {name: j, image: busybox}\n"},
	{"cronjob without job template", "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: j}\nspec:\n  schedule: '*/5 * * * *'\n"},
	{"flux kustomization valid", oracleFlux},
	{"flux kustomization unknown field", oracleFlux + "  intervall: 5m\n"},
	{"flux kustomization bad interval", strings.Replace(oracleFlux, "interval: 5m", "interval: 5 minutes", 1)},
	{"flux kustomization timeout duration", oracleFlux + "  timeout: 1h30m\n"},
	{"duration, Go", oracleTimer + "interval: 1h30m\n"},
	{"duration, ISO 8601", oracleTimer + "interval: PT1H30M\n"},
	{"duration, weeks", oracleTimer + "interval: P2W\n"},
	{"duration, words (go-openapi accepts them)", oracleTimer + "interval: 5 minutes\n"},
	{"duration, not one", oracleTimer + "interval: forever\n"},
	{"duration, nothing after P", oracleTimer + "interval: P\n"},
	{"duration, units out of order", oracleTimer + "interval: PT1S1H\n"},
	{"date-time", oracleTimer + "interval: 1m\nat: \"2026-01-01T00:00:00Z\"\n"},
	{"date-time, not one", oracleTimer + "interval: 1m\nat: yesterday\n"},
	{"hostname, not one", oracleTimer + "interval: 1m\nhost: -bad-.example\n"},
	{"above maximum", oracleTimer + "interval: 1m\ncount: 11\n"},
	{"not in enum", oracleTimer + "interval: 1m\nmode: twice\n"},
	{"duplicate items", oracleTimer + "interval: 1m\ntags: [a, a]\n"},
	{"pattern and length", oracleTimer + "interval: 1m\nname: ABCDEFGHIJ\n"},
	{"required missing", oracleTimer},
	{"schema that does not compile", "apiVersion: example.com/v1\nkind: Broken\nmetadata: {name: b}\n"},
	{"schema that is null", "apiVersion: example.com/v1\nkind: Void\nmetadata: {name: n}\n"},
	{"no schema at all", "apiVersion: example.com/v1\nkind: Missing\nmetadata: {name: m}\n"},
}

// oracleValidator is a Validator for the kinds of oracleCases, with the
// test schemas of testdata/oracle as a schema location.
func oracleValidator(t *testing.T) *Validator {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("testdata", "oracle"))
	require.NoError(t, err)
	only := map[string]bool{}
	for _, tc := range oracleCases {
		key, _ := oracleObject(t, tc.doc)
		only[key] = true
	}
	only["example.com/v1/Ref"] = true
	v, fs, err := New(Options{Only: only, SchemaLocations: []SchemaLocation{{
		Template: filepath.Join(root, "{{ .Group }}", "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"),
		Root:     root, Name: "testdata/oracle", Limits: guard.Defaults(),
	}}})
	require.NoError(t, err)
	require.Empty(t, fs)
	return v
}

func oracleObject(t *testing.T, doc string) (string, []byte) {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(doc))
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(js, &body))
	require.IsType(t, "", body["kind"], doc)
	return body["apiVersion"].(string) + "/" + body["kind"].(string), js
}

// TestAgreesWithKubeconform: kubeconform v0.8.0's own validator, run with
// -strict on files holding exactly kvet's schema documents, is the oracle.
// kvet's one in-memory validation must give the same status (valid,
// invalid, error) and the same first-level errors (path and message), and
// every error kubeconform reports must be at or above a field kvet names.
func TestAgreesWithKubeconform(t *testing.T) {
	v := oracleValidator(t)
	dir := t.TempDir()
	for key, doc := range v.schemas.docs {
		i := strings.LastIndex(key, "/")
		p := filepath.Join(dir, filepath.FromSlash(bundled.SchemaFile(key[:i], key[i+1:])))
		if !v.only[key] {
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, doc.raw, 0o644))
	}
	kc, err := validator.New([]string{filepath.ToSlash(dir) + "/" + bundled.SchemaLocationTemplate},
		validator.Opts{Strict: true, KubernetesVersion: v.version})
	require.NoError(t, err)

	statuses := map[validator.Status]int{}
	for _, tc := range oracleCases {
		t.Run(tc.name, func(t *testing.T) {
			key, js := oracleObject(t, tc.doc)
			var body map[string]any
			require.NoError(t, json.Unmarshal(js, &body))
			want := kc.ValidateResource(resource.Resource{Path: tc.name, Bytes: js})
			statuses[want.Status]++

			sch, verr, err := v.schemas.validate(key, body)
			got := validator.Valid
			var gotErrs []validator.ValidationError
			switch {
			case err != nil:
				got = validator.Error
			case verr != nil:
				got = validator.Invalid
				var ve *jsonschema.ValidationError
				require.ErrorAs(t, verr, &ve)
				gotErrs = firstLevel(ve)
			}
			require.Equal(t, want.Status, got, "kubeconform: %v", want.Err)
			assert.ElementsMatch(t, want.ValidationErrors, gotErrs)

			// What kvet reports comes from that same validation.
			leaves := v.schemaErrors(Object{Resource: report.Resource{Kind: body["kind"].(string)}, Body: body}, key)
			assert.Equal(t, want.Status == validator.Valid, len(leaves) == 0, "%+v", leaves)
			if want.Status == validator.Error {
				require.Len(t, leaves, 1)
				assert.True(t, strings.HasPrefix(leaves[0].whole, want.Err.Error()), "%q does not start with kubeconform's %q", leaves[0].whole, want.Err)
			}
			for _, e := range want.ValidationErrors {
				assert.True(t, slices.ContainsFunc(leaves, func(l leaf) bool {
					return strings.HasPrefix("/"+strings.Join(l.tokens, "/")+"/", strings.TrimSuffix(e.Path, "/")+"/")
				}), "kubeconform's error at %q is not under any of kvet's fields %+v", e.Path, leaves)
			}
			if sch != nil && verr != nil {
				assert.Same(t, sch, must(v.schemas.get(key)), "compiled once")
			}
		})
	}
	// The table exercises every verdict.
	for _, s := range []validator.Status{validator.Valid, validator.Invalid, validator.Error} {
		assert.NotZero(t, statuses[s], "no case with kubeconform status %d", s)
	}
}

// firstLevel is what kubeconform makes of the library's error tree: the
// direct causes, their instance location joined with "/".
func firstLevel(ve *jsonschema.ValidationError) []validator.ValidationError {
	p := message.NewPrinter(language.English)
	out := []validator.ValidationError{}
	for _, c := range ve.Causes {
		path := ""
		for _, f := range c.InstanceLocation {
			path += "/" + f
		}
		out = append(out, validator.ValidationError{Path: path, Msg: c.ErrorKind.LocalizedString(p)})
	}
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestValidatorWritesNoFiles: the schemas live in memory; a run leaves
// nothing in the temporary directory, not even while it validates, and a
// schema's "$ref" to another file is not followed (no file is read for a
// schema after New).
func TestValidatorWritesNoFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	v := oracleValidator(t)
	var wg sync.WaitGroup
	for _, tc := range oracleCases {
		wg.Go(func() {
			key, js := oracleObject(t, tc.doc)
			var body map[string]any
			if assert.NoError(t, json.Unmarshal(js, &body)) {
				i := strings.LastIndex(key, "/")
				v.Validate(Object{Resource: report.Resource{APIVersion: key[:i], Kind: key[i+1:], Name: "x"}, Body: body})
			}
		})
	}
	wg.Wait()
	left, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, left, "the validator wrote into TMPDIR")

	body := map[string]any{"apiVersion": "example.com/v1", "kind": "Ref", "metadata": map[string]any{"name": "r"}, "interval": "1m"}
	fs := v.Validate(Object{Resource: report.Resource{APIVersion: "example.com/v1", Kind: "Ref", Name: "r"}, Body: body})
	require.Len(t, fs, 1)
	assert.Equal(t, "schema-invalid", fs[0].Rule)
	assert.Contains(t, fs[0].Message, "could not find schema for Ref: schema location testdata/oracle: example.com/ref_v1.json is not a JSON schema the validator can compile")
	root, err := filepath.Abs(".")
	require.NoError(t, err)
	assert.NotContains(t, fs[0].Message, root, "no machine path in a message")
}

// TestSchemasCompiledOnceLazily: nothing is compiled before an object needs
// it; objects validated at once from many goroutines share one compiled
// schema per kind.
func TestSchemasCompiledOnceLazily(t *testing.T) {
	v, _, err := New(Options{})
	require.NoError(t, err)
	require.Empty(t, v.schemas.compiled)
	keys := []string{"apps/v1/Deployment", "v1/ConfigMap", "kustomize.toolkit.fluxcd.io/v1/Kustomization"}
	got := make([][]*jsonschema.Schema, len(keys))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		for i, key := range keys {
			wg.Go(func() {
				s, err := v.schemas.get(key)
				assert.NoError(t, err)
				mu.Lock()
				got[i] = append(got[i], s)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	for i, key := range keys {
		for _, s := range got[i] {
			assert.Same(t, got[i][0], s, key)
		}
	}
	assert.Len(t, v.schemas.compiled, len(keys))
	_, err = v.schemas.get("example.com/v1/Nothing")
	assert.True(t, errors.Is(err, errNoSchema))
}
