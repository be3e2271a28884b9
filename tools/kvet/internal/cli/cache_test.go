package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func editFile(t *testing.T, p, old, new string) {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Contains(t, string(b), old)
	require.NoError(t, os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o600))
}

// TestCacheCLI: kvet.yaml and the policies are inputs of a cached run too:
// after either changes, a warm run reports what a run without cache
// reports, and a run with nothing changed reports what the cold run did.
func TestCacheCLI(t *testing.T) {
	for _, tt := range []struct {
		fixture string
		args    []string
		change  func(t *testing.T, repo string)
	}{
		{fixture: "config", change: func(t *testing.T, repo string) {
			editFile(t, filepath.Join(repo, "kvet.yaml"), `externalKinds: ["example.com/*"]`, "externalKinds: []")
		}},
		{fixture: "conftest", args: []string{"--policy", "policy"}, change: func(t *testing.T, repo string) {
			editFile(t, filepath.Join(repo, "policy", "labels.rego"), `"team"}`, `"team", "owner"}`)
		}},
	} {
		t.Run(tt.fixture, func(t *testing.T) {
			repo := pitRepo(t, tt.fixture)
			cacheDir := filepath.Join(t.TempDir(), "cache")
			validate := func(extra ...string) string {
				_, stdout, stderr := pitRun(t, append(append([]string{"validate", "-o", "json"}, tt.args...), extra...)...)
				require.NotEmpty(t, stdout, stderr)
				return stdout
			}
			cold := validate("--cache-dir", cacheDir)
			assert.Equal(t, cold, validate("--cache-dir", cacheDir), "warm, nothing changed")
			assert.Equal(t, cold, validate("--no-cache"))
			tt.change(t, repo)
			fresh := validate("--no-cache")
			assert.NotEqual(t, cold, fresh, "the change must change the report")
			assert.Equal(t, fresh, validate("--cache-dir", cacheDir), "warm, after the change")
			entries, err := filepath.Glob(filepath.Join(cacheDir, "*", "*"))
			require.NoError(t, err)
			assert.NotEmpty(t, entries)
		})
	}
}

// TestCacheDefaultDir: without --cache-dir, the cache lives in the user
// cache directory's kvet/; --no-cache writes nothing.
func TestCacheDefaultDir(t *testing.T) {
	pitRepo(t, "conftest")
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	pitRun(t, "validate", "--no-cache", "-o", "json")
	_, err := os.Stat(filepath.Join(home, "kvet"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	pitRun(t, "validate", "-o", "json")
	entries, err := filepath.Glob(filepath.Join(home, "kvet", "*", "*"))
	require.NoError(t, err)
	assert.NotEmpty(t, entries)
}

// TestCacheCLIPolicies: a warm run that compiles no policy still writes
// SARIF's rule documentation and JUnit's objects as a cold run does, and a policy that no
// longer compiles is kvet failing to run (exit 2), cached findings or not.
func TestCacheCLIPolicies(t *testing.T) {
	repo := pitRepo(t, "conftest")
	cacheDir := filepath.Join(t.TempDir(), "cache")
	sarif := func(extra ...string) (int, string) {
		code, stdout, stderr := pitRun(t, append([]string{"validate", "-o", "sarif", "--policy", "policy"}, extra...)...)
		require.NotEqual(t, 2, code, stderr)
		return code, stdout
	}
	code, cold := sarif("--cache-dir", cacheDir)
	assert.Contains(t, cold, `"rules"`)
	warmCode, warm := sarif("--cache-dir", cacheDir)
	assert.Equal(t, code, warmCode)
	assert.Equal(t, cold, warm, "warm SARIF, rules included")
	_, fresh := sarif("--no-cache")
	assert.Equal(t, fresh, warm)
	// JUnit lists every object of a target (not part of the JSON report):
	// the check entries keep them.
	_, junitWarm, _ := pitRun(t, "validate", "-o", "junit", "--policy", "policy", "--cache-dir", cacheDir)
	_, junitFresh, _ := pitRun(t, "validate", "-o", "junit", "--policy", "policy", "--no-cache")
	assert.Contains(t, junitFresh, "<testcase")
	assert.Equal(t, junitFresh, junitWarm)

	editFile(t, filepath.Join(repo, "policy", "labels.rego"), "some label in required_labels", "some label in undefined_set")
	code, _, stderr := pitRun(t, "validate", "-o", "json", "--policy", "policy", "--cache-dir", cacheDir)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "undefined_set")
}
