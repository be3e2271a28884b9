package report

import (
	"fmt"
	"io"
	"strings"
)

// WriteGitHub writes GitHub Actions workflow commands: one ::error or
// ::warning annotation per finding, placed on its file and line so the
// pull request shows it on the changed line, then a plain summary line.
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
func WriteGitHub(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	// New already merged the findings of several targets; an annotation
	// that still repeats (a report not made by New) is written once.
	seen := map[string]bool{}
	for _, f := range r.Findings {
		cmd := "error"
		if f.Severity == SeverityWarning {
			cmd = "warning"
		}
		var props []string
		file := f.Source.File
		if file == "" && f.Target != "" && f.Target != "." {
			file = f.Target
		}
		if file != "" {
			props = append(props, "file="+escapeProperty(file))
			if f.Source.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.Source.Line))
			}
		}
		props = append(props, "title="+escapeProperty(githubTitle(f)))
		msg := sarifMessage(f)
		for _, r := range f.Related {
			// One annotation per finding: the other place is named in it.
			msg += fmt.Sprintf(" (and at %s: %s)", r, r.Message)
		}
		line := fmt.Sprintf("::%s %s::%s\n", cmd, strings.Join(props, ","), escapeData(msg))
		if seen[line] {
			continue
		}
		seen[line] = true
		ew.printf("%s", line)
	}
	ew.printf("kvet: %s, %s: %s, %s\n", plural(r.Summary.Targets, "target"), plural(r.Summary.Resources, "resource"),
		plural(r.Summary.Errors, "error"), plural(r.Summary.Warnings, "warning"))
	return ew.err
}

func githubTitle(f Finding) string {
	t := "kvet " + f.Check + "/" + f.Rule
	if s := f.Resource.String(); s != "" {
		t += " " + s
	}
	return t
}

// escapeData escapes a workflow command's message, as the Actions toolkit
// does (toCommandValue/escapeData): % first, then line breaks.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value: also ':' and ',', which would
// otherwise end the value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
