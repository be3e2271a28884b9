package cli

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/graph"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// maxDiagramNodes bounds the Markdown report's picture: Mermaid lays out
// a few dozen nodes readably (and refuses past 500 edges), and a pull
// request comment stays short. Targets are drawn while their part of the
// graph fits, those with errors first, then those with warnings, each in
// report order; the others are named under the picture.
const maxDiagramNodes = 40

// diagramClasses colour the drawn targets by their verdict (GitHub's
// Primer colours for danger, attention and success), with dark text, so
// that the light fills stay readable in GitHub's dark theme too.
var diagramClasses = map[string]string{
	"error":   "fill:#ffebe9,stroke:#cf222e,color:#1f2328",
	"warning": "fill:#fff8c5,stroke:#9a6700,color:#1f2328",
	"ok":      "fill:#dafbe1,stroke:#1a7f37,color:#1f2328",
}

// diagram draws the Markdown report's picture of kvet validate: it keeps
// the discovered targets (all of them, before --changed-since or --shard
// narrow them, so the picture has what deploys the checked ones).
type diagram struct {
	all []discover.Target
}

// newDiagram is the picture of a run with output format, nil unless the
// format draws one (markdown).
func newDiagram(format string) *diagram {
	if format != "markdown" {
		return nil
	}
	return &diagram{}
}

// discovered is the runner's Discovered hook; nil for a nil diagram.
func (d *diagram) discovered() func([]discover.Target) {
	if d == nil {
		return nil
	}
	return func(ts []discover.Target) { d.all = ts }
}

// draw sets rep's Diagram: with --changed-since REF, the targets the change
// affects (every target checked), else the targets with findings; each
// with what deploys it and what it includes, coloured by its verdict.
func (d *diagram) draw(root string, rep *report.Report, changedSince string) {
	if d == nil {
		return
	}
	var ids []string
	class := map[string]string{}
	for _, t := range rep.Targets {
		c := "ok"
		for _, f := range rep.FindingsFor(t.Path) {
			if f.Severity == report.SeverityError {
				c = "error"
				break
			}
			c = "warning"
		}
		if t.Error != "" {
			c = "error"
		}
		if changedSince == "" && c == "ok" {
			continue
		}
		ids = append(ids, t.Path)
		class[t.Path] = c
	}
	if len(ids) == 0 {
		return
	}
	// Within the bound, the failing targets are drawn first.
	rank := map[string]int{"error": 0, "warning": 1, "ok": 2}
	slices.SortStableFunc(ids, func(a, b string) int { return cmp.Compare(rank[class[a]], rank[class[b]]) })
	sub, left := graph.Build(root, d.all).Around(ids, maxDiagramNodes)
	if len(sub.Nodes) == 0 {
		return
	}
	var b strings.Builder
	if err := graph.WriteMermaidStyled(&b, sub, graph.Style{Classes: diagramClasses, Of: class}); err != nil {
		return // a strings.Builder does not fail
	}
	what := fmt.Sprintf("the %d targets with findings", len(ids))
	if len(ids) == 1 {
		what = "the target with findings"
	}
	if changedSince != "" {
		what = fmt.Sprintf("the %d targets the change since `%s` affects", len(ids), changedSince)
		if len(ids) == 1 {
			what = fmt.Sprintf("the target the change since `%s` affects", changedSince)
		}
	}
	legend := "red: errors, amber: warnings"
	if changedSince != "" {
		legend += ", green: no findings"
	}
	rep.Diagram = &report.Diagram{
		Caption: "What deploys " + what + " and what they include (" + legend + ")",
		Mermaid: b.String(),
		Left:    left,
	}
}
