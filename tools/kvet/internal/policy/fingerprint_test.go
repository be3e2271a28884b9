package policy

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFingerprint: the fingerprint changes with every input of the
// findings besides the target (a policy file, the options, an exception
// expiring), stays when nothing changed, and refuses unsafe built-ins.
func TestFingerprint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rego := filepath.Join(dir, "labels.rego")
	require.NoError(t, os.WriteFile(rego, []byte("package team\n\ndeny contains \"no team\" if { not input.metadata.labels.team }\n"), 0o600))
	day := func(s string) func() time.Time {
		return func() time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	}
	base := Options{Dirs: []string{dir}, AllowedRegistries: []string{"ghcr.io"}, Now: day("2026-05-01"),
		Exceptions: []Exception{{Rule: "pdb-selector", Path: "overlays/*", Reason: "legacy", Expires: "2026-06-01"}}}
	fingerprint := func(o Options) string {
		t.Helper()
		fp, ok, err := Fingerprint(o)
		require.NoError(t, err)
		require.True(t, ok)
		return fp
	}
	want := fingerprint(base)
	assert.Equal(t, want, fingerprint(base), "same inputs, same fingerprint")
	same := base
	same.Now = day("2026-06-01")
	assert.Equal(t, want, fingerprint(same), "the exception still holds on its last day")

	changed := map[string]func(t *testing.T) Options{
		"a policy file": func(t *testing.T) Options {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "labels.rego"), []byte("package team\n\ndeny contains \"no owner\" if { not input.metadata.labels.owner }\n"), 0o600))
			o := base
			o.Dirs = []string{dir}
			return o
		},
		"a new policy file": func(t *testing.T) Options {
			dir := t.TempDir()
			b, err := os.ReadFile(rego)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "labels.rego"), b, 0o600))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "more.rego"), []byte("package more\n"), 0o600))
			o := base
			o.Dirs = []string{dir}
			return o
		},
		"the default library left out": func(*testing.T) Options { o := base; o.NoDefaults = true; return o },
		"the configuration": func(*testing.T) Options {
			o := base
			o.AllowedRegistries = []string{"quay.io"}
			return o
		},
		"the repository's directories": func(*testing.T) Options {
			o := base
			o.RepositoryDirs = []string{"apps"}
			return o
		},
		"an exception that expired": func(*testing.T) Options { o := base; o.Now = day("2026-06-02"); return o },
	}
	for name, change := range changed {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assert.NotEqual(t, want, fingerprint(change(t)))
		})
	}

	t.Run("unsafe built-ins", func(t *testing.T) {
		t.Parallel()
		o := base
		o.AllowUnsafeBuiltins = true
		_, ok, err := Fingerprint(o)
		require.NoError(t, err)
		assert.False(t, ok, "a policy may read the clock or the network: never reuse its findings")
	})
	t.Run("invalid options", func(t *testing.T) {
		t.Parallel()
		o := base
		o.Exceptions = []Exception{{Rule: "cpu-limit", Reason: "x", Expires: "31/12/2026"}}
		_, _, err := Fingerprint(o)
		assert.ErrorContains(t, err, "not a date")
	})
}
