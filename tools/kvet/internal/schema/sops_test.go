package schema

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithoutSOPS(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		stripped bool
	}{
		{"sops metadata", `{"kind":"Secret","data":{"a":"ENC[AES256_GCM,data:x]"},"sops":{"mac":"ENC[x]","version":"3.9.0","age":[]}}`, true},
		{"a field named sops that is not SOPS metadata", `{"kind":"Thing","sops":{"enabled":true}}`, false},
		{"no sops", `{"kind":"Secret"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body map[string]any
			require.NoError(t, json.Unmarshal([]byte(tt.body), &body))
			got := withoutSOPS(Object{Body: body})
			_, has := got.Body["sops"]
			assert.Equal(t, tt.stripped, !has && body["sops"] != nil)
			assert.Equal(t, len(body)-len(got.Body), map[bool]int{true: 1}[tt.stripped], "only the sops key goes")
		})
	}
}
