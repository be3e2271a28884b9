package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// Formats lists the output formats of kvet diff.
func Formats() []string { return []string{"text", "markdown", "json"} }

// Write renders r in the named format.
func Write(w io.Writer, format string, r *Result) error {
	switch format {
	case "text":
		return WriteText(w, r)
	case "markdown":
		return WriteMarkdown(w, r)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	}
	return fmt.Errorf("unknown output format %q (want one of %s)", format, strings.Join(Formats(), ", "))
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

func summaryLine(r *Result) string {
	base := r.Base
	if r.BaseCommit != "" && !strings.HasPrefix(r.BaseCommit, base) {
		base += " (" + short(r.BaseCommit) + ")"
	}
	if !r.HasChanges() {
		return fmt.Sprintf("no rendered change against %s in %d targets", base, r.Summary.Targets)
	}
	return fmt.Sprintf("%d of %d targets change against %s: %d added, %d removed, %d changed objects",
		r.Summary.ChangedTargets, r.Summary.Targets, base, r.Summary.Added, r.Summary.Removed, r.Summary.Changed)
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func symbol(c Change) string {
	switch c {
	case Added:
		return "+"
	case Removed:
		return "-"
	}
	return "~"
}

// WriteText writes, per changed target, its objects with a marker (+ added,
// - removed, ~ changed) and the unified diff of each, then a summary line.
func WriteText(w io.Writer, r *Result) error {
	ew := &errWriter{w: w}
	for _, t := range r.Targets {
		if t.Change == Unchanged {
			continue
		}
		ew.printf("%s  (%s)\n", t.Path, targetStatus(t))
		for _, o := range t.Objects {
			ew.printf("  %s %s %s\n", symbol(o.Change), o.Resource.APIVersion, o.Resource.String())
		}
		for _, o := range t.Objects {
			ew.printf("\n%s", o.Diff)
		}
		ew.printf("\n")
	}
	ew.printf("%s\n", summaryLine(r))
	return ew.err
}

func targetStatus(t Target) string {
	var parts []string
	switch t.Change {
	case Added:
		parts = append(parts, "new target")
	case Removed:
		parts = append(parts, "target removed")
	}
	counts := map[Change]int{}
	for _, o := range t.Objects {
		counts[o.Change]++
	}
	for _, c := range []Change{Added, Removed, Changed} {
		if counts[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[c], c))
		}
	}
	if t.BaseError != "" {
		parts = append(parts, "does not build at the base revision: "+firstLine(t.BaseError))
	}
	if t.Error != "" {
		parts = append(parts, "does not build: "+firstLine(t.Error))
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// maxMarkdownDiff bounds the diff text of a PR comment or job summary
// (GitHub limits comments to 65536 characters and summaries to 1 MiB);
// the object list is always complete.
const maxMarkdownDiff = 50000

// WriteMarkdown writes a summary for a pull request: a table of changed
// targets, then per target a collapsible section with the objects' diffs.
func WriteMarkdown(w io.Writer, r *Result) error {
	ew := &errWriter{w: w}
	ew.printf("### kvet diff: %s\n\n", summaryLine(r))
	if !r.HasChanges() {
		return ew.err
	}
	ew.printf("| target | added | removed | changed | note |\n|---|--:|--:|--:|---|\n")
	for _, t := range r.Targets {
		if t.Change == Unchanged {
			continue
		}
		counts := map[Change]int{}
		for _, o := range t.Objects {
			counts[o.Change]++
		}
		note := ""
		switch {
		case t.Error != "":
			note = "❌ does not build: " + report.MarkdownCell(firstLine(t.Error))
		case t.BaseError != "":
			note = "did not build at the base revision"
		case t.Change == Added:
			note = "new target"
		case t.Change == Removed:
			note = "target removed"
		}
		ew.printf("| `%s` | %d | %d | %d | %s |\n", report.MarkdownCell(t.Path), counts[Added], counts[Removed], counts[Changed], note)
	}
	budget := maxMarkdownDiff
	for _, t := range r.Targets {
		if t.Change == Unchanged || len(t.Objects) == 0 {
			continue
		}
		ew.printf("\n<details><summary><code>%s</code>: %s</summary>\n\n", htmlEscape(t.Path), htmlEscape(targetStatus(t)))
		for _, o := range t.Objects {
			ew.printf("- %s `%s %s`\n", o.Change, o.Resource.APIVersion, report.MarkdownCell(o.Resource.String()))
		}
		var b strings.Builder
		for _, o := range t.Objects {
			b.WriteString(o.Diff)
		}
		d := b.String()
		switch {
		case budget <= 0:
			ew.printf("\n(diff left out: the comment is full; run `kvet diff --base %s %s`)\n", r.Base, t.Path)
		default:
			if len(d) > budget {
				// Cut at a line end, so no line (or UTF-8 rune) is split.
				cut := strings.LastIndexByte(d[:budget], '\n') + 1
				d = d[:cut] + "… (truncated)\n"
			}
			budget -= len(d)
			fence := "```"
			for strings.Contains(d, fence) {
				fence += "`"
			}
			ew.printf("\n%sdiff\n%s%s\n", fence, d, fence)
		}
		ew.printf("\n</details>\n")
	}
	return ew.err
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
