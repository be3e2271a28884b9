package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Writer renders a report in one format.
type Writer func(w io.Writer, r *Report) error

// writers maps --output names to their writer. Every format carries the
// same findings.
func writers() map[string]Writer {
	return map[string]Writer{
		"text":     WriteText,
		"json":     WriteJSON,
		"sarif":    WriteSARIF,
		"junit":    WriteJUnit,
		"github":   WriteGitHub,
		"markdown": WriteMarkdown,
	}
}

// Formats lists the supported output formats.
func Formats() []string {
	return []string{"text", "json", "sarif", "junit", "github", "markdown"}
}

// Write renders r in the named format.
func Write(w io.Writer, format string, r *Report) error {
	wr, ok := writers()[format]
	if !ok {
		return fmt.Errorf("unknown output format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	return wr(w, r)
}

// WriteJSON writes the report as the JSON document of the spec.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteText writes a report for people: findings grouped by target, each
// with its location, then a summary line.
func WriteText(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	byTarget := map[string][]Finding{}
	var order []string
	for _, f := range r.Findings {
		if _, ok := byTarget[f.Target]; !ok {
			order = append(order, f.Target)
		}
		byTarget[f.Target] = append(byTarget[f.Target], f)
	}
	known := map[string]bool{}
	for _, t := range r.Targets {
		known[t.Path] = true
		fs := byTarget[t.Path]
		status := "ok"
		switch {
		case t.Error != "":
			status = "build failed"
		case countSeverity(fs, SeverityError) > 0:
			status = plural(countSeverity(fs, SeverityError), "error")
		}
		if w := countSeverity(fs, SeverityWarning); w > 0 {
			status += ", " + plural(w, "warning")
		}
		ew.printf("%s  (%s, %s)\n", t.Path, plural(t.Resources, "resource"), status)
		for _, n := range t.Notes {
			ew.printf("  note    %s\n", n)
		}
		writeFindings(ew, fs)
	}
	for _, tp := range order {
		if !known[tp] {
			ew.printf("%s\n", tp)
			writeFindings(ew, byTarget[tp])
		}
	}
	ew.printf("\n%s, %s: %s, %s\n", plural(r.Summary.Targets, "target"), plural(r.Summary.Resources, "resource"),
		plural(r.Summary.Errors, "error"), plural(r.Summary.Warnings, "warning"))
	return ew.err
}

func writeFindings(ew *errWriter, fs []Finding) {
	for _, f := range fs {
		loc := ""
		if f.Source.File != "" {
			loc = f.Source.File
			if f.Source.Line > 0 {
				loc += fmt.Sprintf(":%d", f.Source.Line)
			}
		}
		subject := f.Resource.String()
		if f.Path != "" {
			if subject != "" {
				subject += " "
			}
			subject += f.Path
		}
		ew.printf("  %-7s %s/%s", f.Severity, f.Check, f.Rule)
		if subject != "" {
			ew.printf("  %s", subject)
		}
		ew.printf("\n")
		for _, line := range strings.Split(f.Message, "\n") {
			ew.printf("          %s\n", line)
		}
		if loc != "" {
			ew.printf("          at %s\n", loc)
		}
	}
}

func countSeverity(fs []Finding, s Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity == s {
			n++
		}
	}
	return n
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}
