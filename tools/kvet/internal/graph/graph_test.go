package graph

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An empty repository is an empty graph, not JSON nulls.
func TestEmptyGraph(t *testing.T) {
	b, err := json.Marshal(Build(t.TempDir(), nil))
	require.NoError(t, err)
	assert.JSONEq(t, `{"nodes":[],"edges":[]}`, string(b))
}

func TestEscapes(t *testing.T) {
	tests := []struct{ in, mermaid, dot string }{
		{`a"b`, `a#quot;b`, `"a\"b"`},
		{`x#1;`, `x#35;1;`, `"x#1;"`},
		{"<i>\nb", `#lt;i#gt;<br/>b`, `"<i>\nb"`},
		{`c:\d`, `c:\d`, `"c:\\d"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.mermaid, mermaidText(tt.in))
		assert.Equal(t, tt.dot, dotQuote(tt.in))
		assert.NotContains(t, mermaidText(tt.in), `"`)
		assert.False(t, strings.Contains(mermaidText(tt.in), "\n"))
	}
}

// dependsOn is resolved among the Kustomizations declared nearest.
func TestCommonDirs(t *testing.T) {
	assert.Equal(t, 2, commonDirs("clusters/prod/apps.yaml", "clusters/prod/infra.yaml"))
	assert.Equal(t, 1, commonDirs("clusters/prod/apps.yaml", "clusters/staging/infra.yaml"))
	assert.Equal(t, 0, commonDirs("a/x.yaml", "b/y.yaml"))
}
