package runner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOneDefectOneFinding: a misspelt field in a base that two overlays
// render unchanged is one finding listing both; the overlay that moves the
// object to another namespace renders another object, its own finding.
func TestOneDefectOneFinding(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "shared-base"), nil)
	// overlays/c applies the base into another namespace: still the one
	// line to edit, so still one finding.
	require.Len(t, rep.Findings, 1, dump(rep))
	assert.Equal(t, 1, rep.Summary.Errors)
	shared := rep.Findings[0]
	assert.Equal(t, "overlays/a", shared.Target)
	assert.Equal(t, []string{"overlays/a", "overlays/b", "overlays/c"}, shared.Targets)
	assert.Equal(t, "unknown-field", shared.Rule)
	assert.Equal(t, "base/deploy.yaml", shared.Source.File)
	assert.Equal(t, 16, shared.Source.Line)
	assert.Len(t, rep.FindingsFor("overlays/b"), 1)
	assert.Len(t, rep.FindingsFor("overlays/c"), 1)
}
