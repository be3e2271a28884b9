// Package repotest holds the repository's own tests: every kustomize target of the GitOps
// tree builds in-process (no plugins, root-only load restrictions, as kvet builds them)
// and renders the objects the stack promises (issue 4). Deleting a required object, or
// breaking a path Argo CD or Flux points at, fails `go test ./tools/repotest/`.
package repotest
