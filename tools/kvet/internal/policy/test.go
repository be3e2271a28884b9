package policy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
)

// TestOption configures Test.
type TestOption func(*testOptions)

type testOptions struct {
	root        string
	allowUnsafe bool
}

// TestRoot confines the policy files under root to it (symlinks).
func TestRoot(root string) TestOption { return func(o *testOptions) { o.root = root } }

// TestAllowUnsafeBuiltins is --allow-unsafe-builtins for tests.
func TestAllowUnsafeBuiltins(yes bool) TestOption {
	return func(o *testOptions) { o.allowUnsafe = yes }
}

// TestResult summarises a `kvet policy test` run.
type TestResult struct {
	Passed  int
	Failed  int // failed or errored tests
	Skipped int // todo_test_ rules
	// Coverage is the percentage of policy lines (test files excluded)
	// that the tests evaluated.
	Coverage float64
	// Uncovered lists "file:line" of the policy lines no test reached.
	Uncovered []string
}

// OK reports whether every test passed and at least one ran.
func (r TestResult) OK() bool { return r.Failed == 0 && r.Passed > 0 }

// Test runs opa-style *_test.rego files (test_ rules) and prints one line
// per failing test, a summary and the coverage to w, like `opa test -v`
// without the noise. With no dirs it tests the embedded default library.
// With dirs it tests their policies; the default library's rules (not its
// tests) stay loaded so user policies may import data.kvet.lib, except the
// packages the dirs define themselves (so `kvet policy test policy/` tests
// the working copy of the library). Coverage counts only the rules under
// test: the dirs' files, or the library when no dirs are given.
//
// A failing test is reported in the result, not as an error; the error is
// for policies that cannot be loaded or compiled.
//
// Tests compile with the same built-ins as New (see capabilities), kvet's
// own included (builtins.go).
func Test(ctx context.Context, dirs []string, verbose bool, w io.Writer, opts ...TestOption) (TestResult, error) {
	var res TestResult
	var o testOptions
	for _, opt := range opts {
		opt(&o)
	}
	mode := defaultRules
	if len(dirs) == 0 {
		mode = defaultRulesTests
	}
	mods, err := loadModules(dirs, mode, true, o.root, guard.Limits{})
	if err != nil {
		return res, err
	}
	// Only the supporting library loaded: the dirs hold no policy at all.
	if len(mods.modules) == len(mods.defaults) && len(dirs) > 0 {
		return res, fmt.Errorf("policy test %s: %w", strings.Join(dirs, " "), errors.New("no .rego files found"))
	}
	cov := cover.New()
	builtins := kvetBuiltins()
	runner := tester.NewRunner().
		SetCompiler(newCompiler(o.allowUnsafe, builtins)).
		AddCustomBuiltins(testerBuiltins(builtins)).
		SetDefaultRegoVersion(ast.RegoV1).
		SetCoverageQueryTracer(cov).
		SetCoverageRuns(nil).
		SetModules(mods.modules)
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("policy test: %w", err)
	}
	var results []*tester.Result
	for r := range ch {
		results = append(results, r)
	}
	slices.SortFunc(results, func(a, b *tester.Result) int {
		return strings.Compare(a.Package+"."+a.Name, b.Package+"."+b.Name)
	})
	for _, r := range results {
		where := fmt.Sprintf("%s:%d", r.Location.File, r.Location.Row)
		switch {
		case r.Skip:
			res.Skipped++
			if verbose {
				fmt.Fprintf(w, "SKIP  %s.%s (%s)\n", r.Package, r.Name, where)
			}
		case r.Error != nil:
			res.Failed++
			fmt.Fprintf(w, "ERROR %s.%s (%s): %v\n", r.Package, r.Name, where, r.Error)
		case r.Fail:
			res.Failed++
			fmt.Fprintf(w, "FAIL  %s.%s (%s)\n", r.Package, r.Name, where)
		default:
			res.Passed++
			if verbose {
				fmt.Fprintf(w, "PASS  %s.%s\n", r.Package, r.Name)
			}
		}
	}

	// Coverage over the rules under test only: the tests themselves and,
	// when testing user dirs, the supporting default library don't count.
	covered := map[string]*ast.Module{}
	for name, m := range mods.modules {
		if strings.HasSuffix(name, "_test.rego") || (len(dirs) > 0 && mods.defaults[name]) {
			continue
		}
		covered[name] = m
	}
	rep := cov.Report(covered)
	res.Coverage = rep.Coverage
	for _, file := range slices.Sorted(maps.Keys(rep.Files)) {
		for _, rng := range rep.Files[file].NotCovered {
			for row := rng.Start.Row; row <= rng.End.Row; row++ {
				res.Uncovered = append(res.Uncovered, fmt.Sprintf("%s:%d", file, row))
			}
		}
	}
	if verbose && len(res.Uncovered) > 0 {
		fmt.Fprintf(w, "not covered: %s\n", strings.Join(res.Uncovered, " "))
	}
	status := "PASS"
	if !res.OK() {
		status = "FAIL"
	}
	fmt.Fprintf(w, "%s: %d passed, %d failed, %d skipped; coverage %.1f%%\n",
		status, res.Passed, res.Failed, res.Skipped, res.Coverage)
	return res, nil
}
