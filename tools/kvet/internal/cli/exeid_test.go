package cli

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExecutableID: a binary the go command linked is named by its build
// ID (no hash of the whole file); a file without one by its SHA-256.
func TestExecutableID(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	require.NoError(t, err)
	id, err := executableID(exe)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(id, "buildid:"), id)
	assert.GreaterOrEqual(t, strings.Count(id, "/"), 1, id)

	other := filepath.Join(t.TempDir(), "kvet")
	require.NoError(t, os.WriteFile(other, []byte("#!/bin/sh\n"), 0o700))
	id, err = executableID(other)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("#!/bin/sh\n"))), id)
}

func TestBuildIDFormats(t *testing.T) {
	t.Parallel()
	note := func(typ uint32, name, desc string) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(name)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(desc)))
		b = binary.LittleEndian.AppendUint32(b, typ)
		return append(append(b, name...), desc...)
	}
	assert.Equal(t, "a/b", elfNoteID(note(4, "Go\x00\x00", "a/b"), binary.LittleEndian))
	assert.Empty(t, elfNoteID(note(3, "Go\x00\x00", "a/b"), binary.LittleEndian), "another note type")
	assert.Empty(t, elfNoteID(note(4, "GNU\x00", "a/b"), binary.LittleEndian), "another owner")
	assert.Empty(t, elfNoteID(note(4, "Go\x00\x00", "a/b")[:18], binary.LittleEndian), "truncated")

	assert.Equal(t, "x1/y2", rawBuildID([]byte("MZ\x00\x00\xff Go build ID: \"x1/y2\"\n \xff rest")))
	assert.Empty(t, rawBuildID([]byte("\xff Go build ID: \"x1/y2")), "no end")
	assert.Empty(t, rawBuildID([]byte("no id here")))
}
