package gitops

import (
	"fmt"
	"maps"
	"strings"

	"helm.sh/helm/v3/pkg/strvals"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"

	yaml3 "go.yaml.in/yaml/v3"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// A Flux HelmRelease (helm.toolkit.fluxcd.io/v2) is an entry point too.
// When its chart is a directory of this repository (spec.chart.spec with
// a GitRepository defined in the tree, taken to be this repository, or
// spec.chartRef to an in-repository HelmChart of such a GitRepository),
// the target renders the chart (internal/helmrender) with the values the
// controller would compute; otherwise the target only carries a note
// saying the chart was not rendered.

const (
	fluxHelmGroup   = "helm.toolkit.fluxcd.io"
	fluxSourceGroup = "source.toolkit.fluxcd.io"
)

// HelmSpec is what kvet reads of a HelmRelease's spec.
type HelmSpec struct {
	ReleaseName     string `yaml:"releaseName"`
	TargetNamespace string `yaml:"targetNamespace"`
	Chart           *struct {
		Spec struct {
			Chart       string    `yaml:"chart"`
			SourceRef   SourceRef `yaml:"sourceRef"`
			ValuesFiles []string  `yaml:"valuesFiles"`
		} `yaml:"spec"`
	} `yaml:"chart"`
	ChartRef   *SourceRef        `yaml:"chartRef"`
	Values     map[string]any    `yaml:"values"`
	ValuesFrom []ValuesReference `yaml:"valuesFrom"`
	Install    *struct {
		CRDs     string `yaml:"crds"`
		SkipCRDs bool   `yaml:"skipCRDs"` // deprecated form of crds: Skip
	} `yaml:"install"`

	// ChartPath is the repository-relative chart directory when the chart
	// is in the repository; NotRendered says why it is not otherwise.
	ChartPath   string
	NotRendered string

	valuesLine      int
	valuesFromLines []int
}

// InstallsCRDs reports whether helm-controller installs the chart's crds/
// files: spec.install.crds is Create (the default) or CreateReplace, not
// Skip (nor the deprecated skipCRDs: true).
func (h *HelmSpec) InstallsCRDs() bool {
	if h.Install == nil {
		return true
	}
	if h.Install.CRDs != "" {
		return h.Install.CRDs != "Skip"
	}
	return !h.Install.SkipCRDs
}

// SourceRef is a reference to a Flux source.
type SourceRef struct {
	Kind      string `yaml:"kind"`
	Name      string `yaml:"name"`
	Namespace string `yaml:"namespace"`
}

// ValuesReference is a HelmRelease valuesFrom entry.
type ValuesReference struct {
	Kind       string `yaml:"kind"`
	Name       string `yaml:"name"`
	ValuesKey  string `yaml:"valuesKey"`
	TargetPath string `yaml:"targetPath"`
	Optional   bool   `yaml:"optional"`
}

// sourceObject is a Flux source (GitRepository, HelmChart, ...) of the tree.
type sourceObject struct {
	namespace string
	source    Source
	// For a HelmChart: its chart and source.
	chart     string
	sourceRef SourceRef
	// For a GitRepository: its spec.url, spec.ref.branch and spec.ignore.
	url, branch, ignore string
}

func (r *Repo) addSource(node *yaml3.Node, file, kind, namespace, name string) {
	if r.sources == nil {
		r.sources = map[string][]sourceObject{}
	}
	o := sourceObject{namespace: namespace, source: Source{File: file, Line: node.Line}}
	if spec := lookup(node, "spec"); spec != nil && kind == "GitRepository" {
		if u := lookup(spec, "url"); u != nil {
			o.url = u.Value
		}
		if ig := lookup(spec, "ignore"); ig != nil {
			o.ignore = ig.Value
		}
		if ref := lookup(spec, "ref"); ref != nil {
			if b := lookup(ref, "branch"); b != nil {
				o.branch = b.Value
			}
		}
		if IsBootstrapSource(kind, namespace, name) && o.branch != "" {
			r.bootBranches = append(r.bootBranches, o.branch)
		}
	}
	if spec := lookup(node, "spec"); spec != nil && kind == "HelmChart" {
		var s struct {
			Chart     string    `yaml:"chart"`
			SourceRef SourceRef `yaml:"sourceRef"`
		}
		if spec.Decode(&s) == nil {
			o.chart, o.sourceRef = s.Chart, s.SourceRef
		}
	}
	r.sources[kind+"/"+name] = append(r.sources[kind+"/"+name], o)
}

// source finds a Flux source of the tree (same namespace rule as values).
func (r *Repo) source(kind, namespace, name string) (sourceObject, bool) {
	if r == nil {
		return sourceObject{}, false
	}
	r.load()
	var loose *sourceObject
	for i, o := range r.sources[kind+"/"+name] {
		if o.namespace == namespace {
			return o, true
		}
		if o.namespace == "" && loose == nil {
			loose = &r.sources[kind+"/"+name][i]
		}
	}
	if loose != nil {
		return *loose, true
	}
	return sourceObject{}, false
}

// parseHelmRelease makes the entry point of a HelmRelease document.
func parseHelmRelease(base EntryPoint, spec *yaml3.Node, relFile string) (EntryPoint, bool) {
	var hs HelmSpec
	if spec != nil {
		if err := spec.Decode(&hs); err != nil {
			return EntryPoint{}, false
		}
		if v := lookup(spec, "values"); v != nil {
			hs.valuesLine = v.Line
		}
		hs.valuesFromLines = itemLines(spec, "valuesFrom")
	}
	if hs.ChartRef == nil && (hs.Chart == nil || (hs.Chart.Spec.Chart == "" && hs.Chart.Spec.SourceRef.Name == "")) {
		// No chart and no chartRef: a patch (podinfo-values.yaml that an
		// overlay applies to the base's HelmRelease), not a release; the
		// schema check of what is applied catches a release without one.
		return EntryPoint{}, false
	}
	e := base
	e.Helm = &hs
	hs.resolveChart(&e)
	if hs.ChartPath != "" {
		e.Path = hs.ChartPath
	}
	return e, true
}

// resolveChart decides whether the chart is in the repository.
func (hs *HelmSpec) resolveChart(e *EntryPoint) {
	ns := func(ref SourceRef, def string) string {
		if ref.Namespace != "" {
			return ref.Namespace
		}
		return def
	}
	nsName := func(ref SourceRef, def string) string {
		if n := ns(ref, def); n != "" {
			return n + "/" + ref.Name
		}
		return ref.Name
	}
	// source names a sourceRef in notes, whatever it lacks.
	source := func(ref SourceRef, def string) string {
		switch {
		case ref.Kind == "" && ref.Name == "":
			return "a sourceRef with neither kind nor name"
		case ref.Kind == "":
			return "a sourceRef with no kind (" + nsName(ref, def) + ")"
		case ref.Name == "":
			return "a " + ref.Kind + " with no name"
		}
		return ref.Kind + " " + nsName(ref, def)
	}
	gitRepo := func(ref SourceRef, def, chart string) {
		if ref.Kind != "GitRepository" {
			hs.NotRendered = fmt.Sprintf("%s comes from %s, not from this repository", chartName(chart), source(ref, def))
			return
		}
		if chart == "" {
			hs.NotRendered = fmt.Sprintf("%s from %s: nothing to render", chartName(chart), source(ref, def))
			return
		}
		if this, why := e.Repo.SourceOrigin("GitRepository", ns(ref, def), ref.Name); !this {
			hs.NotRendered = fmt.Sprintf("%s is not read from this checkout: %s", chartName(chart), why)
			return
		}
		hs.ChartPath = clean(chart)
	}
	switch {
	case hs.ChartRef != nil:
		ref := *hs.ChartRef
		if ref.Kind != "HelmChart" {
			hs.NotRendered = fmt.Sprintf("chart comes from %s (chartRef), not from this repository", source(ref, e.Namespace))
			return
		}
		hc, ok := e.Repo.source("HelmChart", ns(ref, e.Namespace), ref.Name)
		if !ok {
			hs.NotRendered = fmt.Sprintf("chartRef %s is not defined in this repository", source(ref, e.Namespace))
			return
		}
		def := ns(ref, e.Namespace)
		if hc.namespace != "" {
			def = hc.namespace
		}
		gitRepo(hc.sourceRef, def, hc.chart)
	case hs.Chart != nil:
		gitRepo(hs.Chart.Spec.SourceRef, e.Namespace, hs.Chart.Spec.Chart)
	}
}

// chartName names a chart in notes: "chart podinfo", or what is missing.
func chartName(c string) string {
	if c == "" {
		return "a chart with no name (spec.chart.spec.chart is empty)"
	}
	return "chart " + c
}

// HelmRelease returns the release name and namespace the controller uses.
func (e *EntryPoint) HelmRelease() (name, namespace string) {
	hs := e.Helm
	name = hs.ReleaseName
	if name == "" {
		name = e.Name
		if hs.TargetNamespace != "" {
			name = hs.TargetNamespace + "-" + e.Name
		}
	}
	namespace = hs.TargetNamespace
	if namespace == "" {
		namespace = e.Namespace
	}
	return name, namespace
}

// HelmValues computes the release's values as helm-controller does:
// valuesFrom in order (each merged over the previous, or set at its
// targetPath), then spec.values over them. A non-optional source kvet
// cannot read gives a note (the policy rule helm-values-from decides
// whether it is a defect, against the whole cluster and the open world);
// a value that is not valid YAML is an error.
func (e *EntryPoint) HelmValues() (values map[string]any, findings []report.Finding, notes []string) {
	hs := e.Helm
	out := map[string]any{}
	for i, ref := range hs.ValuesFrom {
		src := e.Source
		if l := lineAt(hs.valuesFromLines, i); l > 0 {
			src.Line = l
		}
		if ref.Kind != "ConfigMap" && ref.Kind != "Secret" {
			continue
		}
		key := ref.ValuesKey
		if key == "" {
			key = "values.yaml"
		}
		data, ok := e.Repo.rawValues(ref.Kind, e.Namespace, ref.Name)
		var v string
		if ok {
			v, ok = data[key]
		}
		if !ok {
			if !ref.Optional {
				notes = append(notes, fmt.Sprintf("chart rendered without the values in key %q of %s %s/%s (%s:%d), which kvet does not find in the repository's manifests",
					key, ref.Kind, e.Namespace, ref.Name, src.File, src.Line))
			}
			continue
		}
		if ref.TargetPath != "" {
			if err := strvals.ParseLiteralInto(ref.TargetPath+"="+v, out); err != nil {
				findings = append(findings, e.finding("build-failed", fmt.Sprintf("%s: valuesFrom %s/%s targetPath %q: %v", e.Describe(), ref.Kind, ref.Name, ref.TargetPath, err), src))
			}
			continue
		}
		var doc any
		err := yaml.Unmarshal([]byte(v), &doc)
		m, isMap := doc.(map[string]any)
		switch {
		case err == nil && isMap:
			out = MergeMaps(out, m)
		case err == nil && (doc == nil || doc == sopsPlaceholder):
			// empty, or SOPS-encrypted as a whole: nothing kvet can read
		default:
			if err == nil {
				err = fmt.Errorf("not a mapping")
			}
			findings = append(findings, e.finding("build-failed", fmt.Sprintf("%s: values in key %q of %s %s/%s are not valid values YAML: %v", e.Describe(), key, ref.Kind, e.Namespace, ref.Name, err), src))
		}
	}
	if len(hs.Values) > 0 {
		// Through JSON so the types are those Helm gets from YAML.
		var m map[string]any
		if b, err := yaml.Marshal(hs.Values); err == nil && yaml.Unmarshal(b, &m) == nil {
			out = MergeMaps(out, m)
		}
	}
	return out, findings, notes
}

// sopsPlaceholder is what placeholder makes of an encrypted string.
const sopsPlaceholder = "sops-encrypted"

// MergeMaps merges b over a, recursively for maps (Flux's MergeMaps, the
// same merge helm applies to its -f values files).
func MergeMaps(a, b map[string]any) map[string]any {
	out := maps.Clone(a)
	for k, v := range b {
		if vm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = MergeMaps(am, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// rawValues is like values, the data kept as written (multi-line values).
func (r *Repo) rawValues(kind, namespace, name string) (map[string]string, bool) {
	o, ok := r.lookup(kind, namespace, name)
	if !ok {
		return nil, false
	}
	return o.raw, true
}

// ReleaseNamespace sets namespace on the rendered namespaced objects that
// name none, as Helm does when it applies them.
func (e *EntryPoint) ReleaseNamespace(objs []*kyaml.RNode, namespace string) {
	if namespace == "" {
		return
	}
	for _, o := range objs {
		if o.GetNamespace() != "" {
			continue
		}
		group, _, _ := strings.Cut(o.GetApiVersion(), "/")
		if !strings.Contains(o.GetApiVersion(), "/") {
			group = ""
		}
		if cluster, known := e.Repo.clusterScoped(group, o.GetKind()); known && cluster {
			continue
		}
		_ = o.SetNamespace(namespace)
	}
}
