package guard

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Within reports whether path is root or below it (both cleaned, absolute).
func Within(root, path string) bool {
	root, path = filepath.Clean(root), filepath.Clean(path)
	if root == path {
		return true
	}
	if !strings.HasSuffix(root, string(filepath.Separator)) {
		root += string(filepath.Separator)
	}
	return strings.HasPrefix(path, root)
}

// CheckPath decides whether path may be read at all, before anything is:
// inside root once every symlink is resolved (when root is not empty), a
// regular file (a FIFO or a device would block or never end), and no
// larger than the file size limit. A nil Violation and a nil error: read
// it. An error: the file cannot be examined (it does not exist, say); the
// caller's read reports that the way it always does.
func CheckPath(root, path string, l Limits) (*Violation, error) {
	l = l.WithDefaults()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	real := abs
	if root != "" {
		real, err = filepath.EvalSymlinks(abs)
		if errors.Is(err, syscall.ELOOP) {
			return &Violation{File: path, Rule: RuleSymlinkEscape,
				Message: "symlinks loop here (too many levels of symbolic links): remove the loop"}, nil
		}
		if err != nil {
			return nil, err
		}
		realRoot, err := filepath.EvalSymlinks(root)
		if err != nil {
			return nil, err
		}
		if !Within(realRoot, real) {
			if Within(root, abs) || Within(realRoot, abs) {
				return &Violation{File: path, Rule: RuleSymlinkEscape, Message: fmt.Sprintf(
					"is a symlink to %s, outside the repository: kvet never reads files outside the repository; vendor the file into it", real)}, nil
			}
			return &Violation{File: path, Rule: RuleOutsideRepo, Message: fmt.Sprintf(
				"is outside the repository (%s): kvet never reads files outside the repository; vendor the file into it", root)}, nil
		}
	}
	fi, err := os.Stat(real)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return unreadable(path, err), nil
		}
		return nil, err
	}
	if fi.IsDir() {
		return nil, nil // kustomize decides what a directory means
	}
	if !fi.Mode().IsRegular() {
		return &Violation{File: path, Rule: RuleUnreadableFile, Message: fmt.Sprintf(
			"is not a regular file (%s): kvet reads regular files only, a FIFO or device could block forever", fi.Mode().Type())}, nil
	}
	if fi.Size() > l.MaxFileBytes {
		return &Violation{File: path, Rule: RuleFileTooLarge, Message: fmt.Sprintf(
			"file is %s, more than the %s limit (limits.maxFileBytes in kvet.yaml)", Bytes(fi.Size()), Bytes(l.MaxFileBytes))}, nil
	}
	return nil, nil
}

// Unreadable turns a read error into a Violation when it is one kvet
// should report as such (permission denied), else nil.
func Unreadable(path string, err error) *Violation {
	if errors.Is(err, fs.ErrPermission) {
		return unreadable(path, err)
	}
	return nil
}

func unreadable(path string, err error) *Violation {
	return &Violation{File: path, Rule: RuleUnreadableFile, Message: fmt.Sprintf(
		"cannot be read (%v): fix its permissions or remove it from the kustomization", errors.Unwrap(err))}
}

// ReadFile reads path the way every kvet read of repository content must:
// CheckPath, then at most the size limit, then CheckContent.
func ReadFile(root, path string, l Limits) ([]byte, *Violation, error) {
	l = l.WithDefaults()
	return readFile(root, path, l, func(file string, b []byte, yamlExpected bool) *Violation {
		return CheckContent(file, b, l, yamlExpected)
	})
}

func readFile(root, path string, l Limits, check func(file string, b []byte, yamlExpected bool) *Violation) ([]byte, *Violation, error) {
	if v, err := CheckPath(root, path, l); v != nil || err != nil {
		return nil, v, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, Unreadable(path, err), err
	}
	defer f.Close()
	// The size was checked, but the file may grow while it is read.
	b, err := io.ReadAll(io.LimitReader(f, l.MaxFileBytes+1))
	if err != nil {
		return nil, Unreadable(path, err), err
	}
	if v := check(path, b, LooksYAML(path)); v != nil {
		return nil, v, nil
	}
	return b, nil, nil
}
