package policy

import (
	"bytes"
	"fmt"
	"strings"
)

// RulesMarkdown renders docs/policies.md from the rules' METADATA so that
// the documentation cannot drift from the library (a test compares it).
func RulesMarkdown(rules []RuleInfo) []byte {
	var b bytes.Buffer
	b.WriteString(`# kvet policy rules

<!-- Generated from the METADATA of policy/*.rego by
     go test ./tools/kvet/internal/policy/ -run TestPoliciesDoc -update
     Do not edit by hand. -->

kvet evaluates every rendered object of a target against these rules (check
` + "`policy`" + `). Errors fail the run; warnings never do. Rule ids are stable:
use them in ` + "`kvet.dev/ignore`" + ` annotations, ` + "`kvet.yaml`" + ` exceptions and severity
overrides, and with ` + "`--policy`" + ` to add your own rules (conftest layouts work
unchanged).

| id | severity | title | remediation |
|---|---|---|---|
`)
	for _, r := range rules {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.ID, r.Severity, cell(r.Title), cell(r.Remediation))
	}
	b.WriteString(`
Findings the engine itself reports:

| id | severity | meaning |
|---|---|---|
| ` + "`" + RuleExpiredException + "`" + ` | error | a ` + "`kvet.yaml`" + ` exception is past its ` + "`expires`" + ` date; it no longer applies |
| ` + "`" + RuleIgnoreAnnotation + "`" + ` | error | a ` + "`" + IgnoreAnnotation + "`" + ` entry has no reason (write ` + "`rule-id: reason`" + `) |
| ` + "`" + RulePolicyError + "`" + ` | error | a policy failed at evaluation time for this object |

## Rules

`)
	for _, r := range rules {
		fmt.Fprintf(&b, "### `%s`\n\n**%s** (%s, `%s`)\n\n%s\n\nFix: %s\n\n", r.ID, r.Title, r.Severity, r.Source, r.Description, r.Remediation)
	}
	b.WriteString(dataDoc)
	return b.Bytes()
}

// cell escapes a value for a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

const dataDoc = "## Writing rules\n\n" +
	"A rule is a set rule named `deny`, `violation` or `warn` (or prefixed `deny_`, `violation_`, `warn_`) in any\n" +
	"package, written in Rego v1 (`import rego.v1` is accepted). A value is a message string or an object\n" +
	"`{\"msg\": ..., \"path\": \"spec.template.spec.containers[web].image\"}`; `\"note\": true` in the object makes it a note\n" +
	"of the target instead of a finding (what the open-world rules do). METADATA on the rule (or its package)\n" +
	"sets `title`, `description` and `custom.id` / `custom.severity` (`error`, `warning`) / `custom.remediation`;\n" +
	"the finding's message is `msg: remediation`. Without `custom.id` the id is derived from the package and\n" +
	"rule name (`package main` + `deny` is `main`), and `warn` rules are warnings.\n\n" +
	"`input` is one rendered object. `data.kvet` holds:\n\n" +
	"```\n" +
	"data.kvet.target     = {\"path\": \"overlays/production\", \"environment\": \"production\"}\n" +
	"data.kvet.inventory  = {KIND: {NAMESPACE: {NAME: object}}}    # every object of the target; cluster-scoped under \"\"\n" +
	"data.kvet.cluster    = {KIND: {NAMESPACE: {NAME: object}}}    # every object of the target's cluster (docs/repository-model.md)\n" +
	"data.kvet.config     = {\"allowed_registries\": [...], \"pod_spec_paths\": {\"group/Kind\": [\"spec\", ...]},\n" +
	"                        \"external\": [\"Kind/namespace/name\" globs], \"producers\": [kvet.yaml policy.producers]}\n" +
	"data.kvet.repository = {\"known\": true, \"dirs\": {\"overlays/production\": true, ...}, \"urls\": [...], \"branches\": [...]}\n" +
	"```\n\n" +
	"Helpers in `data.kvet.lib` (`pod_spec`, `containers`, `selector_matches`, `exists`, `pod_templates`,\n" +
	"`defined` (target or cluster), `could_be_made` (open-world producers), `reference_finding`, ...)\n" +
	"are available to your rules. `kvet policy test [DIR]` runs `*_test.rego` files and prints coverage.\n\n" +
	"kvet adds its own built-ins, in `kvet validate` and `kvet policy test` alike. They are kvet built-ins:\n" +
	"`opa` and `conftest` do not know them, so a policy that calls one runs under kvet only.\n\n" +
	"| built-in | returns |\n|---|---|\n" +
	"| `" + PromQLParseError + "(expr)` | `\"\"` when the string `expr` parses as PromQL with the Prometheus parser (`github.com/prometheus/prometheus/promql/parser`, experimental functions, fill modifiers and unquoted UTF-8 names accepted), else the parser's message (`1:14: parse error: ...`) |\n"
