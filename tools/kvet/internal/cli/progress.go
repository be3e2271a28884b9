package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// progressLine draws "kvet: building 120/903 targets, 4s" on one terminal
// line, redrawn at most every interval, and erases it when the run ends.
type progressLine struct {
	w        io.Writer
	start    time.Time
	interval time.Duration

	mu     sync.Mutex
	done   map[string]int
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
	return &progressLine{w: stderr, start: time.Now(), interval: 100 * time.Millisecond, done: map[string]int{}}
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
	now := time.Now()
	if p.done[phase] < total && now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	p.drawn = true
	fmt.Fprintf(p.w, "\r\033[Kkvet: %s %d/%d targets, %s", phase, p.done[phase], total, now.Sub(p.start).Round(time.Second))
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
