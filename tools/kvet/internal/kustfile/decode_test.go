package kustfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/api/types"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"
)

// sameAsKustomize decodes raw both ways and fails t when the fast path
// accepted the document but decoded it differently from
// sigs.k8s.io/yaml.Unmarshal (what kustomize uses). It reports whether the
// fast path was taken.
func sameAsKustomize(t *testing.T, name string, raw []byte) bool {
	t.Helper()
	node, err := kyaml.Parse(string(raw))
	if err != nil {
		return false // Parse fails before either decode runs.
	}
	var fast types.Kustomization
	if !decodeNode(raw, node.YNode(), &fast) {
		return false
	}
	var want types.Kustomization
	require.NoError(t, yaml.Unmarshal(raw, &want), "%s: fast path accepted what sigs.k8s.io/yaml refuses", name)
	assert.Equal(t, want, fast, name)
	return true
}

// decodeCases are the edge cases of the fast path; they also seed
// FuzzDecodeNode.
var decodeCases = []struct {
	name string
	in   string
	fast bool // whether the fast path may take it
}{
	{"plain", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml, ../base]\n", true},
	{"no apiVersion or kind", "resources:\n- a.yaml\n", true},
	{"component", "kind: Component\ncomponents: [../c]\n", true},
	{"float tag", "images:\n- name: x\n  newTag: 1.20\n", false},
	{"int tag", "images:\n- name: x\n  newTag: 120\n", false},
	{"quoted tag", "images:\n- name: x\n  newTag: \"1.20\"\n", true},
	{"int replicas", "replicas:\n- name: x\n  count: 3\n", true},
	{"bool option", "generatorOptions:\n  disableNameSuffixHash: true\n", true},
	{"yes is a bool in yaml.v2", "generatorOptions:\n  disableNameSuffixHash: yes\n", false},
	{"yes as label value", "commonLabels:\n  enabled: yes\n", false},
	{"int label", "commonLabels:\n  version: 1\n", false},
	{"anchor and alias", "commonLabels: &l\n  a: b\ncommonAnnotations: *l\n", false},
	{"merge key", "x: &l {a: b}\ncommonLabels:\n  <<: *l\n", false},
	{"duplicate key", "namespace: a\nnamespace: b\n", false},
	{"explicit tag", "namespace: !!str 12\n", false},
	{"tab", "namespace:\ta\n", false},
	{"two documents", "namespace: a\n---\nnamespace: b\n", false},
	{"leading document marker", "---\nnamespace: a\n", true},
	{"empty", "", false},
	{"comment only", "# nothing\n", false},
	{"sequence document", "- a\n- b\n", false},
	{"scalar document", "hello\n", false},
	{"null values", "namespace:\nresources: ~\nnamePrefix: null\n", true},
	{"escapes", "namespace: \"a\\/b\"\n", false},
	{"single quotes", "namePrefix: 'it''s-'\n", true},
	{"literal block", "patches:\n- patch: |-\n    - op: add\n      path: /x\n      value: 1\n  target:\n    kind: Deployment\n", true},
	{"folded block", "patches:\n- patch: >\n    a\n    b\n", true},
	{"flow mapping", "patches:\n- path: p.yaml\n  target: {kind: Deployment, name: web}\n", true},
	{"unknown field", "resources: [a]\nnotAField: {x: 1}\n", true},
	{"case-folded key", "Resources: [a]\n", true},
	{"dot paths", "resources: [./a.yaml, ../../base, .hidden]\n", true},
	{"dot float", "namespace: .5\n", false},
	{"dot inf", "namespace: .inf\n", false},
	{"dash string", "namePrefix: -x\n", false},
	{"tilde path", "resources: [~/x]\n", false},
	{"timestamp", "namespace: 2001-12-14\n", false},
	{"octal", "replicas:\n- name: x\n  count: 0777\n", false},
	{"wrong type", "resources: {a: b}\n", false},
	{"helm values", "helmCharts:\n- name: x\n  valuesInline:\n    a: 1\n    b: [true, null, s]\n    c: {d: -3}\n", true},
	{"helm float value", "helmCharts:\n- name: x\n  valuesInline:\n    a: 1.5\n", false},
	{"big int", "replicas:\n- name: x\n  count: 99999999999999999999\n", false},
	{"unicode line separator", "namePrefix: a\u2028b\n", false},
	{"byte order mark", "\ufeffnamespace: a\n", false},
	{"CRLF", "namespace: a\r\nresources: [b]\r\n", false},
	{"deprecated fields", "bases: [../b]\npatchesStrategicMerge: [p.yaml]\nvars:\n- name: V\n  objref: {kind: Service, name: s, apiVersion: v1}\n", true},
}

func TestDecodeNodeEdgeCases(t *testing.T) {
	for _, tt := range decodeCases {
		t.Run(tt.name, func(t *testing.T) {
			got := sameAsKustomize(t, tt.name, []byte(tt.in))
			assert.Equal(t, tt.fast, got, "fast path taken")
		})
	}
}

// TestDecodeNodeRepository compares both decodes on every kustomization
// file of this repository (fixtures and testdata trees included) and checks
// that the fast path takes most of them.
func TestDecodeNodeRepository(t *testing.T) {
	root, err := filepath.Abs("../../../..")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	var total, fast int
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !isKustName(d.Name()) {
			return nil
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		total++
		rel, _ := filepath.Rel(root, p)
		if sameAsKustomize(t, rel, raw) {
			fast++
		}
		return nil
	})
	require.NoError(t, err)
	t.Logf("%d kustomization files, %d decoded by the fast path", total, fast)
	require.Greater(t, total, 50)
	assert.Greater(t, fast*10, total*7, "the fast path should take most real files")
}

func isKustName(n string) bool {
	for _, k := range Names() {
		if strings.EqualFold(n, k) {
			return true
		}
	}
	return false
}

// FuzzDecodeNode: whenever the fast path decodes a document, the result is
// the one sigs.k8s.io/yaml (kustomize's decoder) gives.
func FuzzDecodeNode(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c.in))
	}
	// kvet reads only what the guard accepts (size, depth, alias expansion).
	limits := guard.Limits{MaxFileBytes: 1 << 20, MaxDocuments: 10, MaxDepth: 64, MaxAliasExpansion: 10_000}
	f.Fuzz(func(t *testing.T, b []byte) {
		if guard.CheckContent("kustomization.yaml", b, limits, true) != nil {
			return
		}
		sameAsKustomize(t, "fuzz", b)
	})
}
