package gitops

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/fluxcd/pkg/sourceignore"
	"github.com/fluxcd/pkg/sourceignore/gitignore"
)

// ArtifactFilter says which files of the repository source-controller
// leaves out of a GitRepository's artifact, as its reconcileArtifact does:
// the default exclusions (lowest priority), then the patterns of every
// .sourceignore file of the repository (each scoped to its directory),
// then the GitRepository's spec.ignore, all matched from the repository
// root (storage.SourceIgnoreFilter over sourceignore.NewDefaultMatcher).
//
// When kvet cannot tell which of several GitRepositories applies (a
// repository holding several clusters, each with its own flux-system
// source), the filter leaves out only what every candidate's spec.ignore
// leaves out: a file kvet drops wrongly would hide defects or empty a
// directory.
type ArtifactFilter struct {
	matchers []gitignore.Matcher
}

// NewArtifactFilter reads the .sourceignore files under root (absolute);
// ignores are the candidate GitRepositories' spec.ignore ("" when unset;
// none: only the defaults and the .sourceignore files).
func NewArtifactFilter(root string, ignores []string) (*ArtifactFilter, error) {
	domain := strings.Split(filepath.Clean(root), string(filepath.Separator))
	ps, err := sourceignore.LoadIgnorePatterns(root, domain)
	if err != nil {
		return nil, fmt.Errorf("source-controller's ignore patterns: %w", err)
	}
	if len(ignores) == 0 {
		ignores = []string{""}
	}
	f := &ArtifactFilter{}
	for _, ig := range ignores {
		all := slices.Clone(ps)
		if ig != "" {
			all = append(all, sourceignore.ReadPatterns(strings.NewReader(ig), domain)...)
		}
		f.matchers = append(f.matchers, sourceignore.NewDefaultMatcher(all, domain))
	}
	return f, nil
}

// Excluded reports whether the file or directory p (absolute) is left out
// of the artifact (of every candidate's).
func (f *ArtifactFilter) Excluded(p string, isDir bool) bool {
	if f == nil {
		return false
	}
	path := strings.Split(filepath.Clean(p), string(filepath.Separator))
	for _, m := range f.matchers {
		if !m.Match(path, isDir) {
			return false
		}
	}
	return true
}

// patternsUnder lists what the artifact leaves out under dir (absolute)
// as gitignore patterns anchored at dir, one a line: kustomize-controller's
// generator scopes the patterns it is given to the directory it builds.
func (f *ArtifactFilter) patternsUnder(dir string) (string, error) {
	if f == nil {
		return "", nil
	}
	// A file name as a literal gitignore pattern.
	globEscape := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		if !f.Excluded(p, d.IsDir()) {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b.WriteString("/" + globEscape.Replace(filepath.ToSlash(rel)))
		if d.IsDir() {
			b.WriteString("/\n")
			return filepath.SkipDir
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("list what the artifact leaves out of %s: %w", dir, err)
	}
	return b.String(), nil
}

// ArtifactFilters caches the filters of one repository by the candidates'
// spec.ignore: each is read once. The zero value is ready; safe for
// concurrent use.
type ArtifactFilters struct {
	mu   sync.Mutex
	byIg map[string]artifactFilterResult
}

type artifactFilterResult struct {
	f   *ArtifactFilter
	err error
}

// Get returns the filter of root's artifact given the candidates'
// spec.ignore (NewArtifactFilter).
func (c *ArtifactFilters) Get(root string, ignores []string) (*ArtifactFilter, error) {
	key := strings.Join(ignores, "\x00")
	c.mu.Lock()
	defer c.mu.Unlock()
	if res, ok := c.byIg[key]; ok {
		return res.f, res.err
	}
	f, err := NewArtifactFilter(root, ignores)
	if c.byIg == nil {
		c.byIg = map[string]artifactFilterResult{}
	}
	c.byIg[key] = artifactFilterResult{f, err}
	return f, err
}

// ArtifactFilter is the filter of this repository's GitRepository
// artifact given the candidates' spec.ignore, read once.
func (r *Repo) ArtifactFilter(ignores []string) (*ArtifactFilter, error) {
	return r.filters.Get(r.root, ignores)
}

// gitRepositoryIgnores are the spec.ignore values of the GitRepositories
// named namespace/name in the tree (those in namespace, else those without
// one), each once; nil when there is none.
func (r *Repo) gitRepositoryIgnores(namespace, name string) []string {
	if r == nil {
		return nil
	}
	r.load()
	var exact, loose []string
	for _, o := range r.sources["GitRepository/"+name] {
		switch {
		case o.namespace == namespace && !slices.Contains(exact, o.ignore):
			exact = append(exact, o.ignore)
		case o.namespace == "" && !slices.Contains(loose, o.ignore):
			loose = append(loose, o.ignore)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return loose
}
