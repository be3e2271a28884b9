// Command schemagen produces the schemas kvet bundles: strict, standalone
// JSON schemas for every built-in kind of the supported Kubernetes releases,
// and a catalog of trimmed CustomResourceDefinitions of common projects.
//
// Every input is a Go module at a pinned version, fetched with
// `go mod download`, so the output is reproducible byte for byte and can be
// regenerated offline from the module cache:
//
//	cd tools/schemagen && go run . -out ../kvet/internal/schema/bundled/data
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("schemagen", flag.ContinueOnError)
	out := fs.String("out", "", "directory to write the bundles into (required unless -download-only)")
	downloadOnly := fs.Bool("download-only", false, "only fill the module cache with every input module")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *downloadOnly {
		return downloadAll(ctx, stdout)
	}
	if *out == "" {
		return fmt.Errorf("-out is required")
	}
	return generate(ctx, *out, stdout)
}

// generate writes every bundle into out.
func generate(ctx context.Context, out string, log io.Writer) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	for _, version := range kubernetesReleases() {
		msg, _, err := generateKubernetes(ctx, out, version)
		if err != nil {
			return err
		}
		fmt.Fprintln(log, msg)
	}
	msg, _, err := generateCatalog(ctx, out)
	if err != nil {
		return err
	}
	fmt.Fprintln(log, msg)
	if msg, err = generateFeatureGates(ctx, out); err != nil {
		return err
	}
	fmt.Fprintln(log, msg)
	return nil
}

// downloadAll fetches every input, for `make schemas-deps`.
func downloadAll(ctx context.Context, log io.Writer) error {
	for _, version := range kubernetesReleases() {
		module, err := openModule(ctx, kubernetesModule, "v"+version)
		if err != nil {
			return err
		}
		module.Close()
		fmt.Fprintln(log, kubernetesModule+"@v"+version)
	}
	for _, src := range catalogSources() {
		module, err := openModule(ctx, src.Module, src.Version)
		if err != nil {
			return err
		}
		module.Close()
		fmt.Fprintln(log, src.Module+"@"+src.Version)
	}
	for _, h := range historySources() {
		module, err := openModule(ctx, h.Module, h.Version)
		if err != nil {
			return err
		}
		module.Close()
	}
	return nil
}
