package affected

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
)

func fixtureTargets(t *testing.T) (string, []discover.Target) {
	t.Helper()
	root, err := filepath.Abs("testdata/repo")
	require.NoError(t, err)
	targets, err := discover.Discover(context.Background(), discover.Options{Root: root}, []string{root})
	require.NoError(t, err)
	return root, targets
}

func paths(ts []discover.Target) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Path)
	}
	return out
}

func TestSelect(t *testing.T) {
	root, targets := fixtureTargets(t)
	require.Equal(t, []string{"overlays/a", "overlays/b", "standalone"}, paths(targets))
	tests := []struct {
		name    string
		changed []string
		want    []string
		all     bool
	}{
		{"base resource", []string{"base/app/deploy.yaml"}, []string{"overlays/a", "overlays/b"}, false},
		{"generator env file", []string{"base/app/config.env"}, []string{"overlays/a", "overlays/b"}, false},
		{"base kustomization", []string{"base/app/kustomization.yaml"}, []string{"overlays/a", "overlays/b"}, false},
		{"file no kustomization reads", []string{"base/app/notes.txt"}, []string{}, false},
		{"component patch", []string{"components/c/patch.yaml"}, []string{"overlays/a"}, false},
		{"overlay patch", []string{"overlays/b/patch.yaml"}, []string{"overlays/b"}, false},
		{"own resource", []string{"standalone/cm.yaml"}, []string{"standalone"}, false},
		{"two changes", []string{"standalone/cm.yaml", "components/c/kustomization.yaml"}, []string{"overlays/a", "standalone"}, false},
		{"unrelated", []string{"README.md", "docs/x.md"}, []string{}, false},
		{"nothing", nil, []string{}, false},
		{"config", []string{"kvet.yaml"}, []string{"overlays/a", "overlays/b", "standalone"}, true},
		{"policy library", []string{"policy/pss.rego"}, []string{"overlays/a", "overlays/b", "standalone"}, true},
		{"extra global dir", []string{"crds/thing.yaml"}, []string{"overlays/a", "overlays/b", "standalone"}, true},
		{"deleted kustomization", []string{"overlays/gone/kustomization.yaml"}, []string{"overlays/a", "overlays/b", "standalone"}, true},
		{"sops rules", []string{"secrets/.sops.yaml"}, []string{"overlays/a", "overlays/b", "standalone"}, true},
	}
	global := append(DefaultGlobal(), "crds")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel := Select(root, targets, tt.changed, global)
			assert.Equal(t, tt.want, paths(sel.Targets))
			assert.Equal(t, tt.all, sel.All, sel.Reason)
		})
	}
}

// What a changed file was at the base revision counts too: a deleted CRD
// (its schema checked other targets' objects) and a ConfigMap an entry
// point names, renamed away.
func TestSelectBase(t *testing.T) {
	root := t.TempDir()
	for p, c := range map[string]string{
		"app/kustomization.yaml":   "resources: [cm.yaml]\n",
		"app/cm.yaml":              "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {team: ${team}}\n",
		"other/kustomization.yaml": "resources: [cm.yaml]\n",
		"other/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n",
		"clusters/x.yaml": `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  path: ./app
  sourceRef: {kind: GitRepository, name: flux-system}
  postBuild:
    substituteFrom:
      - {kind: ConfigMap, name: cluster-vars}
`,
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte(c), 0o644))
	}
	targets, err := discover.Discover(context.Background(), discover.Options{Root: root}, []string{root})
	require.NoError(t, err)
	const entry = "clusters/x.yaml#Kustomization/flux-system/apps"
	require.Contains(t, paths(targets), entry)
	base := map[string]string{
		"gone/crd.yaml":  "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: things.example.com}\n",
		"gone/vars.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cluster-vars, namespace: flux-system}\n",
	}
	read := func(p string) []byte {
		if s, ok := base[p]; ok {
			return []byte(s)
		}
		return nil
	}
	sel := SelectBase(root, targets, []string{"gone/crd.yaml"}, DefaultGlobal(), read)
	assert.True(t, sel.All, "a deleted CRD affects every target")
	sel = SelectBase(root, targets, []string{"gone/vars.yaml"}, DefaultGlobal(), read)
	assert.Equal(t, []string{entry}, paths(sel.Targets), "the entry point whose substituteFrom names the deleted ConfigMap")
	sel = SelectBase(root, targets, []string{"gone/vars.yaml"}, DefaultGlobal(), nil)
	assert.Empty(t, sel.Targets, "without the base revision nothing says what the file was")
}

// A FIFO in place of a kustomization must not block a --changed-since run.
func TestTargetInputsFIFO(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "app")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "kustomization.yaml"), 0o644))
	done := make(chan *Inputs)
	go func() { done <- TargetInputs(root, discover.Target{Dir: dir, Path: "app"}) }()
	select {
	case in := <-done:
		assert.Equal(t, []string{"app"}, in.Dirs, "unreadable: all of the directory counts")
	case <-time.After(10 * time.Second):
		t.Fatal("TargetInputs blocked on a FIFO")
	}
}

func TestTargetInputs(t *testing.T) {
	root, targets := fixtureTargets(t)
	in := TargetInputs(root, targets[0]) // overlays/a
	var files []string
	for f := range in.Files {
		files = append(files, f)
	}
	slices.Sort(files)
	assert.Equal(t, []string{
		"base/app/config.env", "base/app/deploy.yaml", "base/app/kustomization.yaml",
		"components/c/kustomization.yaml", "components/c/patch.yaml", "overlays/a/kustomization.yaml",
	}, files)
	assert.Empty(t, in.Dirs)
}

func TestParseShard(t *testing.T) {
	for _, ok := range []string{"1/1", "1/4", "4/4", " 2 / 3 "} {
		_, err := ParseShard(ok)
		assert.NoError(t, err, ok)
	}
	for _, bad := range []string{"", "0/2", "3/2", "1/0", "a/b", "1", "1/2/3", "-1/2"} {
		_, err := ParseShard(bad)
		assert.Error(t, err, bad)
	}
}

func TestShard(t *testing.T) {
	var targets []discover.Target
	for i := range 23 {
		targets = append(targets, discover.Target{Path: fmt.Sprintf("t%02d", (i*7)%23)})
	}
	reversed := slices.Clone(targets)
	slices.Reverse(reversed)
	for _, n := range []int{1, 2, 3, 5, 23, 30} {
		seen := map[string]int{}
		minSize, maxSize := len(targets), 0
		for i := 1; i <= n; i++ {
			s := Shard{Index: i, Count: n}
			got := s.Apply(targets)
			// The split does not depend on the order targets arrive in.
			assert.ElementsMatch(t, paths(got), paths(s.Apply(reversed)))
			for _, t := range got {
				seen[t.Path]++
			}
			minSize, maxSize = min(minSize, len(got)), max(maxSize, len(got))
		}
		assert.Len(t, seen, len(targets), "n=%d: every target is in a shard", n)
		for p, c := range seen {
			assert.Equal(t, 1, c, "n=%d: %s in exactly one shard", n, p)
		}
		assert.LessOrEqual(t, maxSize-minSize, 1, "n=%d: shards are balanced", n)
	}
}
