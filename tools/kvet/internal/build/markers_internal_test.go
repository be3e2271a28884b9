package build

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// markerTree writes a base with a targeted patch (from a file) and a
// replacement file, included by two overlays that add different numbers of
// targeted patches of their own.
func markerTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"base/kustomization.yaml": `resources:
- deployment.yaml
patches:
- path: patch.yaml
  target:
    kind: Deployment
    name: web
replacements:
- path: replacements.yaml
`,
		"base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx:1.27
`,
		"base/patch.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    tier: web
`,
		"base/replacements.yaml": `- source:
    kind: Deployment
    name: web
    fieldPath: metadata.name
  targets:
  - select:
      kind: Deployment
      name: web
    fieldPaths:
    - metadata.labels.app
    options:
      create: true
`,
		"overlay-a/kustomization.yaml": `resources:
- ../base
patches:
- target:
    kind: Deployment
  patch: |-
    - op: add
      path: /spec/replicas
      value: 2
`,
		"overlay-b/kustomization.yaml": `resources:
- ../base
patches:
- target:
    kind: Deployment
  patch: |-
    - op: add
      path: /spec/replicas
      value: 3
- target:
    kind: Deployment
    name: web
  patch: |-
    - op: add
      path: /spec/paused
      value: true
`,
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	}
	return dir
}

func rules(r *Result) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Rule)
	}
	return out
}

// TestBaseInstrumentedOnce: a base's instrumented kustomization is made once
// and read as the same bytes by every overlay that includes it.
func TestBaseInstrumentedOnce(t *testing.T) {
	dir := markerTree(t)
	base, err := filepath.EvalSymlinks(filepath.Join(dir, "base", "kustomization.yaml"))
	require.NoError(t, err)
	b := New(Options{})
	for _, o := range []string{"overlay-a", "overlay-b", "overlay-a"} {
		res := b.Build(t.Context(), Spec{Dir: filepath.Join(dir, o)})
		require.NoError(t, res.Err)
		assert.Empty(t, rules(res), o)
	}
	// overlay-a, overlay-b and the base: three copies, not one per target.
	assert.Equal(t, 3, b.markers.makes)
	var copies []*instrumented
	for k, c := range b.markers.made {
		if k.path == base {
			copies = append(copies, c)
		}
	}
	require.Len(t, copies, 1, "the base is instrumented once")
	// Its keys name the file and the entry, not the target's count.
	n := b.markers.number[base]
	var keys []string
	for _, p := range copies[0].probes {
		keys = append(keys, p.key)
	}
	assert.Equal(t, []string{patchMarkerPrefix + strconv.Itoa(n) + "-1", replacementMarkerPrefix + strconv.Itoa(n) + "-2"}, keys)

	// A second Builder that meets the base through the other overlay
	// makes the same bytes.
	b2 := New(Options{})
	require.NoError(t, b2.Build(t.Context(), Spec{Dir: filepath.Join(dir, "overlay-b")}).Err)
	assert.Equal(t, string(copies[0].content), string(b2.markers.made[markerKey{path: base}].content))
}

// TestInstrumentedFollowsContent: the Builder outlives edits (kvet lsp), so
// a change to the kustomization or to a file instrument reads for it (a
// replacement file) is seen by the next build.
func TestInstrumentedFollowsContent(t *testing.T) {
	dir := markerTree(t)
	b := New(Options{})
	build := func() []string {
		res := b.Build(t.Context(), Spec{Dir: filepath.Join(dir, "overlay-a")})
		require.NoError(t, res.Err)
		return rules(res)
	}
	edit := func(name, old, repl string) func() {
		p := filepath.Join(dir, "base", name)
		before, err := os.ReadFile(p)
		require.NoError(t, err)
		after := strings.Replace(string(before), old, repl, 1)
		require.NotEqual(t, string(before), after)
		require.NoError(t, os.WriteFile(p, []byte(after), 0o600))
		return func() { require.NoError(t, os.WriteFile(p, before, 0o600)) }
	}
	assert.Empty(t, build())

	undo := edit("kustomization.yaml", "name: web", "name: nope")
	assert.Equal(t, []string{"patch-no-match"}, build())
	undo()
	assert.Empty(t, build())

	undo = edit("replacements.yaml", "      name: web", "      name: nope")
	assert.Equal(t, []string{"replacement-no-match"}, build())
	undo()
	assert.Empty(t, build())
}
