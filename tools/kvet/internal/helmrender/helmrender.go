// Package helmrender renders a Helm chart stored in the repository with
// the Helm SDK used as a library (chart loader, values coalescing,
// template engine), the way `helm template` would, with none of what
// touches a cluster or the network: no action.Install, no Kubernetes
// client (the `lookup` function returns nothing), no DNS, no dependency
// download (dependencies must be vendored in charts/), and values schemas
// that reference anything outside themselves are not evaluated.
//
// Files are read only inside the chart directory, through guard (symlinks
// leaving it, oversized, binary or hostile YAML files are refused).
package helmrender

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
)

// Options say what to render.
type Options struct {
	// ChartDir is the chart's directory (absolute); nothing outside it is read.
	ChartDir string
	// Values are the release's values (merged over the chart's defaults).
	Values map[string]any
	// ReleaseName and Namespace are the release's.
	ReleaseName, Namespace string
	// KubeVersion is the Kubernetes minor the capabilities report ("1.33").
	KubeVersion string
	// Limits bound the files read.
	Limits guard.Limits
	// IncludeCRDs adds the files of the crds/ directories (the chart's and
	// its enabled dependencies'), first and as written, as
	// `helm template --include-crds` and an install do.
	IncludeCRDs bool
}

// Manifest is one rendered document.
type Manifest struct {
	// File is the template that produced it (absolute path, in ChartDir).
	File string
	// Content is the YAML document.
	Content string
}

// Error is a chart that cannot be rendered: File (absolute, may be the
// chart directory) and Line (0 when unknown) say where.
type Error struct {
	File string
	Line int
	// Rule is a guard rule for refused files, "" otherwise.
	Rule string
	Msg  string
	// MissingDependency names a dependency of Chart.yaml that is not
	// vendored in charts/ ("" otherwise).
	MissingDependency string
}

func (e *Error) Error() string { return e.Msg }

// Result is a rendered chart.
type Result struct {
	Manifests []Manifest
	// Notes are informational (e.g. a values schema kvet did not evaluate).
	Notes []string
}

// Render loads and renders the chart.
func Render(opts Options) (*Result, error) {
	dir := filepath.Clean(opts.ChartDir)
	files, err := readChart(dir, opts.Limits)
	if err != nil {
		return nil, err
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, &Error{File: filepath.Join(dir, "Chart.yaml"), Msg: fmt.Sprintf("cannot load the chart: %v", err)}
	}
	if err := ch.Validate(); err != nil {
		return nil, &Error{File: filepath.Join(dir, "Chart.yaml"), Msg: fmt.Sprintf("invalid chart: %v", err)}
	}
	if ch.Metadata.Type != "" && ch.Metadata.Type != "application" {
		return nil, &Error{File: filepath.Join(dir, "Chart.yaml"), Msg: fmt.Sprintf("chart type %q cannot be installed", ch.Metadata.Type)}
	}
	if err := checkDependencies(ch, dir); err != nil {
		return nil, err
	}
	res := &Result{}
	vals := opts.Values
	if vals == nil {
		vals = map[string]any{}
	}
	if err := chartutil.ProcessDependenciesWithMerge(ch, vals); err != nil {
		return nil, &Error{File: filepath.Join(dir, "Chart.yaml"), Msg: fmt.Sprintf("chart dependencies: %v", err)}
	}
	skipSchema := false
	if external := externalSchemas(ch, ""); len(external) > 0 {
		skipSchema = true
		res.Notes = append(res.Notes, fmt.Sprintf("values schema not evaluated: %s references external documents (kvet reads nothing outside the chart)", strings.Join(external, ", ")))
	}
	caps := capabilities(opts.KubeVersion)
	top, err := chartutil.ToRenderValuesWithSchemaValidation(ch, vals, chartutil.ReleaseOptions{
		Name: opts.ReleaseName, Namespace: opts.Namespace, Revision: 1, IsInstall: true,
	}, caps, skipSchema)
	if err != nil {
		return nil, &Error{File: filepath.Join(dir, "values.yaml"), Msg: err.Error()}
	}
	var eng engine.Engine // no client: lookup returns nothing; no DNS
	rendered, err := eng.Render(ch, top)
	if err != nil {
		return nil, templateError(dir, ch.Name(), err)
	}
	for name := range rendered {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(rendered, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(rendered, caps.APIVersions, releaseutil.InstallOrder)
	if err != nil {
		return nil, &Error{File: dir, Msg: fmt.Sprintf("rendered chart is not valid YAML: %v", err)}
	}
	if opts.IncludeCRDs {
		res.Manifests = crdManifests(dir, ch)
	}
	for _, m := range manifests {
		res.Manifests = append(res.Manifests, Manifest{File: templateFile(dir, ch.Name(), m.Name), Content: m.Content})
	}
	for _, h := range hooks {
		if slices.Contains(h.Events, "test") {
			continue // not run unless the HelmRelease enables tests
		}
		res.Manifests = append(res.Manifests, Manifest{File: templateFile(dir, ch.Name(), h.Path), Content: h.Manifest})
	}
	return res, nil
}

// crdManifests are the documents of the crds/ files, in Helm's order
// (Chart.CRDObjects: the chart's, then its dependencies' after conditions
// and tags removed the disabled ones); Helm never templates them.
func crdManifests(dir string, ch *chart.Chart) []Manifest {
	var out []Manifest
	for _, crd := range ch.CRDObjects() {
		file := templateFile(dir, ch.Name(), filepath.ToSlash(crd.Filename))
		docs := releaseutil.SplitManifests(string(crd.File.Data))
		keys := make([]string, 0, len(docs))
		for k := range docs {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int {
			ai, _ := strconv.Atoi(strings.TrimPrefix(a, "manifest-"))
			bi, _ := strconv.Atoi(strings.TrimPrefix(b, "manifest-"))
			return ai - bi
		})
		for _, k := range keys {
			out = append(out, Manifest{File: file, Content: docs[k]})
		}
	}
	return out
}

// readChart reads every file of the chart directory through guard.
func readChart(dir string, limits guard.Limits) ([]*loader.BufferedFile, error) {
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, &Error{File: dir, Msg: fmt.Sprintf("chart directory: %v", err)}
	}
	if !fi.IsDir() {
		return nil, &Error{File: dir, Msg: "chart path is not a directory"}
	}
	if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err != nil {
		return nil, &Error{File: dir, Msg: "no Chart.yaml in the chart directory"}
	}
	limits = limits.WithDefaults()
	var files []*loader.BufferedFile
	var total int64
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &Error{File: p, Msg: err.Error()}
		}
		name := filepath.ToSlash(strings.TrimPrefix(strings.TrimPrefix(p, dir), string(filepath.Separator)))
		if d.IsDir() {
			if p != dir && (d.Name() == ".git" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			// Followed only when it stays in the chart directory.
			if v, err := guard.CheckPath(dir, p, limits); v != nil {
				return &Error{File: p, Rule: v.Rule, Msg: strings.Replace(v.Message, "outside the repository", "outside the chart directory", 1)}
			} else if err != nil {
				return &Error{File: p, Msg: err.Error()}
			}
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				return &Error{File: p, Msg: "symlinked directories in a chart are not followed: vendor the files"}
			}
		}
		// Text files are checked as YAML would be; charts/*.tgz are archives.
		yamlish := guard.LooksYAML(p) && !strings.HasSuffix(p, ".tgz")
		b, v, err := readFile(dir, p, limits, yamlish)
		if v != nil {
			return &Error{File: p, Line: v.Line, Rule: v.Rule, Msg: v.Message}
		}
		if err != nil {
			return &Error{File: p, Msg: err.Error()}
		}
		total += int64(len(b))
		if total > 4*limits.MaxFileBytes {
			return &Error{File: dir, Rule: guard.RuleFileTooLarge, Msg: fmt.Sprintf("chart is larger than %s (four times limits.maxFileBytes)", guard.Bytes(4*limits.MaxFileBytes))}
		}
		files = append(files, &loader.BufferedFile{Name: name, Data: b})
		return nil
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, &Error{File: dir, Msg: err.Error()}
	}
	return files, nil
}

func readFile(root, p string, l guard.Limits, yamlish bool) ([]byte, *guard.Violation, error) {
	if yamlish {
		return guard.ReadFile(root, p, l)
	}
	if v, err := guard.CheckPath(root, p, l); v != nil || err != nil {
		return nil, v, err
	}
	b, err := os.ReadFile(p)
	return b, guard.Unreadable(p, err), err
}

// checkDependencies requires every dependency of Chart.yaml to be vendored
// (charts/ directory or archive), recursively.
func checkDependencies(ch *chart.Chart, dir string) error {
	have := map[string]*chart.Chart{}
	for _, d := range ch.Dependencies() {
		have[d.Name()] = d
	}
	for _, dep := range ch.Metadata.Dependencies {
		sub, ok := have[dep.Name]
		if !ok {
			src := ""
			if dep.Repository != "" {
				src = " from " + dep.Repository
			}
			return &Error{File: filepath.Join(dir, "Chart.yaml"), Line: dependencyLine(filepath.Join(dir, "Chart.yaml"), dep.Name), MissingDependency: dep.Name,
				Msg: fmt.Sprintf("chart dependency %q%s is not vendored in charts/: kvet never downloads dependencies; run `helm dependency build` and commit charts/", dep.Name, src)}
		}
		if err := checkDependencies(sub, filepath.Join(dir, "charts", sub.Name())); err != nil {
			return err
		}
	}
	return nil
}

func dependencyLine(file, name string) int {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	re := regexp.MustCompile(`^\s*-?\s*name:\s*["']?` + regexp.QuoteMeta(name) + `["']?\s*$`)
	for i, l := range strings.Split(string(b), "\n") {
		if re.MatchString(l) {
			return i + 1
		}
	}
	return 0
}

// externalSchemas lists the charts whose values.schema.json has a $ref to
// another document (Helm would fetch it over HTTP or read it from disk).
func externalSchemas(ch *chart.Chart, prefix string) []string {
	var out []string
	name := prefix + ch.Name()
	if len(ch.Schema) > 0 {
		var s any
		if json.Unmarshal(ch.Schema, &s) != nil || hasExternalRef(s) {
			out = append(out, name+"/values.schema.json")
		}
	}
	for _, d := range ch.Dependencies() {
		out = append(out, externalSchemas(d, name+"/charts/")...)
	}
	return out
}

func hasExternalRef(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok && (k == "$ref" || k == "$dynamicRef") && !strings.HasPrefix(s, "#") {
				return true
			}
			if hasExternalRef(x) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(t, hasExternalRef)
	}
	return false
}

func capabilities(minor string) *chartutil.Capabilities {
	caps := chartutil.DefaultCapabilities.Copy()
	minor = strings.TrimPrefix(minor, "v")
	if maj, mi, ok := strings.Cut(minor, "."); ok {
		if _, err := strconv.Atoi(maj); err == nil {
			if p, _, _ := strings.Cut(mi, "."); p != "" {
				if _, err := strconv.Atoi(p); err == nil {
					caps.KubeVersion = chartutil.KubeVersion{Version: "v" + maj + "." + p + ".0", Major: maj, Minor: p}
				}
			}
		}
	}
	return caps
}

// templateFile maps a template name ("chart/charts/sub/templates/x.yaml")
// to its file in the chart directory.
func templateFile(dir, chartName, name string) string {
	rest := strings.TrimPrefix(name, chartName+"/")
	return filepath.Join(dir, filepath.FromSlash(path.Clean("/" + rest)[1:]))
}

// tmplErrRE finds "template: chart/templates/x.yaml:12:3: ..." in engine errors.
var tmplErrRE = regexp.MustCompile(`([^\s:()"]+/templates/[^\s:()"]+):(\d+)`)

func templateError(dir, chartName string, err error) error {
	msg := err.Error()
	e := &Error{File: dir, Msg: "chart template error: " + msg}
	if m := tmplErrRE.FindStringSubmatch(msg); m != nil {
		e.File = templateFile(dir, chartName, m[1])
		e.Line, _ = strconv.Atoi(m[2])
	}
	return e
}
