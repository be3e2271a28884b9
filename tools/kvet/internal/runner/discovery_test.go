package runner_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// TestDiscovery: which directories of a tree are built, and how.
func TestDiscovery(t *testing.T) {
	t.Parallel()
	all := []report.Target{
		{Path: "base", Resources: 1},              // named by an Argo CD Application, though overlays include it
		{Path: "deploy/argo-plain", Resources: 1}, // Argo CD Application, plain directory, no recursion
		{Path: "deploy/flux-plain", Resources: 2}, // Flux Kustomization spec.path, generated, recursive
		{Path: "envs/one", Resources: 1},          // root kustomization and ApplicationSet git directory
		{Path: "envs/two", Resources: 1},          // ApplicationSet git directory generator, plain
		{Path: "overlays/dev", Resources: 1},      // root
		{Path: "overlays/prod", Resources: 2},     // root with a component
		{Path: "regions", Resources: 1},           // root
		{Path: "regions/eu/app", Resources: 1},    // ApplicationSet list generator, included by regions
		{Path: "regions/us/app", Resources: 1},    // ApplicationSet list generator, plain
		{Path: "zones/east", Resources: 1},        // ApplicationSet Go template with a sprig pipe and missingkey=error
		{Path: "zones/west", Resources: 1},
	}
	tests := []struct {
		name  string
		paths []string
		cfg   *config.Config
		want  []report.Target
	}{
		{
			name: "roots and entry points; components, excluded paths, hidden directories and testdata never",
			cfg:  &config.Config{Exclude: []string{"legacy"}},
			want: all,
		},
		{
			name: "without the exclusion the legacy root and the directory its Application names are targets",
			cfg:  &config.Config{},
			want: insertTargets(all,
				report.Target{Path: "deploy/legacy-only", Resources: 1},
				report.Target{Path: "legacy", Resources: 1}),
		},
		{
			name: "glob exclusion",
			cfg:  &config.Config{Exclude: []string{"legacy/**", "regions/*/app", "deploy/**"}},
			want: []report.Target{all[0], all[3], all[4], all[5], all[6], all[7], all[10], all[11]},
		},
		{
			name:  "a path holding a kustomization is exactly that target, base or not",
			paths: []string{"base"},
			cfg:   &config.Config{},
			want:  []report.Target{{Path: "base", Resources: 1}},
		},
		{
			name:  "a sub-tree discovers only its own roots",
			paths: []string{"overlays"},
			cfg:   &config.Config{},
			want:  []report.Target{all[5], all[6]},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := run(t, fixture(t, "discovery"), func(o *runner.Options) {
				o.Config = tc.cfg
				o.SkipSchema = true
				if tc.paths != nil {
					o.Paths = nil
					for _, p := range tc.paths {
						o.Paths = append(o.Paths, filepath.Join(o.Root, p))
					}
				}
			})
			require.Empty(t, rep.Findings, dump(rep))
			require.Equal(t, tc.want, dirTargets(rep)) // entry points: entrypoints_test.go
		})
	}
}

func insertTargets(ts []report.Target, more ...report.Target) []report.Target {
	out := append(append([]report.Target{}, ts...), more...)
	return report.New(out, nil).Targets
}

// environments as a mapping has no order: a target two patterns name
// differently stops the run instead of taking whichever key came first;
// the list form is ordered.
func TestAmbiguousEnvironments(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("testdata", "discovery"))
	require.NoError(t, err)
	mapping, err := config.Parse([]byte("environments:\n  \"overlays/*\": production\n  \"overlays/prod\": prod\n"))
	require.NoError(t, err)
	_, err = runner.Run(context.Background(), runner.Options{Root: root, Paths: []string{filepath.Join(root, "overlays")}, Config: mapping, Jobs: 2})
	require.Error(t, err)
	require.Contains(t, err.Error(), `kvet.yaml:2: environments: target overlays/prod matches "overlays/*" (production) and "overlays/prod" (prod, line 3)`)

	list, err := config.Parse([]byte("environments:\n- {match: \"overlays/prod\", name: prod}\n- {match: \"overlays/*\", name: production}\n"))
	require.NoError(t, err)
	_, err = runner.Run(context.Background(), runner.Options{Root: root, Paths: []string{filepath.Join(root, "overlays")}, Config: list, Jobs: 2})
	require.NoError(t, err)
	require.Equal(t, "prod", list.Environment("overlays/prod"))
	require.Equal(t, "production", list.Environment("overlays/dev"))
}

// TestForeignSourceRootIsNoTarget: a Flux Kustomization whose source is an
// OCI artifact names `path: ./` of that artifact; the directory is not read
// from this checkout (which would render the whole repository: the cluster
// files twice, a duplicate-id build failure), while a Kustomization on the
// bootstrap source still makes its directory a target.
func TestForeignSourceRootIsNoTarget(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "foreign-root"), nil)
	var paths []string
	for _, tg := range rep.Targets {
		paths = append(paths, tg.Path)
	}
	require.NotContains(t, paths, ".", "the OCI artifact's root is not this repository's")
	require.Contains(t, paths, "vendor")
	require.Zero(t, rep.Summary.Errors, "%v", rep.Findings)
}
