package policy

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stablePolicy has input-independent rules and functions next to rules
// that read input directly, through a helper, through a function body, or
// call the clock.
const stablePolicy = `package t

kinds := {k | some k, _ in data.kvet.inventory}

count_of(kind) := count(object.get(data.kvet.inventory, kind, {}))

names(kind) := [n | some _, byname in data.kvet.inventory[kind]; some n, _ in byname]

uses_kinds if count(kinds) > 0

own_kind := input.kind

reads_input(x) := concat("/", [x, input.kind])

via_helper := own_kind

via_function := reads_input("a")

clock := time.now_ns()

a.b.c := 1

a.b.d := input.kind

deny contains msg if {
	own_kind == "Service"
	msg := sprintf("%s of %d (%d)", [own_kind, count(names(own_kind)), count_of(own_kind)])
}
`

func TestStableRules(t *testing.T) {
	m, err := parseModule("t.rego", []byte(stablePolicy))
	require.NoError(t, err)
	c, err := compile(map[string]*ast.Module{"t.rego": m}, true, nil)
	require.NoError(t, err)
	s := newStableRules(c)
	ref := func(s string) ast.Ref { return ast.MustParseRef(s) }
	call := func(f string, args ...*ast.Term) ast.Ref {
		return append(ast.Ref{ast.NewTerm(ref(f))}, args...)
	}
	tests := []struct {
		key  ast.Ref
		want bool
	}{
		{ref("data.t.kinds"), true},
		{ref(`data.t.kinds["Service"]`), true},
		{ref("data.t.uses_kinds"), true},
		{call("data.t.count_of", ast.StringTerm("Service")), true},
		{call("data.t.names", ast.StringTerm("Service")), true},
		{ref("data.t.own_kind"), false},
		{call("data.t.reads_input", ast.StringTerm("a")), false},
		{ref("data.t.via_helper"), false},
		{ref("data.t.via_function"), false},
		{ref("data.t.clock"), false},
		{ref("data.t.deny"), false},
		{ref("data.t.a.b.c"), true},
		{ref("data.t.a.b.d"), false},
		{ref("data.t.a.b"), false}, // holds d, which reads input
		{ref("data.t"), false},
		{ref("data.t.missing"), false},
		{ref("data.kvet.inventory"), false},
		{ref("input.kind"), false},
		{call("data.t.missing", ast.StringTerm("x")), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, s.stable(tt.key), "%v", tt.key)
	}
}

// TestSharedCacheKeepsPerObjectValues evaluates a target whose objects
// share input-independent helpers (cached once per target) and have
// input-dependent ones (never shared): every object still gets its own
// findings, and a second target with other data gets its own values.
func TestSharedCacheKeepsPerObjectValues(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t.rego"), []byte(stablePolicy), 0o600))
	e := newEngine(t, Options{Dirs: []string{dir}, NoDefaults: true, AllowUnsafeBuiltins: true})
	objs := loadObjects(t, "testdata/targets/compliant.yaml")
	fs, err := e.Evaluate(context.Background(), Target{Path: "x"}, objs)
	require.NoError(t, err)
	assert.Equal(t, []string{"error t Service/shop/web "}, summarize(fs))
	assert.Equal(t, "Service of 1 (1)", fs[0].Message)

	var two []Object
	for _, o := range objs {
		if o.Resource.Kind == "Service" {
			c := o
			c.Body = deepCopy(o.Body).(map[string]any)
			c.Body["metadata"].(map[string]any)["name"] = "web2"
			c.Resource.Name = "web2"
			two = append(two, o, c)
		}
	}
	fs, err = e.Evaluate(context.Background(), Target{Path: "y"}, two)
	require.NoError(t, err)
	require.Len(t, fs, 2)
	for _, f := range fs {
		assert.Equal(t, "Service of 2 (1)", f.Message, f.Resource.String())
	}
}
