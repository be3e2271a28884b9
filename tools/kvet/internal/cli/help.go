package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
)

// helpDoc is a command's help, as kubeconform's and conftest's: what it
// does, its exit statuses and examples. The flags come from the flag set.
type helpDoc struct {
	usage, description, exit, examples string
}

// newFlagSet returns the flag set of a command. --help and -h print doc
// and the flags to stdout and end the command with status 0; a parse
// error is reported by Main, with a suggestion (parseFlags).
func newFlagSet(name string, stdout io.Writer, doc helpDoc) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprint(stdout, doc.text(fs))
	}
	return fs
}

// text is the whole help of a command.
func (d helpDoc) text(fs *pflag.FlagSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s\n\n%s\n", d.usage, strings.TrimSpace(d.description))
	if flags := flagUsages(fs); flags != "" {
		fmt.Fprintf(&b, "\nFlags:\n%s", flags)
	}
	fmt.Fprintf(&b, "\nExit status:\n%s\n", indent(d.exit))
	if d.examples != "" {
		fmt.Fprintf(&b, "\nExamples:\n%s\n", indent(d.examples))
	}
	return b.String()
}

// flagUsages lists the flags one a line, in declaration order, as
// pflag's FlagUsages without its "[=true|false]" on every switch.
func flagUsages(fs *pflag.FlagSet) string {
	type line struct{ left, usage string }
	var lines []line
	width := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		left := "      --" + f.Name
		if f.Shorthand != "" {
			left = "  -" + f.Shorthand + ", --" + f.Name
		}
		varname, usage := pflag.UnquoteUsage(f)
		if varname != "" && f.Value.Type() != "bool" {
			left += " " + varname
		}
		switch f.DefValue {
		case "", "false", "0", "[]":
		default:
			usage += fmt.Sprintf(" (default %q)", f.DefValue)
		}
		lines = append(lines, line{left, usage})
		width = max(width, len(left))
	})
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%-*s   %s\n", width, l.left, l.usage)
	}
	return b.String()
}

func indent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n")
}

// parseFlags parses args; an unknown flag names the closest flag the
// command has, as an unknown kvet.yaml key does.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil {
		return nil
	}
	msg := err.Error()
	name, ok := strings.CutPrefix(msg, "unknown flag: --")
	if !ok {
		return err
	}
	var known []string
	fs.VisitAll(func(f *pflag.Flag) { known = append(known, f.Name) })
	if s := config.Suggest(name, known); s != "" {
		return fmt.Errorf("%w: did you mean --%s? (kvet %s --help lists the flags)", err, s, fs.Name())
	}
	return fmt.Errorf("%w (kvet %s --help lists the flags)", err, fs.Name())
}

const exitValidate = `0  every target built and no finding fails the run (see --fail-on)
1  at least one error finding (a target that does not build is one), or a
   warning with --fail-on warning
2  kvet could not run: bad flag, missing PATH, invalid kvet.yaml`

var validateHelp = helpDoc{
	usage: "kvet validate [flags] [PATH...]",
	description: `Builds every kustomize target under PATH (default ".") in-process, the way
kustomize, Flux and Argo CD build them, and checks every rendered object
against strict offline schemas, the API server's own rules and Rego policies.
A PATH holding a kustomization is one target; any other PATH is a tree whose
root kustomizations, Flux Kustomizations and Argo CD Applications are the
targets. Nothing is downloaded or executed unless a flag allows it.

Text output lists the targets with findings and a summary; --verbose lists
every target and note, --quiet only the summary. Markdown output starts with
a Mermaid picture of the targets --changed-since affects (else of those with
findings), with what deploys them and what they include.`,
	exit: exitValidate,
	examples: `kvet validate                                  # the whole repository
kvet validate overlays/production              # one target
kvet validate -o github --changed-since origin/main
kvet validate -o sarif > kvet.sarif            # GitHub code scanning
kvet validate -o markdown --changed-since origin/main >> "$GITHUB_STEP_SUMMARY"
kvet validate --skip Secret --reject ClusterRoleBinding --fail-on warning`,
}

var renderHelp = helpDoc{
	usage: "kvet render [flags] PATH|FILE#Kind/namespace/name",
	description: `Prints exactly what "kustomize build PATH" prints, under kvet's safety rules;
for an entry point (e.g. clusters/prod/apps.yaml#Kustomization/flux-system/apps),
what its GitOps controller applies.`,
	exit: `0  rendered
1  the target does not build (the error is on stderr)
2  kvet could not run: bad flag, missing PATH`,
	examples: `kvet render overlays/production
kvet render 'clusters/production/apps.yaml#Kustomization/flux-system/apps'`,
}

var versionHelp = helpDoc{
	usage:       "kvet version [-o text|json]",
	description: `Prints kvet's version, the kustomize API and kyaml versions it builds with, the bundled Kubernetes releases and the sources of the bundled CRD catalog.`,
	exit: `0  printed
2  bad flag`,
	examples: `kvet version
kvet version -o json | jq -r .kustomizeAPI`,
}

var policyTestHelp = helpDoc{
	usage: "kvet policy test [flags] [DIR...]",
	description: `Runs opa-style *_test.rego policy tests (the bundled library when no DIR is
given) in-process and prints the coverage of the policies.`,
	exit: `0  every test passed
1  a test failed
2  kvet could not run: bad flag, unreadable or invalid Rego`,
	examples: `kvet policy test
kvet policy test -v policy/ my-policies/`,
}

var diffHelp = helpDoc{
	usage: "kvet diff --base REF [flags] [PATH...]",
	description: `Renders every target under PATH (default: the whole repository) at git
revision REF and in the work tree, and shows the objects each target adds,
removes or changes, with unified diffs of the rendered YAML. REF is read from
git objects into a temporary directory that is removed afterwards; the work
tree, the index and the refs are never touched.`,
	exit: `0  rendered (also with differences, unless --exit-code)
1  --exit-code and differences, or a target no longer builds in the work tree
2  kvet could not run: unknown REF, not a git repository, bad flag`,
	examples: `kvet diff --base origin/main
kvet diff --base HEAD~1 -o markdown overlays/production >> "$GITHUB_STEP_SUMMARY"`,
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "help" }

const policyHelp = `Usage: kvet policy test [flags] [DIR...]

The policy command has one subcommand, test: it runs opa-style *_test.rego
policy tests and prints coverage. "kvet policy test --help" lists its flags.
`

const schemasOverview = `Usage: kvet schemas export [flags] DIR
       kvet schemas list [flags] [PATH...]

export writes the schemas kvet validates against in kubeconform's layout;
list prints every kind kvet has a schema for, and with PATH the kinds it uses
without one. "kvet schemas export --help" and "kvet schemas list --help"
describe them.
`
