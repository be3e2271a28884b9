package policy

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/types"
	promparser "github.com/prometheus/prometheus/promql/parser"
)

// kvet's own Rego built-ins: checks Rego cannot express, done with the
// library of the program that reads the field (the PromQL parser for a
// PrometheusRule's expr). They exist in `kvet validate` and `kvet policy
// test`, not in opa or conftest: a policy that calls one is kvet-only.

// PromQLParseError is the name of the built-in that parses a PromQL
// expression: "" when it parses, else the parser's message.
const PromQLParseError = "kvet.promql_parse_error"

// builtin is one kvet built-in: its declaration (for the type checker)
// and the option that implements it on a rego.Rego.
type builtin struct {
	decl *ast.Builtin
	impl func(*rego.Rego)
}

// kvetBuiltins returns kvet's built-ins, made once per engine or test run.
func kvetBuiltins() []builtin {
	// Prometheus and the Prometheus Operator accept the experimental
	// functions, fill modifiers and unquoted UTF-8 names behind feature
	// flags kvet cannot see: they are accepted here, so only an
	// expression no configuration loads is reported.
	p := promparser.NewParser(promparser.Options{
		EnableExperimentalFunctions: true,
		EnableBinopFillModifiers:    true,
		EnableUnquotedUTF8Names:     true,
	})
	fn := &rego.Function{
		Name:        PromQLParseError,
		Description: "Parses a PromQL expression with the Prometheus parser (github.com/prometheus/prometheus/promql/parser); returns \"\" when it parses, else the parser's message. A kvet built-in, not in opa or conftest.",
		Decl:        types.NewFunction(types.Args(types.Named("expr", types.S)), types.Named("error", types.S)),
		Memoize:     true,
	}
	impl := rego.Function1(fn, func(_ rego.BuiltinContext, a *ast.Term) (*ast.Term, error) {
		s, ok := a.Value.(ast.String)
		if !ok {
			return nil, fmt.Errorf("%s: want a string, got %s", PromQLParseError, ast.ValueName(a.Value))
		}
		if _, err := p.ParseExpr(string(s)); err != nil {
			return ast.StringTerm(err.Error()), nil
		}
		return ast.StringTerm(""), nil
	})
	return []builtin{{
		decl: &ast.Builtin{Name: fn.Name, Description: fn.Description, Decl: fn.Decl},
		impl: impl,
	}}
}

// builtinDecls are the declarations the compiler's capabilities add.
func builtinDecls(bs []builtin) []*ast.Builtin {
	out := make([]*ast.Builtin, len(bs))
	for i, b := range bs {
		out[i] = b.decl
	}
	return out
}

// regoOptions register the built-ins on a prepared query.
func regoOptions(bs []builtin) []func(*rego.Rego) {
	out := make([]func(*rego.Rego), len(bs))
	for i, b := range bs {
		out[i] = b.impl
	}
	return out
}

// testerBuiltins register the built-ins on a test runner.
func testerBuiltins(bs []builtin) []*tester.Builtin {
	out := make([]*tester.Builtin, len(bs))
	for i, b := range bs {
		out[i] = &tester.Builtin{Decl: b.decl, Func: b.impl}
	}
	return out
}
