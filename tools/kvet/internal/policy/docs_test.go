package policy

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "regenerate docs/policies.md")

// TestPoliciesDoc keeps docs/policies.md in step with the METADATA of the
// default library: run with -update to regenerate it.
func TestPoliciesDoc(t *testing.T) {
	doc := filepath.Join("..", "..", "..", "..", "docs", "policies.md")
	got := RulesMarkdown(newEngine(t, Options{}).Rules())
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(doc), 0o755))
		require.NoError(t, os.WriteFile(doc, got, 0o644))
	}
	want, err := os.ReadFile(doc)
	require.NoError(t, err, "docs/policies.md missing: run go test ./tools/kvet/internal/policy/ -run TestPoliciesDoc -update")
	assert.Equal(t, string(want), string(got), "docs/policies.md is stale: run go test ./tools/kvet/internal/policy/ -run TestPoliciesDoc -update")
}
