package config_test

import (
	"testing"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
)

// FuzzParse: kvet.yaml comes from the repository under test; any content
// is either a configuration or an error, never a panic or a hang.
func FuzzParse(f *testing.F) {
	f.Add([]byte("kubernetesVersion: \"1.37\"\nexclude: [tools/**]\n"))
	f.Add([]byte("limits: {maxDepth: 3, targetTimeout: 1s, memoryBudget: 1Gi}\n"))
	f.Add([]byte("policy:\n  exceptions:\n  - {rule: r, reason: x, expires: \"2027-01-01\"}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := config.Parse(b)
		if err != nil {
			return
		}
		_ = c.Limits.Guard()
		_ = c.Excluded("overlays/production/x.yaml")
		_ = c.Environment("overlays/production")
	})
}
