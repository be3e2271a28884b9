package build

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/benchcorpus/corpus"
	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
)

// originCases are targets whose objects must get the same sources whether
// kvet reads origins from its index or from kustomize's annotations.
func originCases(t *testing.T) []string {
	t.Helper()
	dirs := []string{
		"testdata/render/prefix-overlay/overlay", "testdata/render/prefix-overlay/base",
		"testdata/render/generators/overlay", "testdata/render/components/overlay",
		"testdata/render/patches/overlay", "testdata/render/replacements/overlay", "testdata/render/ordering",
		"../../../../overlays/dev", "../../../../overlays/staging", "../../../../overlays/production",
	}
	c, err := corpus.Generate(4)
	require.NoError(t, err)
	tmp := t.TempDir()
	require.NoError(t, c.Write(tmp))
	for _, target := range corpus.Targets(4) {
		dirs = append(dirs, filepath.Join(tmp, filepath.FromSlash(target)))
	}
	return dirs
}

func TestIndexedOriginsEqualKustomizeOrigins(t *testing.T) {
	b := New(Options{})
	before := b.origins.fallbacks.Load()
	for _, dir := range originCases(t) {
		t.Run(dir, func(t *testing.T) {
			fast := b.Build(t.Context(), Spec{Dir: dir})
			slow := b.Build(t.Context(), Spec{Dir: dir}.withKustomizeOrigins())
			require.NoError(t, slow.Err)
			require.NoError(t, fast.Err)
			assertSameBuild(t, slow, fast)
		})
	}
	// Every case takes the stamp path: none is built twice.
	assert.Equal(t, before, b.origins.fallbacks.Load())
}

// assertSameBuild: fast (stamps) gives the findings, objects and sources
// of slow (kustomize's origin annotations).
func assertSameBuild(t *testing.T, slow, fast *Result) {
	t.Helper()
	assert.Equal(t, slow.Findings, fast.Findings)
	require.Len(t, fast.Objects, len(slow.Objects))
	for i := range slow.Objects {
		s, f := slow.Objects[i], fast.Objects[i]
		assert.Equal(t, s.Resource, f.Resource)
		assert.Equal(t, s.Source, f.Source, "source of %s", s.Resource)
		sj, err := s.Node.MarshalJSON()
		require.NoError(t, err)
		fj, err := f.Node.MarshalJSON()
		require.NoError(t, err)
		assert.JSONEq(t, string(sj), string(fj))
		// Byte for byte as kustomize prints it.
		ss, err := s.Node.String()
		require.NoError(t, err)
		fs, err := f.Node.String()
		require.NoError(t, err)
		assert.Equal(t, ss, fs)
	}
}

// TestEntryPointsAreStamped: the targets of GitOps entry points (Flux
// Kustomizations, Argo CD Applications) are built with kvet's stamps, not
// kustomize's origin tracking, with the same objects, sources and findings;
// only the Flux target that lists a file outside its kustomization root
// keeps kustomize's origins.
func TestEntryPointsAreStamped(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("testdata", "entrypoints"))
	require.NoError(t, err)
	targets, err := discover.Discover(t.Context(), discover.Options{Root: root,
		RepositoryURLs: []string{"https://example.com/repo.git"}}, []string{root})
	require.NoError(t, err)
	want := map[string]bool{ // target -> stamped
		"argocd/apps.yaml#Application/argocd/dir":                  true,
		"argocd/apps.yaml#Application/argocd/web":                  true,
		"clusters/dev/flux.yaml#Kustomization/flux-system/outside": false,
		"clusters/dev/flux.yaml#Kustomization/flux-system/plain":   true,
		"clusters/dev/flux.yaml#Kustomization/flux-system/web":     true,
	}
	b := New(Options{Root: root})
	got := map[string]bool{}
	fallbacks := b.origins.fallbacks.Load()
	for _, tg := range targets {
		if tg.Entry == nil {
			continue
		}
		t.Run(tg.Path, func(t *testing.T) {
			spec := Spec{Dir: tg.Dir, Generate: tg.Generated, Recurse: tg.Recurse, Flux: tg.Flux,
				ArtifactIgnores: tg.ArtifactIgnores, Entry: tg.Entry}
			before := b.origins.kustomize.Load()
			fast := b.Build(t.Context(), spec)
			got[tg.Path] = b.origins.kustomize.Load() == before
			slow := b.Build(t.Context(), spec.withKustomizeOrigins())
			require.NoError(t, slow.Err)
			require.NoError(t, fast.Err)
			require.NotEmpty(t, fast.Objects)
			assertSameBuild(t, slow, fast)
		})
	}
	assert.Equal(t, want, got)
	// No stamped target lost a stamp on the way: none is built twice.
	assert.Equal(t, fallbacks, b.origins.fallbacks.Load())
}

func TestStampTarget(t *testing.T) {
	c, err := corpus.Generate(4)
	require.NoError(t, err)
	tmp := t.TempDir()
	require.NoError(t, c.Write(tmp))
	write := func(rel, content string) string {
		p := filepath.Join(tmp, rel)
		require.NoError(t, osWriteFile(p, content))
		return filepath.Dir(p)
	}
	tests := []struct {
		name string
		dir  string
		want bool
	}{
		{"corpus overlay: generators merge, components, patches", filepath.Join(tmp, "apps/app-0001/envs/prod"), true},
		{"corpus aggregate", filepath.Join(tmp, "clusters/dev"), true},
		{"same kind and name in two files", write("dup/kustomization.yaml", "resources: [a.yaml, b.yaml]\n"), true},
		{"List document", write("list/kustomization.yaml", "resources: [list.yaml]\n"), false},
		{"generator replaces", write("replace/kustomization.yaml", "resources: [../apps/app-0001/envs/dev]\nconfigMapGenerator:\n  - name: config\n    behavior: replace\n    literals: [A=b]\n"), false},
	}
	write("dup/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: a\n")
	write("dup/b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: b\n")
	write("list/list.yaml", "apiVersion: v1\nkind: List\nitems: []\n")
	b := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gfs := b.guarded()
			files, findings := b.preflight(gfs, tt.dir, nil, false)
			require.Empty(t, findings)
			_, ok := stampTarget(newStamps(), gfs, newOverlayFS(gfs), files)
			assert.Equal(t, tt.want, ok)
			// Either way the build gives kustomize's origins.
			fast := b.Build(t.Context(), Spec{Dir: tt.dir})
			slow := b.Build(t.Context(), Spec{Dir: tt.dir}.withKustomizeOrigins())
			require.Len(t, fast.Objects, len(slow.Objects))
			for i := range slow.Objects {
				assert.Equal(t, slow.Objects[i].Source, fast.Objects[i].Source)
			}
		})
	}
}

func osWriteFile(p, content string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(content), 0o644)
}
