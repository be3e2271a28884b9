package runner

import (
	"context"
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
)

// Fault isolation: one target's trouble must not hide the findings of the
// others. Every check of every object runs under its own recover, so a
// panic costs the findings of that object and that check only, and comes
// back as an internal-error finding of the target.

// buildOptions completes the build options from the run: the repository
// root bounds every read, the configured limits apply.
func buildOptions(opts Options) build.Options {
	b := opts.Build
	if b.Root == "" {
		b.Root = opts.Root
	}
	if b.Limits == (guard.Limits{}) {
		b.Limits = opts.Config.Limits.Guard()
	}
	if b.KubernetesVersion == "" {
		b.KubernetesVersion = opts.KubernetesVersion
		if b.KubernetesVersion == "" {
			b.KubernetesVersion = opts.Config.KubernetesVersion
		}
	}
	return b
}

// validateObject is the schema check of one object (a variable so tests
// can make it fail).
var validateObject = func(v *schema.Validator, o schema.Object) []report.Finding { return v.Validate(o) }

func safeValidate(v *schema.Validator, o Object) (fs []report.Finding) {
	defer func() {
		if r := recover(); r != nil {
			fs = []report.Finding{crashFinding(report.CheckSchema, o.Resource, "validating this object against its schema", r)}
		}
	}()
	return validateObject(v, schema.Object{Resource: o.Resource, Body: o.Body})
}

func safeCheck(ctx context.Context, c Checker, t Target, objs []Object, timeout time.Duration) (fs []report.Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			fs, err = []report.Finding{crashFinding(report.CheckPolicy, report.Resource{}, "evaluating the policies", r)}, nil
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return c.Check(ctx, t, objs)
}

func crashFinding(check string, r report.Resource, doing string, v any) report.Finding {
	return report.Finding{
		Severity: report.SeverityError, Check: check, Rule: guard.RuleInternalError, Resource: r,
		Message: fmt.Sprintf("kvet crashed while %s: %v (please report it; the other checks and targets ran)\n%s", doing, v, firstFrames(debug.Stack())),
	}
}

// watchMemory returns a context that is cancelled, with cause
// build.ErrMemoryBudget, once the Go heap passes budget; the builds in
// flight are then abandoned with a memory-budget finding. It also sets
// the runtime's soft memory limit to the budget for the run, so the
// collector works harder before the budget is reached.
func watchMemory(ctx context.Context, budget int64) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	old := debug.SetMemoryLimit(budget)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				metrics.Read(sample)
				if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > uint64(budget) {
					cancel(build.ErrMemoryBudget)
					return
				}
			}
		}
	}()
	return ctx, func() {
		close(done)
		wg.Wait()
		cancel(nil)
		debug.SetMemoryLimit(old)
	}
}
