// Package config reads kvet.yaml, the optional repository configuration.
// Unknown keys are errors: a typo must not silently turn a check off.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

// FileName is the configuration file kvet reads at the repository root.
const FileName = "kvet.yaml"

// Config is kvet.yaml. Command-line flags override it.
type Config struct {
	// KubernetesVersion selects the bundled schemas, e.g. "1.37".
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	// CRDs are extra directories (repository-relative) whose
	// CustomResourceDefinitions give schemas for custom resources.
	CRDs []string `json:"crds,omitempty"`
	// ExternalKinds are kinds whose schema lives outside the repository;
	// kvet does not ask for a schema for them. "apiVersion/Kind" or
	// "group/*" or "apiVersion/*".
	ExternalKinds []string `json:"externalKinds,omitempty"`
	// Exclude are repository-relative globs (** allowed) of paths that are
	// never discovered as targets.
	Exclude []string `json:"exclude,omitempty"`
	// Environments maps target path globs to environment names, for
	// per-environment policy severities. By default the environment is
	// the target directory's name.
	Environments map[string]string `json:"environments,omitempty"`
	// Policy configures the Rego policy check.
	Policy Policy `json:"policy,omitempty"`
	// Limits bound what kvet reads.
	Limits Limits `json:"limits,omitempty"`
	// FeatureGates are the cluster's API server feature gates where they
	// differ from the release's defaults (name -> enabled); kvet's Go-side
	// API rules follow them (e.g. HPAScaleToZero).
	FeatureGates map[string]bool `json:"featureGates,omitempty"`
}

// Policy configures the policy check.
type Policy struct {
	// Dirs are extra policy directories, as with --policy.
	Dirs []string `json:"dirs,omitempty"`
	// DisableDefaults turns the bundled library off.
	DisableDefaults bool `json:"disableDefaults,omitempty"`
	// AllowedRegistries restricts image registries; empty allows any.
	AllowedRegistries []string `json:"allowedRegistries,omitempty"`
	// PodSpecPaths declares where custom kinds keep a pod spec:
	// "group/Kind" -> dotted path such as "spec.template.spec".
	PodSpecPaths map[string]string `json:"podSpecPaths,omitempty"`
	// ExternalResources are objects the cluster has that targets do not
	// render ("Kind/namespace/name", cluster-scoped "Kind//name", globs).
	ExternalResources []string           `json:"externalResources,omitempty"`
	Exceptions        []Exception        `json:"exceptions,omitempty"`
	Severities        []SeverityOverride `json:"severities,omitempty"`
}

// Exception suppresses a rule for matching targets and objects.
type Exception struct {
	Rule     string `json:"rule"`
	Path     string `json:"path,omitempty"`
	Resource string `json:"resource,omitempty"`
	Reason   string `json:"reason"`
	Expires  string `json:"expires,omitempty"`
}

// SeverityOverride changes a rule's severity in one environment.
type SeverityOverride struct {
	Environment string `json:"environment"`
	Rule        string `json:"rule"`
	Severity    string `json:"severity"`
}

// Limits bound the input kvet accepts; zero or empty means the default
// (see guard.Defaults and README, "Configuration").
type Limits struct {
	// MaxFileBytes is the largest file kvet reads (default 8 MiB).
	MaxFileBytes int64 `json:"maxFileBytes,omitempty"`
	// MaxDocumentsPerFile bounds the YAML documents of one file (10000).
	MaxDocumentsPerFile int `json:"maxDocumentsPerFile,omitempty"`
	// MaxDepth bounds YAML nesting, aliases expanded (256).
	MaxDepth int `json:"maxDepth,omitempty"`
	// MaxAliasExpansion bounds the nodes YAML aliases add to a file (100000).
	MaxAliasExpansion int `json:"maxAliasExpansion,omitempty"`
	// MaxObjectsPerTarget bounds what one target renders (20000).
	MaxObjectsPerTarget int `json:"maxObjectsPerTarget,omitempty"`
	// TargetTimeout bounds one target's build, a Go duration ("2m").
	TargetTimeout string `json:"targetTimeout,omitempty"`
	// MemoryBudget is the heap size past which builds in flight are
	// abandoned, a quantity ("2Gi").
	MemoryBudget string `json:"memoryBudget,omitempty"`
}

// Load reads root/kvet.yaml; a missing file gives the zero Config.
func Load(root string) (*Config, string, error) {
	p := filepath.Join(root, FileName)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{}, "", nil
	}
	if err != nil {
		return nil, p, fmt.Errorf("read %s: %w", p, err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, p, fmt.Errorf("%s: %w", p, err)
	}
	return c, p, nil
}

// Parse decodes and checks kvet.yaml content.
func Parse(b []byte) (*Config, error) {
	var c Config
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	return &c, c.check()
}

func (c *Config) check() error {
	var errs []error
	for i, e := range c.Policy.Exceptions {
		if e.Rule == "" {
			errs = append(errs, fmt.Errorf("policy.exceptions[%d]: rule is required", i))
		}
		if strings.TrimSpace(e.Reason) == "" {
			errs = append(errs, fmt.Errorf("policy.exceptions[%d] (%s): a reason is required", i, e.Rule))
		}
		if e.Expires != "" {
			if _, err := time.Parse(time.DateOnly, e.Expires); err != nil {
				errs = append(errs, fmt.Errorf("policy.exceptions[%d] (%s): expires must be YYYY-MM-DD: %w", i, e.Rule, err))
			}
		}
	}
	for i, s := range c.Policy.Severities {
		if s.Severity != "error" && s.Severity != "warning" {
			errs = append(errs, fmt.Errorf("policy.severities[%d]: severity must be error or warning, not %q", i, s.Severity))
		}
	}
	for _, g := range append(append([]string{}, c.Exclude...), c.CRDs...) {
		if _, err := Glob(g); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.Limits.check(); err != nil {
		errs = append(errs, err)
	}
	if err := checkFeatureGates(c.FeatureGates); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// checkFeatureGates refuses a gate that no bundled Kubernetes release has:
// a misspelt gate would silently leave the rule as it was.
func checkFeatureGates(gates map[string]bool) error {
	if len(gates) == 0 {
		return nil
	}
	all, err := bundled.LoadFeatureGates()
	if err != nil {
		return err
	}
	known := all.Names()
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(gates)) {
		if _, found := slices.BinarySearch(known, name); found {
			continue
		}
		msg := fmt.Sprintf("featureGates: %q is not a feature gate of Kubernetes %s", name, strings.Join(bundled.KubernetesVersions(), ", "))
		if s := closest(name, known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// closest returns the candidate nearest to s (case-insensitive edit
// distance), or "" when none is near enough to be a typo.
func closest(s string, candidates []string) string {
	best, bestD := "", len(s)/3+1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Excluded reports whether a repository-relative path ("/"-separated) is
// excluded, itself or through a parent directory.
func (c *Config) Excluded(rel string) bool {
	for _, g := range c.Exclude {
		re, err := Glob(g)
		if err != nil {
			continue
		}
		p := rel
		for {
			if re.MatchString(p) || re.MatchString(p+"/") {
				return true
			}
			i := strings.LastIndex(p, "/")
			if i < 0 {
				break
			}
			p = p[:i]
		}
	}
	return false
}

// Environment names the environment of a target path.
func (c *Config) Environment(target string) string {
	for g, env := range c.Environments {
		if re, err := Glob(g); err == nil && re.MatchString(target) {
			return env
		}
	}
	return filepath.Base(filepath.FromSlash(target))
}

// Glob compiles a "/"-separated glob where * matches within a path segment
// and ** across segments.
func Glob(g string) (*regexp.Regexp, error) {
	g = strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(g), "./"), "/")
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		switch c := g[i]; c {
		case '*':
			if i+1 < len(g) && g[i+1] == '*' {
				b.WriteString(".*")
				i++
				if i+1 < len(g) && g[i+1] == '/' {
					i++
					b.WriteString("/?")
				}
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("invalid glob %q: %w", g, err)
	}
	return re, nil
}
