package cli

import (
	"context"
	"errors"
	"io"

	"github.com/example/gitops-go-stack/tools/kvet/internal/lsp"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

var lspHelp = helpDoc{
	usage: "kvet lsp [flags]",
	description: `Runs kvet as a Language Server Protocol server on stdin and stdout, for
editors (setup: docs/editor.md). While a file of the repository is edited,
kvet re-validates the targets that include it, with the unsaved text, and
shows the findings of kvet validate at their lines, in that file and in the
others they point at; hover shows a field's final value in each target,
quick fixes remove a patch that matches nothing, rename an unknown field and
add restricted securityContext defaults; go to definition follows
resources, components and patches entries; a code lens counts the targets
that include the file.

The repository is the editor's workspace folder (its nearest parent with
.git); kvet.yaml is read from there, and read again when it is saved. The
safety rules of kvet validate hold: no network, no execution, reads only
inside the repository, kvet.yaml's limits.`,
	exit: `0  the client sent shutdown then exit, or closed the stream
1  the client sent exit without shutdown (as the protocol says)
2  kvet could not run: bad flag`,
	examples: `kvet lsp                         # started by the editor, not by hand
kvet lsp --debounce 300ms        # wait longer after the last keystroke`,
}

// lspCommand wires kvet lsp: the session (kvet.yaml, policies) is made for
// the root the editor opens, as validate makes it for the working tree.
func lspCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("lsp", stdout, lspHelp)
	cfgPath := fs.String("config", "", "configuration file (default: kvet.yaml at the repository root)")
	policies := fs.StringArray("policy", nil, "directory of Rego policies to run besides the defaults (repeatable)")
	noDefaults := fs.Bool("no-default-policies", false, "do not run the bundled policy library")
	noPolicies := fs.Bool("no-policies", false, "skip the policy check entirely (build and schema only)")
	debounce := fs.Duration("debounce", lsp.DefaultDebounce, "pause after the last edit before a check")
	jobs := fs.IntP("jobs", "j", 0, "targets built and checked at once (default: number of CPUs)")
	_ = fs.Bool("stdio", true, "talk over stdin and stdout (the only transport; accepted because editors pass it)")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if fs.NArg() > 0 {
		return ExitUsage, errors.New("lsp takes no arguments")
	}
	prepare := func(ctx context.Context, root string) (*lsp.Session, error) {
		cfg, err := loadConfig(root, *cfgPath)
		if err != nil {
			return nil, err
		}
		sess := &lsp.Session{Config: cfg, NewCheckers: func() []runner.Checker { return nil }}
		if !*noPolicies {
			rego := newPolicyChecker(root, cfg, nil, absPaths(*policies), *noDefaults, false)
			// Compiled once per session (an error shows at once); each run
			// gets its own cluster inventories.
			if err := rego.Prepare(ctx); err != nil {
				return nil, err
			}
			sess.NewCheckers = func() []runner.Checker { return []runner.Checker{rego.again()} }
		}
		return sess, nil
	}
	err := lsp.Serve(ctx, stdio{stdin, stdout}, lsp.Options{Prepare: prepare, Debounce: *debounce, Log: stderr, Jobs: *jobs})
	if errors.Is(err, lsp.ErrExitWithoutShutdown) {
		return ExitFindings, nil // the protocol's status for it
	}
	if err != nil {
		return ExitUsage, err
	}
	return ExitOK, nil
}

// stdio is the server's stream: requests on stdin, answers on stdout.
type stdio struct {
	io.Reader
	io.Writer
}

// Close ends the stream, both sides when they can be closed: a write the
// client no longer reads (it went away while diagnostics were being sent)
// then fails instead of holding the check in flight, which the server
// waits for before it returns.
func (s stdio) Close() error {
	var errs []error
	if c, ok := s.Reader.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	if c, ok := s.Writer.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
