package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/diff"
	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/gitrepo"
)

func diffCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("diff", stdout, diffHelp)
	var c common
	c.register(fs)
	base := fs.String("base", "", "git revision to compare the work tree with (branch, tag, commit, origin/main); required")
	output := fs.StringP("output", "o", "text", "output format: "+strings.Join(diff.Formats(), ", "))
	exitCode := fs.Bool("exit-code", false, "exit 1 when a target renders differently (like git diff --exit-code)")
	jobs := fs.IntP("jobs", "j", 0, "targets rendered at once (default: number of CPUs)")
	cfgPath := fs.String("config", "", "configuration file (default: kvet.yaml at the repository root)")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if *base == "" {
		return ExitUsage, errors.New("diff needs --base REF")
	}
	if !slices.Contains(diff.Formats(), *output) {
		return ExitUsage, fmt.Errorf("unknown output format %q (want one of %s)", *output, strings.Join(diff.Formats(), ", "))
	}
	wd, err := os.Getwd()
	if err != nil {
		return ExitUsage, err
	}
	repo, err := gitrepo.Open(ctx, wd)
	if err != nil {
		return ExitUsage, err
	}
	commit, err := repo.Resolve(ctx, *base)
	if err != nil {
		return ExitUsage, err
	}
	cfg, err := loadConfig(repo.Root, *cfgPath)
	if err != nil {
		return ExitUsage, err
	}
	tmp, err := os.MkdirTemp("", "kvet-diff-")
	if err != nil {
		return ExitUsage, fmt.Errorf("temporary directory: %w", err)
	}
	// The export is kvet's only write, and it never outlives the run.
	defer os.RemoveAll(tmp)
	if err := repo.Export(ctx, commit, tmp); err != nil {
		return ExitUsage, err
	}
	paths, err := repoPaths(repo.Root, tmp, fs.Args())
	if err != nil {
		return ExitUsage, err
	}
	targets, err := diff.Run(ctx, diff.Options{
		Base:     diff.Tree{Root: tmp},
		Head:     diff.Tree{Root: repo.Root},
		Paths:    paths,
		Excluded: cfg.Excluded,
		// Both trees stand for the work tree's checkout.
		RepositoryURLs:   gitops.RepositoryURLs(repo.Root, cfg.RepositoryURLs),
		CheckoutBranches: append([]string{}, gitops.CheckoutBranches(repo.Root)...),
		Build:            c.buildOptions(),
		Jobs:             *jobs,
	})
	if err != nil {
		return ExitUsage, err
	}
	if err := ctx.Err(); err != nil {
		// Interrupted: the targets cut short are no result, and the run
		// must not look like one with changes (exit 1) or none (0).
		return ExitUsage, err
	}
	res := diff.NewResult(*base, commit, targets)
	if err := diff.Write(stdout, *output, res); err != nil {
		return ExitUsage, err
	}
	if res.Failed() || (*exitCode && res.HasChanges()) {
		return ExitFindings, nil
	}
	return ExitOK, nil
}

// repoPaths turns command-line paths into repository-relative ones. A path
// may exist only at the base revision (a directory the change deletes).
func repoPaths(root, baseRoot string, args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		abs, err := filepath.Abs(a)
		if err != nil {
			return nil, err
		}
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			abs = r
		} else if r, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
			abs = filepath.Join(r, filepath.Base(abs)) // deleted in the work tree
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil || !(rel == "." || filepath.IsLocal(rel)) {
			return nil, fmt.Errorf("path %s is outside the repository %s", a, root)
		}
		_, errHead := os.Stat(abs)
		_, errBase := os.Stat(filepath.Join(baseRoot, rel))
		if errHead != nil && errBase != nil {
			return nil, fmt.Errorf("path %s does not exist in the work tree nor at the base revision", a)
		}
		out = append(out, filepath.ToSlash(rel))
	}
	return out, nil
}
