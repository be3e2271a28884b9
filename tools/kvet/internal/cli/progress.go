package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// progressLine draws what a validate run is doing on one terminal line:
// "kvet: building 120/903 targets, 4s", then "kvet: loading schemas, 9s",
// then "kvet: checking schemas 12/903, policies 10/903, 11s"; redrawn at
// most every interval (and whenever a phase starts or completes), erased
// when the run ends.
type progressLine struct {
	w        io.Writer
	start    time.Time
	interval time.Duration

	mu     sync.Mutex
	done   map[string]int
	totals map[string]int
	group  string // what the line last drawn shows: a phase, or "checking"
	last   time.Time
	drawn  bool
	closed bool
}

// newProgress returns the progress reporter of a validate run: only for
// text output with stderr a terminal (never in CI logs, pipes or machine
// formats); nil otherwise.
func newProgress(stderr io.Writer, format string) *progressLine {
	if format != "text" {
		return nil
	}
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return newProgressLine(stderr, 100*time.Millisecond)
}

func newProgressLine(w io.Writer, interval time.Duration) *progressLine {
	return &progressLine{w: w, start: time.Now(), interval: interval, done: map[string]int{}, totals: map[string]int{}}
}

// report is the runner.Progress of the line; nil for a nil line.
func (p *progressLine) report() runner.Progress {
	if p == nil {
		return nil
	}
	return p.step
}

func (p *progressLine) step(phase string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.done[phase]++
	p.totals[phase] = total
	now := time.Now()
	group := phase
	if slices.Contains(checkPhases, phase) {
		group = "checking"
	}
	if group == p.group && p.done[phase] < total && now.Sub(p.last) < p.interval {
		return
	}
	p.group, p.last, p.drawn = group, now, true
	fmt.Fprintf(p.w, "\r\033[Kkvet: %s, %s", p.doing(phase), now.Sub(p.start).Round(time.Second))
}

// checkPhases are drawn together: a target's policies run right after its
// schema check, so both advance at once.
var checkPhases = []string{runner.PhaseSchemas, runner.PhasePolicies}

// doing says what the run is doing in phase.
func (p *progressLine) doing(phase string) string {
	if !slices.Contains(checkPhases, phase) {
		if p.totals[phase] == 0 {
			return phase
		}
		return fmt.Sprintf("%s %d/%d targets", phase, p.done[phase], p.totals[phase])
	}
	var parts []string
	for _, c := range checkPhases {
		if p.done[c] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d/%d", c, p.done[c], p.totals[c]))
		}
	}
	return "checking " + strings.Join(parts, ", ")
}

// finish erases the line, so the report starts on a clean one.
func (p *progressLine) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
