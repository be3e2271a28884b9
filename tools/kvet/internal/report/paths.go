package report

import (
	"path/filepath"
	"strings"
)

// Relativize rewrites every absolute path under root, or under one of
// root's ancestors, in a report's free text (messages, build errors,
// notes, source files) into a path relative to root, so that no output
// format carries the machine's directories. kustomize's and Helm's error
// chains name files by absolute path; kvet reports repository paths.
func Relativize(root string, targets []Target, findings []Finding) {
	rel := relativizer(root)
	if rel == nil {
		return
	}
	for i := range targets {
		targets[i].Error = rel(targets[i].Error)
		for k, n := range targets[i].Notes {
			targets[i].Notes[k] = rel(n)
		}
	}
	for i := range findings {
		f := &findings[i]
		f.Message = rel(f.Message)
		f.Detail = rel(f.Detail)
		f.Source.File = relFile(rel, f.Source.File)
		for k := range f.Related {
			f.Related[k].File = relFile(rel, f.Related[k].File)
			f.Related[k].Message = rel(f.Related[k].Message)
		}
	}
}

// relFile rewrites an absolute file path with rel; others stay.
func relFile(rel func(string) string, file string) string {
	if !filepath.IsAbs(filepath.FromSlash(file)) {
		return file
	}
	return strings.TrimSuffix(strings.TrimPrefix(rel(file+"/"), "./"), "/")
}

// relativizer returns a function replacing "<ancestor>/" prefixes of root,
// deepest first, by the matching "../" chain ("" for root itself; the root
// named without a slash becomes "../<base>", still correct). The
// filesystem root alone is never rewritten: "/" is in every apiVersion.
func relativizer(root string) func(string) string {
	root = filepath.ToSlash(filepath.Clean(root))
	if !strings.HasPrefix(root, "/") || root == "/" {
		return nil
	}
	var pairs []string
	up := ""
	for dir := root; dir != "/" && dir != "."; dir = filepath.ToSlash(filepath.Dir(dir)) {
		pairs = append(pairs, dir+"/", up)
		up += "../"
	}
	r := strings.NewReplacer(pairs...)
	return func(s string) string {
		if !strings.Contains(s, "/") {
			return s
		}
		return r.Replace(s)
	}
}
