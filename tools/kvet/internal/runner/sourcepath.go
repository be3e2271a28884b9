package runner

import (
	"regexp"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// unknownFieldRE reads the field name out of the schema check's
// unknown-field message, whose path names the object holding the field.
var unknownFieldRE = regexp.MustCompile(`^unknown field ([^\s.\[\]]+) in `)

// sourcePath is the path to look up for a finding's line: its path, or
// for an unknown field the field itself, which is the line a person edits
// (a misspelt key), not the object that holds it.
func sourcePath(f report.Finding) string {
	if f.Rule != "unknown-field" {
		return f.Path
	}
	m := unknownFieldRE.FindStringSubmatch(f.Message)
	if m == nil {
		return f.Path
	}
	if f.Path == "" || f.Path == "." {
		return m[1]
	}
	return strings.TrimSuffix(f.Path, ".") + "." + m[1]
}
