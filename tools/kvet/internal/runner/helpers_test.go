package runner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// got is a finding without its message: what the tests compare exactly.
type got struct {
	Target   string
	Severity report.Severity
	Check    string
	Rule     string
	Resource string // "apiVersion Kind namespace/name", "" for target-level findings
	Path     string
	Source   string // "file:line"
}

func (g got) String() string {
	return fmt.Sprintf("{%q, %q, %q, %q, %q, %q, %q}", g.Target, g.Severity, g.Check, g.Rule, g.Resource, g.Path, g.Source)
}

func res(apiVersion, kind, nsName string) string { return apiVersion + " " + kind + " " + nsName }

func project(f report.Finding) got {
	r := ""
	if !f.Resource.IsZero() {
		nn := f.Resource.Name
		if f.Resource.Namespace != "" {
			nn = f.Resource.Namespace + "/" + nn
		}
		r = res(f.Resource.APIVersion, f.Resource.Kind, nn)
	}
	return got{f.Target, f.Severity, f.Check, f.Rule, r, f.Path, fmt.Sprintf("%s:%d", f.Source.File, f.Source.Line)}
}

func projectAll(fs []report.Finding) []got {
	out := []got{}
	for _, f := range fs {
		out = append(out, project(f))
	}
	return out
}

// nonPolicy projects the findings of every check but the Rego policies.
func nonPolicy(rep *report.Report) []got {
	var out []got
	for _, f := range rep.Findings {
		if f.Check != report.CheckPolicy {
			out = append(out, project(f))
		}
	}
	return out
}

// fixture returns the absolute path of testdata/<name>.
func fixture(t testing.TB, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", filepath.FromSlash(name)))
	require.NoError(t, err)
	_, err = os.Stat(p)
	require.NoError(t, err, "fixture %s", name)
	return p
}

// run validates the fixture directory as a repository of its own.
func run(t testing.TB, root string, mod func(*runner.Options)) *report.Report {
	t.Helper()
	opts := runner.Options{Root: root, Paths: []string{root}, Config: &config.Config{}, Jobs: 4}
	if mod != nil {
		mod(&opts)
	}
	rep, err := runner.Run(context.Background(), opts)
	require.NoError(t, err)
	return rep
}

func dump(rep *report.Report) string {
	var b strings.Builder
	for _, f := range rep.Findings {
		fmt.Fprintf(&b, "%s\n    %s\n", project(f), f.Message)
	}
	return b.String()
}

// targets keeps what the JSON report says of each target.
func targets(rep *report.Report) []report.Target {
	out := []report.Target{}
	for _, t := range rep.Targets {
		out = append(out, report.Target{Path: t.Path, Resources: t.Resources, Error: t.Error})
	}
	return out
}
