package build

import (
	"bytes"
	"io/fs"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// overlayFS is the disk seen through a set of in-memory replacements: kvet
// instruments kustomization files without ever writing to the user's tree.
type overlayFS struct {
	filesys.FileSystem
	files map[string][]byte // absolute, cleaned path -> content
}

func newOverlayFS(base filesys.FileSystem) *overlayFS {
	return &overlayFS{FileSystem: base, files: map[string][]byte{}}
}

func (o *overlayFS) set(path string, content []byte) { o.files[filepath.Clean(path)] = content }

func (o *overlayFS) lookup(path string) ([]byte, bool) {
	if len(o.files) == 0 {
		return nil, false
	}
	b, ok := o.files[filepath.Clean(path)]
	return b, ok
}

func (o *overlayFS) ReadFile(path string) ([]byte, error) {
	if b, ok := o.lookup(path); ok {
		return bytes.Clone(b), nil
	}
	return o.FileSystem.ReadFile(path)
}

func (o *overlayFS) Open(path string) (filesys.File, error) {
	if _, ok := o.lookup(path); ok {
		// kustomize reads kustomization files with ReadFile; Open is only
		// used for writes and plugins, which kvet never enables on them.
		return nil, &fs.PathError{Op: "open", Path: path, Err: errReadOnly}
	}
	return o.FileSystem.Open(path)
}

// The write side is refused: kvet must not write into the user's tree.
func (o *overlayFS) Create(path string) (filesys.File, error) {
	return nil, &fs.PathError{Op: "create", Path: path, Err: errReadOnly}
}
func (o *overlayFS) Mkdir(path string) error {
	return &fs.PathError{Op: "mkdir", Path: path, Err: errReadOnly}
}
func (o *overlayFS) MkdirAll(path string) error {
	return &fs.PathError{Op: "mkdir", Path: path, Err: errReadOnly}
}
func (o *overlayFS) RemoveAll(path string) error {
	return &fs.PathError{Op: "remove", Path: path, Err: errReadOnly}
}
func (o *overlayFS) WriteFile(path string, _ []byte) error {
	return &fs.PathError{Op: "write", Path: path, Err: errReadOnly}
}

var errReadOnly = fs.ErrPermission

// Exists and IsDir see the in-memory files too, so a generated
// kustomization.yaml in a plain directory is found by kustomize.
func (o *overlayFS) Exists(path string) bool {
	if _, ok := o.lookup(path); ok {
		return true
	}
	return o.FileSystem.Exists(path)
}

func (o *overlayFS) IsDir(path string) bool {
	if _, ok := o.lookup(path); ok {
		return false
	}
	return o.FileSystem.IsDir(path)
}

func (o *overlayFS) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", "", err
	}
	if _, ok := o.lookup(abs); ok {
		d, err := filepath.EvalSymlinks(filepath.Dir(abs))
		if err != nil {
			return "", "", err
		}
		return filesys.ConfirmedDir(d), filepath.Base(abs), nil
	}
	return o.FileSystem.CleanedAbs(path)
}
