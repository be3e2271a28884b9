package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
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

// TextOptions say how much the text report shows.
type TextOptions struct {
	// Verbose lists every target, also those without findings, and every
	// note; by default only targets with findings are listed and the notes
	// are counted in one line.
	Verbose bool
	// Quiet prints only the summary line.
	Quiet bool
	// Color marks severities with ANSI colours (a terminal without NO_COLOR).
	Color bool
}

// WriteText writes the default text report (see WriteTextOptions).
func WriteText(w io.Writer, r *Report) error { return WriteTextOptions(w, r, TextOptions{}) }

// WriteTextOptions writes a report for people: findings grouped by target,
// each with its location, then a summary line. A finding that several
// targets reach is written once, under the first of them, with the list of
// the others; the later targets count it and point back to it.
func WriteTextOptions(w io.Writer, r *Report, opts TextOptions) error {
	ew := &errWriter{w: w, color: opts.Color}
	if opts.Quiet {
		writeSummary(ew, r)
		return ew.err
	}
	byTarget := map[string][]Finding{}
	reached := map[string][]Finding{}
	var order []string
	for _, f := range r.Findings {
		if _, ok := byTarget[f.Target]; !ok {
			order = append(order, f.Target)
		}
		byTarget[f.Target] = append(byTarget[f.Target], f)
		for _, t := range f.AllTargets() {
			reached[t] = append(reached[t], f)
		}
	}
	known := map[string]bool{}
	notes, quiet := 0, 0
	for _, t := range r.Targets {
		known[t.Path] = true
		fs := reached[t.Path]
		if !opts.Verbose {
			notes += len(t.Notes)
			if t.Error == "" && len(fs) == 0 {
				quiet++
				continue
			}
		}
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
		if opts.Verbose {
			for _, n := range t.Notes {
				ew.printf("  note    %s\n", n)
			}
		}
		writeFindings(ew, byTarget[t.Path])
		writeShownEarlier(ew, t.Path, fs)
	}
	for _, tp := range order {
		if !known[tp] {
			ew.printf("%s\n", tp)
			writeFindings(ew, byTarget[tp])
		}
	}
	if quiet > 0 || notes > 0 {
		ew.printf("\n")
	}
	if quiet > 0 {
		ew.printf("%s without findings not listed (--verbose lists them)\n", plural(quiet, "target"))
	}
	if notes > 0 {
		ew.printf("%s on what kvet did not check, such as remote charts (--verbose shows them)\n", plural(notes, "note"))
	}
	writeSummary(ew, r)
	return ew.err
}

func writeSummary(ew *errWriter, r *Report) {
	ew.printf("\n%s, %s: %s, %s\n", plural(r.Summary.Targets, "target"), plural(r.Summary.Resources, "resource"),
		ew.paint(SeverityError, plural(r.Summary.Errors, "error"), r.Summary.Errors > 0),
		ew.paint(SeverityWarning, plural(r.Summary.Warnings, "warning"), r.Summary.Warnings > 0))
}

// textTargetsShown bounds the target names listed under a finding.
const textTargetsShown = 3

// writeShownEarlier says which of a target's findings were written under
// an earlier target, so its status line adds up.
func writeShownEarlier(ew *errWriter, target string, fs []Finding) {
	var earlier []Finding
	var under []string
	for _, f := range fs {
		if f.Target != target {
			earlier = append(earlier, f)
			if !slices.Contains(under, f.Target) {
				under = append(under, f.Target)
			}
		}
	}
	if len(earlier) == 0 {
		return
	}
	var counts []string
	if n := countSeverity(earlier, SeverityError); n > 0 {
		counts = append(counts, plural(n, "error"))
	}
	if n := countSeverity(earlier, SeverityWarning); n > 0 {
		counts = append(counts, plural(n, "warning"))
	}
	names := strings.Join(under, ", ")
	if len(under) > textTargetsShown {
		names = strings.Join(under[:textTargetsShown], ", ") + fmt.Sprintf(" and %d more", len(under)-textTargetsShown)
	}
	ew.printf("  also   %s shown above under %s\n", strings.Join(counts, ", "), names)
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
		ew.printf("  %s %s/%s", ew.paint(f.Severity, fmt.Sprintf("%-7s", f.Severity), true), f.Check, f.Rule)
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
		for _, r := range f.Related {
			ew.printf("          and at %s: %s\n", r, r.Message)
		}
		if len(f.Targets) > 1 {
			ew.printf("          in %d targets: %s\n", len(f.Targets), targetList(f, textTargetsShown))
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
	w     io.Writer
	err   error
	color bool
}

// paint colours s by severity (red errors, yellow warnings) when the
// writer colours and on is true.
func (e *errWriter) paint(sev Severity, s string, on bool) string {
	if !e.color || !on {
		return s
	}
	code := "33"
	if sev == SeverityError {
		code = "31"
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}
