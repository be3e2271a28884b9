package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

var schemasHelp = helpDoc{
	usage: "kvet schemas export [flags] DIR",
	description: `Writes the JSON schemas kvet validates against into DIR, in kubeconform's
layout, so other tools check with exactly the same schemas: the built-in kinds
of the Kubernetes release, the bundled CRD catalog (Flux, Argo CD, Istio,
Prometheus Operator, ...) and the CRDs of --crds directories and of kvet.yaml's
crds, converted as kvet converts them. Use it with

  kubeconform -strict -schema-location 'DIR/` + bundled.SchemaLocationTemplate + `'

kvet's Go-side checks (removed APIs, the API server's rules, CEL) have no
schema file and are not exported.

"kvet schemas list --help" describes the other subcommand.`,
	exit: `0  written
2  kvet could not run: bad flag, DIR not writable, invalid CRD directory`,
	examples: `kvet schemas export /tmp/schemas
kvet schemas export --kubernetes-version 1.36 --crds crds/ /tmp/schemas`,
}

// schemasCommand runs "kvet schemas export" and "kvet schemas list".
func schemasCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) > 0 && args[0] == "list" {
		return schemasList(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, schemasOverview)
		return ExitOK, nil
	}
	if len(args) == 0 || args[0] != "export" {
		return ExitUsage, errors.New("usage: kvet schemas export [--kubernetes-version V] [--crds DIR]... DIR | kvet schemas list [-o json] [PATH...]")
	}
	fs := newFlagSet("schemas export", stdout, schemasHelp)
	k8s := fs.String("kubernetes-version", "", "Kubernetes release of the built-in schemas ("+strings.Join(bundled.KubernetesVersions(), ", ")+"; default: kvet.yaml, else the newest)")
	crds := fs.StringArray("crds", nil, "directory of CustomResourceDefinitions to convert and export too (repeatable)")
	cfgPath := fs.String("config", "", "configuration file (default: kvet.yaml at the repository root)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return ExitUsage, err
	}
	if fs.NArg() != 1 {
		return ExitUsage, errors.New("schemas export takes exactly one DIR")
	}
	out := fs.Arg(0)
	root, cfg, version, err := repoConfig(*cfgPath, *k8s)
	if err != nil {
		return ExitUsage, err
	}
	dirs := absPaths(*crds)
	dirs = append(dirs, absAll(root, cfg.CRDs)...)
	var opts schema.Options
	opts.KubernetesVersion = version
	if opts.CRDs, err = crdsOfDirs(root, dirs, cfg.Limits.Guard(), stderr); err != nil {
		return ExitUsage, err
	}
	res, findings, err := schema.Export(out, opts)
	if err != nil {
		return ExitUsage, err
	}
	for _, f := range findings {
		fmt.Fprintf(stderr, "kvet: %s\n", f.Message)
	}
	abs, _ := filepath.Abs(out)
	fmt.Fprintf(stdout, "wrote %d schemas to %s (Kubernetes %s: %d built-in, %d from the CRD catalog, %d from %d repository CRDs)\nkubeconform -strict -schema-location '%s/%s'\n",
		res.BuiltIn+res.Catalog+res.Repository, out, res.KubernetesVersion, res.BuiltIn, res.Catalog, res.Repository, len(opts.CRDs),
		filepath.ToSlash(abs), bundled.SchemaLocationTemplate)
	if len(findings) > 0 {
		return ExitFindings, nil
	}
	return ExitOK, nil
}

// crdsOfDirs reads the CRDs of the --crds and kvet.yaml directories; a CRD
// that cannot be used is said on stderr.
func crdsOfDirs(root string, dirs []string, limits guard.Limits, stderr io.Writer) ([]schema.CRD, error) {
	var out []schema.CRD
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("--crds %s is not a directory", d)
		}
		found, findings, err := runner.CRDsInDir(root, d, limits)
		if err != nil {
			return nil, err
		}
		for _, f := range findings {
			fmt.Fprintf(stderr, "kvet: %s: %s\n", f.Source.File, f.Message)
		}
		out = append(out, found...)
	}
	return out, nil
}

// repoConfig finds the repository root, reads its configuration and says
// which Kubernetes release to use (the flag's, else kvet.yaml's).
func repoConfig(cfgPath, k8s string) (string, *config.Config, string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", nil, "", err
	}
	cfg, err := loadConfig(root, cfgPath)
	if err != nil {
		return "", nil, "", err
	}
	if k8s == "" {
		k8s = cfg.KubernetesVersion
	}
	return root, cfg, k8s, nil
}
