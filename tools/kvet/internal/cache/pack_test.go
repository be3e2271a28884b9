package cache_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cache"
)

// records returns what a pack of slot holds for the keys named.
func records(c *cache.Cache, slot cache.Key, names ...string) map[string]string {
	p := c.OpenPack(slot)
	defer p.Abort()
	out := map[string]string{}
	for _, n := range names {
		if b, ok := p.Get(key(n)); ok {
			out[n] = string(b)
		}
	}
	return out
}

// TestPackRuns: a pack holds what its run stored and the old records it
// used; a record nobody used goes; a run that stores nothing leaves the
// pack as it was; an aborted run writes nothing.
func TestPackRuns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := open(t, dir, "v1")
	slot := key("slot")

	p := c.OpenPack(slot)
	_, ok := p.Get(key("a"))
	assert.False(t, ok, "no pack yet")
	require.NoError(t, p.Put(key("a"), []byte("A")))
	require.NoError(t, p.Put(key("b"), bytes.Repeat([]byte("B"), 3<<20))) // beyond the write buffer
	require.NoError(t, p.Put(key("empty"), nil))
	require.NoError(t, p.Commit())
	got := records(c, slot, "a", "b", "empty")
	assert.Equal(t, "A", got["a"])
	assert.Len(t, got["b"], 3<<20)
	assert.Contains(t, got, "empty")

	// Uses a, stores c: b is no longer needed by this slot.
	p = c.OpenPack(slot)
	b, ok := p.Get(key("a"))
	require.True(t, ok)
	assert.Equal(t, "A", string(b))
	require.NoError(t, p.Put(key("c"), []byte("C")))
	require.NoError(t, p.Commit())
	assert.Equal(t, map[string]string{"a": "A", "c": "C"}, records(c, slot, "a", "b", "c", "empty"))

	// Stores nothing: the pack stays whole, even records it did not use.
	p = c.OpenPack(slot)
	_, ok = p.Get(key("c"))
	require.True(t, ok)
	require.NoError(t, p.Commit())
	assert.Equal(t, map[string]string{"a": "A", "c": "C"}, records(c, slot, "a", "c"))

	// Aborted: nothing written, no temporary file left.
	p = c.OpenPack(slot)
	require.NoError(t, p.Put(key("d"), []byte("D")))
	p.Abort()
	assert.Equal(t, map[string]string{"a": "A", "c": "C"}, records(c, slot, "a", "c", "d"))
	assert.Empty(t, temporaries(t, dir))

	// Another slot, another pack; another version reads none of them.
	assert.Empty(t, records(c, key("other"), "a", "c"))
	assert.Empty(t, records(open(t, dir, "v2"), slot, "a", "c"))
}

// TestPackCorruption: a pack that is truncated, flipped, foreign or empty
// answers nothing, and the next commit replaces it.
func TestPackCorruption(t *testing.T) {
	t.Parallel()
	for name, spoil := range map[string]func([]byte) []byte{
		"truncated": func(b []byte) []byte { return b[:len(b)-5] },
		"flipped":   func(b []byte) []byte { b = bytes.Clone(b); b[len(b)-2] ^= 0x01; return b },
		"foreign":   func([]byte) []byte { return []byte("kvet-cache/1\nnot a pack") },
		"empty":     func([]byte) []byte { return nil },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			c := open(t, dir, "v1")
			slot := key("slot")
			p := c.OpenPack(slot)
			require.NoError(t, p.Put(key("a"), []byte("A")))
			require.NoError(t, p.Commit())
			b, err := os.ReadFile(entryPath(dir, slot))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(entryPath(dir, slot), spoil(b), 0o600))
			assert.Empty(t, records(c, slot, "a"))

			p = c.OpenPack(slot)
			require.NoError(t, p.Put(key("a"), []byte("A")))
			require.NoError(t, p.Commit())
			assert.Equal(t, map[string]string{"a": "A"}, records(c, slot, "a"))
		})
	}
}

// TestPackConcurrentCommits: runs committing one slot at once leave one
// whole pack (the last to finish), never a mixture or a torn file.
func TestPackConcurrentCommits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := open(t, dir, "v1")
	slot := key("slot")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			p := c.OpenPack(slot)
			for j := range 50 {
				assert.NoError(t, p.Put(key(fmt.Sprint(j)), []byte(fmt.Sprintf("run %d record %d", i, j))))
			}
			assert.NoError(t, p.Commit())
		})
	}
	wg.Wait()
	names := make([]string, 50)
	for j := range names {
		names[j] = fmt.Sprint(j)
	}
	got := records(c, slot, names...)
	require.Len(t, got, 50)
	var run int
	_, err := fmt.Sscanf(got["0"], "run %d", &run)
	require.NoError(t, err)
	for j, n := range names {
		assert.Equal(t, fmt.Sprintf("run %d record %d", run, j), got[n], "one run's pack, whole")
	}
	assert.Empty(t, temporaries(t, dir))
}

func temporaries(t *testing.T, dir string) []string {
	t.Helper()
	var tmp []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(p)[0] == '.' {
			tmp = append(tmp, p)
		}
		return err
	}))
	return tmp
}
