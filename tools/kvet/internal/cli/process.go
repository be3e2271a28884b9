package cli

import (
	"context"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
)

// Process runs kvet as a process: signals cancel the run, and only kvet
// writes to stderr. Libraries kvet calls print warnings of their own to the
// process's stderr (kustomize's deprecated fields, vars never replaced)
// without a file name, in the middle of machine output; kvet reports what
// matters of them as findings (deprecated-field), so the libraries get a
// discarded stream and kvet the real one. Call it before any goroutine
// starts: it replaces os.Stderr and the standard logger's output.
func Process(args []string) int {
	stderr := SilenceLibraries()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Main(ctx, args, os.Stdout, stderr)
}

// SilenceLibraries points os.Stderr and the standard logger at nothing and
// returns the real stderr, for kvet's own messages. Tests that run kvet
// in-process call it once, in TestMain.
func SilenceLibraries() *os.File {
	stderr := os.Stderr
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stderr = null // open for the life of the process
	}
	log.SetOutput(io.Discard)
	return stderr
}
