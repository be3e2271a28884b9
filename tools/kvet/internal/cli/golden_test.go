package cli_test

// Golden tests of what a person reads: help texts, the text report of
// deprecated kustomization fields and of build errors, quiet and verbose
// output. Regenerate with `go test ./tools/kvet/internal/cli -run Golden -update`.

import (
	"flag"
	"os"
	"path/filepath"
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
