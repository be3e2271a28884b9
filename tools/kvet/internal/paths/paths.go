// Package paths holds the small path helpers several kvet packages need,
// so that each exists once.
package paths

import (
	"os"
	"path/filepath"
	"strings"
)

// Rel returns p relative to root with "/" separators; a path outside root
// is a ../ climb (no output shows an absolute path of the machine), and p
// itself when it cannot be made relative (a relative p under an absolute
// root is taken to be relative to root already).
func Rel(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

// Inside reports whether p is root or below it.
func Inside(root, p string) bool {
	r, err := filepath.Rel(root, p)
	return err == nil && below(r)
}

func below(rel string) bool {
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// IsDir reports whether p exists and is a directory (following symlinks).
func IsDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
