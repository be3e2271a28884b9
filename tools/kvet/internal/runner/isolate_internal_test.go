package runner

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
)

// panicky panics while checking the targets it is told to, and reports
// one finding per object everywhere else.
type panicky struct{ on string }

func (p panicky) Check(_ context.Context, t Target, objs []Object) ([]report.Finding, error) {
	if t.Path == p.on {
		panic("policy engine exploded")
	}
	var out []report.Finding
	for _, o := range objs {
		out = append(out, report.Finding{Severity: report.SeverityWarning, Check: report.CheckPolicy, Rule: "seen", Resource: o.Resource})
	}
	return out, nil
}

type failing struct{}

func (failing) Check(context.Context, Target, []Object) ([]report.Finding, error) {
	return nil, errors.New("rego: undefined function")
}

func isolationOpts(t *testing.T) Options {
	root, err := filepath.Abs(filepath.Join("testdata", "hostile"))
	require.NoError(t, err)
	return Options{Root: root, Paths: []string{filepath.Join(root, "valid"), filepath.Join(root, "list"), filepath.Join(root, "bom")},
		Config: &config.Config{}, Jobs: 3}
}

type briefFinding struct{ Target, Check, Rule, Resource string }

func brief(fs []report.Finding) []briefFinding {
	var out []briefFinding
	for _, f := range fs {
		out = append(out, briefFinding{f.Target, f.Check, f.Rule, f.Resource.String()})
	}
	return out
}

func TestPanicInPolicyIsIsolated(t *testing.T) {
	opts := isolationOpts(t)
	opts.Checkers = []Checker{panicky{on: "list"}}
	rep, err := Run(context.Background(), opts)
	require.NoError(t, err)
	assert.True(t, rep.Failed(), "an internal error fails the run")
	assert.Equal(t, []briefFinding{
		{"bom", "policy", "seen", "ConfigMap/bom"},
		{"list", "policy", "internal-error", ""},
		{"list", "schema", "unknown-field", "ConfigMap/second"}, // the schema check of the target still ran
		{"valid", "policy", "seen", "ConfigMap/valid"},
	}, brief(rep.Findings))
	for _, f := range rep.Findings {
		if f.Rule == "internal-error" {
			assert.Contains(t, f.Message, "policy engine exploded")
		}
	}
}

func TestCheckerErrorIsAFinding(t *testing.T) {
	opts := isolationOpts(t)
	opts.Paths = opts.Paths[:1]
	opts.Checkers = []Checker{failing{}}
	rep, err := Run(context.Background(), opts)
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, "internal-error", rep.Findings[0].Rule)
	assert.Contains(t, rep.Findings[0].Message, "rego: undefined function")
}

func TestPanicInSchemaValidationIsIsolated(t *testing.T) {
	orig := validateObject
	t.Cleanup(func() { validateObject = orig })
	validateObject = func(v *schema.Validator, o schema.Object) []report.Finding {
		if o.Resource.Name == "first" {
			var m map[string]any
			m["boom"] = 1 // nil map write: a runtime panic
		}
		return v.Validate(o)
	}
	opts := isolationOpts(t)
	opts.Checkers = []Checker{panicky{}}
	rep, err := Run(context.Background(), opts)
	require.NoError(t, err)
	assert.True(t, rep.Failed())
	assert.Equal(t, []briefFinding{
		{"bom", "policy", "seen", "ConfigMap/bom"},
		{"list", "policy", "seen", "ConfigMap/first"},
		{"list", "schema", "internal-error", "ConfigMap/first"},
		{"list", "policy", "seen", "ConfigMap/second"},
		{"list", "schema", "unknown-field", "ConfigMap/second"}, // the next object is still validated
		{"valid", "policy", "seen", "ConfigMap/valid"},
	}, brief(rep.Findings))
}

func TestPanicInBuildIsIsolated(t *testing.T) {
	opts := isolationOpts(t)
	// A nil builder panics inside Build.
	res := safeBuild(context.Background(), nil, discover.Target{Dir: opts.Paths[0], Path: "valid"})
	require.Len(t, res.Findings, 1)
	assert.Equal(t, "internal-error", res.Findings[0].Rule)
	assert.Error(t, res.Err)
}

func TestWatchMemory(t *testing.T) {
	ctx, stop := watchMemory(context.Background(), 1) // any heap is over budget
	defer stop()
	select {
	case <-ctx.Done():
		assert.ErrorIs(t, context.Cause(ctx), build.ErrMemoryBudget)
	case <-time.After(5 * time.Second):
		t.Fatal("the memory watchdog did not fire")
	}

	ctx, stop2 := watchMemory(context.Background(), 1<<50)
	time.Sleep(120 * time.Millisecond)
	assert.NoError(t, ctx.Err())
	stop2()
}

// Parallel runs over the same tree give identical reports.
func TestConcurrentRunsAreIdentical(t *testing.T) {
	opts := isolationOpts(t)
	opts.Paths = []string{opts.Root}
	opts.Config = &config.Config{Limits: config.Limits{MaxDocumentsPerFile: 50}}
	var wg sync.WaitGroup
	out := make([][]byte, 4)
	for i := range out {
		wg.Go(func() {
			rep, err := Run(context.Background(), opts)
			if !assert.NoError(t, err) {
				return
			}
			out[i], err = json.Marshal(rep)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	require.NotEmpty(t, out[0])
	for i := 1; i < len(out); i++ {
		assert.JSONEq(t, string(out[0]), string(out[i]), "run %d differs", i)
	}
}

// TestSoftLimit: a small live heap is held near the floor, a large one
// keeps room to grow, and the limit never passes the budget.
func TestSoftLimit(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	for _, tt := range []struct {
		live   uint64
		budget int64
		want   int64
	}{
		{live: 0, budget: 2 << 30, want: softLimitFloor},
		{live: 140 * mib, budget: 2 << 30, want: softLimitFloor},
		{live: 400 * mib, budget: 2 << 30, want: 1200 * mib},
		{live: 1 << 30, budget: 2 << 30, want: 2 << 30},
		{live: 0, budget: 64 * mib, want: 64 * mib},
		{live: 1 << 40, budget: 64 * mib, want: 64 * mib},
	} {
		assert.Equal(t, tt.want, softLimit(tt.live, tt.budget), "live %d, budget %d", tt.live, tt.budget)
	}
}
