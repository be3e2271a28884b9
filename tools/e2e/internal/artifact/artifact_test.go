package artifact

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestServeTarball(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"a/k.yaml": "kind: A\n", "b.yaml": "kind: B\n"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A file listed by git but deleted in the work tree is left out.
	a, err := s.Add("GitRepository", "flux-system", "flux-system", "main", dir, []string{"b.yaml", "a/k.yaml", "gone.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.Add("GitRepository", "flux-system", "flux-system", "main", dir, []string{"a/k.yaml", "b.yaml"})
	if a.Digest != again.Digest || a.Revision != again.Revision {
		t.Errorf("the tarball is not deterministic: %s vs %s", a.Digest, again.Digest)
	}
	resp, err := http.Get(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	sum := sha256.Sum256(body)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != a.Digest {
		t.Errorf("served digest %s, status says %s", got, a.Digest)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	if want := []string{"a/k.yaml", "b.yaml"}; !reflect.DeepEqual(names, want) || a.Files != 2 {
		t.Errorf("tarball holds %v (%d), want %v", names, a.Files, want)
	}
	if r, _ := http.Get(a.URL + "x"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path served: %s", r.Status)
	}
}
