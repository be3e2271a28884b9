package policy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// kvet's built-ins are there for a user's policy in both commands: kvet
// validate (Engine) and kvet policy test (Test). Without the registration
// the policy does not compile ("undefined function").
func TestKvetBuiltins(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "promql.rego"), []byte(`package team.promql

deny contains msg if {
	input.kind == "ConfigMap"
	some k, v in input.data
	err := kvet.promql_parse_error(v)
	err != ""
	msg := sprintf("%s: %s", [k, err])
}
`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "promql_test.rego"), []byte(`package team.promql_test

import data.team.promql

test_parses if kvet.promql_parse_error("sum by (job) (rate(x[5m]))") == ""

test_reports if {
	promql.deny == {"q: 1:11: parse error: unclosed left parenthesis"} with input as {"kind": "ConfigMap", "data": {"q": "rate(x[5m]"}}
}
`), 0o644))

	e := newEngine(t, Options{Dirs: []string{dir}, NoDefaults: true})
	obj := Object{
		Resource: report.Resource{APIVersion: "v1", Kind: "ConfigMap", Name: "queries"},
		Body:     map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"ok": "up == 0", "bad": "up =="}},
	}
	fs, err := e.Evaluate(context.Background(), Target{Path: "."}, []Object{obj})
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, "bad: 1:6: parse error: unexpected end of input", fs[0].Message)

	var out bytes.Buffer
	res, err := Test(context.Background(), []string{dir}, true, &out)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Passed, out.String())
	assert.True(t, res.OK(), out.String())
}
