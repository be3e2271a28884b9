// Command benchcorpus writes the deterministic benchmark corpus: a
// synthetic GitOps monorepo of N apps × 3 environments (see package corpus).
//
//	go run ./tools/benchcorpus -n 300 -out .cache/bench/corpus-300
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/example/gitops-go-stack/tools/benchcorpus/corpus"
)

func main() {
	n := flag.Int("n", 300, "number of apps (each deployed to 3 environments)")
	out := flag.String("out", "", "output directory (replaced when it holds a previous corpus)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "benchcorpus: -out is required")
		os.Exit(2)
	}
	if err := run(*n, *out); err != nil {
		fmt.Fprintf(os.Stderr, "benchcorpus: %v\n", err)
		os.Exit(1)
	}
}

func run(n int, out string) error {
	c, err := corpus.Generate(n)
	if err != nil {
		return err
	}
	// Never delete a directory that is not a previous corpus.
	if _, err := os.Stat(out); err == nil {
		if _, err := os.Stat(filepath.Join(out, "kvet.yaml")); err != nil {
			return fmt.Errorf("%s exists and is not a benchmark corpus: refusing to replace it", out)
		}
		for _, d := range []string{"apps", "bases", "clusters", "components", "platform"} {
			if err := os.RemoveAll(filepath.Join(out, d)); err != nil {
				return err
			}
		}
	}
	if err := c.Write(out); err != nil {
		return err
	}
	// kvet and the policies take the nearest directory holding .git as the
	// repository root: make the corpus its own repository.
	if err := os.MkdirAll(filepath.Join(out, ".git"), 0o755); err != nil {
		return err
	}
	fmt.Printf("corpus: %d apps x %d environments, %d targets, %d files in %s\n",
		n, len(corpus.Environments), len(corpus.Targets(n)), len(c), out)
	return nil
}
