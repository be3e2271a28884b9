package cli

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"

	"github.com/spf13/pflag"
)

// perfFlags are validate's performance flags: profiles for finding what a
// run spends its time and memory on.
type perfFlags struct {
	cpuProfile string
	memProfile string
	// noSchema skips the schema check: with --no-policies, validate only
	// builds every target (the render-only floor of a run).
	noSchema bool
}

func (p *perfFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&p.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to `FILE` (go tool pprof)")
	fs.BoolVar(&p.noSchema, "no-schema", false, "skip the schema check (with --no-policies: build every target only, kvet's render floor)")
	fs.StringVar(&p.memProfile, "memprofile", "", "write a heap profile (allocations) at the end of the run to `FILE` (go tool pprof)")
}

// start begins CPU profiling; the returned stop ends it and writes the
// heap profile. stop is safe to call when nothing was asked for.
func (p *perfFlags) start() (stop func() error, err error) {
	restoreGC := tuneGC()
	stopCPU := func() error { restoreGC(); return nil }
	if p.cpuProfile != "" {
		f, err := os.Create(p.cpuProfile)
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		stopCPU = func() error {
			restoreGC()
			pprof.StopCPUProfile()
			return f.Close()
		}
	}
	return func() error {
		err := stopCPU()
		if p.memProfile == "" {
			return err
		}
		f, ferr := os.Create(p.memProfile)
		if ferr != nil {
			return errors.Join(err, fmt.Errorf("--memprofile: %w", ferr))
		}
		runtime.GC() // up-to-date statistics
		werr := pprof.Lookup("allocs").WriteTo(f, 0)
		return errors.Join(err, werr, f.Close())
	}, nil
}

// gcPercent is the collector's target for a validate run. The run keeps
// little alive (builds are compacted to JSON as they finish) but allocates
// a lot, so the default (100) spends a fifth to a third of the CPU time
// collecting; 300 roughly halves that. The runner's soft memory limit
// (three times the live heap, at least 448 MiB, runner/isolate.go) keeps a
// run with a small live heap from growing four times it, and the memory
// budget stays the hard limit. GOGC, when set, wins.
const gcPercent = 300

func tuneGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(gcPercent)
	return func() { debug.SetGCPercent(old) }
}
