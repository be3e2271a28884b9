package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/policy"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// policyChecker adapts the Rego engine to the runner. The policies are
// compiled on first need (a run whose checks all come from the cache
// compiles nothing); the cluster inventories are converted once and
// shared by the targets of a cluster.
type policyChecker struct {
	opts policy.Options
	root string
	repo *gitops.Repo

	// What reads the whole repository (its directories, the branches its
	// bootstrap sources track) and the fingerprint made of it are
	// completed once, in the background from the start (complete).
	completeOnce sync.Once
	completeErr  error
	fingerprint  string
	cacheable    bool

	once     sync.Once
	e        *policy.Engine
	err      error
	mu       sync.Mutex
	clusters map[*runner.Cluster]*clusterInventory
}

type clusterInventory struct {
	once sync.Once
	inv  *policy.Inventory
	err  error
}

// again is a checker for another run with p's policies, compiled once:
// the cluster inventories are the run's own.
func (p *policyChecker) again() *policyChecker {
	e, err := p.engine(context.Background())
	q := &policyChecker{opts: p.opts, root: p.root, repo: p.repo, completeErr: p.completeErr, fingerprint: p.fingerprint, cacheable: p.cacheable,
		e: e, err: err, clusters: map[*runner.Cluster]*clusterInventory{}}
	q.completeOnce.Do(func() {}) // completed by p.engine
	q.once.Do(func() {})         // e and err are set
	return q
}

// complete reads what the policies' data.kvet.repository needs from the
// whole repository and fingerprints the options. An error is the
// policies' (Prepare returns it): the run then caches no checks.
func (p *policyChecker) complete() error {
	p.completeOnce.Do(func() {
		dirs, err := repositoryDirs(p.root)
		if err != nil {
			p.completeErr = err
			return
		}
		p.opts.RepositoryDirs = dirs
		p.opts.RepositoryBranches = p.repo.Branches()
		fp, ok, err := policy.Fingerprint(p.opts)
		if err != nil {
			p.completeErr = fmt.Errorf("policies: %w", err)
			return
		}
		p.fingerprint, p.cacheable = fp, ok
	})
	return p.completeErr
}

// Fingerprint implements runner.CachedChecker.
func (p *policyChecker) Fingerprint() (string, bool) {
	if p.complete() != nil {
		return "", false
	}
	return p.fingerprint, p.cacheable
}

// Prepare implements runner.CachedChecker: it compiles the policies.
func (p *policyChecker) Prepare(ctx context.Context) error {
	_, err := p.engine(ctx)
	return err
}

func (p *policyChecker) engine(ctx context.Context) (*policy.Engine, error) {
	p.once.Do(func() {
		if p.err = p.complete(); p.err != nil {
			return
		}
		p.e, p.err = policy.New(ctx, p.opts)
		if p.err != nil {
			p.err = fmt.Errorf("policies: %w", p.err)
		}
	})
	return p.e, p.err
}

func (p *policyChecker) Check(ctx context.Context, t runner.Target, objs []runner.Object) ([]report.Finding, error) {
	e, err := p.engine(ctx)
	if err != nil {
		return nil, err
	}
	pt := policy.Target{Path: t.Path, Environment: t.Environment}
	if t.Cluster != nil {
		inv, err := p.cluster(t.Cluster)
		if err != nil {
			return nil, err
		}
		pt.Cluster = inv
	}
	return e.Evaluate(ctx, pt, policyObjects(objs))
}

func (p *policyChecker) cluster(c *runner.Cluster) (*policy.Inventory, error) {
	p.mu.Lock()
	ci := p.clusters[c]
	if ci == nil {
		ci = &clusterInventory{}
		p.clusters[c] = ci
	}
	p.mu.Unlock()
	ci.once.Do(func() { ci.inv, ci.err = policy.NewInventory(policyObjects(c.Objects())) })
	return ci.inv, ci.err
}

func policyObjects(objs []runner.Object) []policy.Object {
	in := make([]policy.Object, len(objs))
	for i, o := range objs {
		in[i] = policy.Object{Resource: o.Resource, Body: o.Body}
	}
	return in
}

// newPolicyChecker reads the policies and their options for the whole
// run; they are compiled when a target first needs them.
// repo is the repository's manifests as the run reads them (nil: read
// them here).
func newPolicyChecker(root string, cfg *config.Config, repo *gitops.Repo, dirs []string, noDefaults, unsafeBuiltins bool) *policyChecker {
	opts := policy.Options{
		AllowUnsafeBuiltins: unsafeBuiltins,
		Root:                root,
		Limits:              cfg.Limits.Guard(),
		Dirs:                append(absAll(root, cfg.Policy.Dirs), dirs...),
		NoDefaults:          noDefaults || cfg.Policy.DisableDefaults,
		PodSpecPaths:        cfg.Policy.PodSpecPaths,
		AllowedRegistries:   cfg.Policy.AllowedRegistries,
		ExternalResources:   cfg.Policy.ExternalResources,
	}
	for _, p := range cfg.Policy.Producers {
		opts.Producers = append(opts.Producers, policy.Producer{Kind: p.Kind, Makes: p.Makes, NameFrom: p.NameFrom, NamespaceFrom: p.NamespaceFrom})
	}
	for _, e := range cfg.Policy.Exceptions {
		opts.Exceptions = append(opts.Exceptions, policy.Exception{Rule: e.Rule, Path: e.Path, Resource: e.Resource, Reason: e.Reason, Expires: e.Expires})
	}
	for _, s := range cfg.Policy.Severities {
		opts.Severities = append(opts.Severities, policy.SeverityOverride{Environment: s.Environment, Rule: s.Rule, Severity: report.Severity(s.Severity)})
	}
	opts.RepositoryURLs = gitops.RepositoryURLs(root, cfg.RepositoryURLs)
	if repo == nil {
		repo = gitops.NewRepo(root, cfg.Excluded, cfg.Limits.MaxFileBytes)
	}
	// The repository is read on first need: the runner asks for the
	// fingerprint while it discovers the targets.
	return &policyChecker{opts: opts, root: root, repo: repo, clusters: map[*runner.Cluster]*clusterInventory{}}
}

func absAll(root string, dirs []string) []string {
	var out []string
	for _, d := range dirs {
		if !filepath.IsAbs(d) {
			d = filepath.Join(root, filepath.FromSlash(d))
		}
		out = append(out, d)
	}
	return out
}

// repositoryDirs lists the repository's directories ("/"-separated,
// relative to root) so the gitops-path rule can tell which exist.
func repositoryDirs(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		r, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(r))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list repository directories: %w", err)
	}
	return out, nil
}

// policyCommand runs `kvet policy test [DIR...]`.
func policyCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, policyHelp)
		return ExitOK, nil
	}
	if len(args) == 0 || args[0] != "test" {
		return ExitUsage, errors.New("usage: kvet policy test [-v] [DIR...] (kvet policy --help)")
	}
	fs := newFlagSet("policy test", stdout, policyTestHelp)
	verbose := fs.BoolP("verbose", "v", false, "print every test")
	unsafeBuiltins := fs.Bool("allow-unsafe-builtins", false, "let the policies call network, DNS, clock, randomness and runtime built-ins (http.send, opa.runtime, ...)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return ExitUsage, err
	}
	root, err := repoRoot()
	if err != nil {
		return ExitUsage, err
	}
	res, err := policy.Test(ctx, fs.Args(), *verbose, stdout, policy.TestRoot(root), policy.TestAllowUnsafeBuiltins(*unsafeBuiltins))
	if err != nil {
		return ExitUsage, err
	}
	if !res.OK() {
		return ExitFindings, nil
	}
	return ExitOK, nil
}

// absPaths makes command-line directories absolute (relative to the
// working directory, as a user typed them).
func absPaths(dirs []string) []string {
	var out []string
	for _, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil {
			d = abs
		}
		out = append(out, d)
	}
	return out
}
