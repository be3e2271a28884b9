package guard_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
)

// TestChecked: content that passed is not checked again, but content that
// changed is, and a refused content is refused every time.
func TestChecked(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	p := filepath.Join(root, "a.yaml")
	c := guard.NewChecked(guard.Limits{})
	for i, tt := range []struct {
		content string
		rule    string
	}{
		{content: "kind: ConfigMap\n"},
		{content: "kind: ConfigMap\n"},
		{content: "kind: ConfigMap\x00\n", rule: guard.RuleBinaryFile},
		{content: "kind: ConfigMap\x00\n", rule: guard.RuleBinaryFile},
		{content: "kind: Secret\n"},
	} {
		require.NoError(t, os.WriteFile(p, []byte(tt.content), 0o600))
		b, v, err := c.ReadFile(root, p)
		require.NoError(t, err, i)
		if tt.rule == "" {
			assert.Nil(t, v, i)
			assert.Equal(t, tt.content, string(b), i)
			continue
		}
		require.NotNil(t, v, i)
		assert.Equal(t, tt.rule, v.Rule, i)
		assert.Equal(t, v, c.CheckContent(p, []byte(tt.content), true), i)
	}
}
