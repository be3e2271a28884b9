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
	p := newProgressLine(&buf, time.Hour)
	report := p.report()
	for range 3 {
		report(runner.PhaseBuild, 3)
	}
	report(runner.PhaseLoadSchemas, 0)
	report(runner.PhaseSchemas, 3)
	report(runner.PhasePolicies, 3)
	report(runner.PhaseSchemas, 3)
	report(runner.PhaseSchemas, 3)
	report(runner.PhasePolicies, 3)
	report(runner.PhasePolicies, 3)
	// The first step of a phase draws, and its last; the throttle hides
	// the others. Schemas and policies are one line: they alternate.
	var drawn []string
	for _, l := range strings.Split(buf.String(), "\r\033[K")[1:] {
		drawn = append(drawn, l)
	}
	assert.Equal(t, []string{
		"kvet: building 1/3 targets, 0s",
		"kvet: building 3/3 targets, 0s",
		"kvet: loading schemas, 0s",
		"kvet: checking schemas 1/3, 0s",
		"kvet: checking schemas 3/3, policies 1/3, 0s",
		"kvet: checking schemas 3/3, policies 3/3, 0s",
	}, drawn)
	p.finish()
	assert.True(t, strings.HasSuffix(buf.String(), "\r\033[K"))
	before := buf.Len()
	report(runner.PhasePolicies, 3)
	assert.Equal(t, before, buf.Len(), "nothing drawn after finish")
}

// Without policies, the check phase is the schema check alone.
func TestProgressLineSchemasOnly(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressLine(&buf, time.Hour)
	p.step(runner.PhaseSchemas, 2)
	p.step(runner.PhaseSchemas, 2)
	assert.True(t, strings.HasSuffix(buf.String(), "kvet: checking schemas 2/2, 0s"), buf.String())
}
