package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

const schemasHelp = `Usage: kvet schemas export [flags] DIR

Writes the JSON schemas kvet validates against into DIR, in kubeconform's
layout, so other tools check with exactly the same schemas: the built-in kinds
of the Kubernetes release, the bundled CRD catalog (Flux, Argo CD, Istio,
Prometheus Operator, ...) and the CRDs of --crds directories and of kvet.yaml's
crds, converted as kvet converts them. Use it with

  kubeconform -strict -schema-location 'DIR/` + bundled.SchemaLocationTemplate + `'

kvet's Go-side checks (removed APIs, the API server's rules, CEL) have no
schema file and are not exported.

Flags:
`

// schemasCommand runs "kvet schemas export".
func schemasCommand(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 || args[0] != "export" {
		return ExitUsage, errors.New("usage: kvet schemas export [--kubernetes-version V] [--crds DIR]... DIR")
	}
	fs := newFlagSet("schemas export", stderr, schemasHelp)
	k8s := fs.String("kubernetes-version", "", "Kubernetes release of the built-in schemas ("+strings.Join(bundled.KubernetesVersions(), ", ")+"; default: kvet.yaml, else the newest)")
	crds := fs.StringArray("crds", nil, "directory of CustomResourceDefinitions to convert and export too (repeatable)")
	cfgPath := fs.String("config", "", "configuration file (default: kvet.yaml at the repository root)")
	if err := fs.Parse(args[1:]); err != nil {
		return ExitUsage, err
	}
	if fs.NArg() != 1 {
		return ExitUsage, errors.New("schemas export takes exactly one DIR")
	}
	out := fs.Arg(0)
	root, err := repoRoot()
	if err != nil {
		return ExitUsage, err
	}
	cfg, err := loadConfig(root, *cfgPath)
	if err != nil {
		return ExitUsage, err
	}
	version := *k8s
	if version == "" {
		version = cfg.KubernetesVersion
	}
	dirs := absPaths(*crds)
	dirs = append(dirs, absAll(root, cfg.CRDs)...)
	var opts schema.Options
	opts.KubernetesVersion = version
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return ExitUsage, fmt.Errorf("--crds %s is not a directory", d)
		}
		found, findings, err := runner.CRDsInDir(root, d, cfg.Limits.Guard())
		if err != nil {
			return ExitUsage, err
		}
		for _, f := range findings {
			fmt.Fprintf(stderr, "kvet: %s: %s\n", f.Source.File, f.Message)
		}
		opts.CRDs = append(opts.CRDs, found...)
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
