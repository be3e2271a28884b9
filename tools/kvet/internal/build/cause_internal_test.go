package build

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStripStamps(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"yaml line", "metadata:\n  annotations:\n    kvet.internal/origin: \"12\"\n  name: web\n", "metadata:\n  annotations:\n  name: web\n"},
		{"go map", "map[annotations:map[a:b kvet.internal/origin:3] name:web]", "map[annotations:map[a:b] name:web]"},
		{"json", `{"a":"b","kvet.internal/origin":"7"}`, `{"a":"b"}`},
		{"none", "plain message", "plain message"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, stripStamps(tc.in))
		})
	}
}

func TestRootCause(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"directory entry",
			`accumulating resources: accumulation err='accumulating resources from '../base': '/r/base' must resolve to a file': couldn't make target for path '/r/base': invalid Kustomization: json: unknown field "resource"`,
			`couldn't make target for path '/r/base': invalid Kustomization: json: unknown field "resource"`},
		{"file entry",
			`accumulating resources: accumulation err='merging resources from 'b.yaml': may not add resource with an already registered id: ConfigMap.v1.[noGrp]/a.[noNs]': must build at directory: '/r/b.yaml': file is not directory`,
			`merging resources from 'b.yaml': may not add resource with an already registered id: ConfigMap.v1.[noGrp]/a.[noNs]`},
		{"missing entry",
			`accumulating resources: accumulation err='accumulating resources from 'x.yaml': evalsymlink failure on '/r/x.yaml' : lstat /r/x.yaml: no such file or directory': must build at directory: not a valid directory: evalsymlink failure on '/r/x.yaml' : lstat /r/x.yaml: no such file or directory`,
			`accumulating resources from 'x.yaml': evalsymlink failure on '/r/x.yaml' : lstat /r/x.yaml: no such file or directory`},
		{"no chain", "multiple matches for selector", "multiple matches for selector"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, rootCause(tc.in))
		})
	}
}
