package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// committedData is where the generated bundles are committed, relative to
// this module.
const committedData = "../kvet/internal/schema/bundled/data"

// TestRegenerationIsStable regenerates every bundle and requires the same
// bytes as the committed files. It needs the input modules in the module
// cache (`make schemas-deps`) and then runs offline:
//
//	GOPROXY=off GOFLAGS=-mod=mod go test ./...
func TestRegenerationIsStable(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerates every bundle")
	}
	out := t.TempDir()
	var log bytes.Buffer
	require.NoError(t, generate(context.Background(), out, &log), "regeneration failed; did `make schemas-deps` run?")
	t.Log(log.String())

	committed := bundles(t, committedData)
	generated := bundles(t, out)
	require.Equal(t, committed, generated, "the set of bundles differs: run `make schemas`")

	for _, name := range generated {
		want, err := os.ReadFile(filepath.Join(committedData, filepath.FromSlash(name)))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, got), "%s differs from a fresh generation: run `make schemas` and commit", name)
	}
}

// bundles lists the *.json.gz files under dir (catalog/ included), as
// slash-separated relative paths in lexical order.
func bundles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json.gz") {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	return out
}
