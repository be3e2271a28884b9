package diff

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestUnifiedGolden pins kvet diff's text output for a change with every
// kind of object change (a value, a reordered list, an item edited inside
// the move, an added and a removed object); every object's diff must be a
// valid unified diff that turns the base object into the head object.
func TestUnifiedGolden(t *testing.T) {
	dir := filepath.Join("testdata", "unified")
	base, err := os.ReadFile(filepath.Join(dir, "base.yaml"))
	require.NoError(t, err)
	head, err := os.ReadFile(filepath.Join(dir, "head.yaml"))
	require.NoError(t, err)
	tgt, err := Compare("overlays/prod", true, base, nil, true, head, nil)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, WriteText(&out, NewResult("main", "", []Target{tgt})))
	golden := filepath.Join(dir, "text.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./internal/diff -run TestUnifiedGolden -update")
	assert.Equal(t, string(want), out.String())

	baseDocs, err := split(base)
	require.NoError(t, err)
	headDocs, err := split(head)
	require.NoError(t, err)
	text := func(ds []doc, res report.Resource) string {
		for _, d := range ds {
			if d.res == res {
				return d.yaml
			}
		}
		return ""
	}
	require.Len(t, tgt.Objects, 4)
	for _, o := range tgt.Objects {
		got, err := applyUnified(text(baseDocs, o.Resource), o.Diff)
		require.NoError(t, err, o.Diff)
		assert.Equal(t, text(headDocs, o.Resource), got, o.Resource.String())
	}
}

var hunkRE = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)

// applyUnified applies a unified diff strictly, independently of the
// library that wrote it: file headers first, hunk line counts exact,
// context and removed lines must match the original.
func applyUnified(orig, diff string) (string, error) {
	lines := strings.SplitAfter(diff, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		return "", fmt.Errorf("no file header")
	}
	src := strings.SplitAfter(orig, "\n")
	if orig == "" {
		src = nil
	} else if src[len(src)-1] == "" {
		src = src[:len(src)-1]
	}
	var out []string
	next := 0 // next source line (0-based) not yet copied
	atoi := func(s string, def int) int {
		if s == "" {
			return def
		}
		n, _ := strconv.Atoi(s)
		return n
	}
	for i := 2; i < len(lines) && lines[i] != ""; {
		m := hunkRE.FindStringSubmatch(strings.TrimSuffix(lines[i], "\n"))
		if m == nil {
			return "", fmt.Errorf("line %d: not a hunk header: %q", i+1, lines[i])
		}
		from, fromN, toN := atoi(m[1], 0), atoi(m[2], 1), atoi(m[4], 1)
		start := from - 1
		if fromN == 0 {
			start = from // an empty range names the line before it
		}
		if start < next {
			return "", fmt.Errorf("hunk %q overlaps the previous one", lines[i])
		}
		out = append(out, src[next:start]...)
		next = start
		i++
		var gotFrom, gotTo int
		for ; i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "@@"); i++ {
			l := lines[i]
			switch l[0] {
			case ' ', '-':
				if next >= len(src) || src[next] != l[1:] {
					return "", fmt.Errorf("line %d: %q does not match the original", i+1, l)
				}
				next++
				gotFrom++
				if l[0] == ' ' {
					out = append(out, l[1:])
					gotTo++
				}
			case '+':
				out = append(out, l[1:])
				gotTo++
			default:
				return "", fmt.Errorf("line %d: unexpected %q", i+1, l)
			}
		}
		if gotFrom != fromN || gotTo != toN {
			return "", fmt.Errorf("hunk -%d,%d +%d: counted -%d +%d", from, fromN, toN, gotFrom, gotTo)
		}
	}
	out = append(out, src[next:]...)
	return strings.Join(out, ""), nil
}
