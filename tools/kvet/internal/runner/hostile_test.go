package runner_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// hostileRepo copies testdata/hostile into <tmp>/repo and adds what git
// cannot hold or what must point outside the repository: symlinks out of
// it, a base outside it, a FIFO, symlink loops, an oversized file. A
// secret lives in <tmp>/outside; no finding may ever quote it.
func hostileRepo(t *testing.T) string {
	t.Helper()
	tmp := t.TempDir()
	repo := filepath.Join(tmp, "repo")
	require.NoError(t, os.CopyFS(repo, os.DirFS(filepath.Join("testdata", "hostile"))))
	write := func(p, s string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
	}
	kust := func(dir string, res ...string) {
		write(filepath.Join(repo, dir, "kustomization.yaml"), "resources:\n- "+strings.Join(res, "\n- ")+"\n")
	}
	write(filepath.Join(tmp, "outside", "secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata: {name: stolen}\nstringData: {password: TOPSECRET}\n")
	write(filepath.Join(tmp, "outside", "base", "kustomization.yaml"), "resources: [secret.yaml]\n")
	write(filepath.Join(tmp, "outside", "base", "secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata: {name: stolen}\nstringData: {password: TOPSECRET}\n")

	kust("symlink-escape", "link.yaml")
	require.NoError(t, os.Symlink(filepath.Join(tmp, "outside", "secret.yaml"), filepath.Join(repo, "symlink-escape", "link.yaml")))
	kust("outside-base", "../../outside/base")
	kust("symlink-base", "base")
	require.NoError(t, os.Symlink(filepath.Join(tmp, "outside", "base"), filepath.Join(repo, "symlink-base", "base")))
	require.NoError(t, os.MkdirAll(filepath.Join(repo, "kustomization-link"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(tmp, "outside", "base", "kustomization.yaml"), filepath.Join(repo, "kustomization-link", "kustomization.yaml")))
	kust("fifo", "pipe.yaml")
	require.NoError(t, syscall.Mkfifo(filepath.Join(repo, "fifo", "pipe.yaml"), 0o644))
	kust("symlink-loop", "loop.yaml")
	require.NoError(t, os.Symlink("loop2.yaml", filepath.Join(repo, "symlink-loop", "loop.yaml")))
	require.NoError(t, os.Symlink("loop.yaml", filepath.Join(repo, "symlink-loop", "loop2.yaml")))
	// Directory loops: discovery must not follow them forever.
	require.NoError(t, os.Symlink(".", filepath.Join(repo, "valid", "self")))
	require.NoError(t, os.Symlink("..", filepath.Join(repo, "valid", "parent")))
	require.NoError(t, os.Symlink(tmp, filepath.Join(repo, "to-outside")))
	kust("too-large", "cm.yaml")
	write(filepath.Join(repo, "too-large", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  a: "+strings.Repeat("x", 400_000)+"\n")
	var objs []string
	for i := range 3 {
		f := fmt.Sprintf("objs%d.yaml", i)
		objs = append(objs, f)
		var b strings.Builder
		for j := range 20 {
			fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d-%d}\n", i, j)
		}
		write(filepath.Join(repo, "many-objects", f), b.String())
	}
	kust("many-objects", objs...)
	return repo
}

var hostileLimits = config.Limits{MaxFileBytes: 300_000, MaxDocumentsPerFile: 50, MaxObjectsPerTarget: 50}

type outcome struct {
	Rule, Source string
}

func TestHostileRepository(t *testing.T) {
	repo := hostileRepo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := runner.Run(ctx, runner.Options{Root: repo, Paths: []string{repo}, Config: &config.Config{Limits: hostileLimits}, Jobs: 4})
	require.NoError(t, err)
	require.True(t, rep.Failed())

	got := map[string][]outcome{}
	for _, f := range rep.Findings {
		assert.NotContains(t, f.Message, "TOPSECRET", "a file outside the repository was read")
		if f.Severity == report.SeverityError {
			got[f.Target] = append(got[f.Target], outcome{f.Rule, fmt.Sprintf("%s:%d", f.Source.File, f.Source.Line)})
		}
	}
	tests := []struct {
		target string
		want   []outcome // error findings; nil: the target builds and checks clean
		objs   int
	}{
		{target: "alias-bomb", want: []outcome{{"yaml-alias-limit", "alias-bomb/cm.yaml:11"}}},
		{target: "self-alias", want: []outcome{{"yaml-alias-limit", "self-alias/cm.yaml:7"}}},
		{target: "deep", want: []outcome{{"yaml-depth-limit", "deep/cm.yaml:7"}}},
		{target: "many-docs", want: []outcome{{"too-many-documents", "many-docs/cm.yaml:351"}}},
		{target: "binary", want: []outcome{{"binary-file", "binary/cm.yaml:3"}}},
		{target: "invalid-utf8", want: []outcome{{"invalid-utf8", "invalid-utf8/cm.yaml:6"}}},
		{target: "too-large", want: []outcome{{"file-too-large", "too-large/cm.yaml:0"}}},
		{target: "many-objects", want: []outcome{{"too-many-objects", "many-objects/kustomization.yaml:0"}}},
		// kustomize itself refuses a file symlinked out of the
		// kustomization root, before reading it.
		{target: "symlink-escape", want: []outcome{{"root-escape", "symlink-escape/kustomization.yaml:2"}}},
		// A base may be anywhere for kustomize: kvet refuses it.
		{target: "symlink-base", want: []outcome{{"symlink-escape", "symlink-base/base/kustomization.yaml:0"}}},
		{target: "symlink-loop", want: []outcome{{"build-failed", "symlink-loop/kustomization.yaml:2"}}},
		{target: "kustomization-bomb", want: []outcome{{"yaml-alias-limit", "kustomization-bomb/kustomization.yaml:10"}}},
		{target: "kustomization-link", want: []outcome{{"symlink-escape", "kustomization-link/kustomization.yaml:0"}}},
		{target: "fifo", want: []outcome{{"unreadable-file", "fifo/pipe.yaml:0"}}},
		{target: "outside-base", want: []outcome{{"outside-repository", "../outside/base/kustomization.yaml:0"}}}, // no machine path in output
		{target: "replacement-escape", want: []outcome{{"root-escape", "replacement-escape/kustomization.yaml:6"}}},
		{target: "cycle/overlay", want: []outcome{{"build-failed", "cycle/b/kustomization.yaml:4"}}},
		{target: "list", want: []outcome{{"unknown-field", "list/list.yaml:1"}}, objs: 2},
		{target: "bom", objs: 1},
		{target: "crlf", objs: 1},
		{target: "empty-docs", objs: 1},
		{target: "long-line", objs: 1},
		{target: "valid", objs: 1},
	}
	targets := map[string]report.Target{}
	for _, tg := range rep.Targets {
		targets[tg.Path] = tg
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			tg, ok := targets[tt.target]
			require.True(t, ok, "target %s was not checked", tt.target)
			assert.Equal(t, tt.want, got[tt.target])
			assert.Equal(t, tt.objs, tg.Resources)
		})
	}
	assert.Len(t, rep.Targets, len(tests), "every target is reported, no other")
}

// The refusals name the file and the limit a user can change.
func TestHostileMessages(t *testing.T) {
	repo := hostileRepo(t)
	rep, err := runner.Run(context.Background(), runner.Options{Root: repo, Paths: []string{filepath.Join(repo, "many-docs"), filepath.Join(repo, "too-large"), filepath.Join(repo, "many-objects")},
		Config: &config.Config{Limits: hostileLimits}, Jobs: 2})
	require.NoError(t, err)
	msgs := map[string]string{}
	for _, f := range rep.Findings {
		msgs[f.Rule] = f.Message
	}
	assert.Contains(t, msgs["too-many-documents"], "more than 50 YAML documents (limits.maxDocumentsPerFile")
	assert.Contains(t, msgs["file-too-large"], "293.0 KiB limit (limits.maxFileBytes")
	assert.Contains(t, msgs["too-many-objects"], "renders 60 objects, more than the 50 allowed (limits.maxObjectsPerTarget")
}

func TestTargetTimeout(t *testing.T) {
	repo := hostileRepo(t)
	rep, err := runner.Run(context.Background(), runner.Options{Root: repo, Paths: []string{filepath.Join(repo, "valid")},
		Config: &config.Config{Limits: config.Limits{TargetTimeout: "1ns"}}, Jobs: 1})
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, "target-timeout", rep.Findings[0].Rule)
	assert.Contains(t, rep.Findings[0].Message, "longer than 1ns (limits.targetTimeout")
}

// Nothing is written into the repository or next to it.
func TestHostileRunWritesNothing(t *testing.T) {
	repo := hostileRepo(t)
	before := snapshot(t, filepath.Dir(repo))
	_, err := runner.Run(context.Background(), runner.Options{Root: repo, Paths: []string{repo}, Config: &config.Config{Limits: hostileLimits}, Jobs: 2})
	require.NoError(t, err)
	assert.Equal(t, before, snapshot(t, filepath.Dir(repo)))
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out[p] = fmt.Sprintf("%s %d %s", fi.Mode(), fi.Size(), fi.ModTime())
		return nil
	}))
	return out
}

// CRD directories (kvet.yaml crds, --crds) are read through the guard like
// every other file: an oversize file and a file symlinked out of the
// repository are findings on that file; the CRDs beside them still count.
func TestHostileCRDDirectory(t *testing.T) {
	tmp := t.TempDir()
	repo := filepath.Join(tmp, "repo")
	write := func(p, s string) { writeFile(t, p, s) }
	write(filepath.Join(tmp, "outside", "crd.yaml"), "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: TOPSECRET}\n")
	write(filepath.Join(repo, "crds", "big.yaml"), "# "+strings.Repeat("x", 400_000)+"\n")
	write(filepath.Join(repo, "crds", "bomb.yaml"), "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n")
	require.NoError(t, os.Symlink(filepath.Join(tmp, "outside", "crd.yaml"), filepath.Join(repo, "crds", "link.yaml")))
	write(filepath.Join(repo, "app", "kustomization.yaml"), "resources: [cm.yaml]\n")
	write(filepath.Join(repo, "app", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")

	rep, err := runner.Run(context.Background(), runner.Options{Root: repo, Paths: []string{filepath.Join(repo, "app")},
		Config: &config.Config{CRDs: []string{"crds"}, Limits: hostileLimits}, Jobs: 1})
	require.NoError(t, err)
	var got []outcome
	for _, f := range rep.Findings {
		assert.NotContains(t, f.Message, "TOPSECRET")
		got = append(got, outcome{f.Rule, fmt.Sprintf("%s:%d", f.Source.File, f.Source.Line)})
	}
	assert.ElementsMatch(t, []outcome{
		{"file-too-large", "crds/big.yaml:0"},
		{"yaml-alias-limit", "crds/bomb.yaml:5"},
		{"symlink-escape", "crds/link.yaml:0"},
	}, got)
}

// When a build fails, kvet reads the files the kustomization names to
// explain the error (YAML lint, patch and plugin lookups): those reads go
// through the guard too, so a file outside the repository with a YAML
// error never has its content quoted.
func TestHostileExplainReadsNothingOutside(t *testing.T) {
	tmp := t.TempDir()
	repo := filepath.Join(tmp, "repo")
	write := func(p, s string) { writeFile(t, p, s) }
	write(filepath.Join(tmp, "outside.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  TOPSECRET: a\n  TOPSECRET: b\n")
	write(filepath.Join(repo, "app", "kustomization.yaml"), "resources:\n- cm.yaml\n- ../../outside.yaml\n")
	write(filepath.Join(repo, "app", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
	write(filepath.Join(repo, "link", "kustomization.yaml"), "resources:\n- cm.yaml\n")
	require.NoError(t, os.Symlink(filepath.Join(tmp, "outside.yaml"), filepath.Join(repo, "link", "cm.yaml")))

	rep, err := runner.Run(context.Background(), runner.Options{Root: repo, Paths: []string{repo}, Config: &config.Config{}, Jobs: 1})
	require.NoError(t, err)
	require.True(t, rep.Failed())
	for _, f := range rep.Findings {
		assert.NotContains(t, f.Message, "TOPSECRET", "%s %s", f.Rule, f.Source.File)
	}
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
}

// TestHostileFluxDirectory: kustomize-controller's generator reads a plain
// directory from disk; kvet's guard reads it first, so an alias bomb there
// is refused by name, in the bare directory and the entry point alike.
func TestHostileFluxDirectory(t *testing.T) {
	root := fixture(t, "hostile-flux")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := runner.Run(ctx, runner.Options{Root: root, Paths: []string{root}, Config: &config.Config{Limits: hostileLimits}, Jobs: 2})
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1, dump(rep))
	f := rep.Findings[0]
	assert.Equal(t, outcome{"yaml-alias-limit", "apps/bomb/cm.yaml:11"}, outcome{f.Rule, fmt.Sprintf("%s:%d", f.Source.File, f.Source.Line)})
	assert.Equal(t, []string{"apps/bomb", "clusters/flux.yaml#Kustomization/flux-system/bomb"}, f.Targets)
}
