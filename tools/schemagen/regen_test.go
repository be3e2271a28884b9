package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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

	committed, err := filepath.Glob(filepath.Join(committedData, "*.json.gz"))
	require.NoError(t, err)
	generated, err := filepath.Glob(filepath.Join(out, "*.json.gz"))
	require.NoError(t, err)
	require.Equal(t, baseNames(committed), baseNames(generated), "the set of bundles differs: run `make schemas`")

	for _, name := range baseNames(generated) {
		want, err := os.ReadFile(filepath.Join(committedData, name))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(want, got), "%s differs from a fresh generation: run `make schemas` and commit", name)
	}
}

func baseNames(paths []string) []string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return names
}
