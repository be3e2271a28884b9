// Command flux compares kvet's rendering of Flux Kustomization entry points
// with what the real Flux kustomize-controller applies.
//
// For every Flux cluster of the repository (clusters/*) and for the Flux
// fixture corpus it starts etcd and kube-apiserver, installs the CRDs,
// serves the work tree as a GitRepository artifact from 127.0.0.1 (no
// source-controller), creates the entry points that nothing else in the
// group applies (the bootstrap `flux-system`, the corpus cases) with health
// checks turned off, runs kustomize-controller until every Kustomization
// has settled, and compares, per Kustomization:
//
//  1. Ready=True exactly when kvet reports no controller-fatal error for the
//     entry point (and the failure class matches the controller's reason);
//  2. the objects of status.inventory equal kvet's render: the same
//     kind/namespace/name set, and the same content, judged by server-side
//     applying kvet's render as the controller's field manager (dry-run) on
//     the live object: any field that changes is a difference.
//
// It prints the agreement table and exits 1 on any disagreement.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/yaml"
)

type options struct {
	repo, kvet, binDir, corpus, controllerCRDs, workDir, resultsFile, known string
	timeout                                                                 time.Duration
	keep, corpusOnly                                                        bool
}

func main() {
	var o options
	flag.StringVar(&o.repo, "repo", ".", "repository root")
	flag.StringVar(&o.kvet, "kvet", "bin/kvet", "kvet binary")
	flag.StringVar(&o.binDir, "bin", ".cache/e2e/bin", "directory holding kube-apiserver, etcd and kustomize-controller")
	flag.StringVar(&o.corpus, "corpus", "tools/e2e/flux-corpus", "Flux fixture corpus (relative to -repo)")
	flag.StringVar(&o.controllerCRDs, "controller-crds", "", "kustomize-controller's own CRD directory (config/crd/bases of its module)")
	flag.StringVar(&o.known, "known", "tools/e2e/flux-known-differences.yaml", "understood, tracked differences (relative to -repo)")
	flag.StringVar(&o.workDir, "work", "", "working directory (default: a temporary directory)")
	flag.StringVar(&o.resultsFile, "results", ".cache/e2e/flux-results.json", "write per-Kustomization results here (relative to -repo)")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long one group may take to settle")
	flag.BoolVar(&o.keep, "keep", false, "keep the working directory (logs, certificates)")
	flag.BoolVar(&o.corpusOnly, "corpus-only", false, "check only the fixture corpus")
	flag.Parse()
	code, err := run(context.Background(), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "flux conformance:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func run(ctx context.Context, o options) (int, error) {
	start := time.Now()
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "[%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	groups, err := planGroups(o)
	if err != nil {
		return 0, err
	}
	var known []*knownDifference
	if data, err := os.ReadFile(filepath.Join(o.repo, o.known)); err == nil {
		if err := yaml.Unmarshal(data, &known); err != nil {
			return 0, fmt.Errorf("%s: %w", o.known, err)
		}
	}
	work := o.workDir
	if work == "" {
		if work, err = os.MkdirTemp("", "kvet-e2e-flux-"); err != nil {
			return 0, err
		}
	}
	if !o.keep {
		defer os.RemoveAll(work)
	}
	var results []*result
	var problems []string
	for i, g := range groups {
		logf("group %s: %d Kustomizations, %d submitted by the harness", g.name, len(g.entries), len(g.roots()))
		rs, ps, err := runGroup(ctx, o, g, known, filepath.Join(work, fmt.Sprintf("g%d", i)), logf)
		if err != nil {
			return 0, fmt.Errorf("group %s: %w", g.name, err)
		}
		results = append(results, rs...)
		for _, p := range ps {
			problems = append(problems, g.name+": "+p)
		}
	}
	for _, k := range known {
		if !k.used && !o.corpusOnly { // the entries are about the repository's objects
			problems = append(problems, fmt.Sprintf("%s: the known difference %s %s no longer occurs: remove it", o.known, k.Object, k.Path))
		}
	}
	return report(o, results, problems, time.Since(start)), nil
}
