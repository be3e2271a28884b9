package cache_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cache"
)

func key(s string) cache.Key { return cache.Key(sha256.Sum256([]byte(s))) }

func open(t *testing.T, dir, version string) *cache.Cache {
	t.Helper()
	c, err := cache.Open(dir, version)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func entryPath(dir string, k cache.Key) string {
	s := k.String()
	return filepath.Join(dir, s[:2], s)
}

func TestRoundTripAndPermissions(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "kvet")
	c := open(t, dir, "v1")
	_, ok := c.Get(key("a"))
	assert.False(t, ok)
	require.NoError(t, c.Put(key("a"), []byte("payload")))
	got, ok := c.Get(key("a"))
	require.True(t, ok)
	assert.Equal(t, "payload", string(got))

	// Entries hold rendered objects, Secrets included: owner only.
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	fi, err = os.Stat(entryPath(dir, key("a")))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	fi, err = os.Stat(filepath.Dir(entryPath(dir, key("a"))))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
}

// plant writes b as the entry of k in a new cache directory.
func plant(t *testing.T, k cache.Key, b []byte) *cache.Cache {
	t.Helper()
	d := t.TempDir()
	c := open(t, d, "v1")
	require.NoError(t, os.MkdirAll(filepath.Dir(entryPath(d, k)), 0o700))
	require.NoError(t, os.WriteFile(entryPath(d, k), b, 0o600))
	return c
}

// TestUntrusted: an entry that is not exactly what this kvet version wrote
// under this key is a miss.
func TestUntrusted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := open(t, dir, "v1")
	require.NoError(t, c.Put(key("a"), []byte("payload of a")))
	good, err := os.ReadFile(entryPath(dir, key("a")))
	require.NoError(t, err)

	for name, b := range map[string][]byte{
		"truncated":    good[:len(good)-1],
		"extended":     append(bytes.Clone(good), 'x'),
		"flipped":      func() []byte { b := bytes.Clone(good); b[len(b)-1] ^= 1; return b }(),
		"header only":  good[:20],
		"empty":        nil,
		"foreign":      []byte("payload of a"),
		"other header": append([]byte("kvet-cache/2\n"), good[len("kvet-cache/1\n"):]...),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cc := plant(t, key("a"), b)
			_, ok := cc.Get(key("a"))
			assert.False(t, ok)
			// and the entry is rewritten
			require.NoError(t, cc.Put(key("a"), []byte("payload of a")))
			got, ok := cc.Get(key("a"))
			require.True(t, ok)
			assert.Equal(t, "payload of a", string(got))
		})
	}

	t.Run("another version", func(t *testing.T) {
		t.Parallel()
		_, ok := open(t, dir, "v2").Get(key("a"))
		assert.False(t, ok)
		_, ok = open(t, dir, "v1").Get(key("a"))
		assert.True(t, ok)
	})
	t.Run("copied under another key", func(t *testing.T) {
		t.Parallel()
		_, ok := plant(t, key("b"), good).Get(key("b"))
		assert.False(t, ok)
	})
}

// TestNoReadOutside: a symlink planted in the cache directory does not
// make kvet read (or write) a file outside it.
func TestNoReadOutside(t *testing.T) {
	t.Parallel()
	dir, outside := t.TempDir(), t.TempDir()
	writer := open(t, outside, "v1")
	require.NoError(t, writer.Put(key("a"), []byte("outside")))
	s := key("a").String()
	require.NoError(t, os.Symlink(filepath.Join(outside, s[:2]), filepath.Join(dir, s[:2])))
	c := open(t, dir, "v1")
	_, ok := c.Get(key("a"))
	assert.False(t, ok, "read through a symlink out of the cache directory")
	assert.Error(t, c.Put(key("a"), []byte("x")))
	b, err := os.ReadFile(entryPath(outside, key("a")))
	require.NoError(t, err)
	assert.Contains(t, string(b), "outside")
}

// TestConcurrentWriters: writers and readers of the same keys, in
// separate Cache values as separate processes would be, never see a
// partial entry.
func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	payload := func(i int) []byte { return bytes.Repeat([]byte(fmt.Sprintf("entry %d;", i)), 5000) }
	var wg sync.WaitGroup
	for w := range 8 {
		c := open(t, dir, "v1")
		wg.Go(func() {
			for i := range 20 {
				k := key(fmt.Sprint(i % 5))
				if (w+i)%2 == 0 {
					assert.NoError(t, c.Put(k, payload(i%5)))
					continue
				}
				if got, ok := c.Get(k); ok {
					assert.Equal(t, payload(i%5), got)
				}
			}
		})
	}
	wg.Wait()
	c := open(t, dir, "v1")
	for i := range 5 {
		got, ok := c.Get(key(fmt.Sprint(i)))
		require.True(t, ok)
		assert.Equal(t, payload(i), got)
	}
	leftovers, err := filepath.Glob(filepath.Join(dir, "*", ".tmp-*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers)
}
