package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sharedBaseReport is a privileged container in a shared base reached by
// three overlays, a warning in dev (severity configured per environment)
// and an error in the others, plus a finding of the same rule on another
// object that must stay apart.
func sharedBaseReport() *Report {
	web := Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	api := Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "api"}
	priv := func(target string, sev Severity) Finding {
		return Finding{Target: target, Severity: sev, Check: CheckPolicy, Rule: "privileged", Resource: web,
			Path: "spec.template.spec.containers[web].securityContext.privileged", Message: "container web is privileged",
			Source: Source{File: "base/web/deployment.yaml", Line: 31}}.WithOrder(0)
	}
	other := priv("overlays/staging", SeverityError)
	other.Resource, other.Message = api, "container api is privileged"
	other = other.WithOrder(1)
	targets := []Target{
		{Path: "overlays/staging", Resources: 2, Objects: []Resource{web, api}},
		{Path: "overlays/production", Resources: 1, Objects: []Resource{web}},
		{Path: "overlays/dev", Resources: 1, Objects: []Resource{web}},
	}
	return New(targets, []Finding{
		priv("overlays/staging", SeverityError), priv("overlays/production", SeverityError), other,
		priv("overlays/dev", SeverityWarning), priv("overlays/production", SeverityError),
	})
}

func TestNewMergesOneDefect(t *testing.T) {
	r := sharedBaseReport()
	require.Len(t, r.Findings, 2)
	f := r.Findings[0]
	assert.Equal(t, "overlays/dev", f.Target, "target stays the first in report order")
	assert.Equal(t, []string{"overlays/dev", "overlays/production", "overlays/staging"}, f.Targets)
	assert.Equal(t, SeverityError, f.Severity, "the highest severity of the targets wins")
	assert.Equal(t, Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "api"}, r.Findings[1].Resource)
	assert.Equal(t, []string{"overlays/staging"}, r.Findings[1].Targets)
	assert.Equal(t, Summary{Targets: 3, Resources: 4, Errors: 2}, r.Summary, "the summary counts distinct findings")
	assert.Len(t, r.FindingsFor("overlays/production"), 1, "a later target still reaches the finding")
	assert.Len(t, r.FindingsFor("overlays/staging"), 2)
}

func TestNewKeepsDistinctFindings(t *testing.T) {
	base := Finding{Target: "a", Severity: SeverityError, Check: CheckSchema, Rule: "invalid-value",
		Resource: Resource{APIVersion: "v1", Kind: "Service", Namespace: "ns", Name: "s"}, Path: "spec.ports[0]",
		Message: "bad", Source: Source{File: "s.yaml", Line: 3}}
	tests := []struct {
		name   string
		change func(*Finding)
	}{
		{"other namespace, no source line", func(f *Finding) { f.Resource.Namespace = "other"; f.Source.Line = 0 }},
		{"other kind", func(f *Finding) { f.Resource.Kind = "Endpoints" }},
		{"other name (a List or generator at one line)", func(f *Finding) { f.Resource.Name = "t" }},
		{"other line", func(f *Finding) { f.Source.Line = 4 }},
		{"other file", func(f *Finding) { f.Source.File = "t.yaml" }},
		{"other path", func(f *Finding) { f.Path = "spec.ports[1]" }},
		{"other message", func(f *Finding) { f.Message = "worse" }},
		{"other rule", func(f *Finding) { f.Rule = "invalid-type" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := base
			g.Target = "b"
			tt.change(&g)
			r := New(nil, []Finding{base, g})
			assert.Len(t, r.Findings, 2)
			assert.Equal(t, 2, r.Summary.Errors)
		})
	}
	r := New(nil, []Finding{base, base})
	assert.Len(t, r.Findings, 1, "the same finding twice in one target is one finding")
	assert.Equal(t, []string{"a"}, r.Findings[0].Targets)
}

func TestEveryFormatShowsAMergedFindingOnce(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, Write(&b, format, sharedBaseReport()))
			out := b.String()
			needle := "container web is privileged"
			if format == "junit" {
				needle = `<failure message="container web is privileged"` // the body repeats the message
			}
			assert.Equal(t, 1, strings.Count(out, needle), out)
		})
	}
}

func TestJSONCarriesTargets(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteJSON(&b, sharedBaseReport()))
	var doc struct {
		Summary  Summary `json:"summary"`
		Findings []struct {
			Target  string   `json:"target"`
			Targets []string `json:"targets"`
		} `json:"findings"`
	}
	require.NoError(t, json.Unmarshal(b.Bytes(), &doc))
	assert.Equal(t, 2, doc.Summary.Errors)
	require.Len(t, doc.Findings, 2)
	assert.Equal(t, "overlays/dev", doc.Findings[0].Target)
	assert.Equal(t, []string{"overlays/dev", "overlays/production", "overlays/staging"}, doc.Findings[0].Targets)
}

func TestTextListsTargetsCompactly(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteText(&b, sharedBaseReport()))
	out := b.String()
	assert.Contains(t, out, "in 3 targets: overlays/dev, overlays/production, overlays/staging\n")
	// Later targets count what reaches them and point back to it.
	assert.Contains(t, out, "overlays/production  (1 resource, 1 error)\n  also   1 error shown above under overlays/dev\n")
	assert.Contains(t, out, "overlays/staging  (2 resources, 2 errors)\n")
	assert.Contains(t, out, "\n3 targets, 4 resources: 2 errors, 0 warnings\n")

	many := Finding{Target: "t00", Severity: SeverityError, Check: CheckPolicy, Rule: "privileged", Message: "m"}
	for i := range 14 {
		many.Targets = append(many.Targets, "t"+string(rune('a'+i)))
	}
	assert.Equal(t, "ta, tb, tc and 11 more", targetList(many, textTargetsShown))
	many.Target = many.Targets[0]
	assert.Equal(t, "ta and 13 other targets", many.TargetsLabel())
}

func TestMarkdownNamesTheFirstTargetAndCountsTheOthers(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteMarkdown(&b, sharedBaseReport()))
	assert.Contains(t, b.String(), "| ❌ | `overlays/dev` and 2 other targets | policy/`privileged` |")
	// The per-target table counts what reaches each target.
	assert.Contains(t, b.String(), "| `overlays/production` | 1 | 1 | 0 |")
}

func TestGitHubNeverRepeatsAnAnnotation(t *testing.T) {
	f := Finding{Target: "a", Severity: SeverityError, Check: CheckPolicy, Rule: "privileged", Message: "m",
		Source: Source{File: "base/x.yaml", Line: 2}}
	// A report assembled without New still gets each annotation once.
	r := &Report{Findings: []Finding{f, f}}
	var b bytes.Buffer
	require.NoError(t, WriteGitHub(&b, r))
	assert.Equal(t, 1, strings.Count(b.String(), "::error "))
}

// TestNewMergesTheDirectoryAndItsEntryPoint: a directory checked on its own
// renders an object without a namespace, the Flux Kustomization applying it
// sets one; that is one object. Applied into two namespaces, it is two.
func TestNewMergesTheDirectoryAndItsEntryPoint(t *testing.T) {
	noSchema := func(target, ns string) Finding {
		return Finding{Target: target, Severity: SeverityError, Check: CheckSchema, Rule: "no-schema",
			Resource: Resource{APIVersion: "example.com/v1", Kind: "Thing", Namespace: ns, Name: "t"},
			Message:  "no schema for example.com/v1 Thing", Source: Source{File: "apps/t/thing.yaml", Line: 3}}
	}
	r := New(nil, []Finding{noSchema("apps/t", ""), noSchema("apps/t/ks.yaml#Kustomization/t", "ai")})
	require.Len(t, r.Findings, 1)
	assert.Equal(t, "ai", r.Findings[0].Resource.Namespace)
	assert.Equal(t, []string{"apps/t", "apps/t/ks.yaml#Kustomization/t"}, r.Findings[0].Targets)

	r = New(nil, []Finding{noSchema("apps/t", ""), noSchema("hub/a.yaml#Kustomization/a/t", "a"), noSchema("hub/b.yaml#Kustomization/b/t", "b")})
	require.Len(t, r.Findings, 1, "one line applied into two namespaces is one edit")
	assert.Equal(t, []string{"apps/t", "hub/a.yaml#Kustomization/a/t", "hub/b.yaml#Kustomization/b/t"}, r.Findings[0].Targets)

	// Without a source line the object is known only by its identity as
	// applied: which of the two namespaces the directory is cannot be told.
	lineless := func(target, ns string) Finding { f := noSchema(target, ns); f.Source.Line = 0; return f }
	r = New(nil, []Finding{lineless("apps/t", ""), lineless("hub/a.yaml#Kustomization/a/t", "a"), lineless("hub/b.yaml#Kustomization/b/t", "b")})
	assert.Len(t, r.Findings, 3)
}
