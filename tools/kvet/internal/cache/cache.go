// Package cache is kvet's persistent, content-addressed store of build
// and check results (kvet validate --cache-dir). An entry is named by the
// hash of everything that produced it (the runner computes the key), so an
// entry is never stale: a changed input gives another name. What the
// package guards against is the store itself: an entry that is truncated,
// corrupted, written by another kvet version or not written by kvet at all
// is a miss (checksum and version in the entry's header), and concurrent
// runs sharing a directory never see a half-written entry (each entry is
// written to a temporary file and renamed into place).
//
// Entries hold rendered objects, which can include the data of Secrets
// committed to the repository: the directory is created 0700 and every
// entry 0600. Reads and writes go through os.Root, so a symlink planted in
// the cache directory never makes kvet read or write outside it.
package cache

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sync"
)

// magic starts every entry; layout is its own version, bumped when the
// entry format changes.
const magic = "kvet-cache/1\n"

// Cache is one cache directory, for one kvet version. It is safe for
// concurrent use, also by several processes.
type Cache struct {
	root    *os.Root
	dir     string
	version string
	// made are the shard directories this Cache already created (a
	// MkdirAll per entry costs a system call per path element).
	made sync.Map
}

// Open opens (creating it, 0700) the cache directory dir for entries of
// kvet version (entries of any other version are ignored).
func Open(dir, version string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cache directory: %w", err)
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("cache directory: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("cache directory: %w", err)
	}
	return &Cache{root: r, dir: abs, version: version}, nil
}

// Version is the kvet version the entries are for.
func (c *Cache) Version() string { return c.version }

// Dir is the cache directory (absolute).
func (c *Cache) Dir() string { return c.dir }

// Close releases the directory.
func (c *Cache) Close() error { return c.root.Close() }

// Key is an entry's name: the hash of its inputs.
type Key [sha256.Size]byte

func (k Key) String() string { return hex.EncodeToString(k[:]) }

func (k Key) file() string {
	s := k.String()
	return path.Join(s[:2], s)
}

// Get returns the payload stored under k, or false when there is none or
// it cannot be trusted (then the caller recomputes it and Puts it again).
func (c *Cache) Get(k Key) ([]byte, bool) {
	f, err := c.root.Open(k.file())
	if err != nil {
		return nil, false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, false
	}
	// Read at the size the file has (io.ReadAll would grow its buffer by
	// doubling: a run's pack is megabytes); a file that is not that size
	// any more is not trusted.
	b := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, false
	}
	if n, _ := f.Read(make([]byte, 1)); n != 0 {
		return nil, false
	}
	payload, err := c.decode(k, b)
	if err != nil {
		return nil, false
	}
	return payload, true
}

// Put stores payload under k. A failure to write is returned for the
// caller to ignore or report: the cache is an optimisation.
func (c *Cache) Put(k Key, payload []byte) error {
	name := k.file()
	if err := c.mkdir(path.Dir(name)); err != nil {
		return err
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	tmp := path.Join(path.Dir(name), ".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := c.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	_, werr := f.Write(c.encode(k, payload))
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = c.root.Remove(tmp)
		return fmt.Errorf("cache: write %s: %w", name, err)
	}
	if err := c.root.Rename(tmp, name); err != nil {
		_ = c.root.Remove(tmp)
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// mkdir creates a shard directory once per Cache (a MkdirAll per entry
// costs a system call per path element).
func (c *Cache) mkdir(dir string) error {
	if _, ok := c.made.Load(dir); ok {
		return nil
	}
	if err := c.root.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	c.made.Store(dir, true)
	return nil
}

// encode lays an entry out as: magic, the version (length-prefixed), the
// key, the payload's length and SHA-256, the payload.
func (c *Cache) encode(k Key, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	_ = binary.Write(&b, binary.BigEndian, uint32(len(c.version)))
	b.WriteString(c.version)
	b.Write(k[:])
	_ = binary.Write(&b, binary.BigEndian, uint64(len(payload)))
	sum := sha256.Sum256(payload)
	b.Write(sum[:])
	b.Write(payload)
	return b.Bytes()
}

var errBad = errors.New("not a valid cache entry")

func (c *Cache) decode(k Key, b []byte) ([]byte, error) {
	rest, ok := bytes.CutPrefix(b, []byte(magic))
	if !ok || len(rest) < 4 {
		return nil, errBad
	}
	n := binary.BigEndian.Uint32(rest)
	rest = rest[4:]
	if uint64(len(rest)) < uint64(n) || string(rest[:n]) != c.version {
		return nil, errBad // another kvet version, or garbage
	}
	rest = rest[n:]
	if len(rest) < len(k)+8+sha256.Size || !bytes.Equal(rest[:len(k)], k[:]) {
		return nil, errBad // an entry copied under another name
	}
	rest = rest[len(k):]
	size := binary.BigEndian.Uint64(rest)
	rest = rest[8:]
	var sum [sha256.Size]byte
	copy(sum[:], rest)
	rest = rest[sha256.Size:]
	if uint64(len(rest)) != size || sha256.Sum256(rest) != sum {
		return nil, errBad // truncated or corrupted
	}
	return rest, nil
}
