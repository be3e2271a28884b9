package gitops

import (
	"fmt"
	"io/fs"
	"path/filepath"
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
type ArtifactFilter struct {
	domain  []string
	matcher gitignore.Matcher
}

// NewArtifactFilter reads the .sourceignore files under root (absolute);
// ignore is the GitRepository's spec.ignore ("" when unset).
func NewArtifactFilter(root, ignore string) (*ArtifactFilter, error) {
	domain := strings.Split(filepath.Clean(root), string(filepath.Separator))
	ps, err := sourceignore.LoadIgnorePatterns(root, domain)
	if err != nil {
		return nil, fmt.Errorf("source-controller's ignore patterns: %w", err)
	}
	if ignore != "" {
		ps = append(ps, sourceignore.ReadPatterns(strings.NewReader(ignore), domain)...)
	}
	return &ArtifactFilter{domain: domain, matcher: sourceignore.NewDefaultMatcher(ps, domain)}, nil
}

// Excluded reports whether the file or directory p (absolute) is left out
// of the artifact.
func (f *ArtifactFilter) Excluded(p string, isDir bool) bool {
	return f != nil && f.matcher.Match(strings.Split(filepath.Clean(p), string(filepath.Separator)), isDir)
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

// artifactFilters caches the filters of one repository by spec.ignore.
type artifactFilters struct {
	mu   sync.Mutex
	byIg map[string]artifactFilterResult
}

type artifactFilterResult struct {
	f   *ArtifactFilter
	err error
}

// ArtifactFilter is the filter of the GitRepository artifact of this
// repository whose spec.ignore is ignore, read once.
func (r *Repo) ArtifactFilter(ignore string) (*ArtifactFilter, error) {
	r.filters.mu.Lock()
	defer r.filters.mu.Unlock()
	if res, ok := r.filters.byIg[ignore]; ok {
		return res.f, res.err
	}
	f, err := NewArtifactFilter(r.root, ignore)
	if r.filters.byIg == nil {
		r.filters.byIg = map[string]artifactFilterResult{}
	}
	r.filters.byIg[ignore] = artifactFilterResult{f, err}
	return f, err
}
