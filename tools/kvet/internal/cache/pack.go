package cache

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path"
	"sync"
)

// A Pack is one run's records in one file. A run of kvet reads and writes a
// few thousand small records (a build, schema findings and checks per
// target); as one file each, creating them cost a cold run about a tenth
// of its time (mostly the file system creating files) and reading them
// back most of a warm run's. A Pack keeps every record of a run in one
// entry, named by a slot (the runner's choice: the repository and the
// targets asked for), read at once when the run starts and written at once
// when it ends.
//
// Records stay content-addressed: each is found by its own key, so a pack
// never answers with a stale record, only with fewer hits. The pack file is
// an ordinary entry (magic, version, slot key, length, SHA-256, payload):
// corrupt, truncated or foreign packs are misses, and Commit writes to a
// temporary file renamed into place, so concurrent runs sharing the
// directory see one whole pack or another (the last run to finish wins).
//
// The new pack holds the records this run stored and those it found in the
// old pack and used: records that no run of this slot needs any more go
// with the old file. Records are streamed to the temporary file as they are
// stored, so a run never holds its whole pack in memory twice.
type Pack struct {
	c    *Cache
	slot Key
	// old are the records of the previous pack of the slot, slices of its
	// bytes (kept alive by whoever holds a payload).
	old map[Key][]byte

	mu sync.Mutex
	// used are old records Get returned; put the keys written to tmp.
	used map[Key]bool
	put  map[Key]bool
	tmp  *os.File
	name string
	w    *bufio.Writer
	sum  hash.Hash
	size uint64
	err  error
	done bool
}

// OpenPack reads the pack of slot (none, or one that cannot be trusted, is
// an empty pack) and those of the slots in also, whose records Get finds
// too (a run of some targets reads what a run of all of them wrote). The
// pack Commit writes is slot's.
func (c *Cache) OpenPack(slot Key, also ...Key) *Pack {
	p := &Pack{c: c, slot: slot, old: map[Key][]byte{}, used: map[Key]bool{}, put: map[Key]bool{}}
	for i, s := range append([]Key{slot}, also...) {
		if i > 0 && s == slot {
			continue
		}
		payload, ok := c.Get(s)
		if !ok {
			continue
		}
		recs, err := parseRecords(payload)
		if err != nil {
			continue
		}
		for k, b := range recs {
			if _, ok := p.old[k]; !ok {
				p.old[k] = b
			}
		}
	}
	return p
}

// parseRecords indexes a pack's payload: records of key, uvarint length,
// payload.
func parseRecords(b []byte) (map[Key][]byte, error) {
	recs := map[Key][]byte{}
	for len(b) > 0 {
		if len(b) < len(Key{}) {
			return nil, errBad
		}
		var k Key
		copy(k[:], b)
		b = b[len(k):]
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return nil, errBad
		}
		b = b[w:]
		recs[k] = b[:n:n]
		b = b[n:]
	}
	return recs, nil
}

// Get returns the record stored under k in the slot's last pack or in
// this run's.
func (p *Pack) Get(k Key) ([]byte, bool) {
	payload, ok := p.old[k]
	if !ok {
		return nil, false
	}
	p.mu.Lock()
	p.used[k] = true
	p.mu.Unlock()
	return payload, true
}

// Put adds a record to this run's pack. An error (a full disk) is the
// caller's to ignore: the pack is then not written, which costs speed only.
func (p *Pack) Put(k Key, payload []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done || p.put[k] {
		return p.err
	}
	if err := p.write(k, payload); err != nil {
		return err
	}
	p.put[k] = true
	return nil
}

// write appends one record to the temporary file (created on the first
// record); p.mu is held.
func (p *Pack) write(k Key, payload []byte) error {
	if p.err != nil {
		return p.err
	}
	if p.tmp == nil {
		if p.err = p.create(); p.err != nil {
			return p.err
		}
	}
	var n [binary.MaxVarintLen64]byte
	rec := [][]byte{k[:], n[:binary.PutUvarint(n[:], uint64(len(payload)))], payload}
	for _, b := range rec {
		if _, err := p.w.Write(b); err != nil {
			p.err = fmt.Errorf("cache: write pack: %w", err)
			return p.err
		}
		p.sum.Write(b)
		p.size += uint64(len(b))
	}
	return nil
}

// create opens the temporary file and writes the entry header with a
// length and checksum Commit fills in.
func (p *Pack) create() error {
	name := p.slot.file()
	if err := p.c.mkdir(path.Dir(name)); err != nil {
		return err
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	p.name = path.Join(path.Dir(name), ".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := p.c.root.OpenFile(p.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	p.tmp, p.sum = f, sha256.New()
	p.w = bufio.NewWriterSize(f, 1<<20)
	// The header as encode lays it out; length and checksum stay zero
	// until Commit knows them.
	_, err = p.w.Write(p.c.encode(p.slot, nil)[:p.headerLen()])
	if err != nil {
		return fmt.Errorf("cache: write pack: %w", err)
	}
	return nil
}

// headerLen is the length of an entry's header before its payload.
func (p *Pack) headerLen() int {
	return len(magic) + 4 + len(p.c.version) + len(Key{}) + 8 + sha256.Size
}

// Commit writes the pack: this run's records and the old ones it used.
// A run that stored nothing leaves the old pack as it is (every record it
// used is still there). Commit and Abort may both be called; the first
// wins.
func (p *Pack) Commit() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return p.err
	}
	p.done = true
	if p.tmp == nil && p.err == nil {
		return nil // nothing stored
	}
	for k := range p.used {
		if !p.put[k] {
			if err := p.write(k, p.old[k]); err != nil {
				break
			}
		}
	}
	if p.err == nil {
		p.err = p.finish()
	}
	if p.err != nil {
		p.discard()
	}
	return p.err
}

// finish writes the length and checksum into the header and renames the
// temporary file into place.
func (p *Pack) finish() error {
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("cache: write pack: %w", err)
	}
	var tail [8 + sha256.Size]byte
	binary.BigEndian.PutUint64(tail[:8], p.size)
	p.sum.Sum(tail[8:8])
	if _, err := p.tmp.WriteAt(tail[:], int64(p.headerLen()-len(tail))); err != nil {
		return fmt.Errorf("cache: write pack: %w", err)
	}
	if err := p.tmp.Close(); err != nil {
		p.tmp = nil
		return fmt.Errorf("cache: write pack: %w", err)
	}
	p.tmp = nil
	if err := p.c.root.Rename(p.name, p.slot.file()); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	p.name = ""
	return nil
}

// Abort drops what this run stored (an interrupted run writes nothing).
func (p *Pack) Abort() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.done = true
	p.err = errors.New("cache: pack aborted")
	p.discard()
}

// discard closes and removes the temporary file, if any; p.mu is held.
func (p *Pack) discard() {
	if p.tmp != nil {
		_ = p.tmp.Close()
		p.tmp = nil
	}
	if p.name != "" {
		_ = p.c.root.Remove(p.name)
		p.name = ""
	}
}
