// Package config reads kvet.yaml, the optional repository configuration.
//
// kvet.yaml is part of the repository under test, so it is untrusted input
// like every other file: it is read through the guard's limits, every path
// it names must stay inside the repository root, and every error names the
// file and line. Unknown keys are errors (with the nearest known key as a
// suggestion): a typo must not silently turn a check off.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
)

// FileName is the configuration file kvet reads at the repository root.
const FileName = "kvet.yaml"

// Config is kvet.yaml. Command-line flags override it.
type Config struct {
	// KubernetesVersion selects the bundled schemas, e.g. "1.37".
	KubernetesVersion string `yaml:"kubernetesVersion"`
	// CRDs are extra directories (repository-relative, inside the
	// repository) whose CustomResourceDefinitions give schemas for custom
	// resources. They are directories, not patterns.
	CRDs []string `yaml:"crds"`
	// ExternalKinds are kinds whose schema lives outside the repository;
	// kvet does not ask for a schema for them. "apiVersion/Kind" or
	// "group/*" or "apiVersion/*".
	ExternalKinds []string `yaml:"externalKinds"`
	// SchemaLocations are repository-relative kubeconform -schema-location
	// templates of JSON schema files the repository holds, e.g.
	// "schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json";
	// used for kinds no bundled or repository CRD describes.
	SchemaLocations []string `yaml:"schemaLocations"`
	// Exclude are repository-relative doublestar patterns of paths that
	// are never discovered as targets (a directory excludes what is below).
	Exclude []string `yaml:"exclude"`
	// Environments map target paths to environment names, for
	// per-environment policy severities (see Environments). By default the
	// environment is the target directory's name.
	Environments Environments `yaml:"environments"`
	// Policy configures the Rego policy check.
	Policy Policy `yaml:"policy"`
	// Limits bound what kvet reads.
	Limits Limits `yaml:"limits"`
	// FeatureGates are the cluster's API server feature gates where they
	// differ from the release's defaults (name -> enabled); kvet's Go-side
	// API rules follow them (e.g. HPAScaleToZero).
	FeatureGates map[string]bool `yaml:"featureGates"`

	// src says where each value was written, for errors.
	src source
}

// Policy configures the policy check.
type Policy struct {
	// Dirs are extra policy directories inside the repository, as with
	// --policy.
	Dirs []string `yaml:"dirs"`
	// DisableDefaults turns the bundled library off.
	DisableDefaults bool `yaml:"disableDefaults"`
	// AllowedRegistries restricts image registries; empty allows any.
	AllowedRegistries []string `yaml:"allowedRegistries"`
	// PodSpecPaths declares where custom kinds keep a pod spec:
	// "group/Kind" -> dotted path such as "spec.template.spec".
	PodSpecPaths map[string]string `yaml:"podSpecPaths"`
	// ExternalResources are objects the cluster has that targets do not
	// render ("Kind/namespace/name", cluster-scoped "Kind//name", globs).
	ExternalResources []string           `yaml:"externalResources"`
	Exceptions        []Exception        `yaml:"exceptions"`
	Severities        []SeverityOverride `yaml:"severities"`
}

// Exception suppresses a rule for matching targets and objects.
type Exception struct {
	Rule     string `yaml:"rule"`
	Path     string `yaml:"path"`
	Resource string `yaml:"resource"`
	Reason   string `yaml:"reason"`
	Expires  string `yaml:"expires"`
}

// SeverityOverride changes a rule's severity in one environment.
type SeverityOverride struct {
	Environment string `yaml:"environment"`
	Rule        string `yaml:"rule"`
	Severity    string `yaml:"severity"`
}

// Limits bound the input kvet accepts; zero or empty means the default
// (see guard.Defaults and README, "Configuration").
type Limits struct {
	// MaxFileBytes is the largest file kvet reads (default 8 MiB).
	MaxFileBytes int64 `yaml:"maxFileBytes"`
	// MaxDocumentsPerFile bounds the YAML documents of one file (10000).
	MaxDocumentsPerFile int `yaml:"maxDocumentsPerFile"`
	// MaxDepth bounds YAML nesting, aliases expanded (256).
	MaxDepth int `yaml:"maxDepth"`
	// MaxAliasExpansion bounds the nodes YAML aliases add to a file (100000).
	MaxAliasExpansion int `yaml:"maxAliasExpansion"`
	// MaxObjectsPerTarget bounds what one target renders (20000).
	MaxObjectsPerTarget int `yaml:"maxObjectsPerTarget"`
	// TargetTimeout bounds one target's build, a Go duration ("2m").
	TargetTimeout string `yaml:"targetTimeout"`
	// MemoryBudget is the heap size past which builds in flight are
	// abandoned, a quantity ("2Gi").
	MemoryBudget string `yaml:"memoryBudget"`
}

// Load reads root/kvet.yaml; a missing file gives the zero Config. The
// file is read through the guard (inside root, within the default limits)
// and every path it names is confined to root.
func Load(root string) (*Config, error) {
	return LoadFile(root, filepath.Join(root, FileName), FileName)
}

// LoadFile reads the configuration at path (absolute or relative to the
// working directory), named display in errors. A path given on the
// command line may lie outside root; the paths it names may not. A missing
// default kvet.yaml is the zero Config; any other missing file is an error.
func LoadFile(root, path, display string) (*Config, error) {
	guardRoot := root
	if !guard.Within(root, absPath(path)) {
		guardRoot = "" // --config names it: the user chose that file
	}
	b, v, err := guard.ReadFile(guardRoot, path, guard.Defaults())
	if v != nil {
		return nil, fmt.Errorf("%s: %s", display, v.Message)
	}
	if err != nil {
		if display == FileName && errors.Is(err, fs.ErrNotExist) {
			return &Config{}, nil
		}
		return nil, fmt.Errorf("read %s: %w", display, err)
	}
	c, err := ParseFile(display, b)
	if err != nil {
		return nil, err
	}
	if err := c.confine(root); err != nil {
		return nil, err
	}
	return c, nil
}

// Parse decodes and checks kvet.yaml content (named kvet.yaml in errors).
func Parse(b []byte) (*Config, error) { return ParseFile(FileName, b) }

// ParseFile decodes and checks configuration content; errors read
// "name:line: what is wrong".
func ParseFile(name string, b []byte) (*Config, error) {
	// Parsing walks the node tree: refuse alias bombs and depth first.
	if v := guard.CheckContent(name, b, guard.Defaults(), true); v != nil {
		return nil, v
	}
	c, err := decode(name, b)
	if err != nil {
		return nil, err
	}
	return c, c.check()
}

func (c *Config) check() error {
	var errs []error
	at := c.src.at
	for i, e := range c.Policy.Exceptions {
		k := fmt.Sprintf("policy.exceptions[%d]", i)
		if e.Rule == "" {
			errs = append(errs, at(k, "rule is required"))
		}
		if strings.TrimSpace(e.Reason) == "" {
			errs = append(errs, at(k, "(%s) a reason is required", e.Rule))
		}
		if e.Expires != "" {
			if _, err := time.Parse(time.DateOnly, e.Expires); err != nil {
				errs = append(errs, at(k+".expires", "(%s) expires must be YYYY-MM-DD: %v", e.Rule, err))
			}
		}
	}
	for i, s := range c.Policy.Severities {
		if s.Severity != "error" && s.Severity != "warning" {
			errs = append(errs, at(fmt.Sprintf("policy.severities[%d].severity", i), "severity must be error or warning, not %q", s.Severity))
		}
	}
	for i, g := range c.Exclude {
		k := fmt.Sprintf("exclude[%d]", i)
		if _, err := Glob(g); err != nil {
			errs = append(errs, at(k, "%v", err))
		} else if err := localPattern(g); err != nil {
			errs = append(errs, at(k, "%v", err))
		}
	}
	for i, r := range c.Environments.Rules {
		k := fmt.Sprintf("environments[%d]", i)
		if r.Name == "" {
			errs = append(errs, at(k, "an environment needs a name"))
		}
		if _, err := Glob(r.Match); err != nil {
			errs = append(errs, at(k, "%v", err))
		}
	}
	for i, d := range c.CRDs {
		if err := localPath(d); err != nil {
			errs = append(errs, at(fmt.Sprintf("crds[%d]", i), "%v", err))
		}
	}
	for i, d := range c.Policy.Dirs {
		if err := localPath(d); err != nil {
			errs = append(errs, at(fmt.Sprintf("policy.dirs[%d]", i), "%v", err))
		}
	}
	for i, l := range c.SchemaLocations {
		if err := checkSchemaLocation(l); err != nil {
			errs = append(errs, at(fmt.Sprintf("schemaLocations[%d]", i), "%v", err))
		}
	}
	if err := c.Limits.check(at); err != nil {
		errs = append(errs, err)
	}
	if err := c.checkFeatureGates(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Excluded reports whether a repository-relative path ("/"-separated) is
// excluded, itself or through a parent directory.
func (c *Config) Excluded(rel string) bool {
	for _, g := range c.Exclude {
		m, err := Glob(g)
		if err != nil {
			continue
		}
		for p := rel; ; {
			if m.MatchString(p) {
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

// Matcher is a compiled doublestar pattern ("/"-separated): * and ? stay
// within a path segment, ** spans any number of whole segments, {a,b}
// alternates and [...] is a class.
type Matcher struct{ pattern string }

// MatchString reports whether the "/"-separated s matches as a whole.
func (m *Matcher) MatchString(s string) bool {
	ok, _ := doublestar.Match(m.pattern, s)
	return ok
}

func (m *Matcher) String() string { return m.pattern }

// Glob compiles a "/"-separated doublestar pattern; a leading "./" and a
// trailing "/" are ignored.
func Glob(g string) (*Matcher, error) {
	p := strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(g), "./"), "/")
	if !doublestar.ValidatePattern(p) {
		return nil, fmt.Errorf("invalid pattern %q (doublestar syntax: *, **, ?, [...], {a,b})", g)
	}
	return &Matcher{pattern: p}, nil
}

// checkSchemaLocation keeps a kvet.yaml schema location inside the
// repository: relative, no "..", no URL (kvet never downloads).
func checkSchemaLocation(l string) error {
	switch {
	case strings.TrimSpace(l) == "":
		return errors.New("empty location")
	case strings.Contains(l, "://"):
		return fmt.Errorf("%q is a URL: kvet reads schemas from the repository only", l)
	case filepath.IsAbs(l) || strings.HasPrefix(l, "/") || strings.HasPrefix(l, `\`):
		return fmt.Errorf("%q is absolute: kvet.yaml paths are relative to the repository root", l)
	}
	for _, seg := range strings.FieldsFunc(l, func(r rune) bool { return r == '/' || r == '\\' }) {
		if strings.TrimSpace(seg) == ".." {
			return fmt.Errorf("%q leaves the repository through \"..\"", l)
		}
	}
	return nil
}
