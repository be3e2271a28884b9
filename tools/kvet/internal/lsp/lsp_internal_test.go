package lsp

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/protocol"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
)

// A newer edit cancels the check in flight, and the files of that check
// are checked again with the newer one; edits within the debounce make
// one check.
func TestSchedulerCancelsOlderCheck(t *testing.T) {
	var mu sync.Mutex
	var calls [][]string
	started := make(chan struct{}, 10)
	done := make(chan error, 10)
	c := &scheduler{base: context.Background(), pending: map[string]bool{}, debounce: 10 * time.Millisecond}
	c.check = func(ctx context.Context, files []string) error {
		mu.Lock()
		calls = append(calls, files)
		first := len(calls) == 1
		mu.Unlock()
		started <- struct{}{}
		if first {
			<-ctx.Done() // a long build, abandoned when cancelled
			done <- ctx.Err()
			return ctx.Err()
		}
		done <- nil
		return nil
	}
	c.changed("/r/a.yaml")
	c.changed("/r/a.yaml") // within the debounce: one check
	<-started
	c.changed("/r/b.yaml") // cancels the first check
	require.ErrorIs(t, <-done, context.Canceled)
	<-started
	require.NoError(t, <-done)
	c.stop()
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, [][]string{{"/r/a.yaml"}, {"/r/a.yaml", "/r/b.yaml"}}, calls)
}

// The overlay file system serves buffers over the disk, confines reads to
// the repository and writes nothing.
func TestOverlayFS(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "a.yaml"), []byte("disk\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte("secret\n"), 0o600))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(root, "link.yaml")))
	buffers := map[string][]byte{filepath.Join(root, "a.yaml"): []byte("buffer\n"), filepath.Join(root, "new.yaml"): []byte("unsaved\n")}
	o := newOverlayFS(root, guard.Defaults(), buffers)

	b, err := o.ReadFile(filepath.Join(root, "a.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "buffer\n", string(b))
	b, err = o.ReadFile(filepath.Join(root, "new.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "unsaved\n", string(b))
	assert.True(t, o.Exists(filepath.Join(root, "new.yaml")))
	assert.False(t, o.IsDir(filepath.Join(root, "new.yaml")))

	for _, p := range []string{filepath.Join(outside, "secret.yaml"), filepath.Join(root, "link.yaml")} {
		_, err := o.ReadFile(p)
		var v *guard.Violation
		assert.True(t, errors.As(err, &v), "%s: %v", p, err)
	}
	assert.ErrorIs(t, o.WriteFile(filepath.Join(root, "a.yaml"), nil), fs.ErrPermission)
	assert.ErrorIs(t, o.MkdirAll(filepath.Join(root, "d")), fs.ErrPermission)
	assert.ErrorIs(t, o.RemoveAll(filepath.Join(root, "a.yaml")), fs.ErrPermission)
	_, err = o.Create(filepath.Join(root, "c.yaml"))
	assert.ErrorIs(t, err, fs.ErrPermission)
	disk, err := os.ReadFile(filepath.Join(root, "a.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "disk\n", string(disk))
}

func TestFieldAt(t *testing.T) {
	text := []byte(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          image: web:1
          args: ["a"]
---
kind: Service
`)
	for _, tc := range []struct {
		line int
		want string
	}{
		{6, "spec.replicas"},
		{4, "metadata.name"},
		{10, "spec.template.spec.containers[web].name"},
		{11, "spec.template.spec.containers[web].image"},
		{14, "kind"},
	} {
		_, path, ok := fieldAt(text, tc.line)
		require.True(t, ok, "line %d", tc.line)
		var parts []string
		for _, s := range path {
			if s.item {
				parts[len(parts)-1] += "[" + s.name + "]"
				continue
			}
			parts = append(parts, s.key)
		}
		assert.Equal(t, tc.want, strings.Join(parts, "."), "line %d", tc.line)
	}
}

// applyEdit applies one edit to text (positions in bytes).
func applyEdit(text string, e *protocol.TextEdit) string {
	offset := func(p protocol.Position) int {
		lines := strings.SplitAfter(text, "\n")
		o := 0
		for i := 0; i < int(p.Line) && i < len(lines); i++ {
			o += len(lines[i])
		}
		return min(o+int(p.Character), len(text))
	}
	return text[:offset(e.Range.Start)] + e.NewText + text[offset(e.Range.End):]
}

func TestQuickFixEdits(t *testing.T) {
	t.Run("remove one of several patches", func(t *testing.T) {
		text := "resources:\n  - ../base\npatches:\n  - path: a.yaml\n  - target:\n      kind: Deployment\n    path: b.yaml\n  - path: c.yaml\n"
		e := removeListItem([]byte(text), "patches", 5)
		require.NotNil(t, e)
		assert.Equal(t, "resources:\n  - ../base\npatches:\n  - path: a.yaml\n  - path: c.yaml\n", applyEdit(text, e))
	})
	t.Run("remove the only patch and its key", func(t *testing.T) {
		text := "patches:\n  - path: a.yaml\nresources:\n  - ../base\n"
		e := removeListItem([]byte(text), "patches", 2)
		require.NotNil(t, e)
		assert.Equal(t, "resources:\n  - ../base\n", applyEdit(text, e))
	})
	t.Run("remove a patchesStrategicMerge entry", func(t *testing.T) {
		text := "patchesStrategicMerge:\n  - a.yaml\n  - b.yaml\n"
		e := removeListItem([]byte(text), "patchesStrategicMerge", 3)
		require.NotNil(t, e)
		assert.Equal(t, "patchesStrategicMerge:\n  - a.yaml\n", applyEdit(text, e))
	})
	t.Run("no patch on the line", func(t *testing.T) {
		assert.Nil(t, removeListItem([]byte("patches:\n  - path: a.yaml\n"), "patches", 1))
	})
	t.Run("rename a key", func(t *testing.T) {
		e := renameKey([]string{"spec:", "  replicaz: 3"}, 2, "replicaz", "replicas", encUTF16)
		require.NotNil(t, e)
		assert.Equal(t, "spec:\n  replicas: 3\n", applyEdit("spec:\n  replicaz: 3\n", e))
		assert.Nil(t, renameKey([]string{"spec:", "  x: replicaz: 3"}, 2, "replicaz", "replicas", encUTF16))
	})
	t.Run("restricted defaults replace a securityContext, keeping its other settings", func(t *testing.T) {
		text := "spec:\n  containers:\n    - name: web\n      image: web:1\n      securityContext:\n        privileged: true\n        runAsUser: 0\n        readOnlyRootFilesystem: true\n        capabilities:\n          add: [NET_ADMIN, NET_BIND_SERVICE]\n    - name: side\n      image: side:1\n"
		e := restrictedEdit([]byte(text), 6)
		require.NotNil(t, e)
		assert.Equal(t, "spec:\n  containers:\n    - name: web\n      image: web:1\n      securityContext:\n        readOnlyRootFilesystem: true\n        capabilities:\n          add: [NET_BIND_SERVICE]\n          drop: [ALL]\n        allowPrivilegeEscalation: false\n        runAsNonRoot: true\n        seccompProfile:\n          type: RuntimeDefault\n    - name: side\n      image: side:1\n", applyEdit(text, e))
	})
	t.Run("restricted defaults added to a container without one", func(t *testing.T) {
		text := "spec:\n  initContainers:\n    - name: init\n      image: init:1\n"
		e := restrictedEdit([]byte(text), 3)
		require.NotNil(t, e)
		assert.Equal(t, "spec:\n  initContainers:\n    - name: init\n      securityContext:\n        allowPrivilegeEscalation: false\n        runAsNonRoot: true\n        capabilities:\n          drop: [ALL]\n        seccompProfile:\n          type: RuntimeDefault\n      image: init:1\n", applyEdit(text, e))
	})
}

// Characters leave the server in the client's encoding: UTF-16 code
// units unless the client offers UTF-8 (LSP 3.17 positionEncodings).
func TestPositionEncoding(t *testing.T) {
	assert.Equal(t, encUTF16, negotiate([]byte(`{"capabilities":{}}`)))
	assert.Equal(t, encUTF16, negotiate([]byte(`{"capabilities":{"general":{"positionEncodings":["utf-16","utf-32"]}}}`)))
	assert.Equal(t, encUTF8, negotiate([]byte(`{"capabilities":{"general":{"positionEncodings":["utf-32","utf-8"]}}}`)))
	line := "  x: 1 # ä 😀 y"
	for _, tc := range []struct {
		enc  encoding
		b    int
		want uint32
	}{
		{encUTF16, 4, 4},
		{encUTF16, len("  x: 1 # ä"), 10},   // ä: 2 bytes, 1 unit
		{encUTF16, len("  x: 1 # ä 😀"), 13}, // 😀: 4 bytes, a surrogate pair
		{encUTF16, len(line), 15},
		{encUTF16, len(line) + 5, 15},
		{encUTF8, len(line), uint32(len(line))},
	} {
		assert.Equal(t, tc.want, tc.enc.character(line, tc.b), "%s %d", tc.enc, tc.b)
	}
	e := renameKey([]string{"- {ä: 1}", "  replicaz: 3 # 😀"}, 2, "replicaz", "replicas", encUTF16)
	require.NotNil(t, e)
	assert.Equal(t, protocol.Position{Line: 1, Character: 2}, e.Range.Start)
}
