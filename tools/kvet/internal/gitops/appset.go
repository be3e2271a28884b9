package gitops

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	"github.com/gosimple/slug"
	"github.com/valyala/fasttemplate"
	yaml3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// This file fills ApplicationSet templates as the ApplicationSet controller
// of Argo CD v3.6 does (applicationset/utils.Render.Replace and the git
// and list generators): the same libraries (valyala/fasttemplate,
// text/template with Masterminds/sprig and Argo CD's extra functions), the
// same parameter names, the same handling of unknown keys.

// Templating is how an ApplicationSet fills its template: Argo CD's
// fasttemplate substitution of flat parameters by default, Go's
// text/template over nested parameters with goTemplate: true.
type Templating struct {
	GoTemplate        bool     `yaml:"goTemplate"`
	GoTemplateOptions []string `yaml:"goTemplateOptions"`
}

// AppSetGenerator is the part of an ApplicationSet generator kvet expands:
// git directories (over this repository) and lists.
type AppSetGenerator struct {
	Git *struct {
		RepoURL     string `yaml:"repoURL"`
		Directories []struct {
			Path    string `yaml:"path"`
			Exclude bool   `yaml:"exclude"`
		} `yaml:"directories"`
		PathParamPrefix string            `yaml:"pathParamPrefix"`
		Values          map[string]string `yaml:"values"`
	} `yaml:"git"`
	List *struct {
		Elements     []any  `yaml:"elements"`
		ElementsYaml string `yaml:"elementsYaml"`
	} `yaml:"list"`
	// Other holds the generators kvet does not expand (clusters, matrix,
	// scmProvider, ...), to name them.
	Other map[string]any `yaml:",inline"`
}

// expanded reports whether kvet expands the generator over this
// repository: git directories and lists.
func (g AppSetGenerator) expanded() bool {
	return (g.Git != nil && len(g.Git.Directories) > 0) || g.List != nil
}

// Params returns the parameter sets the generators produce over the
// repository at root, generator by generator. A generator the controller
// would fail on produces nothing (the controller skips it and goes on with
// the next one); its error is in the joined error.
func (t Templating) Params(root string, gens []AppSetGenerator) ([]map[string]any, error) {
	var out []map[string]any
	var errs []error
	for i, g := range gens {
		ps, err := t.paramsOf(root, g)
		if err != nil {
			errs = append(errs, fmt.Errorf("generator %d: %w", i, err))
			continue
		}
		out = append(out, ps...)
	}
	return out, errors.Join(errs...)
}

// paramsOf returns the parameter sets of one generator.
func (t Templating) paramsOf(root string, g AppSetGenerator) ([]map[string]any, error) {
	switch {
	case g.Git != nil && len(g.Git.Directories) > 0:
		return t.gitDirectoryParams(root, g)
	case g.List != nil:
		return t.listParams(g)
	}
	return nil, nil
}

// describe names a generator in messages: "spec.generators[1] (list)".
func (g AppSetGenerator) describe(i int) string {
	kind := "unsupported"
	switch {
	case g.Git != nil && len(g.Git.Directories) > 0:
		kind = "git directories"
	case g.Git != nil:
		kind = "git files"
	case g.List != nil:
		kind = "list"
	default:
		keys := slices.Sorted(maps.Keys(g.Other))
		if len(keys) > 0 {
			kind = strings.Join(keys, ", ")
		}
	}
	return fmt.Sprintf("spec.generators[%d] (%s)", i, kind)
}

func (t Templating) gitDirectoryParams(root string, g AppSetGenerator) ([]map[string]any, error) {
	var include, exclude []string
	for _, d := range g.Git.Directories {
		if d.Exclude {
			exclude = append(exclude, d.Path)
		} else {
			include = append(include, d.Path)
		}
	}
	f := t.filler()
	var out []map[string]any
	for _, dir := range GitDirectories(root, include, exclude) {
		p := t.pathParams(dir, g.Git.PathParamPrefix)
		// Values are templated with the path parameters, then added under
		// values (appendTemplatedValues).
		vals := map[string]string{}
		for k, v := range g.Git.Values {
			s, err := f.fill(v, p)
			if err != nil {
				return nil, fmt.Errorf("values.%s: %w", k, err)
			}
			vals[k] = s
		}
		if len(vals) > 0 {
			if t.GoTemplate {
				p["values"] = vals
			} else {
				for k, v := range vals {
					p["values."+k] = v
				}
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// pathParams are the git directory generator's parameters for dir
// (buildPathParameters): nested for Go templates, flat dotted keys and
// path[N] segments for fasttemplate.
func (t Templating) pathParams(dir, prefix string) map[string]any {
	base := path.Base(dir)
	if t.GoTemplate {
		pp := map[string]any{
			"path":               dir,
			"basename":           base,
			"basenameNormalized": sanitizeName(base),
			"segments":           strings.Split(dir, "/"),
		}
		if prefix != "" {
			return map[string]any{prefix: map[string]any{"path": pp}}
		}
		return map[string]any{"path": pp}
	}
	name := "path"
	if prefix != "" {
		name = prefix + ".path"
	}
	p := map[string]any{
		name:                         dir,
		name + ".basename":           base,
		name + ".basenameNormalized": sanitizeName(base),
	}
	for i, s := range strings.Split(dir, "/") {
		if s != "" {
			p[name+"["+strconv.Itoa(i)+"]"] = s
		}
	}
	return p
}

// listParams are the list generator's elements: as they are for Go
// templates; for fasttemplate every value must be a string, and the
// values map is flattened to values.KEY. Elements from elementsYaml are
// added as they are in both modes, as the controller adds them.
func (t Templating) listParams(g AppSetGenerator) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(g.List.Elements))
	for i, el := range g.List.Elements {
		// The controller reads elements as JSON: numbers are float64.
		js, err := json.Marshal(el)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		var m map[string]any
		if err := json.Unmarshal(js, &m); err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		if t.GoTemplate {
			out = append(out, m)
			continue
		}
		p, err := flatList(m)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		out = append(out, p)
	}
	if g.List.ElementsYaml != "" {
		var more []map[string]any
		if err := yaml.Unmarshal([]byte(g.List.ElementsYaml), &more); err != nil {
			return nil, fmt.Errorf("elementsYaml: %w", err)
		}
		out = append(out, more...)
	}
	return out, nil
}

// flatList is a list element as fasttemplate parameters.
func flatList(m map[string]any) (map[string]any, error) {
	p := map[string]any{}
	for k, v := range m {
		if k == "values" {
			vals, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("values is not a map")
			}
			for vk, vv := range vals {
				s, ok := vv.(string)
				if !ok {
					return nil, fmt.Errorf("values.%s is not a string (set goTemplate: true for other types)", vk)
				}
				p["values."+vk] = s
			}
			continue
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s is not a string (set goTemplate: true for other types)", k)
		}
		p[k] = s
	}
	return p, nil
}

// Fill fills one template string with params.
func (t Templating) Fill(s string, params map[string]any) (string, error) {
	return t.filler().fill(s, params)
}

// FillNode returns a copy of the template node with every string (values
// and mapping keys) filled, as the controller fills every string field of
// the Application template.
func (t Templating) FillNode(n *yaml3.Node, params map[string]any) (*yaml3.Node, error) {
	return t.filler().node(n, params)
}

// filler fills strings of one ApplicationSet: the Go template with its
// functions is set up once and cloned for every string.
type filler struct {
	t    Templating
	base *template.Template
}

func (t Templating) filler() *filler {
	f := &filler{t: t}
	if t.GoTemplate {
		f.base = template.New("").Funcs(funcMap())
	}
	return f
}

// isTemplated is the controller's test for "has a tag" (isTemplatedRegex):
// a {{ and a later }} on one line.
var isTemplated = regexp.MustCompile(`.*{{.*}}.*`)

func (f *filler) fill(s string, params map[string]any) (string, error) {
	if f.t.GoTemplate {
		t, err := f.base.Clone()
		if err != nil {
			return "", fmt.Errorf("cloning the template: %w", err)
		}
		for _, o := range f.t.GoTemplateOptions {
			if err := option(t, o); err != nil {
				return "", err
			}
		}
		t = t.Funcs(template.FuncMap{"tpl": tpl(t)})
		if t, err = t.Parse(s); err != nil {
			return "", fmt.Errorf("failed to parse template %s: %w", s, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, params); err != nil {
			return "", fmt.Errorf("failed to execute go template %s: %w", s, err)
		}
		return b.String(), nil
	}
	if !isTemplated.MatchString(s) {
		return s, nil
	}
	ft, err := fasttemplate.NewTemplate(s, "{{", "}}")
	if err != nil {
		return "", fmt.Errorf("invalid template: %w", err)
	}
	// Only string parameters are substituted, looked up by the tag with
	// surrounding spaces trimmed; any other tag is written back as it was.
	return ft.ExecuteFuncString(func(w io.Writer, tag string) (int, error) {
		key := strings.TrimSpace(tag)
		v, ok := params[key].(string)
		if key == "" || !ok {
			return fmt.Fprintf(w, "{{%s}}", tag)
		}
		return io.WriteString(w, v)
	}), nil
}

// option applies a goTemplateOptions entry; text/template panics on an
// unknown one, the controller's reconcile would fail.
func option(t *template.Template, o string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("goTemplateOptions: %v", r)
		}
	}()
	t.Option(o)
	return nil
}

func (f *filler) node(n *yaml3.Node, params map[string]any) (*yaml3.Node, error) {
	if n == nil {
		return nil, nil
	}
	if n.Kind == yaml3.AliasNode {
		return f.node(n.Alias, params)
	}
	c := *n
	if n.Kind == yaml3.ScalarNode {
		if n.ShortTag() != "!!str" {
			return &c, nil
		}
		v, err := f.fill(n.Value, params)
		if err != nil {
			return nil, err
		}
		c.Value, c.Tag = v, "!!str"
		return &c, nil
	}
	c.Content = make([]*yaml3.Node, len(n.Content))
	for i, it := range n.Content {
		var err error
		if c.Content[i], err = f.node(it, params); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// funcMap is the controller's: sprig's generic functions without those
// that read the environment, plus normalize, slugify, toYaml, fromYaml
// and fromYamlArray (tpl is bound per template).
func funcMap() template.FuncMap {
	m := sprig.GenericFuncMap()
	delete(m, "env")
	delete(m, "expandenv")
	delete(m, "getHostByName")
	m["normalize"] = sanitizeName
	m["slugify"] = slugify
	m["toYaml"] = func(v any) (string, error) {
		b, err := yaml.Marshal(v)
		if err != nil {
			return "", err
		}
		return strings.TrimSuffix(string(b), "\n"), nil
	}
	m["fromYaml"] = func(s string) (map[string]any, error) {
		out := map[string]any{}
		if err := yaml.Unmarshal([]byte(s), &out); err != nil {
			return nil, err
		}
		return out, nil
	}
	m["fromYamlArray"] = func(s string) ([]any, error) {
		out := []any{}
		if err := yaml.Unmarshal([]byte(s), &out); err != nil {
			return nil, err
		}
		return out, nil
	}
	return m
}

// tpl renders a string as a template with the calling template's functions
// and options, as the controller's tpl does.
func tpl(parent *template.Template) func(string, any) (string, error) {
	return func(s string, vals any) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", fmt.Errorf("cannot clone template: %w", err)
		}
		if t, err = t.New(parent.Name()).Parse(s); err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", s, err)
		}
		var b strings.Builder
		if err := t.Execute(&b, vals); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", s, err)
		}
		return strings.ReplaceAll(b.String(), "<no value>", ""), nil
	}
}

var invalidDNSChars = regexp.MustCompile(`[^-a-z0-9.]`)

// sanitizeName is the controller's normalize (utils.SanitizeName): lower
// case, every character outside [-a-z0-9.] becomes "-", at most 253
// characters, no leading or trailing "-" or ".".
func sanitizeName(name string) string {
	name = invalidDNSChars.ReplaceAllString(strings.ToLower(name), "-")
	if len(name) > 253 {
		name = name[:253]
	}
	return strings.Trim(name, "-.")
}

// slugMu guards gosimple/slug's package settings, which the controller's
// slugify sets on every call.
var slugMu sync.Mutex

// slugify is the controller's (utils.SlugifyName): optional maximum length
// (default 50) and smart truncation (default true), then the name.
func slugify(args ...any) (string, error) {
	maxSize, smart, name := 50, true, ""
	for i, a := range args {
		var ok bool
		switch i {
		case len(args) - 1:
			name, ok = a.(string)
		case 0:
			maxSize, ok = a.(int)
		case 1:
			smart, ok = a.(bool)
		}
		if !ok {
			return "", fmt.Errorf("slugify: bad argument %d (%v)", i, a)
		}
	}
	slugMu.Lock()
	defer slugMu.Unlock()
	slug.EnableSmartTruncate, slug.MaxLength = smart, maxSize
	return slug.Make(sanitizeName(name)), nil
}
