package cli

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
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
		f, err := os.Open(exe)
		if err != nil {
			return "", fmt.Errorf("cache: identify kvet's executable: %w", err)
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return "", fmt.Errorf("cache: identify kvet's executable: %w", err)
		}
		fmt.Fprintf(&b, " exe=%x", h.Sum(nil))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return fmt.Sprintf("%s %x", Version, sum), nil
}
