package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// viewFlags are validate's flags about what a person sees and what fails
// the run: verbosity, colour, --fail-on, and kubeconform's --skip and
// --reject.
type viewFlags struct {
	verbose, quiet bool
	color          string
	failOn         string
	skip, reject   []string
}

func (v *viewFlags) register(fs *pflag.FlagSet) {
	fs.BoolVarP(&v.verbose, "verbose", "v", false, "text output: list every target, also those without findings, and every note")
	fs.BoolVarP(&v.quiet, "quiet", "q", false, "text output: print only the summary line")
	fs.StringVar(&v.color, "color", "auto", "colour severities in text output: auto (a terminal, unless NO_COLOR is set), always, never")
	fs.StringVar(&v.failOn, "fail-on", "error", "lowest severity that fails the run (exit 1): error, or warning (conftest's --fail-on-warn)")
	fs.StringSliceVar(&v.skip, "skip", nil, "comma-separated kinds or apiVersion/kinds (Secret, v1/Secret) whose objects get no schema check, as kubeconform's -skip")
	fs.StringSliceVar(&v.reject, "reject", nil, "comma-separated kinds or apiVersion/kinds that are an error wherever they appear (rule rejected-kind), as kubeconform's -reject")
}

func (v *viewFlags) check() error {
	if v.verbose && v.quiet {
		return fmt.Errorf("--verbose and --quiet exclude each other")
	}
	switch v.color {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("unknown --color %q (want auto, always or never)", v.color)
	}
	switch v.failOn {
	case "error", "warning":
	default:
		return fmt.Errorf("unknown --fail-on %q (want error or warning)", v.failOn)
	}
	return nil
}

// colored decides --color auto: a terminal, and NO_COLOR (no-color.org)
// unset or empty.
func (v *viewFlags) colored(w io.Writer) bool {
	switch v.color {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// write renders rep; the view flags shape the text format only.
func (v *viewFlags) write(w io.Writer, format string, rep *report.Report) error {
	if format != "text" {
		return report.Write(w, format, rep)
	}
	return report.WriteTextOptions(w, rep, report.TextOptions{Verbose: v.verbose, Quiet: v.quiet, Color: v.colored(w)})
}

// exitCode is 1 when a finding at or above --fail-on exists.
func (v *viewFlags) exitCode(rep *report.Report) int {
	if rep.Failed() || (v.failOn == "warning" && rep.Summary.Warnings > 0) {
		return ExitFindings
	}
	return ExitOK
}
