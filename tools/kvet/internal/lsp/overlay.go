package lsp

import (
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// overlayFS is the repository as the editor sees it: the disk under root
// with the open, possibly unsaved, buffers over it. It is an immutable
// snapshot (one per check), read-only, and never reads outside root: a
// build reads it through kvet's guard as well, which adds the limits.
type overlayFS struct {
	filesys.FileSystem
	root    string
	limits  guard.Limits
	buffers map[string][]byte // absolute, cleaned path -> content
}

func newOverlayFS(root string, limits guard.Limits, buffers map[string][]byte) *overlayFS {
	return &overlayFS{FileSystem: filesys.MakeFsOnDisk(), root: root, limits: limits, buffers: buffers}
}

func (o *overlayFS) buffer(path string) ([]byte, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, false
	}
	b, ok := o.buffers[abs]
	return b, ok
}

// ReadFile returns the buffer of an open file, else the file on disk when
// it lies inside the repository (symlinks resolved).
func (o *overlayFS) ReadFile(path string) ([]byte, error) {
	if b, ok := o.buffer(path); ok {
		return bytes.Clone(b), nil
	}
	if v, _ := guard.CheckPath(o.root, path, o.limits); v != nil {
		return nil, v
	}
	return o.FileSystem.ReadFile(path)
}

func (o *overlayFS) Open(path string) (filesys.File, error) {
	if _, ok := o.buffer(path); ok {
		// kustomize reads files with ReadFile; Open is for plugins, which
		// never run on an editor buffer.
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission}
	}
	if v, _ := guard.CheckPath(o.root, path, o.limits); v != nil {
		return nil, v
	}
	return o.FileSystem.Open(path)
}

// A buffer of a file not yet saved exists too.
func (o *overlayFS) Exists(path string) bool {
	if _, ok := o.buffer(path); ok {
		return true
	}
	return o.FileSystem.Exists(path)
}

func (o *overlayFS) IsDir(path string) bool {
	if _, ok := o.buffer(path); ok {
		return false
	}
	return o.FileSystem.IsDir(path)
}

func (o *overlayFS) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	if _, ok := o.buffer(path); ok {
		abs, _ := filepath.Abs(path)
		d, err := filepath.EvalSymlinks(filepath.Dir(abs))
		if err != nil {
			return "", "", fmt.Errorf("resolve %s: %w", filepath.Dir(abs), err)
		}
		return filesys.ConfirmedDir(d), filepath.Base(abs), nil
	}
	return o.FileSystem.CleanedAbs(path)
}

// loadKustomization reads dir's kustomization as discovery and the
// affected-target logic do, the buffer when it is open: a resources entry
// typed and not saved counts. A kustomization file that exists only as a
// buffer is not found (kustfile.Find looks at the disk).
func (o *overlayFS) loadKustomization(dir string) (*kustfile.File, error) {
	p, err := kustfile.Find(dir)
	if err != nil {
		return nil, fmt.Errorf("kustomization of %s: %w", dir, err)
	}
	raw, err := o.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return kustfile.Parse(dir, p, raw)
}

// The write side is refused: the server never writes into the tree (edits
// go to the editor as workspace edits).
func (o *overlayFS) Create(path string) (filesys.File, error) {
	return nil, &fs.PathError{Op: "create", Path: path, Err: fs.ErrPermission}
}
func (o *overlayFS) Mkdir(path string) error {
	return &fs.PathError{Op: "mkdir", Path: path, Err: fs.ErrPermission}
}
func (o *overlayFS) MkdirAll(path string) error {
	return &fs.PathError{Op: "mkdir", Path: path, Err: fs.ErrPermission}
}
func (o *overlayFS) RemoveAll(path string) error {
	return &fs.PathError{Op: "remove", Path: path, Err: fs.ErrPermission}
}
func (o *overlayFS) WriteFile(path string, _ []byte) error {
	return &fs.PathError{Op: "write", Path: path, Err: fs.ErrPermission}
}
