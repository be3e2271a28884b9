// Package artifact serves a source tree the way source-controller serves a
// GitRepository artifact: a gzipped tarball over HTTP, addressed by its
// sha256 digest, so that the real kustomize-controller fetches it without
// source-controller.
package artifact

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Artifact is one served tarball.
type Artifact struct {
	Path     string // path part of the URL, as in status.artifact.path
	URL      string
	Digest   string // sha256:<hex> of the tarball, as Flux verifies it
	Revision string // <branch>@sha1:<hex>, the shape of a Git revision
	Size     int64
	Files    int
}

// Server serves artifacts on 127.0.0.1.
type Server struct {
	ln    net.Listener
	srv   *http.Server
	blobs map[string][]byte
}

// NewServer listens on a free port of 127.0.0.1.
func NewServer() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("artifact server: %w", err)
	}
	s := &Server{ln: ln, blobs: map[string][]byte{}}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// ServeHTTP serves the registered tarballs, nothing else.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, ok := s.blobs[strings.TrimPrefix(r.URL.Path, "/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/x-gzip")
	_, _ = w.Write(b)
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Add serves the files of root (paths relative to root, with /) as the
// artifact of the named source and returns its status fields.
func (s *Server) Add(kind, namespace, name, branch, root string, files []string) (Artifact, error) {
	tgz, n, err := Tarball(root, files)
	if err != nil {
		return Artifact{}, err
	}
	sum := sha256.Sum256(tgz)
	rev := sha1.Sum(tgz)
	digest := hex.EncodeToString(sum[:])
	a := Artifact{
		Path:     fmt.Sprintf("%s/%s/%s/%s.tar.gz", strings.ToLower(kind), namespace, name, digest),
		Digest:   "sha256:" + digest,
		Revision: branch + "@sha1:" + hex.EncodeToString(rev[:]),
		Size:     int64(len(tgz)),
		Files:    n,
	}
	a.URL = "http://" + s.ln.Addr().String() + "/" + a.Path
	s.blobs[a.Path] = tgz
	return a, nil
}

// Tarball writes the regular files among files (relative to root) into a
// deterministic gzipped tarball: sorted, fixed times and modes.
func Tarball(root string, files []string) ([]byte, int, error) {
	files = append([]string(nil), files...)
	sort.Strings(files)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	n := 0
	for _, f := range files {
		full := filepath.Join(root, filepath.FromSlash(f))
		st, err := os.Lstat(full)
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree but still in the index
			}
			return nil, 0, err
		}
		if !st.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(full)
		if err != nil {
			return nil, 0, err
		}
		hdr := &tar.Header{Name: f, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, 0, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, 0, err
		}
		n++
	}
	if err := tw.Close(); err != nil {
		return nil, 0, err
	}
	if err := zw.Close(); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), n, nil
}

// WorkTreeFiles lists what a clone of the work tree would hold: tracked
// files and untracked files git does not ignore (git ls-files), without the
// VCS files source-controller leaves out of every artifact.
func WorkTreeFiles(root string) ([]string, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files in %s: %w", root, err)
	}
	var files []string
	seen := map[string]bool{}
	for _, f := range strings.Split(string(out), "\x00") {
		if f == "" || seen[f] {
			continue
		}
		seen[f] = true
		base := f[strings.LastIndex(f, "/")+1:]
		switch base {
		case ".gitignore", ".gitmodules", ".gitattributes":
			continue
		}
		files = append(files, f)
	}
	return files, nil
}
