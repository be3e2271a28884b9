package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/example/gitops-go-stack/tools/kvet/internal/affected"
	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/gitrepo"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
)

// narrowing holds validate's --changed-since and --shard flags.
type narrowing struct {
	changedSince string
	shard        string
}

func (n *narrowing) register(fs *pflag.FlagSet) {
	fs.StringVar(&n.changedSince, "changed-since", "", "check only the targets whose inputs differ between git revision REF and the work tree (all of them when kvet.yaml, CRDs or policies changed)")
	fs.StringVar(&n.shard, "shard", "", "check only share I of N of the targets (I/N, e.g. 2/4), for CI matrix jobs; every target is in exactly one share")
}

// String names the narrowing for the cache ("" for none).
func (n *narrowing) String() string {
	var parts []string
	if n.changedSince != "" {
		parts = append(parts, "--changed-since "+n.changedSince)
	}
	if n.shard != "" {
		parts = append(parts, "--shard "+n.shard)
	}
	return strings.Join(parts, " ")
}

// selector returns the runner's Select hook for the flags, nil when no
// narrowing was asked for. Inputs that change every target's verdict:
// kvet.yaml (or --config), CRD and policy directories, kvet's own source.
func (n *narrowing) selector(ctx context.Context, root, cfgPath string, cfg *config.Config, crdDirs, policyDirs []string, stderr io.Writer) (func(context.Context, []discover.Target) ([]discover.Target, error), error) {
	if n.changedSince == "" && n.shard == "" {
		return nil, nil
	}
	var shard affected.Shard
	if n.shard != "" {
		s, err := affected.ParseShard(n.shard)
		if err != nil {
			return nil, err
		}
		shard = s
	}
	var changed []string
	var base func(string) []byte
	if n.changedSince != "" {
		repo, err := gitrepo.Open(ctx, root)
		if err != nil {
			return nil, fmt.Errorf("--changed-since: %w", err)
		}
		commit, err := repo.Resolve(ctx, n.changedSince)
		if err != nil {
			return nil, err
		}
		files, err := repo.ChangedFiles(ctx, commit)
		if err != nil {
			return nil, err
		}
		// git prints paths relative to its top level; kvet's are relative
		// to the repository root it found, normally the same directory.
		for _, f := range files {
			if r, err := filepath.Rel(root, filepath.Join(repo.Root, filepath.FromSlash(f))); err == nil && filepath.IsLocal(r) {
				changed = append(changed, filepath.ToSlash(r))
			}
		}
		// A changed file as it was at REF: a deleted CRD or a ConfigMap
		// renamed away from a name an entry point looks up.
		maxBytes := cfg.Limits.Guard().MaxFileBytes
		base = func(p string) []byte {
			r, err := filepath.Rel(repo.Root, filepath.Join(root, filepath.FromSlash(p)))
			if err != nil {
				return nil
			}
			b, err := repo.ReadFile(ctx, commit, filepath.ToSlash(r), maxBytes)
			if err != nil {
				return nil
			}
			return b
		}
	}
	global := affected.DefaultGlobal()
	global = append(global, cfg.CRDs...)
	global = append(global, cfg.Policy.Dirs...)
	for _, l := range cfg.SchemaLocations {
		// A schema file changes the verdict on whatever target uses its kind.
		if tpl, err := schema.ParseSchemaLocation(l); err == nil {
			global = append(global, schema.FixedDir(tpl))
		}
	}
	for _, d := range append(append([]string{cfgPath}, crdDirs...), policyDirs...) {
		if d == "" {
			continue
		}
		abs, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		if r, err := filepath.Rel(root, abs); err == nil && filepath.IsLocal(r) {
			global = append(global, filepath.ToSlash(r))
		}
	}
	return func(_ context.Context, targets []discover.Target) ([]discover.Target, error) {
		total := len(targets)
		if n.changedSince != "" {
			sel := affected.SelectBase(root, targets, changed, global, base)
			targets = sel.Targets
			if sel.All {
				fmt.Fprintf(stderr, "kvet: --changed-since %s: %s: checking all %d targets\n", n.changedSince, sel.Reason, total)
			} else {
				fmt.Fprintf(stderr, "kvet: --changed-since %s: %d changed files affect %d of %d targets\n", n.changedSince, len(changed), len(targets), total)
			}
		}
		if shard.Count > 0 {
			before := len(targets)
			targets = shard.Apply(targets)
			fmt.Fprintf(stderr, "kvet: shard %d/%d: %d of %d targets\n", shard.Index, shard.Count, len(targets), before)
		}
		return targets, nil
	}, nil
}
