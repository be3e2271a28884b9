// Package report holds kvet's findings and the report that every output
// format renders. The JSON shape is the contract in shared/spec/kvet.md.
package report

import (
	"cmp"
	"slices"
)

// Severity of a finding: errors fail the run, warnings never do.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Check names the stage that produced a finding.
const (
	CheckBuild  = "build"
	CheckSchema = "schema"
	CheckPolicy = "policy"
)

// Resource identifies a rendered object. All fields are empty for
// target-level findings.
type Resource struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name,omitempty"`
}

// IsZero reports whether r names no object.
func (r Resource) IsZero() bool { return r == Resource{} }

// String renders "Kind/namespace/name" (namespace omitted when empty).
func (r Resource) String() string {
	if r.IsZero() {
		return ""
	}
	s := r.Kind + "/"
	if r.Namespace != "" {
		s += r.Namespace + "/"
	}
	return s + r.Name
}

// Source is the place in the repository a person should edit.
// Line is 1-based; 0 means unknown.
type Source struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// Finding is one problem kvet reports.
type Finding struct {
	Target   string   `json:"target"`
	Severity Severity `json:"severity"`
	Check    string   `json:"check"`
	Rule     string   `json:"rule"`
	Resource Resource `json:"resource"`
	Path     string   `json:"path,omitempty"`
	Message  string   `json:"message"`
	Source   Source   `json:"source"`

	// Pointer is the field the finding is about as JSON-pointer tokens
	// (RFC 6901, unescaped) inside the rendered object: for unknown-field
	// the unknown key itself, which Path (the object holding it) does not
	// name. Source lines are looked up by it; Path is only its readable
	// form. nil when the check named the field by its readable path only.
	Pointer []string `json:"-"`

	// order is the position of the resource in the target's rendered output
	// (-1 for target-level findings); it keeps the report in object order.
	order int
}

// WithOrder returns f annotated with the index of its object in the
// target's rendered output, used only for sorting.
func (f Finding) WithOrder(i int) Finding { f.order = i; return f }

// Order returns the object index set by WithOrder.
func (f Finding) Order() int { return f.order }

// Target summarises one built target.
type Target struct {
	Path      string `json:"path"`
	Resources int    `json:"resources"`
	// Error is the build error message, empty when the target built.
	Error string `json:"error"`
	// Notes are informational messages about the target (e.g. a HelmRelease
	// whose chart kvet did not render); never findings.
	Notes []string `json:"notes,omitempty"`
	// Objects lists the rendered objects in output order, for formats that
	// report per object (JUnit); not part of the JSON contract.
	Objects []Resource `json:"-"`
}

// Summary counts what the report holds.
type Summary struct {
	Targets   int `json:"targets"`
	Resources int `json:"resources"`
	Errors    int `json:"errors"`
	Warnings  int `json:"warnings"`
}

// Report is the whole result of a kvet run.
type Report struct {
	Version  int       `json:"version"`
	Summary  Summary   `json:"summary"`
	Targets  []Target  `json:"targets"`
	Findings []Finding `json:"findings"`
	// Rules documents rule ids (policy metadata) for formats that carry
	// rule help (SARIF); not part of the JSON contract.
	Rules []RuleDoc `json:"-"`
}

// New assembles a report: it sorts targets and findings deterministically
// (target path, then object order, then check, rule, path, message) and
// computes the summary.
func New(targets []Target, findings []Finding) *Report {
	targets = slices.Clone(targets)
	findings = slices.Clone(findings)
	slices.SortStableFunc(targets, func(a, b Target) int { return cmp.Compare(a.Path, b.Path) })
	slices.SortStableFunc(findings, compareFindings)
	r := &Report{Version: 1, Targets: targets, Findings: findings}
	if r.Targets == nil {
		r.Targets = []Target{}
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	r.Summary.Targets = len(targets)
	for _, t := range targets {
		r.Summary.Resources += t.Resources
	}
	for _, f := range findings {
		switch f.Severity {
		case SeverityError:
			r.Summary.Errors++
		case SeverityWarning:
			r.Summary.Warnings++
		}
	}
	return r
}

func compareFindings(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.Target, b.Target),
		cmp.Compare(a.order, b.order),
		cmp.Compare(a.Check, b.Check),
		cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Message, b.Message),
		cmp.Compare(a.Source.File, b.Source.File),
		cmp.Compare(a.Source.Line, b.Source.Line),
	)
}

// Failed reports whether the run must exit 1: any error finding.
func (r *Report) Failed() bool { return r.Summary.Errors > 0 }

// FindingsFor returns the findings of one target, in report order.
func (r *Report) FindingsFor(target string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Target == target {
			out = append(out, f)
		}
	}
	return out
}
