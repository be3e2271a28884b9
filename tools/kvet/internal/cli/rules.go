package cli

import (
	"github.com/example/gitops-go-stack/tools/kvet/internal/policy"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// policyRuleDocs turns the Rego rules' metadata into rule documentation for
// the formats that carry it (SARIF). Rules of the default library link to
// their section of docs/policies.md; user rules link to their .rego file.
func policyRuleDocs(e *policy.Engine) []report.RuleDoc {
	var out []report.RuleDoc
	seen := map[string]bool{}
	for _, r := range e.Rules() {
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		d := report.RuleDoc{ID: r.ID, Check: report.CheckPolicy, Title: r.Title, Severity: r.Severity}
		d.Help = r.Description
		if r.Remediation != "" {
			if d.Help != "" {
				d.Help += " "
			}
			d.Help += "Fix: " + r.Remediation + "."
		}
		if !r.Default && r.Source != "" {
			// The rule lives in the user's repository, not in kvet's docs.
			d.HelpURI = report.DocsBaseURI + r.Source
		}
		out = append(out, d)
	}
	return out
}
