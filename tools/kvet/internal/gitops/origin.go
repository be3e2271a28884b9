package gitops

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
)

// What is "this repository": a Flux Kustomization's spec.path is a path in
// the artifact of its sourceRef, an Argo CD Application's path is a path in
// its repoURL. kvet renders an entry point from this checkout only when its
// source is this repository:
//
//   - the bootstrap source, <ns>/<ns> (flux-system/flux-system), which
//     `flux bootstrap` and a FluxInstance spec.sync create from this
//     repository, whether or not its manifest is committed;
//   - a GitRepository or repoURL whose URL is one of this checkout's git
//     remotes or a kvet.yaml repositoryURLs entry.
//
// Every other source (OCIRepository, Bucket, ExternalArtifact, another
// URL) holds files kvet does not have: the entry point gets a note instead.

// maxGitConfig bounds the .git/config read: it is a small text file.
const maxGitConfig = 1 << 20

// RemoteURLs returns the URLs of the git remotes of the checkout at root,
// read from its .git/config (a worktree's .git file is followed to the
// common directory). Nothing is executed; a missing or unreadable
// configuration gives none.
func RemoteURLs(root string) []string {
	cfg, ok := gitConfigPath(root)
	if !ok {
		return nil
	}
	b, ok := readSmall(cfg)
	if !ok {
		return nil
	}
	return parseRemoteURLs(b)
}

// RepositoryURLs returns the URLs of this repository: the configured ones
// (kvet.yaml repositoryURLs), then the git remotes of the checkout at root.
func RepositoryURLs(root string, configured []string) []string {
	return append(append([]string(nil), configured...), RemoteURLs(root)...)
}

// gitConfigPath finds the config file of the repository at root.
func gitConfigPath(root string) (string, bool) {
	dot := filepath.Join(root, ".git")
	fi, err := os.Lstat(dot)
	if err != nil {
		return "", false
	}
	if fi.IsDir() {
		return filepath.Join(dot, "config"), true
	}
	if !fi.Mode().IsRegular() {
		return "", false
	}
	// A worktree or submodule: ".git" holds "gitdir: PATH".
	b, ok := readSmall(dot)
	if !ok {
		return "", false
	}
	gitdir, found := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir:")
	if !found {
		return "", false
	}
	gitdir = strings.TrimSpace(gitdir)
	if !filepath.IsAbs(gitdir) {
		gitdir = filepath.Join(root, gitdir)
	}
	if c, ok := readSmall(filepath.Join(gitdir, "commondir")); ok {
		common := strings.TrimSpace(string(c))
		if !filepath.IsAbs(common) {
			common = filepath.Join(gitdir, common)
		}
		gitdir = common
	}
	return filepath.Join(gitdir, "config"), true
}

// readSmall reads a regular file of at most maxGitConfig bytes.
func readSmall(p string) ([]byte, bool) {
	f, err := os.Open(p)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() > maxGitConfig {
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(f, maxGitConfig))
	return b, err == nil
}

// parseRemoteURLs reads the url and pushurl keys of [remote "..."]
// sections of a git configuration file.
func parseRemoteURLs(b []byte) []string {
	var out []string
	inRemote := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			section := strings.ToLower(strings.Trim(line, "[]"))
			inRemote = strings.HasPrefix(section, "remote ") || strings.HasPrefix(section, "remote\t")
			continue
		}
		if !inRemote {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "url", "pushurl":
			if v := strings.Trim(strings.TrimSpace(value), `"`); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// NormalizeURL reduces a git URL to "host/path" so that the spellings of
// one repository compare equal: https://, ssh://, git://, scp-style
// git@host:owner/repo, user names, ports, a trailing ".git" or "/", and
// the case of the host. A local path (no host) gives "".
func NormalizeURL(raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return ""
	}
	var host, p string
	if i := strings.Index(s, "://"); i >= 0 {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || strings.EqualFold(u.Scheme, "file") {
			return ""
		}
		host, p = u.Hostname(), u.Path
	} else {
		// scp-style [user@]host:path; a colon after a slash is a local path.
		colon := strings.Index(s, ":")
		if colon <= 0 || strings.Contains(s[:colon], "/") {
			return ""
		}
		host, p = s[:colon], s[colon+1:]
		if at := strings.LastIndex(host, "@"); at >= 0 {
			host = host[at+1:]
		}
	}
	p = strings.TrimSuffix(strings.Trim(p, "/"), ".git")
	if host == "" || p == "" {
		return ""
	}
	return strings.ToLower(host) + "/" + p
}

// thisURLs returns the normalised URLs of this repository.
func (r *Repo) thisURLs() map[string]bool {
	r.urlOnce.Do(func() {
		r.urls = map[string]bool{}
		for _, u := range r.repoURLs {
			if n := NormalizeURL(u); n != "" {
				r.urls[n] = true
			}
		}
	})
	return r.urls
}

// IsThisURL reports whether a Git URL is this repository. When kvet knows
// no URL of this repository (no git remote with a host, nothing in
// kvet.yaml) it cannot tell, and every URL counts as this repository, as
// before this was resolved.
func (r *Repo) IsThisURL(u string) bool {
	if r == nil {
		return true
	}
	urls := r.thisURLs()
	if len(urls) == 0 || strings.Contains(u, "{{") || strings.Contains(u, "${") {
		return true
	}
	return urls[NormalizeURL(u)]
}

// bootstrapKinds are the source kinds `flux bootstrap` or a FluxInstance
// spec.sync create as <ns>/<ns>.
var bootstrapKinds = map[string]bool{"GitRepository": true, "OCIRepository": true, "Bucket": true}

// IsBootstrapSource reports whether kind namespace/name is the bootstrap
// source: named after its namespace. A namespace kvet cannot tell (the
// manifest sets none) counts as flux-system, the default of both tools.
func IsBootstrapSource(kind, namespace, name string) bool {
	if !bootstrapKinds[kind] {
		return false
	}
	if namespace == "" {
		namespace = "flux-system"
	}
	return name == namespace
}

// SourceOrigin tells whether the Flux source kind namespace/name is this
// repository; when it is not, why says so in words for a note.
func (r *Repo) SourceOrigin(kind, namespace, name string) (this bool, why string) {
	if r == nil {
		return true, "" // no index of the tree: cannot tell
	}
	if kind == "" {
		kind = "GitRepository"
	}
	ref := name
	if namespace != "" {
		ref = namespace + "/" + name
	}
	if IsBootstrapSource(kind, namespace, name) {
		return true, ""
	}
	if kind != "GitRepository" {
		return false, fmt.Sprintf("its source is %s %s, an artifact kvet does not have (only the bootstrap source and Git repositories whose URL is this repository's are read from this checkout)", kind, ref)
	}
	def, ok := r.source(kind, namespace, name)
	if !ok {
		return false, fmt.Sprintf("its source GitRepository %s is not defined in this repository, so kvet cannot tell which repository it reads", ref)
	}
	if r.IsThisURL(def.url) {
		if def.branch != "" && !r.isThisBranch(def.branch) {
			return false, fmt.Sprintf("its source GitRepository %s reads branch %s of this repository, not the branch this checkout validates (%s)", ref, def.branch, strings.Join(r.Branches(), ", "))
		}
		return true, ""
	}
	return false, fmt.Sprintf("its source GitRepository %s reads %s, which is not this repository (neither a git remote of this checkout nor listed in kvet.yaml repositoryURLs)", ref, def.url)
}

// addFluxInstance records the branch a FluxInstance's spec.sync reads
// (ref "refs/heads/main" or "main"): its bootstrap source's branch.
func (r *Repo) addFluxInstance(node *yaml3.Node) {
	spec := lookup(node, "spec")
	if spec == nil {
		return
	}
	sync := lookup(spec, "sync")
	if sync == nil {
		return
	}
	if k := lookup(sync, "kind"); k != nil && k.Value != "GitRepository" {
		return
	}
	if ref := lookup(sync, "ref"); ref != nil && ref.Value != "" {
		if b, ok := strings.CutPrefix(ref.Value, "refs/heads/"); ok || !strings.HasPrefix(ref.Value, "refs/") {
			r.bootBranches = append(r.bootBranches, b)
		}
	}
}

// Branches are the branches of this repository that this checkout stands
// for: those the bootstrap sources of the tree track, the checked-out
// branch and the remote's default branch. A pull request's branch is
// validated as what its base branch will hold.
func (r *Repo) Branches() []string {
	r.load()
	var out []string
	checkout := r.checkoutBranches
	if checkout == nil {
		checkout = CheckoutBranches(r.root)
	}
	for _, b := range append(append([]string(nil), r.bootBranches...), checkout...) {
		if b != "" && !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}

// WithCheckoutBranches sets the branches of the checkout this tree stands
// for instead of reading them from its .git (nil: read them).
func (r *Repo) WithCheckoutBranches(branches []string) *Repo {
	r.checkoutBranches = branches
	return r
}

// isThisBranch: a GitRepository of this repository's URL on another
// branch reads other files; without any known branch, kvet cannot tell.
func (r *Repo) isThisBranch(branch string) bool {
	bs := r.Branches()
	return len(bs) == 0 || slices.Contains(bs, branch)
}

// CheckoutBranches returns the checked-out branch of the repository at
// root (none when HEAD is detached) and the default branch of its remotes
// (refs/remotes/*/HEAD), read from .git without running git.
func CheckoutBranches(root string) []string {
	cfg, ok := gitConfigPath(root)
	if !ok {
		return nil
	}
	gitdir := filepath.Dir(cfg)
	var out []string
	// A worktree's HEAD is in its own git directory, not the common one.
	heads := []string{filepath.Join(gitdir, "HEAD")}
	if b, ok := readSmall(filepath.Join(root, ".git")); ok {
		if d, found := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir:"); found {
			d = strings.TrimSpace(d)
			if !filepath.IsAbs(d) {
				d = filepath.Join(root, d)
			}
			heads = []string{filepath.Join(d, "HEAD")}
		}
	}
	remotes, _ := os.ReadDir(filepath.Join(gitdir, "refs", "remotes"))
	for _, rm := range remotes {
		if rm.IsDir() {
			heads = append(heads, filepath.Join(gitdir, "refs", "remotes", rm.Name(), "HEAD"))
		}
	}
	for _, h := range heads {
		b, ok := readSmall(h)
		if !ok {
			continue
		}
		ref, found := strings.CutPrefix(strings.TrimSpace(string(b)), "ref:")
		if !found {
			continue // detached
		}
		ref = strings.TrimSpace(ref)
		if br, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
			out = append(out, br)
		} else if parts := strings.SplitN(ref, "/", 4); len(parts) == 4 && parts[1] == "remotes" {
			out = append(out, parts[3])
		}
	}
	return out
}
