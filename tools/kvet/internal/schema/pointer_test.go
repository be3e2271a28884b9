package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestReadablePath: the readable form of the schema library's tokens.
// Tokens are taken as they are (no ~0/~1 decoding of kvet's own), and a
// key holding "/", "." or brackets is one quoted segment.
func TestReadablePath(t *testing.T) {
	body := map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"app.kubernetes.io/name": 5}},
		"spec": map[string]any{
			"containers":   []any{map[string]any{"name": "web"}, map[string]any{"image": "x"}},
			"nodeSelector": map[string]any{"a~1b": 1},
		},
	}
	tests := []struct {
		tokens []string
		want   string
	}{
		{nil, ""},
		{[]string{"metadata", "labels", "app.kubernetes.io/name"}, `metadata.labels["app.kubernetes.io/name"]`},
		{[]string{"spec", "containers", "0", "image"}, "spec.containers[web].image"},
		{[]string{"spec", "containers", "1"}, "spec.containers[1]"},
		{[]string{"spec", "containers", "7"}, "spec.containers[7]"},
		{[]string{"spec", "nodeSelector", "a~1b"}, "spec.nodeSelector.a~1b"}, // a literal key, not an escape
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, readablePath(body, tt.tokens), tt.want)
	}
}
