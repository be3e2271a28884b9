package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit XML as CI systems read it (Jenkins, GitLab, Azure): a testsuite per
// target, a testcase per rendered object plus one for the target itself
// (build findings), a failure per testcase that has error findings.
// Warnings never fail, so they go to the testcase's system-out.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

// targetCase names the testcase of target-level findings.
const targetCase = "build"

// WriteJUnit writes the report as JUnit XML.
func WriteJUnit(w io.Writer, r *Report) error {
	doc := junitSuites{Name: "kvet"}
	suites := map[string]*junitSuite{}
	var order []string
	suiteFor := func(name string) *junitSuite {
		if s, ok := suites[name]; ok {
			return s
		}
		suites[name] = &junitSuite{Name: name}
		order = append(order, name)
		return suites[name]
	}
	byCase := map[[2]string][]Finding{}
	for _, f := range r.Findings {
		key := [2]string{f.Target, caseName(f.Resource)}
		byCase[key] = append(byCase[key], f)
	}
	seen := map[[2]string]bool{}
	addCase := func(s *junitSuite, name string) {
		key := [2]string{s.Name, name}
		if seen[key] {
			return
		}
		seen[key] = true
		s.Cases = append(s.Cases, junitTestcase(s.Name, name, byCase[key]))
	}
	for _, t := range r.Targets {
		s := suiteFor(t.Path)
		addCase(s, targetCase)
		for _, o := range t.Objects {
			addCase(s, caseName(o))
		}
	}
	// Findings about objects the target did not list (and global findings
	// such as CRD directories) still get a testcase.
	for _, f := range r.Findings {
		addCase(suiteFor(f.Target), caseName(f.Resource))
	}
	for _, name := range order {
		s := suites[name]
		s.Tests = len(s.Cases)
		for _, c := range s.Cases {
			if c.Failure != nil {
				s.Failures++
			}
		}
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Suites = append(doc.Suites, *s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func caseName(r Resource) string {
	if r.IsZero() {
		return targetCase
	}
	return r.APIVersion + " " + r.String()
}

func junitTestcase(suite, name string, fs []Finding) junitCase {
	c := junitCase{Name: name, Classname: suite}
	var errs, warns []string
	for _, f := range fs {
		line := fmt.Sprintf("%s %s/%s", f.Severity, f.Check, f.Rule)
		if f.Path != "" {
			line += " " + f.Path
		}
		line += ": " + f.Message
		if ts := f.AllTargets(); len(ts) > 1 {
			// Written once, in the suite of its first target.
			line += fmt.Sprintf(" [in %d targets: %s]", len(ts), strings.Join(ts, ", "))
		}
		if f.Source.File != "" {
			line += " (at " + f.Source.File
			if f.Source.Line > 0 {
				line += fmt.Sprintf(":%d", f.Source.Line)
			}
			line += ")"
		}
		for _, r := range f.Related {
			line += fmt.Sprintf(" (and at %s: %s)", r, r.Message)
		}
		if f.Severity == SeverityError {
			if c.Failure == nil {
				c.Failure = &junitFailure{Message: f.Message, Type: f.Check + "/" + f.Rule}
				c.File, c.Line = f.Source.File, f.Source.Line
			}
			errs = append(errs, line)
		} else {
			warns = append(warns, line)
		}
	}
	if c.Failure != nil {
		if len(errs) > 1 {
			c.Failure.Message = fmt.Sprintf("%d errors; first: %s", len(errs), c.Failure.Message)
		}
		c.Failure.Body = strings.Join(errs, "\n")
	}
	if len(warns) > 0 {
		c.SystemOut = strings.Join(warns, "\n")
	}
	return c
}
