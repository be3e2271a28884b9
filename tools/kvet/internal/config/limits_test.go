package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
)

func TestLimits(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want guard.Limits
		err  string
	}{
		{name: "defaults", yaml: "kubernetesVersion: \"1.37\"\n", want: guard.Defaults()},
		{name: "every limit", yaml: `limits:
  maxFileBytes: 1048576
  maxDocumentsPerFile: 50
  maxDepth: 40
  maxAliasExpansion: 500
  maxObjectsPerTarget: 1000
  targetTimeout: 30s
  memoryBudget: 512Mi
`, want: guard.Limits{MaxFileBytes: 1 << 20, MaxDocuments: 50, MaxDepth: 40, MaxAliasExpansion: 500, MaxObjects: 1000,
			TargetTimeout: 30 * time.Second, MemoryBudget: 512 << 20}},
		{name: "some limits", yaml: "limits: {maxDepth: 12, memoryBudget: 1G}\n", want: func() guard.Limits {
			l := guard.Defaults()
			l.MaxDepth, l.MemoryBudget = 12, 1_000_000_000
			return l
		}()},
		{name: "bad timeout", yaml: "limits: {targetTimeout: soon}\n", err: "limits.targetTimeout"},
		{name: "negative timeout", yaml: "limits: {targetTimeout: -1s}\n", err: "kvet.yaml:1: limits.targetTimeout: must be positive"},
		{name: "bad memory budget", yaml: "limits: {memoryBudget: lots}\n", err: "limits.memoryBudget"},
		{name: "zero memory budget", yaml: "limits: {memoryBudget: \"0\"}\n", err: "kvet.yaml:1: limits.memoryBudget: must be positive"},
		{name: "negative depth", yaml: "limits: {maxDepth: -1}\n", err: "kvet.yaml:1: limits.maxDepth: must not be negative"},
		{name: "unknown limit", yaml: "limits: {maxDocuments: 3}\n", err: `kvet.yaml:1: unknown key "maxDocuments" in limits: did you mean "maxDocumentsPerFile"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Parse([]byte(tt.yaml))
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Limits.Guard())
		})
	}
}
