package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

func TestNewProgressOnlyOnATerminalForText(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	require.NoError(t, err)
	defer file.Close()
	tests := []struct {
		name   string
		stderr io.Writer
		format string
	}{
		{"buffer", &bytes.Buffer{}, "text"},
		{"regular file (CI log)", file, "text"},
		{"json", &bytes.Buffer{}, "json"},
		{"sarif to a file", file, "sarif"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProgress(tt.stderr, tt.format)
			assert.Nil(t, p)
			assert.Nil(t, p.report())
			p.finish() // no-op on nil
		})
	}
}

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := &progressLine{w: &buf, start: time.Now(), interval: time.Hour, done: map[string]int{}}
	report := p.report()
	for range 3 {
		report(runner.PhaseBuild, 3)
	}
	report(runner.PhaseCheck, 3)
	// The first step draws; the throttle hides the next ones until a
	// phase completes.
	assert.Equal(t, 2, strings.Count(buf.String(), "\r\033[K"), buf.String())
	assert.Contains(t, buf.String(), "kvet: building 1/3 targets, 0s")
	assert.Contains(t, buf.String(), "kvet: building 3/3 targets, 0s")
	assert.NotContains(t, buf.String(), "\n")
	p.finish()
	assert.True(t, strings.HasSuffix(buf.String(), "\r\033[K"))
	before := buf.Len()
	report(runner.PhaseCheck, 3)
	assert.Equal(t, before, buf.Len(), "nothing drawn after finish")
}
