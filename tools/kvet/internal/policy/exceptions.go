package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// dateLayout is the format of Exception.Expires.
const dateLayout = "2006-01-02"

// Exception waives a rule for targets (and optionally objects) in kvet.yaml:
//
//	exceptions:
//	  - rule: host-path-volume
//	    path: overlays/*/node-agent      # target path glob
//	    resource: DaemonSet/monitoring/* # optional "Kind/namespace/name" glob
//	    reason: node exporter reads /proc and /sys
//	    expires: 2026-12-31              # optional; valid through that day (UTC)
//
// Globs: "*" and "?" stay within one "/" segment, "**" crosses segments.
// Cluster-scoped resources are written "Kind/name". An expired exception no
// longer applies and is reported as an expired-exception error on every
// target its path matches.
type Exception struct {
	Rule     string `json:"rule" yaml:"rule"`
	Path     string `json:"path,omitempty" yaml:"path,omitempty"`
	Resource string `json:"resource,omitempty" yaml:"resource,omitempty"`
	Reason   string `json:"reason" yaml:"reason"`
	Expires  string `json:"expires,omitempty" yaml:"expires,omitempty"`
}

// SeverityOverride changes a rule's severity in matching environments
// (kvet.yaml), e.g. downgrade a rule to warning in dev or raise warnings to
// errors in production. Environment and Rule are globs ("*" matches all);
// when several overrides match, the last one wins.
type SeverityOverride struct {
	Environment string          `json:"environment" yaml:"environment"`
	Rule        string          `json:"rule" yaml:"rule"`
	Severity    report.Severity `json:"severity" yaml:"severity"`
}

type exception struct {
	Exception
	rule, path, resource *config.Matcher
	expires              time.Time // zero: never; first instant after the last valid day
}

type severityOverride struct {
	env, rule *config.Matcher
	severity  report.Severity
}

func compileExceptions(in []Exception) ([]exception, error) {
	out := make([]exception, 0, len(in))
	for i, x := range in {
		where := fmt.Sprintf("exceptions[%d] (rule %q)", i, x.Rule)
		if x.Rule == "" {
			return nil, fmt.Errorf("%s: rule is required", where)
		}
		if strings.TrimSpace(x.Reason) == "" {
			return nil, fmt.Errorf("%s: reason is required", where)
		}
		ex := exception{Exception: x}
		var err error
		if ex.rule, err = compileGlob(x.Rule); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if ex.path, err = compileGlob(orAll(strings.TrimSuffix(x.Path, "/"))); err != nil {
			return nil, fmt.Errorf("%s: path: %w", where, err)
		}
		if ex.resource, err = compileGlob(orAll(x.Resource)); err != nil {
			return nil, fmt.Errorf("%s: resource: %w", where, err)
		}
		if x.Expires != "" {
			d, err := time.Parse(dateLayout, x.Expires)
			if err != nil {
				return nil, fmt.Errorf("%s: expires %q is not a date (YYYY-MM-DD): %w", where, x.Expires, err)
			}
			ex.expires = d.AddDate(0, 0, 1)
		}
		out = append(out, ex)
	}
	return out, nil
}

func compileOverrides(in []SeverityOverride) ([]severityOverride, error) {
	out := make([]severityOverride, 0, len(in))
	for i, o := range in {
		if o.Severity != report.SeverityError && o.Severity != report.SeverityWarning {
			return nil, fmt.Errorf("severities[%d]: severity %q must be error or warning", i, o.Severity)
		}
		if o.Rule == "" {
			return nil, fmt.Errorf("severities[%d]: rule is required", i)
		}
		env, err := compileGlob(orAll(o.Environment))
		if err != nil {
			return nil, fmt.Errorf("severities[%d]: environment: %w", i, err)
		}
		rule, err := compileGlob(o.Rule)
		if err != nil {
			return nil, fmt.Errorf("severities[%d]: rule: %w", i, err)
		}
		out = append(out, severityOverride{env: env, rule: rule, severity: o.Severity})
	}
	return out, nil
}

func orAll(glob string) string {
	if glob == "" {
		return "**"
	}
	return glob
}

// compileGlob compiles a doublestar pattern: "**" spans whole segments, "*"
// and "?" do not; kvet.yaml globs mean the same everywhere.
func compileGlob(glob string) (*config.Matcher, error) { return config.Glob(glob) }

func (x exception) expired(now time.Time) bool {
	return !x.expires.IsZero() && !now.Before(x.expires)
}

// excepted reports whether a valid exception waives f in target t.
func (e *Engine) excepted(t Target, f report.Finding, now time.Time) bool {
	for _, x := range e.exceptions {
		if x.expired(now) || !x.rule.MatchString(f.Rule) || !x.path.MatchString(t.Path) {
			continue
		}
		if x.Resource != "" && !x.resource.MatchString(f.Resource.String()) {
			continue
		}
		return true
	}
	return false
}

// expiredExceptions reports the expired exceptions that apply to t.
func (e *Engine) expiredExceptions(t Target) []report.Finding {
	now := e.now()
	var out []report.Finding
	for _, x := range e.exceptions {
		if !x.expired(now) || !x.path.MatchString(t.Path) {
			continue
		}
		out = append(out, report.Finding{
			Severity: report.SeverityError,
			Check:    report.CheckPolicy,
			Rule:     RuleExpiredException,
			Message: fmt.Sprintf("the kvet.yaml exception for rule %s (path %q, reason %q) expired on %s: fix the findings it hid, or renew it with a new expires date",
				x.Rule, x.Path, x.Reason, x.Expires),
		})
	}
	return out
}

// severityFor applies the per-environment overrides (last match wins).
func (e *Engine) severityFor(env, rule string, sev report.Severity) report.Severity {
	for _, o := range e.overrides {
		if o.env.MatchString(env) && o.rule.MatchString(rule) {
			sev = o.severity
		}
	}
	return sev
}

// ParseIgnore parses the kvet.dev/ignore annotation value: entries
// "rule-id: reason" separated by commas or newlines. A comma-separated piece
// without a colon that reads as prose (it contains a space) continues the
// previous entry's reason on that line, so "cpu-limit: bursty, by design"
// is one entry. It returns the suppressed rules with their reasons, and the
// entries that lack a rule id or a reason. Exported so other checks can
// honour the same annotation.
func ParseIgnore(value string) (rules map[string]string, invalid []string) {
	rules = map[string]string{}
	for _, line := range strings.Split(value, "\n") {
		last := "" // rule of the previous valid entry on this line
		for _, entry := range strings.Split(line, ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			id, reason, found := strings.Cut(entry, ":")
			if !found && last != "" && strings.ContainsAny(entry, " \t") {
				rules[last] += ", " + entry
				continue
			}
			last = ""
			id, reason = strings.TrimSpace(id), strings.TrimSpace(reason)
			if id == "" || reason == "" {
				invalid = append(invalid, entry)
				continue
			}
			rules[id] = reason
			last = id
		}
	}
	return rules, invalid
}

// applySuppressions drops the findings the object's kvet.dev/ignore
// annotation names, and reports entries without a reason.
func applySuppressions(findings []report.Finding, obj Object) []report.Finding {
	meta, _ := obj.Body["metadata"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	value, ok := annotations[IgnoreAnnotation].(string)
	if !ok {
		return findings
	}
	rules, invalid := ParseIgnore(value)
	out := findings[:0]
	for _, f := range findings {
		if _, skip := rules[f.Rule]; !skip {
			out = append(out, f)
		}
	}
	for _, entry := range invalid {
		out = append(out, report.Finding{
			Severity: report.SeverityError,
			Check:    report.CheckPolicy,
			Rule:     RuleIgnoreAnnotation,
			Resource: obj.Resource,
			Path:     "metadata.annotations[" + IgnoreAnnotation + "]",
			Message:  fmt.Sprintf("ignore entry %q has no reason: write it as \"rule-id: why the rule does not apply\"", entry),
		})
	}
	return out
}
