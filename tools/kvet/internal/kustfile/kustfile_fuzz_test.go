package kustfile_test

import (
	"testing"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// FuzzParse: a kustomization file the guard accepts is parsed, or refused
// with an error, without a panic; its entries can then be listed.
func FuzzParse(f *testing.F) {
	f.Add([]byte("resources: [../base, https://example.com/x.yaml]\npatches:\n- path: p.yaml\n  target: {kind: Deployment}\n"))
	f.Add([]byte("kind: Component\ncomponents: [../c]\nconfigMapGenerator:\n- name: x\n  files: [k=v.txt]\n"))
	f.Add([]byte("helmCharts:\n- name: web\nreplacements:\n- path: r.yaml\n"))
	limits := guard.Limits{MaxFileBytes: 1 << 20, MaxDocuments: 10, MaxDepth: 64, MaxAliasExpansion: 10_000}
	f.Fuzz(func(t *testing.T, b []byte) {
		if guard.CheckContent("kustomization.yaml", b, limits, true) != nil {
			return
		}
		k, err := kustfile.Parse("/nonexistent", "/nonexistent/kustomization.yaml", b)
		if err != nil {
			return
		}
		_ = k.IsComponent()
		for _, r := range k.Refs() {
			_ = kustfile.LooksRemote(r.Value)
		}
		_ = k.Remotes()
		_ = k.Line("resources", 0)
		_ = k.Line("patches", -1)
	})
}
