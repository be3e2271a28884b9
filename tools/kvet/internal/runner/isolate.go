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

// The collector's target for validate is four times the live heap (GOGC
// 300, cli/perf.go), which keeps collection cheap; a run whose live heap
// is small (about 140 MiB at the largest benchmark size) would still grow
// to several hundred MiB between collections. The soft memory limit is
// therefore softLimitFactor times the live heap, at least softLimitFloor
// and at most the budget: a small run stays small, and a run with a large
// live heap keeps GOGC's room (a limit under the live heap would make the
// collector run without pause).
const (
	softLimitFloor  = 448 << 20
	softLimitFactor = 3
)

// softLimit is the soft memory limit for a live heap of live bytes.
func softLimit(live uint64, budget int64) int64 {
	l := max(int64(softLimitFloor), softLimitFactor*int64(min(live, uint64(budget))))
	return min(l, budget)
}

// watchMemory returns a context that is cancelled, with cause
// build.ErrMemoryBudget, once the Go heap passes budget; the builds in
// flight are then abandoned with a memory-budget finding. It also sets
// the runtime's soft memory limit for the run (softLimit, never above the
// budget), so the collector works harder before the budget is reached.
func watchMemory(ctx context.Context, budget int64) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	limit := softLimit(0, budget)
	old := debug.SetMemoryLimit(limit)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
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
				if sample[1].Value.Kind() == metrics.KindUint64 {
					if l := softLimit(sample[1].Value.Uint64(), budget); l != limit {
						limit = l
						debug.SetMemoryLimit(l)
					}
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
