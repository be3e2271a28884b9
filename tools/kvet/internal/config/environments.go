package config

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"

	yaml3 "go.yaml.in/yaml/v3"
)

// Environments map target paths to environment names. Two forms:
//
//	environments:                 # ordered: the first matching entry wins
//	  - {match: "overlays/prod-eu", name: production-eu}
//	  - {match: "overlays/prod-*", name: production}
//
//	environments:                 # mapping (kvet before 2026-12): no order,
//	  "overlays/prod-*": production   # so a target two patterns with
//	  "overlays/*-eu": eu             # different names match is an error
type Environments struct {
	Rules []EnvironmentRule
	// Unordered is set for the mapping form: YAML mappings have no order a
	// reader can rely on, so overlaps are refused instead of resolved.
	Unordered bool
}

// EnvironmentRule names the environment of the targets Match matches.
type EnvironmentRule struct {
	Match string `yaml:"match"`
	Name  string `yaml:"name"`
	line  int
}

// UnmarshalYAML accepts the list and the mapping form.
func (e *Environments) UnmarshalYAML(n *yaml3.Node) error {
	*e = Environments{}
	switch n.Kind {
	case yaml3.SequenceNode:
		for _, item := range n.Content {
			var r EnvironmentRule
			if err := item.Decode(&r); err != nil {
				return err
			}
			r.line = item.Line
			e.Rules = append(e.Rules, r)
		}
	case yaml3.MappingNode:
		e.Unordered = true
		for i := 0; i+1 < len(n.Content); i += 2 {
			var name string
			if err := n.Content[i+1].Decode(&name); err != nil {
				return err
			}
			e.Rules = append(e.Rules, EnvironmentRule{Match: n.Content[i].Value, Name: name, line: n.Content[i].Line})
		}
	case yaml3.ScalarNode:
		if n.Tag == "!!null" {
			return nil
		}
		fallthrough
	default:
		return fmt.Errorf("line %d: environments is a list of {match, name} (first match wins), or a mapping of pattern: name", n.Line)
	}
	return nil
}

// walkEnvironments checks the keys of the list form and records lines.
func walkEnvironments(s source, n *yaml3.Node, key string) []error {
	switch n.Kind {
	case yaml3.SequenceNode:
		var errs []error
		for i, item := range n.Content {
			errs = append(errs, walk(s, item, reflect.TypeFor[EnvironmentRule](), key+"["+strconv.Itoa(i)+"]")...)
		}
		return errs
	case yaml3.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			s.lines[fmt.Sprintf("%s[%d]", key, i/2)] = n.Content[i].Line
		}
	}
	return nil
}

// Environment names the environment of a target path: the first rule that
// matches, else the target directory's name. In the mapping form an
// ambiguous target (see CheckEnvironments) gets the first match in file
// order, so the result never changes between runs.
func (c *Config) Environment(target string) string {
	for _, r := range c.Environments.Rules {
		if m, err := Glob(r.Match); err == nil && m.MatchString(target) {
			return r.Name
		}
	}
	return filepath.Base(filepath.FromSlash(target))
}

// CheckEnvironments refuses, for the mapping form, a target that patterns
// with different environment names match: which one applies would be a
// matter of key order. The list form is ordered and never ambiguous.
func (c *Config) CheckEnvironments(targets []string) error {
	if !c.Environments.Unordered {
		return nil
	}
	for _, t := range targets {
		var hits []EnvironmentRule
		for _, r := range c.Environments.Rules {
			if m, err := Glob(r.Match); err == nil && m.MatchString(t) {
				if len(hits) > 0 && hits[0].Name != r.Name {
					return fmt.Errorf("%s:%d: environments: target %s matches %q (%s) and %q (%s, line %d): a mapping has no order; write environments as a list of {match, name}, where the first match wins",
						c.file(), hits[0].line, t, hits[0].Match, hits[0].Name, r.Match, r.Name, r.line)
				}
				hits = append(hits, r)
			}
		}
	}
	return nil
}

func (c *Config) file() string {
	if c.src.file == "" {
		return FileName
	}
	return c.src.file
}
