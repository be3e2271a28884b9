package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/graph"
	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
)

var graphHelp = helpDoc{
	usage: "kvet graph [flags] [PATH]",
	description: `Draws what deploys what under PATH (default "."), without building anything:
the directories whose manifests declare GitOps entry points (clusters,
app-of-apps), the Flux Kustomizations, HelmReleases and Argo CD Applications
they declare (dashed: dependsOn), the directories those build and the bases
and components the kustomizations include. Output is sorted, so it diffs well.

--includes FILE prints instead the targets (as kvet validate names them:
directories and entry points) that read FILE, one a line.`,
	exit: `0  printed
2  kvet could not run: bad flag, PATH or FILE outside the repository or missing`,
	examples: `kvet graph                                  # Mermaid, for a Markdown page
kvet graph -o dot | dot -Tsvg > graph.svg
kvet graph -o json clusters/production
kvet graph --includes base/go-app/hpa.yaml`,
}

func graphCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("graph", stdout, graphHelp)
	output := fs.StringP("output", "o", "mermaid", "output format: "+strings.Join(graph.Formats(), ", "))
	includes := fs.String("includes", "", "print the targets that read `FILE` (repository-relative) instead of the graph")
	cfgPath := fs.String("config", "", "configuration file (default: kvet.yaml at the repository root)")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if !slices.Contains(graph.Formats(), *output) {
		return ExitUsage, fmt.Errorf("unknown output format %q (want one of %s)", *output, strings.Join(graph.Formats(), ", "))
	}
	if fs.NArg() > 1 {
		return ExitUsage, errors.New("graph takes at most one PATH")
	}
	p := "."
	if fs.NArg() == 1 {
		p = fs.Arg(0)
	}
	root, err := repoRoot()
	if err != nil {
		return ExitUsage, err
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return ExitUsage, err
	}
	if !paths.Inside(root, abs) || !paths.IsDir(abs) {
		return ExitUsage, fmt.Errorf("path %s is not a directory of the repository", p)
	}
	cfg, err := loadConfig(root, *cfgPath)
	if err != nil {
		return ExitUsage, err
	}
	targets, err := discover.Discover(ctx, discover.Options{Root: root, Excluded: cfg.Excluded,
		RepositoryURLs: gitops.RepositoryURLs(root, cfg.RepositoryURLs)}, []string{abs})
	if err != nil {
		return ExitUsage, err
	}
	if *includes != "" {
		file, err := repoFile(root, *includes)
		if err != nil {
			return ExitUsage, err
		}
		for _, t := range graph.Includes(root, targets, file) {
			fmt.Fprintln(stdout, t)
		}
		return ExitOK, nil
	}
	g := graph.Build(root, targets)
	switch *output {
	case "dot":
		err = graph.WriteDOT(stdout, g)
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(g)
	default:
		err = graph.WriteMermaid(stdout, g)
	}
	return ExitOK, err
}

// repoFile resolves FILE (relative to the working directory, else to the
// repository root) to a repository-relative path; a file outside the
// repository is refused, as validate refuses to read one.
func repoFile(root, file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		abs = filepath.Join(root, filepath.FromSlash(file))
	}
	if !paths.Inside(root, abs) {
		return "", fmt.Errorf("--includes %s is outside the repository", file)
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("--includes %s does not exist", file)
	}
	return paths.Rel(root, abs), nil
}
