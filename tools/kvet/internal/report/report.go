// Package report holds kvet's findings and the report that every output
// format renders. The JSON shape is the contract in shared/spec/kvet.md.
package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
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

// Related is another place of a finding's defect and what it is there.
type Related struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// String is "file:line", or "file" when the line is unknown.
func (r Related) String() string { return location(Source{File: r.File, Line: r.Line}) }

// location is "file:line", or "file" when the line is unknown.
func location(s Source) string {
	if s.Line > 0 {
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	return s.File
}

// Finding is one problem kvet reports.
type Finding struct {
	// Target is the first target (in report order) that renders the finding.
	Target string `json:"target"`
	// Targets lists every target that reaches the same finding (one defect,
	// one finding: see New), in report order; Target is Targets[0].
	Targets  []string `json:"targets,omitempty"`
	Severity Severity `json:"severity"`
	Check    string   `json:"check"`
	Rule     string   `json:"rule"`
	Resource Resource `json:"resource"`
	Path     string   `json:"path,omitempty"`
	Message  string   `json:"message"`
	// Detail is the tool's full error chain (kustomize's) when Message
	// states only its root cause: for -o json, never in text output.
	Detail string `json:"detail,omitempty"`
	Source Source `json:"source"`
	// Related are other places of the same defect, besides Source, that a
	// person may edit instead (a patch's metadata.name that matches
	// nothing, besides the kustomization entry that applies the patch).
	Related []Related `json:"related,omitempty"`

	// Pointer is the field the finding is about as JSON-pointer tokens
	// (RFC 6901, unescaped) inside the rendered object: for unknown-field
	// the unknown key itself, which Path (the object holding it) does not
	// name. Source lines are looked up by it; Path is only its readable
	// form. nil when the check named the field by its readable path only.
	Pointer []string `json:"-"`

	// Suggestion is the name the finding suggests for the key Pointer ends
	// at (unknown-field's did-you-mean), for an editor's quick fix; "" when
	// there is none.
	Suggestion string `json:"-"`

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
	// Diagram, when set, is drawn by the Markdown report; not part of the
	// JSON contract.
	Diagram *Diagram `json:"-"`
}

// Diagram is a picture of the repository for the Markdown report: Mermaid
// source (package graph draws it), what it shows, and what it leaves out.
type Diagram struct {
	// Caption says what is drawn, e.g. "the 3 targets this change affects".
	Caption string
	Mermaid string
	// Left lists the targets of the caption that are not drawn.
	Left []string
}

// New assembles a report: it sorts targets and findings deterministically
// (target path, then object order, then check, rule, path, message), merges
// the findings that are one defect reached through several targets (merge)
// and computes the summary, which counts distinct findings.
func New(targets []Target, findings []Finding) *Report {
	targets = slices.Clone(targets)
	findings = slices.Clone(findings)
	slices.SortStableFunc(targets, func(a, b Target) int { return cmp.Compare(a.Path, b.Path) })
	adoptNamespaces(findings)
	slices.SortStableFunc(findings, compareFindings)
	findings = merge(findings)
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

// identity is what makes two findings the same defect: the same rule on
// the same object, at the same field and source line, saying the same. An
// object with a known source line is the object written there, whatever
// namespace it is applied into.
// The target is not part of it, nor the severity, which environments may
// configure differently.
type identity struct {
	check, rule string
	resource    Resource
	path        string
	source      Source
	message     string
}

func identityOf(f Finding) identity {
	id := identity{check: f.Check, rule: f.Rule, resource: f.Resource, path: f.Path, source: f.Source, message: f.Message}
	if f.Source.File != "" && f.Source.Line > 0 {
		// The object is the one written at that line: overlays, entry points
		// and components applying it into other namespaces render copies
		// of it, and one edit fixes them all. (The name stays: a List or a
		// generator writes several objects at one line.)
		id.resource.Namespace = ""
	}
	return id
}

// adoptNamespaces gives a finding about an object rendered without a
// namespace the namespace of the same finding in another target, when
// exactly one exists: a directory checked on its own and the Flux or Argo CD
// entry point that applies it into a namespace render one object, and one
// edit fixes both. Where several namespaces are found (the directory is
// applied into each), the object could be any of them and stays apart.
func adoptNamespaces(findings []Finding) {
	withoutNS := func(f Finding) identity {
		id := identityOf(f)
		id.resource.Namespace = ""
		return id
	}
	namespaces := map[identity]map[string]bool{}
	for _, f := range findings {
		if f.Resource.Namespace == "" {
			continue
		}
		id := withoutNS(f)
		if namespaces[id] == nil {
			namespaces[id] = map[string]bool{}
		}
		namespaces[id][f.Resource.Namespace] = true
	}
	for i, f := range findings {
		if f.Resource.Namespace != "" || f.Resource.Name == "" {
			continue
		}
		if ns := namespaces[withoutNS(f)]; len(ns) == 1 {
			for n := range ns {
				findings[i].Resource.Namespace = n
			}
		}
	}
}

// merge folds the findings of one identity into the first of them (findings
// are sorted, so that is the one of the first target) and collects the
// targets that reach it. Where environments configure the rule's severity
// differently, the finding keeps the highest: it still fails the targets
// where it is an error, and those are listed.
func merge(findings []Finding) []Finding {
	at := make(map[identity]int, len(findings))
	out := findings[:0]
	for _, f := range findings {
		id := identityOf(f)
		i, seen := at[id]
		if !seen {
			at[id] = len(out)
			f.Targets = nil
			if f.Target != "" {
				f.Targets = []string{f.Target}
			}
			out = append(out, f)
			continue
		}
		m := &out[i]
		if f.Target != "" && !slices.Contains(m.Targets, f.Target) {
			m.Targets = append(m.Targets, f.Target)
		}
		if rank(f.Severity) > rank(m.Severity) {
			m.Severity = f.Severity
		}
	}
	return out
}

func rank(s Severity) int {
	switch s {
	case SeverityError:
		return 2
	case SeverityWarning:
		return 1
	}
	return 0
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

// FindingsFor returns the findings that target reaches, in report order,
// including those reported under an earlier target that also renders them.
func (r *Report) FindingsFor(target string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Reaches(target) {
			out = append(out, f)
		}
	}
	return out
}

// Reaches reports whether target renders f.
func (f Finding) Reaches(target string) bool {
	return f.Target == target || slices.Contains(f.Targets, target)
}

// AllTargets returns Targets, or the one Target of a finding that was not
// merged by New.
func (f Finding) AllTargets() []string {
	if len(f.Targets) == 0 && f.Target != "" {
		return []string{f.Target}
	}
	return f.Targets
}

// TargetsLabel names the targets of f compactly for one line of text:
// "a", or "a and 13 other targets".
func (f Finding) TargetsLabel() string {
	if n := len(f.Targets) - 1; n > 0 {
		return fmt.Sprintf("%s and %s", f.Target, plural(n, "other target"))
	}
	return f.Target
}

// targetList lists the targets of f for people, at most max of them:
// "a, b, c and 11 more".
func targetList(f Finding, max int) string {
	ts := f.AllTargets()
	if len(ts) <= max {
		return strings.Join(ts, ", ")
	}
	return strings.Join(ts[:max], ", ") + fmt.Sprintf(" and %d more", len(ts)-max)
}
