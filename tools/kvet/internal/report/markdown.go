package report

import (
	"fmt"
	"io"
	"strings"
)

// maxMarkdownFindings bounds the findings listed in a PR comment: GitHub
// rejects comments over 65536 characters, and a reviewer reads the first
// screens only. The count of the rest is still given.
const maxMarkdownFindings = 200

// WriteMarkdown writes a summary suited to a pull-request comment or a
// GitHub job summary: a status line, a table of targets, then the findings
// of each target with their file:line.
func WriteMarkdown(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	icon := "✅"
	switch {
	case r.Summary.Errors > 0:
		icon = "❌"
	case r.Summary.Warnings > 0:
		icon = "⚠️"
	}
	ew.printf("### %s kvet: %s, %s in %s (%s)\n\n", icon, plural(r.Summary.Errors, "error"), plural(r.Summary.Warnings, "warning"),
		plural(r.Summary.Targets, "target"), plural(r.Summary.Resources, "resource"))
	writeDiagram(ew, r.Diagram)
	if len(r.Targets) > 0 {
		ew.printf("| target | resources | errors | warnings |\n|---|--:|--:|--:|\n")
		for _, t := range r.Targets {
			fs := r.FindingsFor(t.Path)
			errs := fmt.Sprint(countSeverity(fs, SeverityError))
			if t.Error != "" {
				errs += " (build failed)"
			}
			ew.printf("| `%s` | %d | %s | %d |\n", MarkdownCell(t.Path), t.Resources, errs, countSeverity(fs, SeverityWarning))
		}
		ew.printf("\n")
	}
	if len(r.Findings) == 0 {
		return ew.err
	}
	ew.printf("| | target | rule | object | location | message |\n|---|---|---|---|---|---|\n")
	for i, f := range r.Findings {
		if i == maxMarkdownFindings {
			ew.printf("\n…and %d more findings: run `kvet validate` for all of them.\n", len(r.Findings)-i)
			break
		}
		sev := "❌"
		if f.Severity == SeverityWarning {
			sev = "⚠️"
		}
		obj := f.Resource.String()
		if f.Path != "" {
			obj += " `" + MarkdownCell(f.Path) + "`"
		}
		loc := ""
		if f.Source.File != "" {
			loc = f.Source.File
			if f.Source.Line > 0 {
				loc += fmt.Sprintf(":%d", f.Source.Line)
			}
			loc = "`" + MarkdownCell(loc) + "`"
		}
		for _, r := range f.Related {
			loc += "<br>and `" + MarkdownCell(r.String()) + "`"
		}
		target := "`" + MarkdownCell(f.Target) + "`"
		if n := len(f.AllTargets()) - 1; n > 0 {
			target += " and " + plural(n, "other target")
		}
		ew.printf("| %s | %s | %s/`%s` | %s | %s | %s |\n", sev, target, f.Check, MarkdownCell(f.Rule),
			MarkdownCell(obj), loc, MarkdownCell(f.Message))
	}
	return ew.err
}

// MarkdownCell makes s safe inside a GitHub-flavoured Markdown table cell:
// pipes would split the cell and line breaks would end the row.
func MarkdownCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "<br>")
}

// writeDiagram draws d in a mermaid block (GitHub renders it in comments
// and job summaries), with its caption and the targets it leaves out.
func writeDiagram(ew *errWriter, d *Diagram) {
	if d == nil || d.Mermaid == "" {
		return
	}
	ew.printf("%s:\n\n```mermaid\n%s```\n\n", d.Caption, d.Mermaid)
	if n := len(d.Left); n > 0 {
		shown := d.Left
		if len(shown) > markdownLeftShown {
			shown = shown[:markdownLeftShown]
		}
		ew.printf("Not drawn, to keep the picture readable: `%s`", strings.Join(shown, "`, `"))
		if n > len(shown) {
			ew.printf(" and %d more", n-len(shown))
		}
		ew.printf(" (`kvet graph` draws the whole repository).\n\n")
	}
}

// markdownLeftShown bounds the targets named as not drawn.
const markdownLeftShown = 10
