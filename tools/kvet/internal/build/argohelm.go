package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
)

// buildArgoHelm builds an Argo CD Application whose source is a Helm chart
// of the repository as Argo CD's repo-server does (`helm template` with
// spec.source.helm): valueFiles (relative to the chart, or to the
// repository root when absolute), then values/valuesObject, then
// parameters as --set/--set-string; release name helm.releaseName, else
// the Application's name; namespace helm.namespace, else the destination
// namespace, which objects without one get. A chart whose dependencies
// are not vendored, or values kvet cannot read (URLs, other sources), is
// not rendered: a note says so.
func (b *Builder) buildArgoHelm(ctx context.Context, spec Spec, res *Result) *Result {
	e := spec.Entry
	ah := e.Argo.Helm
	chartDir := res.Dir
	values, why, err := b.argoHelmValues(chartDir, e.Root, ah)
	if err != nil {
		res.Err = err
		res.Findings = append(res.Findings, finding("build-failed", err.Error(), filepath.Join(e.Root, filepath.FromSlash(e.Source.File)), e.Source.Line))
		return res
	}
	if why != "" {
		res.Notes = append(res.Notes, fmt.Sprintf("chart not rendered: %s", why))
		return res
	}
	name := ah.ReleaseName
	if name == "" {
		name = e.Name
		if e.App != "" {
			name = e.App
		}
	}
	ns := ah.Namespace
	if ns == "" {
		ns = e.Argo.DestinationNamespace
	}
	// Argo CD runs helm template --include-crds unless skipCrds is set.
	nodes, herr := b.renderChart(ctx, res, chartDir, values, name, ns, !ah.SkipCrds)
	if herr != nil {
		if herr.MissingDependency != "" {
			res.Objects = nil
			res.Notes = append(res.Notes, fmt.Sprintf(
				"chart not rendered: its dependency %q is not vendored in charts/ (Argo CD downloads it; kvet never does)", herr.MissingDependency))
			return res
		}
		return helmFailed(res, herr)
	}
	for _, is := range e.PostBuild(nodes) {
		res.Findings = append(res.Findings, is.Finding)
	}
	for i := range res.Objects {
		res.Objects[i].Resource.Namespace = res.Objects[i].Node.GetNamespace()
	}
	return res
}

// argoHelmValues merges the Application's values as helm does. why says
// why they cannot be known in this checkout ("" when they can).
func (b *Builder) argoHelmValues(chartDir, root string, ah *gitops.ArgoHelm) (vals map[string]any, why string, err error) {
	if len(ah.FileParameters) > 0 {
		return nil, "helm.fileParameters are not supported by kvet", nil
	}
	gfs := b.guarded()
	vals = map[string]any{}
	for _, vf := range ah.ValueFiles {
		if u, perr := url.Parse(vf); (perr == nil && u.Scheme != "") || strings.HasPrefix(vf, "$") {
			return nil, fmt.Sprintf("value file %s is not in this repository", vf), nil
		}
		p := filepath.Join(chartDir, filepath.FromSlash(vf))
		if filepath.IsAbs(vf) {
			p = filepath.Join(root, filepath.FromSlash(vf))
		}
		if !guard.Within(root, p) {
			return nil, "", fmt.Errorf("helm value file %s is outside the repository: Argo CD refuses it", vf)
		}
		data, rerr := gfs.ReadFile(p)
		if rerr != nil {
			if _, serr := os.Stat(p); errors.Is(serr, fs.ErrNotExist) && ah.IgnoreMissingValueFiles {
				continue
			}
			return nil, "", fmt.Errorf("helm value file %s: %w", vf, rerr)
		}
		m, perr := chartutil.ReadValues(data)
		if perr != nil {
			return nil, "", fmt.Errorf("helm value file %s: %w", vf, perr)
		}
		vals = gitops.MergeMaps(vals, m)
	}
	extra := ah.ValuesObject
	if len(extra) == 0 && strings.TrimSpace(ah.Values) != "" {
		m, perr := chartutil.ReadValues([]byte(ah.Values))
		if perr != nil {
			return nil, "", fmt.Errorf("helm.values: %w", perr)
		}
		extra = m
	}
	if len(extra) > 0 {
		// Through YAML, as Argo CD writes them to a values file.
		y, merr := yaml.Marshal(extra)
		if merr != nil {
			return nil, "", fmt.Errorf("helm.valuesObject: %w", merr)
		}
		m, perr := chartutil.ReadValues(y)
		if perr != nil {
			return nil, "", fmt.Errorf("helm.valuesObject: %w", perr)
		}
		vals = gitops.MergeMaps(vals, m)
	}
	for _, p := range ah.Parameters {
		set := p.Name + "=" + argoSetValue(p.Value)
		if p.ForceString {
			err = strvals.ParseIntoString(set, vals)
		} else {
			err = strvals.ParseInto(set, vals)
		}
		if err != nil {
			return nil, "", fmt.Errorf("helm parameter %s: %w", p.Name, err)
		}
	}
	return vals, "", nil
}

// argoSetValue is Argo CD's cleanSetParameters: commas are escaped unless
// the value is a {list}.
func argoSetValue(v string) string {
	if strings.HasPrefix(v, "{") && strings.HasSuffix(v, "}") {
		return v
	}
	var b strings.Builder
	var prev rune
	for _, r := range v {
		if r == ',' && prev != '\\' {
			b.WriteString(`\,`)
		} else {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}
