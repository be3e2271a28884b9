package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// kvet.yaml is untrusted: its schema locations stay inside the repository.
func TestSchemaLocations(t *testing.T) {
	tests := []struct {
		loc     string
		wantErr string
	}{
		{loc: "schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"},
		{loc: "./vendor/crds-catalog"},
		{loc: "../catalog/{{.Group}}/{{.ResourceKind}}.json", wantErr: `leaves the repository through ".."`},
		{loc: "schemas/../../x/{{.ResourceKind}}.json", wantErr: `leaves the repository through ".."`},
		{loc: "/etc/schemas/{{.ResourceKind}}.json", wantErr: "is absolute"},
		{loc: "https://example.com/{{.ResourceKind}}.json", wantErr: "is a URL"},
		{loc: " ", wantErr: "empty location"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte("schemaLocations: ['" + tt.loc + "']\n"))
		if tt.wantErr == "" {
			assert.NoError(t, err, tt.loc)
			continue
		}
		if assert.Error(t, err, tt.loc) {
			assert.Contains(t, err.Error(), "schemaLocations[0]")
			assert.Contains(t, err.Error(), tt.wantErr)
		}
	}
}
