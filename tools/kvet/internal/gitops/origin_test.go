package gitops

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"https://github.com/example/fleet.git", "github.com/example/fleet"},
		{"https://github.com/example/fleet", "github.com/example/fleet"},
		{"https://GitHub.com/example/fleet/", "github.com/example/fleet"},
		{"ssh://git@github.com/example/fleet", "github.com/example/fleet"},
		{"ssh://git@github.com:22/example/fleet.git", "github.com/example/fleet"},
		{"git@github.com:example/fleet.git", "github.com/example/fleet"},
		{"https://user:token@gitlab.example.com/group/sub/fleet.git", "gitlab.example.com/group/sub/fleet"},
		{"/work/.mirror/fleet/repo", ""},
		{"./relative:path/x", ""},
		{"file:///srv/git/fleet.git", ""},
		{"", ""},
	} {
		assert.Equal(t, tc.want, NormalizeURL(tc.in), tc.in)
	}
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

const gitConfig = `[core]
	bare = false
[remote "origin"]
	url = git@github.com:example/fleet.git
	fetch = +refs/heads/*:refs/remotes/origin/*
[branch "main"]
	remote = origin
	url = https://not-a-remote.example.com/x
[remote "mirror"]
	url = "https://git.example.com/mirror/fleet"
	pushurl = https://push.example.com/fleet
`

func TestRemoteURLsAndBranches(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFile(t, filepath.Join(root, ".git", "config"), gitConfig)
	writeFile(t, filepath.Join(root, ".git", "HEAD"), "ref: refs/heads/feature\n")
	writeFile(t, filepath.Join(root, ".git", "refs", "remotes", "origin", "HEAD"), "ref: refs/remotes/origin/main\n")
	assert.Equal(t, []string{"git@github.com:example/fleet.git", "https://git.example.com/mirror/fleet", "https://push.example.com/fleet"}, RemoteURLs(root))
	assert.Equal(t, []string{"feature", "main"}, CheckoutBranches(root))

	// A worktree: .git is a file; the remotes are in the common directory,
	// HEAD in the worktree's own.
	wt := t.TempDir()
	gitdir := filepath.Join(root, ".git", "worktrees", "wt")
	writeFile(t, filepath.Join(wt, ".git"), "gitdir: "+gitdir+"\n")
	writeFile(t, filepath.Join(gitdir, "commondir"), "../..\n")
	writeFile(t, filepath.Join(gitdir, "HEAD"), "0123456789abcdef0123456789abcdef01234567\n")
	assert.Len(t, RemoteURLs(wt), 3)
	assert.Equal(t, []string{"main"}, CheckoutBranches(wt), "a detached HEAD names no branch")

	assert.Empty(t, RemoteURLs(t.TempDir()), "no .git")
}

func TestSourceOrigin(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "clusters", "sources.yaml"), `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: mine, namespace: flux-system}
spec: {url: "ssh://git@github.com/example/fleet", ref: {branch: main}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: other-branch, namespace: flux-system}
spec: {url: "https://github.com/example/fleet.git", ref: {branch: dev-team}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: tenant, namespace: apps}
spec: {url: "https://github.com/other/tenant"}
---
apiVersion: fluxcd.controlplane.io/v1
kind: FluxInstance
metadata: {name: flux, namespace: flux-system}
spec:
  sync: {kind: GitRepository, url: "https://github.com/example/fleet", ref: refs/heads/main, path: clusters/prod}
`)
	repo := NewRepo(root, nil, 0).WithRepositoryURLs([]string{"https://github.com/example/fleet.git"})
	for _, tc := range []struct {
		kind, ns, name string
		this           bool
		why            string
	}{
		{"GitRepository", "flux-system", "flux-system", true, ""},
		{"OCIRepository", "flux-system", "flux-system", true, ""},
		{"GitRepository", "", "flux-system", true, ""},
		{"GitRepository", "flux-system", "mine", true, ""},
		{"GitRepository", "flux-system", "other-branch", false, "reads branch dev-team of this repository"},
		{"GitRepository", "apps", "tenant", false, "reads https://github.com/other/tenant, which is not this repository"},
		{"GitRepository", "apps", "ghost", false, "GitRepository apps/ghost is not defined in this repository"},
		{"OCIRepository", "flux-system", "vendor", false, "its source is OCIRepository flux-system/vendor"},
		{"ExternalArtifact", "apps", "x", false, "its source is ExternalArtifact apps/x"},
	} {
		this, why := repo.SourceOrigin(tc.kind, tc.ns, tc.name)
		assert.Equal(t, tc.this, this, "%s %s/%s", tc.kind, tc.ns, tc.name)
		assert.Contains(t, why, tc.why, "%s %s/%s", tc.kind, tc.ns, tc.name)
	}
	assert.Equal(t, []string{"main"}, repo.Branches())

	// Without any known URL, every Git URL is this repository (as before).
	unknown := NewRepo(root, nil, 0)
	this, _ := unknown.SourceOrigin("GitRepository", "apps", "tenant")
	assert.True(t, this)
}

func TestParseNotRendered(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	file := filepath.Join(root, "entry.yaml")
	writeFile(t, file, `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: vendor, namespace: flux-system}
spec: {path: ./, sourceRef: {kind: OCIRepository, name: vendor}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: env, namespace: flux-system}
spec: {path: "./apps/${ENVIRONMENT}", sourceRef: {kind: GitRepository, name: flux-system}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {path: ./apps, sourceRef: {kind: GitRepository, name: flux-system}}
---
# a patch of a Kustomization: no sourceRef, not an entry point
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {path: ./staging}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: app, namespace: argocd}
spec:
  sources:
    - {repoURL: "git@github.com:example/fleet.git", path: apps}
    - {repoURL: "https://github.com/vendor/manifests", path: deploy}
---
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: vendor-dirs, namespace: argocd}
spec:
  generators:
    - git: {repoURL: "https://github.com/vendor/manifests", revision: main, directories: [{path: "*"}]}
  template:
    metadata: {name: "{{path.basename}}"}
    spec:
      source: {repoURL: "https://github.com/vendor/manifests", path: "{{path}}"}
`)
	repo := NewRepo(root, nil, 0).WithRepositoryURLs([]string{"https://github.com/example/fleet"})
	got := map[string]string{}
	for _, e := range Parse(root, file, repo) {
		got[e.Kind+"/"+e.Name+":"+e.Path] = e.NotRendered
	}
	require.Len(t, got, 6)
	assert.Contains(t, got["ApplicationSet/vendor-dirs:"], "its git generator reads https://github.com/vendor/manifests")
	assert.Contains(t, got["Kustomization/vendor:."], "OCIRepository")
	assert.Contains(t, got["Kustomization/env:apps/${ENVIRONMENT}"], "holds a variable")
	assert.Empty(t, got["Kustomization/apps:apps"])
	assert.Empty(t, got["Application/app:apps"])
	assert.Contains(t, got["Application/app:deploy"], "https://github.com/vendor/manifests is not this repository")
}

func TestExternalArtifactFromThisRepository(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	generator := func(apps string) string {
		return `apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata: {name: flux-system, namespace: flux-system}
spec:
  sources:
    - {alias: monorepo, kind: GitRepository, name: flux-system}
    - {alias: vendor, kind: OCIRepository, name: vendor}
  artifacts:
    - name: infrastructure
      copy:
        - {from: "@monorepo/infrastructure/**", to: "@artifact/"}
    - name: apps
      copy:
        - {from: "@monorepo/apps/base/**", to: "@artifact/base/"}
        - {from: "@monorepo/apps/` + apps + `/**", to: "@artifact/` + apps + `/"}
    - name: mixed
      copy:
        - {from: "@monorepo/apps/base/**", to: "@artifact/base/"}
        - {from: "@monorepo/other/**", to: "@artifact/extra/"}
    - name: vendored
      copy:
        - {from: "@vendor/deploy/**", to: "@artifact/"}
    - name: filtered
      copy:
        - {from: "@monorepo/apps/**", to: "@artifact/", exclude: ["*.md"]}
`
	}
	writeFile(t, filepath.Join(root, "clusters", "staging", "artifacts.yaml"), generator("staging"))
	writeFile(t, filepath.Join(root, "clusters", "production", "artifacts.yaml"), generator("production"))
	ks := func(source, path string) string {
		return `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: ` + source + `, namespace: flux-system}
spec: {path: "` + path + `", sourceRef: {kind: ExternalArtifact, name: ` + source + `}}
---
`
	}
	file := filepath.Join(root, "clusters", "staging", "ks.yaml")
	writeFile(t, file, ks("apps", "./staging")+ks("infrastructure", "./controllers")+ks("mixed", "./base")+ks("vendored", "./")+ks("filtered", "./"))
	got := map[string][2]string{}
	for _, e := range Parse(root, file, NewRepo(root, nil, 0)) {
		got[e.Name] = [2]string{e.Path, e.NotRendered}
	}
	assert.Equal(t, [2]string{"apps/staging", ""}, got["apps"], "the staging cluster's generator")
	assert.Equal(t, [2]string{"infrastructure/controllers", ""}, got["infrastructure"])
	assert.Contains(t, got["mixed"][1], "rearrange")
	assert.Contains(t, got["vendored"][1], "composed from OCIRepository flux-system/vendor")
	assert.Contains(t, got["filtered"][1], "without excludes")
}
