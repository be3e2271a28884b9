package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// localPath accepts a repository-relative path that cannot leave the
// repository by its spelling: not empty, not absolute, no "..".
func localPath(p string) error {
	switch {
	case strings.TrimSpace(p) == "":
		return errors.New("empty path")
	case filepath.IsAbs(p) || strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) || filepath.VolumeName(p) != "":
		return fmt.Errorf("%q is absolute: paths in %s are relative to the repository root and stay inside it", p, FileName)
	case !filepath.IsLocal(filepath.FromSlash(p)) && filepath.Clean(filepath.FromSlash(p)) != ".":
		return fmt.Errorf("%q leaves the repository: paths in %s are relative to the repository root and stay inside it", p, FileName)
	}
	return nil
}

// localPattern accepts a pattern that can match repository-relative
// paths: an absolute or ".." pattern never would, so it is a mistake.
func localPattern(p string) error {
	s := filepath.ToSlash(p)
	if strings.HasPrefix(s, "/") || filepath.IsAbs(p) {
		return fmt.Errorf("%q is absolute: patterns match paths relative to the repository root", p)
	}
	for _, seg := range strings.Split(s, "/") {
		if seg == ".." {
			return fmt.Errorf("%q has a \"..\" segment: patterns match paths inside the repository", p)
		}
	}
	return nil
}

// confine checks, once the repository root is known, that every directory
// kvet.yaml names exists inside it with every symlink resolved.
func (c *Config) confine(root string) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("repository root: %w", err)
	}
	var errs []error
	check := func(key, d string) {
		p := filepath.Join(root, filepath.FromSlash(d))
		real, err := filepath.EvalSymlinks(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			errs = append(errs, c.src.at(key, "directory %s does not exist", d))
		case err != nil:
			errs = append(errs, c.src.at(key, "%s: %v", d, errors.Unwrap(err)))
		case !within(realRoot, real):
			errs = append(errs, c.src.at(key, "%s is a symlink out of the repository: kvet reads nothing outside the repository root", d))
		default:
			if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
				errs = append(errs, c.src.at(key, "%s is not a directory", d))
			}
		}
	}
	for i, d := range c.CRDs {
		check(fmt.Sprintf("crds[%d]", i), d)
	}
	for i, d := range c.Policy.Dirs {
		check(fmt.Sprintf("policy.dirs[%d]", i), d)
	}
	return errors.Join(errs...)
}

func within(root, p string) bool {
	r, err := filepath.Rel(root, p)
	return err == nil && (r == "." || filepath.IsLocal(r))
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
