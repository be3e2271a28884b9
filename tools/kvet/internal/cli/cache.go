package cli

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cache"
)

// cacheFlags are validate's --cache-dir and --no-cache.
type cacheFlags struct {
	dir string
	off bool
}

func (c *cacheFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.dir, "cache-dir", "", "directory of kvet's build and schema cache, reusable between runs and CI jobs (default: the user cache directory's kvet/, e.g. ~/.cache/kvet)")
	fs.BoolVar(&c.off, "no-cache", false, "neither read nor write the cache")
}

// open returns the cache to use, nil when it is off. A default cache
// directory that cannot be created only turns the cache off (a read-only
// home must not fail validation); an explicit --cache-dir must work.
func (c *cacheFlags) open(stderr io.Writer) (*cache.Cache, error) {
	if c.off {
		return nil, nil
	}
	dir := c.dir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, nil //nolint:nilerr // no cache directory: run without one
		}
		dir = filepath.Join(base, "kvet")
	}
	v, err := cacheVersion()
	if err != nil {
		return nil, err
	}
	cc, err := cache.Open(dir, v)
	if err != nil {
		if c.dir == "" {
			fmt.Fprintf(stderr, "kvet: running without a cache: %v\n", err)
			return nil, nil
		}
		return nil, err
	}
	return cc, nil
}

// cacheVersion names this build of kvet for the cache: its version, its
// module and dependency versions, and, for a build whose source is not a
// clean commit (a development build, a modified work tree), the hash of
// the executable itself, so that a rebuilt kvet never trusts the entries
// of the one before.
func cacheVersion() (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "kvet %s", Version)
	clean := false
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(&b, " %s %s@%s %s", bi.GoVersion, bi.Main.Path, bi.Main.Version, bi.Main.Sum)
		for _, d := range bi.Deps {
			fmt.Fprintf(&b, " %s@%s %s", d.Path, d.Version, d.Sum)
		}
		modified, revision := "", ""
		for _, s := range bi.Settings {
			fmt.Fprintf(&b, " %s=%s", s.Key, s.Value)
			switch s.Key {
			case "vcs.modified":
				modified = s.Value
			case "vcs.revision":
				revision = s.Value
			}
		}
		clean = (revision != "" && modified == "false") || (bi.Main.Version != "" && bi.Main.Version != "(devel)")
	}
	if !clean {
		exe, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("cache: identify kvet's executable: %w", err)
		}
		id, err := executableID(exe)
		if err != nil {
			return "", fmt.Errorf("cache: identify kvet's executable: %w", err)
		}
		fmt.Fprintf(&b, " exe=%s", id)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return fmt.Sprintf("%s %x", Version, sum), nil
}

// executableID names the executable's content: the Go build ID the go
// command writes into every binary it links (its last part is the hash of
// the linked file), read from the ELF note or the text segment's first
// bytes as cmd/internal/buildid reads it; the SHA-256 of the whole file
// when it has none (hashing ~100 MB costs every run ~50 ms).
func executableID(exe string) (string, error) {
	if id := goBuildID(exe); id != "" {
		return "buildid:" + id, nil
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return fmt.Sprintf("sha256:%x", h.Sum(nil)), nil
}

// goBuildID returns exe's Go build ID, "" when it has none that names
// its content (a binary linked without the go command).
func goBuildID(exe string) string {
	id := ""
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		if s := f.Section(".note.go.buildid"); s != nil {
			if note, err := s.Data(); err == nil {
				id = elfNoteID(note, f.ByteOrder)
			}
		}
	} else if f, err := os.Open(exe); err == nil {
		defer f.Close()
		head := make([]byte, 32<<10)
		n, _ := io.ReadFull(f, head)
		id = rawBuildID(head[:n])
	}
	// The go command's IDs are actionID/contentID pairs; anything else
	// (a placeholder, a redacted ID) does not name the content.
	if parts := strings.Split(id, "/"); len(parts) < 2 || slices.Contains(parts, "") {
		return ""
	}
	return id
}

// elfNoteID reads a Go build ID note: name size, description size, type
// 4, name "Go\x00\x00", then the ID.
func elfNoteID(note []byte, order binary.ByteOrder) string {
	if len(note) < 16 {
		return ""
	}
	nameSize, descSize, typ := order.Uint32(note), order.Uint32(note[4:]), order.Uint32(note[8:])
	if nameSize != 4 || typ != 4 || string(note[12:16]) != "Go\x00\x00" || uint64(descSize) > uint64(len(note)-16) {
		return ""
	}
	return string(note[16 : 16+descSize])
}

// rawBuildID finds the ID the linker writes at the start of the text
// segment of non-ELF binaries: \xff Go build ID: "ID"\n \xff.
func rawBuildID(head []byte) string {
	const prefix, end = "\xff Go build ID: \"", "\"\n \xff"
	i := bytes.Index(head, []byte(prefix))
	if i < 0 {
		return ""
	}
	rest := head[i+len(prefix)-1:]
	j := bytes.Index(rest[1:], []byte(end))
	if j < 0 {
		return ""
	}
	id, err := strconv.Unquote(string(rest[:j+2]))
	if err != nil {
		return ""
	}
	return id
}
