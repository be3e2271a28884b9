package policy

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDefaultLibrary runs the policy/ Rego tests (the embedded copy) and
// holds the library to 90 % coverage.
func TestDefaultLibrary(t *testing.T) {
	var out bytes.Buffer
	res, err := Test(context.Background(), nil, true, &out)
	require.NoError(t, err)
	t.Log(out.String())
	assert.True(t, res.OK(), "policy tests failed:\n%s", out.String())
	assert.GreaterOrEqual(t, res.Coverage, 90.0, "policy/ coverage")
}
