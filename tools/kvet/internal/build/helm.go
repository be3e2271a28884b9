package build

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/yamljson"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/helmrender"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// buildHelm builds the target of a Flux HelmRelease: the chart rendered
// with the release's values when it is in the repository, else nothing
// but a note. Chart and template errors are build findings on the chart's
// files.
func (b *Builder) buildHelm(ctx context.Context, spec Spec, res *Result) *Result {
	e := spec.Entry
	hs := e.Helm
	if hs.ChartPath == "" {
		res.Notes = append(res.Notes, fmt.Sprintf("chart not rendered: %s (kvet renders HelmRelease charts stored in this repository only; the HelmRelease itself is validated where its manifest is built)", hs.NotRendered))
		return res
	}
	values, issues, notes := e.HelmValues()
	res.Findings = append(res.Findings, issues...)
	res.Notes = append(res.Notes, notes...)
	chartDir := filepath.Join(e.Root, filepath.FromSlash(hs.ChartPath))
	name, ns := e.HelmRelease()
	nodes, herr := b.renderChart(ctx, res, chartDir, values, name, ns, hs.InstallsCRDs())
	if herr != nil {
		return helmFailed(res, herr)
	}
	e.ReleaseNamespace(nodes, ns)
	for i := range res.Objects {
		res.Objects[i].Resource.Namespace = res.Objects[i].Node.GetNamespace()
	}
	return res
}

// renderChart renders the chart in chartDir like `helm template` (with
// --include-crds when crds is set) into res.Objects and returns their nodes.
func (b *Builder) renderChart(ctx context.Context, res *Result, chartDir string, values map[string]any, name, ns string, crds bool) ([]*kyaml.RNode, *helmrender.Error) {
	limits := b.opts.Limits.WithDefaults()
	if b.opts.Root != "" && !guard.Within(b.opts.Root, chartDir) {
		return nil, &helmrender.Error{File: chartDir, Rule: guard.RuleOutsideRepo, Msg: "chart directory is outside the repository"}
	}

	ctx, cancel := b.withTargetTimeout(ctx)
	defer cancel()
	type out struct {
		r   *helmrender.Result
		err error
	}
	ch := make(chan out, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				ch <- out{err: &PanicError{Value: r, Stack: string(debug.Stack())}}
			}
		}()
		r, err := helmrender.Render(helmrender.Options{ChartDir: chartDir, Values: values, ReleaseName: name,
			Namespace: ns, KubeVersion: b.opts.KubernetesVersion, Limits: limits, IncludeCRDs: crds})
		ch <- out{r, err}
	}()
	var o out
	select {
	case o = <-ch:
	case <-ctx.Done():
		return nil, &helmrender.Error{File: chartDir, Rule: guard.RuleTargetTimeout,
			Msg: fmt.Sprintf("rendering the chart took longer than the target timeout (%s): abandoned", limits.TargetTimeout)}
	}
	if o.err != nil {
		var he *helmrender.Error
		if errors.As(o.err, &he) {
			return nil, he
		}
		return nil, &helmrender.Error{File: chartDir, Rule: guard.RuleInternalError, Msg: o.err.Error()}
	}
	res.Notes = append(res.Notes, o.r.Notes...)
	if fs := b.tooManyObjects(len(o.r.Manifests), chartDir); len(fs) > 0 {
		return nil, &helmrender.Error{File: chartDir, Rule: fs[0].Rule, Msg: fs[0].Message}
	}
	var nodes []*kyaml.RNode
	for _, m := range o.r.Manifests {
		if v := guard.CheckContent(m.File, []byte(m.Content), limits, true); v != nil {
			return nil, &helmrender.Error{File: m.File, Rule: v.Rule, Msg: "rendered output: " + v.Message}
		}
		n, err := kyaml.Parse(m.Content)
		if err != nil {
			return nil, &helmrender.Error{File: m.File, Msg: fmt.Sprintf("rendered template is not valid YAML: %v", err)}
		}
		if n.IsNilOrEmpty() {
			continue
		}
		// helm-controller applies the output through Helm's kube client,
		// which reads YAML as kubectl does.
		obj := Object{Index: len(res.Objects), Node: n, Source: report.Source{File: m.File}, Applier: yamljson.Kubectl}
		obj.Resource = report.Resource{APIVersion: n.GetApiVersion(), Kind: n.GetKind(), Namespace: n.GetNamespace(), Name: n.GetName()}
		if key, line, dup := duplicateKey(n.YNode()); dup {
			res.Findings = append(res.Findings, duplicateKeyFinding(b.read, obj, key, line))
			continue
		}
		res.Objects = append(res.Objects, obj)
		nodes = append(nodes, n)
	}
	return nodes, nil
}

func helmFailed(res *Result, e *helmrender.Error) *Result {
	rule := e.Rule
	if rule == "" {
		rule = "build-failed"
	}
	res.Findings = append(res.Findings, finding(rule, e.Msg, e.File, e.Line))
	res.Err = errors.New(e.Msg)
	return res
}
