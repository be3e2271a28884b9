package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// sampleReport has a build finding without an object, schema and policy
// findings with and without lines, a warning, and messages with the
// characters each format must escape.
func sampleReport() *Report {
	web := Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	cm := Resource{APIVersion: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "web-config"}
	r := New([]Target{
		{Path: "overlays/production", Resources: 2, Objects: []Resource{web, cm}},
		{Path: "overlays/staging", Resources: 0, Error: "accumulating resources: missing"},
	}, []Finding{
		{Target: "overlays/production", Severity: SeverityError, Check: CheckPolicy, Rule: "run-as-non-root", Resource: web,
			Path: "spec.template.spec.containers[web].securityContext", Message: "container web may run as root: set runAsNonRoot: true",
			Source: Source{File: "overlays/production/patch.yaml", Line: 12}},
		{Target: "overlays/production", Severity: SeverityWarning, Check: CheckPolicy, Rule: "cpu-limit", Resource: web,
			Path: "spec.template.spec.containers[web]", Message: "50% of pods, a|b, line one\nline two: done",
			Source: Source{File: "base/web/deployment.yaml", Line: 20}},
		{Target: "overlays/production", Severity: SeverityError, Check: CheckSchema, Rule: "unknown-field", Resource: cm,
			Path: "data2", Message: "unknown field data2", Source: Source{File: "base/web/config,map.yaml"}},
		{Target: "overlays/staging", Severity: SeverityError, Check: CheckBuild, Rule: "missing-file",
			Message: "accumulating resources: missing", Source: Source{File: "overlays/staging/kustomization.yaml", Line: 4}},
	})
	r.Rules = []RuleDoc{{ID: "run-as-non-root", Check: CheckPolicy, Title: "Containers must not run as root", Help: "Fix: set runAsNonRoot.", Severity: SeverityError}}
	return r
}

func TestFormatsRegistered(t *testing.T) {
	for _, f := range Formats() {
		var b bytes.Buffer
		require.NoError(t, Write(&b, f, sampleReport()), f)
		assert.NotEmpty(t, b.String(), f)
	}
	assert.Error(t, Write(&bytes.Buffer{}, "yaml", sampleReport()))
}

func TestGolden(t *testing.T) {
	for _, f := range []string{"sarif", "junit", "github", "markdown"} {
		t.Run(f, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, Write(&b, f, sampleReport()))
			golden := filepath.Join("testdata", "sample."+f+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, b.Bytes(), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test -update to create the golden file")
			assert.Equal(t, string(want), b.String())
		})
	}
}

// TestSARIFStructure checks the properties SARIF 2.1.0 requires and GitHub
// code scanning relies on, on the decoded document.
func TestSARIFStructure(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteSARIF(&b, sampleReport()))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &doc))
	assert.Equal(t, "2.1.0", doc["version"])
	assert.Contains(t, doc["$schema"], "sarif-2.1.0")
	runs := doc["runs"].([]any)
	require.Len(t, runs, 1)
	run := runs[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	assert.Equal(t, "kvet", driver["name"])
	rules := driver["rules"].([]any)
	ids := map[string]int{}
	for i, r := range rules {
		rule := r.(map[string]any)
		id := rule["id"].(string)
		_, dup := ids[id]
		assert.False(t, dup, "one rule per id: %s", id)
		ids[id] = i
		assert.NotEmpty(t, rule["shortDescription"].(map[string]any)["text"], id)
		assert.NotEmpty(t, rule["help"].(map[string]any)["text"], id)
		assert.True(t, strings.HasPrefix(rule["helpUri"].(string), "https://"), id)
	}
	assert.Len(t, ids, 4)
	nonRoot := rules[ids["run-as-non-root"]].(map[string]any)
	assert.Equal(t, "Containers must not run as root", nonRoot["shortDescription"].(map[string]any)["text"])
	assert.Contains(t, nonRoot["helpUri"], "docs/policies.md#run-as-non-root")

	results := run["results"].([]any)
	require.Len(t, results, 4)
	for _, r := range results {
		res := r.(map[string]any)
		id := res["ruleId"].(string)
		assert.Equal(t, float64(ids[id]), res["ruleIndex"], id)
		assert.Contains(t, []string{"error", "warning", "note", "none"}, res["level"])
		assert.NotEmpty(t, res["message"].(map[string]any)["text"])
		locs := res["locations"].([]any)
		require.Len(t, locs, 1)
		phys := locs[0].(map[string]any)["physicalLocation"].(map[string]any)
		uri := phys["artifactLocation"].(map[string]any)["uri"].(string)
		assert.False(t, filepath.IsAbs(uri), uri)
		if region, ok := phys["region"].(map[string]any); ok {
			assert.GreaterOrEqual(t, region["startLine"].(float64), 1.0)
		}
	}
	// Sorted by rule and file alike: cpu-limit (base/...) comes first.
	first := results[1].(map[string]any)
	loc := first["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
	assert.Equal(t, "overlays/production/patch.yaml", loc["artifactLocation"].(map[string]any)["uri"])
	assert.Equal(t, 12.0, loc["region"].(map[string]any)["startLine"])
	// Unknown line: no region rather than a made-up line 1.
	third := results[2].(map[string]any)
	_, hasRegion := third["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"]
	assert.False(t, hasRegion)
}

func TestJUnitStructure(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteJUnit(&b, sampleReport()))
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Body    string `xml:",chardata"`
				} `xml:"failure"`
				SystemOut string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(b.Bytes(), &doc))
	require.Len(t, doc.Suites, 2)
	prod := doc.Suites[0]
	assert.Equal(t, "overlays/production", prod.Name)
	require.Len(t, prod.Cases, 3, "build + one per object")
	assert.Equal(t, "build", prod.Cases[0].Name)
	assert.Nil(t, prod.Cases[0].Failure)
	web := prod.Cases[1]
	assert.Equal(t, "apps/v1 Deployment/shop/web", web.Name)
	require.NotNil(t, web.Failure)
	assert.Equal(t, "policy/run-as-non-root", web.Failure.Type)
	assert.Contains(t, web.Failure.Body, "overlays/production/patch.yaml:12")
	assert.Contains(t, web.SystemOut, "cpu-limit", "warnings do not fail")
	assert.Equal(t, 2, prod.Failures)
	staging := doc.Suites[1]
	require.Len(t, staging.Cases, 1)
	require.NotNil(t, staging.Cases[0].Failure)
	assert.Equal(t, "build/missing-file", staging.Cases[0].Failure.Type)
	assert.Equal(t, 4, doc.Tests)
	assert.Equal(t, 3, doc.Failures)
}

// parseCommand splits a workflow command line the way the runner does.
func parseCommand(t *testing.T, line string) (cmd string, props map[string]string, msg string) {
	t.Helper()
	require.True(t, strings.HasPrefix(line, "::"), line)
	head, msg, ok := strings.Cut(line[2:], "::")
	require.True(t, ok, line)
	cmd, rest, _ := strings.Cut(head, " ")
	props = map[string]string{}
	unescape := strings.NewReplacer("%25", "%", "%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",")
	for _, kv := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(kv, "=")
		props[k] = unescape.Replace(v)
	}
	return cmd, props, unescape.Replace(msg)
}

func TestGitHubAnnotations(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteGitHub(&b, sampleReport()))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 5)
	tests := []struct {
		cmd, file, line, title, msg string
	}{
		{"warning", "base/web/deployment.yaml", "20", "kvet policy/cpu-limit Deployment/shop/web", "50% of pods, a|b, line one\nline two: done"},
		{"error", "overlays/production/patch.yaml", "12", "kvet policy/run-as-non-root Deployment/shop/web", "set runAsNonRoot: true"},
		{"error", "base/web/config,map.yaml", "", "kvet schema/unknown-field ConfigMap/shop/web-config", "unknown field data2"},
		{"error", "overlays/staging/kustomization.yaml", "4", "kvet build/missing-file", "accumulating resources: missing"},
	}
	for i, tt := range tests {
		assert.NotContains(t, lines[i][2:], "\n")
		cmd, props, msg := parseCommand(t, lines[i])
		assert.Equal(t, tt.cmd, cmd)
		assert.Equal(t, tt.file, props["file"])
		assert.Equal(t, tt.line, props["line"])
		assert.Equal(t, tt.title, props["title"])
		assert.Contains(t, msg, tt.msg)
	}
	assert.Equal(t, "kvet: 2 targets, 2 resources: 3 errors, 1 warning", lines[4])
}

func TestEscapeGitHub(t *testing.T) {
	tests := []struct{ in, data, prop string }{
		{"plain", "plain", "plain"},
		{"100%", "100%25", "100%25"},
		{"a\nb\r\n", "a%0Ab%0D%0A", "a%0Ab%0D%0A"},
		{"k: v, w", "k: v, w", "k%3A v%2C w"},
		{"%0A", "%250A", "%250A"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.data, escapeData(tt.in), tt.in)
		assert.Equal(t, tt.prop, escapeProperty(tt.in), tt.in)
	}
}

func TestMarkdown(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteMarkdown(&b, sampleReport()))
	out := b.String()
	assert.True(t, strings.HasPrefix(out, "### ❌ kvet: 3 errors, 1 warning in 2 targets"))
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "| ❌") || strings.HasPrefix(l, "| ⚠️") {
			rows = append(rows, l)
		}
	}
	require.Len(t, rows, 4)
	for _, r := range rows {
		// Every row has exactly the table's 7 unescaped pipes.
		assert.Equal(t, 7, strings.Count(r, "|")-strings.Count(r, `\|`), r)
	}
	assert.Contains(t, rows[1], "`overlays/production/patch.yaml:12`")
	assert.Contains(t, rows[0], `a\|b, line one<br>line two`)
	assert.Contains(t, out, "| `overlays/staging` | 0 | 1 (build failed) | 0 |")
}

// TestRelatedLocations: a finding's other place is in every format: SARIF
// relatedLocations linked from the message, the text, JUnit, Markdown and
// GitHub messages.
func TestRelatedLocations(t *testing.T) {
	r := New([]Target{{Path: "overlays/staging"}}, []Finding{{
		Target: "overlays/staging", Severity: SeverityError, Check: CheckBuild, Rule: "patch-no-match",
		Message: "strategic-merge patch selects no object", Source: Source{File: "overlays/staging/kustomization.yaml", Line: 7},
		Related: []Related{{File: "overlays/staging/patch.yaml", Line: 4, Message: "the patch's metadata.name (Deployment webb)"}},
	}})
	var b bytes.Buffer
	require.NoError(t, WriteSARIF(&b, r))
	var doc struct {
		Runs []struct {
			Results []struct {
				Message          struct{ Text string }
				RelatedLocations []struct {
					ID               int
					Message          struct{ Text string }
					PhysicalLocation struct {
						ArtifactLocation struct{ URI, URIBaseID string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &doc))
	res := doc.Runs[0].Results[0]
	require.Len(t, res.RelatedLocations, 1)
	rel := res.RelatedLocations[0]
	assert.Equal(t, 1, rel.ID)
	assert.Equal(t, "overlays/staging/patch.yaml", rel.PhysicalLocation.ArtifactLocation.URI)
	assert.Equal(t, "%SRCROOT%", rel.PhysicalLocation.ArtifactLocation.URIBaseID)
	assert.Equal(t, 4, rel.PhysicalLocation.Region.StartLine)
	assert.Equal(t, "the patch's metadata.name (Deployment webb)", rel.Message.Text)
	assert.Contains(t, res.Message.Text, "[overlays/staging/patch.yaml:4](1)")

	for format, want := range map[string]string{
		"text":     "          and at overlays/staging/patch.yaml:4: the patch's metadata.name (Deployment webb)\n",
		"junit":    "(and at overlays/staging/patch.yaml:4: the patch&#39;s metadata.name (Deployment webb))",
		"markdown": "`overlays/staging/kustomization.yaml:7`<br>and `overlays/staging/patch.yaml:4`",
		"github":   "(and at overlays/staging/patch.yaml:4: the patch's metadata.name (Deployment webb))",
		"json":     `"related": [`,
	} {
		b.Reset()
		require.NoError(t, Write(&b, format, r))
		assert.Contains(t, b.String(), want, format)
	}
}

// The Markdown report draws its Diagram after the status line and names
// the targets it left out, at most markdownLeftShown of them.
func TestMarkdownDiagram(t *testing.T) {
	r := sampleReport()
	var b bytes.Buffer
	require.NoError(t, WriteMarkdown(&b, r))
	assert.NotContains(t, b.String(), "```mermaid", "no diagram, no block")

	left := []string{"t00", "t01", "t02", "t03", "t04", "t05", "t06", "t07", "t08", "t09", "t10", "t11"}
	r.Diagram = &Diagram{Caption: "What deploys the targets", Mermaid: "flowchart LR\n  n0[\"a\"]\n", Left: left}
	b.Reset()
	require.NoError(t, WriteMarkdown(&b, r))
	out := b.String()
	assert.Contains(t, out, "in 2 targets (2 resources)\n\nWhat deploys the targets:\n\n```mermaid\nflowchart LR\n  n0[\"a\"]\n```\n\n")
	assert.Contains(t, out, "Not drawn, to keep the picture readable: `t00`, `t01`, `t02`, `t03`, `t04`, `t05`, `t06`, `t07`, `t08`, `t09` and 2 more (`kvet graph` draws the whole repository).\n")
	assert.Less(t, strings.Index(out, "```mermaid"), strings.Index(out, "| target |"), "the picture comes before the tables")
}
