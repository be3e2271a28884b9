// Package cli wires kvet's command line to its packages. Exit status is
// 0 (no error finding), 1 (error findings) or 2 (kvet could not run).
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

// Exit statuses.
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitUsage    = 2
)

const usage = `kvet: build and check every kustomize target of a GitOps repository

Usage:
  kvet validate [flags] [PATH...]   build every target under PATH (default ".") and check it
  kvet render   [flags] PATH        print what "kustomize build PATH" prints
  kvet diff --base REF [PATH...]    rendered difference between git REF and the work tree
  kvet graph [flags] [PATH]         what deploys what (Mermaid, DOT, JSON); who reads a file
  kvet policy test [DIR...]         run the Rego policy tests (*_test.rego) and print coverage
  kvet schemas export DIR           write the schemas kvet uses, in kubeconform's layout
  kvet schemas list [PATH...]       the kinds kvet has schemas for, and those PATH uses without one
  kvet version [-o json]            tool, kustomize API, bundled Kubernetes versions and CRD sources
  kvet lsp                          language server for editors, on stdin/stdout (docs/editor.md)

Run "kvet <command> --help" for a command's description, flags, exit
statuses and examples.

Exit status: 0 no finding fails the run, 1 findings fail it (or a command's
own failure, such as a failed policy test), 2 kvet could not run.
`

// Main runs kvet with args (without the program name).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	var err error
	code := ExitOK
	switch args[0] {
	case "validate":
		code, err = validate(ctx, args[1:], stdout, stderr)
	case "render":
		code, err = render(ctx, args[1:], stdout, stderr)
	case "diff":
		code, err = diffCommand(ctx, args[1:], stdout, stderr)
	case "graph":
		code, err = graphCommand(ctx, args[1:], stdout, stderr)
	case "policy":
		code, err = policyCommand(ctx, args[1:], stdout, stderr)
	case "schemas":
		code, err = schemasCommand(ctx, args[1:], stdout, stderr)
	case "lsp":
		code, err = lspCommand(ctx, args[1:], os.Stdin, stdout, stderr)
	case "version", "--version":
		code, err = versionCommand(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "kvet: unknown command %q\n\n%s", args[0], usage)
		return ExitUsage
	}
	if err != nil {
		if !errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(stderr, "kvet: %v\n", err)
		}
		if errors.Is(err, pflag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	return code
}

// common are the flags validate and render share.
type common struct {
	allowRemote   bool
	enablePlugins bool
	enableHelm    bool
	helmCommand   string
}

func (c *common) register(fs *pflag.FlagSet) {
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "let kustomize fetch remote bases and resources (git, HTTP): gives up the no-network guarantee")
	fs.BoolVar(&c.enablePlugins, "enable-plugins", false, "run exec/container KRM functions and legacy plugins: gives up the no-execution guarantee")
	fs.BoolVar(&c.enableHelm, "enable-helm", false, "run helm to inflate helmCharts: gives up the no-execution guarantee")
	fs.StringVar(&c.helmCommand, "helm-command", "helm", "helm binary used with --enable-helm")
}

func (c *common) buildOptions() build.Options {
	return build.Options{AllowRemote: c.allowRemote, EnablePlugins: c.enablePlugins, EnableHelm: c.enableHelm, HelmCommand: c.helmCommand}
}

func validate(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("validate", stdout, validateHelp)
	var c common
	c.register(fs)
	output := fs.StringP("output", "o", "text", "output format: "+strings.Join(report.Formats(), ", "))
	var view viewFlags // view.go
	view.register(fs)
	k8s := fs.String("kubernetes-version", "", "Kubernetes release whose schemas are used ("+strings.Join(bundled.KubernetesVersions(), ", ")+"; default: kvet.yaml, else the newest)")
	crds := fs.StringArray("crds", nil, "directory of CustomResourceDefinitions to validate custom resources with (repeatable)")
	locations := fs.StringArray("schema-location", nil, "local JSON schemas in kubeconform's -schema-location convention, e.g. 'DIR/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json', for kinds without a bundled or repository CRD (repeatable; no URLs)")
	jobs := fs.IntP("jobs", "j", 0, "targets built and checked at once (default: number of CPUs)")
	policies := fs.StringArray("policy", nil, "directory of Rego policies to run besides the defaults; conftest layouts work unchanged (repeatable)")
	noDefaults := fs.Bool("no-default-policies", false, "do not run the bundled policy library")
	noPolicies := fs.Bool("no-policies", false, "skip the policy check entirely (build and schema only)")
	unsafeBuiltins := fs.Bool("allow-unsafe-builtins", false, "let Rego policies call network, DNS, clock, randomness and runtime built-ins (http.send, net.lookup_ip_addr, opa.runtime, time.now_ns, ...): gives up no-network for policies")
	cfgPath := fs.String("config", "", "configuration file (default: kvet.yaml at the repository root)")
	var narrow narrowing
	narrow.register(fs)
	var perf perfFlags // perf.go
	perf.register(fs)
	var cacheOpts cacheFlags // cache.go
	cacheOpts.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if !slices.Contains(report.Formats(), *output) {
		return ExitUsage, fmt.Errorf("unknown output format %q (want one of %s)", *output, strings.Join(report.Formats(), ", "))
	}
	if err := view.check(); err != nil {
		return ExitUsage, err
	}
	if *k8s != "" {
		if _, err := bundled.Kubernetes(*k8s); err != nil {
			return ExitUsage, err
		}
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return ExitUsage, fmt.Errorf("path %s does not exist", p)
		}
	}
	root, err := repoRoot()
	if err != nil {
		return ExitUsage, err
	}
	cfg, err := loadConfig(root, *cfgPath)
	if err != nil {
		return ExitUsage, err
	}
	var crdDirs []string
	for _, d := range *crds {
		abs, err := filepath.Abs(d)
		if err != nil {
			return ExitUsage, err
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return ExitUsage, fmt.Errorf("--crds %s is not a directory", d)
		}
		crdDirs = append(crdDirs, abs)
	}
	var schemaLocs []string
	for _, l := range *locations {
		if _, err := schema.ParseSchemaLocation(l); err != nil {
			return ExitUsage, err
		}
		abs, err := filepath.Abs(l)
		if err != nil {
			return ExitUsage, err
		}
		schemaLocs = append(schemaLocs, abs)
	}
	var checkers []runner.Checker
	var rego *policyChecker
	// The policies (their data.kvet.repository) and dependsOn read the
	// repository's manifests: once.
	repo := gitops.NewRepo(root, cfg.Excluded, cfg.Limits.MaxFileBytes)
	if !*noPolicies {
		rego = newPolicyChecker(root, cfg, repo, absPaths(*policies), *noDefaults, *unsafeBuiltins)
		checkers = append(checkers, rego)
	}
	// A changed schema under a --schema-location changes every verdict too.
	globalDirs := slices.Clone(crdDirs)
	for _, l := range schemaLocs {
		globalDirs = append(globalDirs, schema.FixedDir(l))
	}
	sel, err := narrow.selector(ctx, root, *cfgPath, cfg, globalDirs, *policies, stderr)
	if err != nil {
		return ExitUsage, err
	}
	store, err := cacheOpts.open(stderr)
	if err != nil {
		return ExitUsage, err
	}
	if store != nil {
		defer store.Close()
	}
	progress := newProgress(stderr, *output) // progress.go
	picture := newDiagram(*output)           // diagram.go
	stopProfiles, err := perf.start()
	if err != nil {
		return ExitUsage, err
	}
	rep, err := runner.Run(ctx, runner.Options{
		Root: root, Paths: paths, Config: cfg, KubernetesVersion: *k8s, CRDDirs: crdDirs, SchemaLocations: schemaLocs,
		Build: c.buildOptions(), Jobs: *jobs, Checkers: checkers, Select: sel, Selection: narrow.String(), Repo: repo,
		SkipSchema: perf.noSchema, Progress: progress.report(), Cache: store, SkipKinds: view.skip, RejectKinds: view.reject,
		Discovered: picture.discovered(),
	})
	progress.finish()
	if err := errors.Join(err, stopProfiles()); err != nil {
		return ExitUsage, err
	}
	if rego != nil && *output == "sarif" {
		// SARIF documents the rules: the one format that needs the
		// compiled policies even when every check came from the cache.
		e, err := rego.engine(ctx)
		if err != nil {
			return ExitUsage, err
		}
		rep.Rules = policyRuleDocs(e)
	}
	picture.draw(root, rep, narrow.changedSince)
	if err := view.write(stdout, *output, rep); err != nil {
		return ExitUsage, err
	}
	return view.exitCode(rep), nil
}

// loadConfig reads kvet.yaml at root, or the --config file. Either way the
// paths it names are confined to root.
func loadConfig(root, path string) (*config.Config, error) {
	if path == "" {
		return config.Load(root)
	}
	return config.LoadFile(root, path, path)
}

func render(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("render", stdout, renderHelp)
	var c common
	c.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if fs.NArg() != 1 {
		return ExitUsage, errors.New("render takes exactly one PATH")
	}
	p := fs.Arg(0)
	spec, err := renderSpec(p) // a directory, or an entry point (entry.go)
	if err != nil {
		return ExitUsage, err
	}
	opts, err := c.boundedBuildOptions()
	if err != nil {
		return ExitUsage, err
	}
	out, err := build.New(opts).Render(ctx, spec)
	if err != nil {
		fmt.Fprintf(stderr, "kvet: build %s: %v\n", p, err)
		return ExitFindings, nil
	}
	_, err = stdout.Write(out)
	return ExitOK, err
}

// Version is set at build time with -ldflags "-X ...cli.Version=...".
var Version = "dev"

// versionInfo is the JSON form of "kvet version".
type versionInfo struct {
	Kvet               string   `json:"kvet"`
	KustomizeAPI       string   `json:"kustomizeAPI"`
	Kyaml              string   `json:"kyaml"`
	KubernetesVersions []string `json:"kubernetesVersions"`
	DefaultKubernetes  string   `json:"defaultKubernetesVersion"`
	// CRDCatalog lists the pinned Go modules the bundled CRDs come from,
	// and those the removed CRD versions are derived from.
	CRDCatalog struct {
		Sources []bundled.CatalogSource `json:"sources"`
		History []bundled.HistorySource `json:"history"`
	} `json:"crdCatalog"`
}

func versionCommand(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("version", stdout, versionHelp)
	output := fs.StringP("output", "o", "text", "output format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if *output != "text" && *output != "json" {
		return ExitUsage, fmt.Errorf("unknown output format %q (want text or json)", *output)
	}
	info := versionInfo{KustomizeAPI: "unknown", Kyaml: "unknown",
		KubernetesVersions: bundled.KubernetesVersions(), DefaultKubernetes: bundled.DefaultKubernetesVersion()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	info.Kvet = kvetVersion(Version, bi)
	if bi != nil {
		for _, d := range bi.Deps {
			switch d.Path {
			case "sigs.k8s.io/kustomize/api":
				info.KustomizeAPI = d.Version
			case "sigs.k8s.io/kustomize/kyaml":
				info.Kyaml = d.Version
			}
		}
	}
	idx, err := bundled.LoadCatalogIndex()
	if err != nil {
		return ExitUsage, err
	}
	info.CRDCatalog.Sources, info.CRDCatalog.History = idx.Sources, idx.History
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return ExitOK, enc.Encode(info)
	}
	crds := 0
	for _, g := range idx.Groups {
		crds += len(g.CRDs)
	}
	fmt.Fprintf(stdout, "kvet %s\nkustomize api %s, kyaml %s\nKubernetes schemas: %s (default %s)\nCRD catalog: %d CRDs in %d API groups (kvet schemas list), from:\n",
		info.Kvet, info.KustomizeAPI, info.Kyaml, strings.Join(info.KubernetesVersions, ", "), info.DefaultKubernetes, crds, len(idx.Groups))
	for _, s := range idx.Sources {
		fmt.Fprintf(stdout, "  %s %s (%s)\n", s.Project, s.Version, s.Module)
	}
	return ExitOK, nil
}

// repoRoot is the nearest parent of the working directory holding .git,
// else the working directory.
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return wd, nil
		}
		d = parent
	}
}
