package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
)

// TestRepositoryModel runs validate on a small fleet (testdata/policies/
// repository-model) whose shapes gave false errors when every target was
// checked alone: the bootstrap source that is not in git, Kustomizations
// whose namespace their parent kustomization sets, sources that are not
// this repository, a Deployment a remote chart makes, a pod label the
// StatefulSet controller sets, a Secret that is a 1Password reference, a
// ClusterRole a remote chart could make.
// The real defects next to them must still be errors, and references
// resolve within their own cluster (clusters/staging is not clusters/prod).
func TestRepositoryModel(t *testing.T) {
	dst := pitRepo(t, "repository-model")
	require.NoError(t, os.WriteFile(filepath.Join(dst, ".git", "config"),
		[]byte("[core]\n\tbare = false\n[remote \"origin\"]\n\turl = https://github.com/example/fleet.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n"), 0o644))

	code, stdout, stderr := pitRun(t, "validate", "-o", "json", ".")
	require.Equal(t, cli.ExitFindings, code, stderr)
	var rep struct {
		Targets []struct {
			Path  string   `json:"path"`
			Notes []string `json:"notes"`
		} `json:"targets"`
		Findings []pitFinding `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))

	classes := []string{"flux-source-ref", "depends-on-missing", "gitops-path", "scale-target",
		"service-selector", "pdb-selector", "missing-reference", "plain-secret", "missing-key", "rbac-role-ref", "rbac-subject"}
	var errs []string
	for _, f := range rep.Findings {
		if slices.Contains(classes, f.Rule) {
			e := f.Severity + " " + f.Rule + " " + f.res()
			if !slices.Contains(errs, e) {
				errs = append(errs, e)
			}
		}
	}
	slices.Sort(errs)
	assert.Equal(t, []string{
		"error depends-on-missing Kustomization/flux-system/apps",
		"error depends-on-missing Kustomization/flux-system/apps-staging",
		"error flux-source-ref Kustomization/flux-system/ghost",
		"error gitops-path Kustomization/flux-system/mine",
		"error missing-key Deployment/shop/web",
		"error plain-secret Secret/shop/plain",
		"error scale-target HorizontalPodAutoscaler/shop/api",
		"error scale-target HorizontalPodAutoscaler/shop/web",
		"error service-selector Service/shop/broken",
		"warning rbac-subject RoleBinding/shop/web-readers",
	}, errs)
	for _, f := range rep.Findings {
		if f.Rule == "depends-on-missing" && f.Resource.Name == "apps" {
			assert.Contains(t, f.Message, "depends on Kustomization flux-system/ghost-dep")
			assert.Equal(t, "clusters/prod/apps.yaml", f.Source.File)
			assert.Equal(t, 13, f.Source.Line)
		}
		// the ConfigMap is another target's: the cluster view keeps its keys
		if f.Rule == "missing-key" {
			assert.Contains(t, f.Message, `reads key "mode" of ConfigMap settings in namespace "shop", which holds no such key (it holds level)`)
			assert.Equal(t, "apps/prod/workloads.yaml", f.Source.File)
			assert.Equal(t, 22, f.Source.Line)
		}
	}

	notes := map[string]string{}
	var paths []string
	for _, tg := range rep.Targets {
		paths = append(paths, tg.Path)
		notes[tg.Path] = strings.Join(tg.Notes, "\n")
	}
	// Entry points on other sources are targets with a note, never dropped.
	assert.Contains(t, notes["clusters/prod/vendor.yaml#Kustomization/vendor"], "its source is OCIRepository vendor")
	assert.Contains(t, notes["clusters/prod/tenant.yaml#Kustomization/tenant"], "reads https://github.com/other/tenant.git, which is not this repository")
	assert.Contains(t, notes["clusters/prod/mine.yaml#Kustomization/ghost"], "GitRepository ghost is not defined in this repository")
	// This repository through kvet.yaml (and through its remote: the
	// gitops-path error of mine above): rendered.
	assert.Contains(t, paths, "clusters/prod/mine.yaml#Kustomization/mirror")
	assert.Empty(t, notes["clusters/prod/mine.yaml#Kustomization/mirror"])
	// What a remote chart could make in its namespace is a note.
	var all string
	for _, n := range notes {
		all += n + "\n"
	}
	assert.Contains(t, all, "HorizontalPodAutoscaler podinfo: HorizontalPodAutoscaler podinfo targets Deployment podinfo")
	assert.Contains(t, all, "HelmRelease podinfo in the cluster could make it")
	assert.Contains(t, all, "apps/prod/rbac.yaml:9: RoleBinding web-readers: RoleBinding web-readers grants ClusterRole viewer")

	// kvet render refuses what it would have to invent.
	code, _, stderr = pitRun(t, "render", "clusters/prod/vendor.yaml#Kustomization/vendor")
	assert.Equal(t, cli.ExitUsage, code)
	assert.Contains(t, stderr, "is not rendered from this checkout: its source is OCIRepository vendor")
}
