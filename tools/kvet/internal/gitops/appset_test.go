package gitops

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	yaml3 "go.yaml.in/yaml/v3"
)

// The cases pin Argo CD's ApplicationSet controller (v3.6,
// applicationset/utils.Render.Replace and the generators): what the
// regular expression kvet used before filled wrongly or not at all.
func TestFillFasttemplate(t *testing.T) {
	params := Templating{}.pathParams("apps/My_App", "")
	params["values.env"] = "prod"
	params["count"] = 3 // only strings are substituted
	tests := []fillCase{
		{in: "{{path}}", want: "apps/My_App"},
		{in: "{{path.basename}}", want: "My_App"},
		{in: "{{ path.basename }}", want: "My_App"}, // the tag is trimmed
		{in: "{{path[0]}}/{{path[1]}}", want: "apps/My_App"},
		{in: "{{path.basenameNormalized}}", want: "my-app"},
		{in: "{{values.env}}", want: "prod"},
		// Unknown keys stay as written, spaces included.
		{in: "{{ unknown }}", want: "{{ unknown }}"},
		{in: "{{count}}", want: "{{count}}"},
		{in: "{{}}", want: "{{}}"},
		// The Go template form means nothing to fasttemplate.
		{in: "{{ .path.basename }}", want: "{{ .path.basename }}"},
		{in: "{{ path.basename | lower }}", want: "{{ path.basename | lower }}"},
		// No complete tag: the string is left alone; an unclosed tag after a
		// complete one fails the template.
		{in: "a {{ b", want: "a {{ b"},
		{in: "{{path}} {{ b", err: true},
	}
	for _, tt := range tests {
		checkFill(t, Templating{}, tt, params)
	}
}

type fillCase struct {
	in, want string
	opts     []string
	err      bool
}

func checkFill(t *testing.T, tg Templating, tt fillCase, params map[string]any) {
	t.Helper()
	tg.GoTemplateOptions = tt.opts
	got, err := tg.Fill(tt.in, params)
	if tt.err {
		assert.Error(t, err, tt.in)
		return
	}
	require.NoError(t, err, tt.in)
	assert.Equal(t, tt.want, got, tt.in)
}

func TestFillGoTemplate(t *testing.T) {
	tg := Templating{GoTemplate: true}
	params := tg.pathParams("apps/My_App", "")
	params["replicas"] = float64(1000000) // list elements are read as JSON
	params["tmpl"] = "{{ .path.basename }}"
	tests := []fillCase{
		{in: "{{ .path.path }}", want: "apps/My_App"},
		{in: "{{ .path.basename | lower }}", want: "my_app"},
		{in: "{{ index .path.segments 1 }}", want: "My_App"},
		{in: "{{ .path.basenameNormalized }}", want: "my-app"},
		{in: `{{ .missing | default "none" }}`, want: "none"},
		{in: "{{ .missing }}", want: "<no value>"},
		{in: "{{ .missing }}", opts: []string{"missingkey=error"}, err: true},
		{in: `{{ normalize "Team_A.App" }}`, want: "team-a.app"},
		{in: `{{ slugify "My App Name" }}`, want: "my-app-name"},
		{in: "{{ .path | toYaml }}", want: "basename: My_App\nbasenameNormalized: my-app\npath: apps/My_App\nsegments:\n- apps\n- My_App"},
		{in: `{{ (fromYaml "a: b").a }}`, want: "b"},
		{in: "{{ tpl .tmpl . }}", want: "My_App"},
		{in: "{{ .replicas }}", want: "1e+06"},
		// Functions that read the controller's environment are removed.
		{in: `{{ env "HOME" }}`, err: true},
		{in: "{{ .path.basename", err: true},
		{in: "{{ .x }}", opts: []string{"nonsense=1"}, err: true},
		// The flat form is not a Go template field.
		{in: "{{path.basename}}", err: true},
	}
	for _, tt := range tests {
		checkFill(t, tg, tt, params)
	}
}

func TestParams(t *testing.T) {
	root, err := filepath.Abs("testdata/appset")
	require.NoError(t, err)
	var gens []AppSetGenerator
	require.NoError(t, yamlUnmarshal(`
- git:
    directories: [{path: "apps/*"}, {path: apps/web, exclude: true}, {path: "../*"}]
    pathParamPrefix: src
    values: {ns: "team-{{src.path.basename}}"}
- list:
    elements: [{cluster: a, values: {tier: gold}}]
    elementsYaml: "[{cluster: b, values: {size: 1}}]"
- list:
    elements: [{cluster: c, replicas: 3}]
`, &gens))
	got, err := Templating{}.Params(root, gens)
	// fasttemplate needs string parameters: the third generator fails alone.
	require.ErrorContains(t, err, "generator 2")
	assert.Equal(t, []map[string]any{
		{"src.path": "apps/My_App", "src.path.basename": "My_App", "src.path.basenameNormalized": "my-app",
			"src.path[0]": "apps", "src.path[1]": "My_App", "values.ns": "team-My_App"},
		{"cluster": "a", "values.tier": "gold"},
		// elementsYaml is added as it is, not flattened (the controller's
		// list generator), so its values.size is no fasttemplate parameter.
		{"cluster": "b", "values": map[string]any{"size": float64(1)}},
	}, got)

	// The same generator with Go templates: nested parameters, and the
	// flat form in values is a template error that drops the generator.
	_, err = Templating{GoTemplate: true}.Params(root, gens[:1])
	require.ErrorContains(t, err, `function "src" not defined`)
	gens[0].Git.Values["ns"] = "team-{{ .src.path.basename }}"
	got, err = Templating{GoTemplate: true}.Params(root, gens[:1])
	require.NoError(t, err)
	assert.Equal(t, []map[string]any{{
		"src": map[string]any{"path": map[string]any{"path": "apps/My_App", "basename": "My_App",
			"basenameNormalized": "my-app", "segments": []string{"apps", "My_App"}}},
		"values": map[string]string{"ns": "team-My_App"},
	}}, got)
}

func TestParamsGoTemplateValuesError(t *testing.T) {
	var gens []AppSetGenerator
	require.NoError(t, yamlUnmarshal(`[{git: {directories: [{path: "apps/*"}], values: {a: "{{ .nope.x }}"}}}]`, &gens))
	_, err := Templating{GoTemplate: true}.Params("testdata/appset", gens)
	assert.NoError(t, err, "a missing key is <no value> by default")
	_, err = Templating{GoTemplate: true, GoTemplateOptions: []string{"missingkey=error"}}.Params("testdata/appset", gens)
	assert.ErrorContains(t, err, "nope")
}

func TestApplicationSetEntries(t *testing.T) {
	root, err := filepath.Abs("testdata/appset")
	require.NoError(t, err)
	type got struct{ ID, Path, Namespace string }
	var all []got
	var failed []string
	for _, e := range Parse(root, filepath.Join(root, "appsets.yaml"), nil) {
		if e.Rule != "" {
			failed = append(failed, e.ID()+" "+e.Rule+": "+e.NotRendered)
			continue
		}
		require.NotNil(t, e.Argo)
		all = append(all, got{e.ID(), e.Path, e.Argo.DestinationNamespace})
	}
	assert.Equal(t, []got{
		{"appsets.yaml#ApplicationSet/argocd/go/Application/my_app-apps", "apps/My_App", "my-app"},
		{"appsets.yaml#ApplicationSet/argocd/go/Application/web-apps", "apps/web", "web"},
		// strict: missingkey=error generates no Application.
		{"appsets.yaml#ApplicationSet/argocd/flat/Application/o'neil: one", "apps/web", ""},
	}, all)
	// ... and is an error on the ApplicationSet, never silence.
	require.Len(t, failed, 1)
	assert.Contains(t, failed[0], "appsets.yaml#ApplicationSet/argocd/strict appset-template-failed: the template cannot be filled with the parameters of spec.generators[0] (list)")
	assert.Contains(t, failed[0], `map has no entry for key "cluster"`)
}

func yamlUnmarshal(s string, v any) error { return yaml3.Unmarshal([]byte(s), v) }

// TestGitDirectories: the directories Argo CD's repo server lists (no root,
// nothing hidden or under a hidden directory, no symlink) filtered with
// path.Match.
func TestGitDirectories(t *testing.T) {
	root, err := filepath.Abs("testdata/appset")
	require.NoError(t, err)
	tests := []struct {
		include, exclude []string
		want             []string
	}{
		{[]string{"apps/*"}, nil, []string{"apps/My_App", "apps/web"}},
		{[]string{"*/*"}, []string{"apps/web"}, []string{"apps/My_App"}},
		{[]string{"*"}, nil, []string{"apps"}},        // not .cache, not the symlink linked
		{[]string{"."}, nil, nil},                     // never the root
		{[]string{"../*", "/apps"}, nil, nil},         // repository paths never climb or start with /
		{[]string{"apps/*"}, []string{"apps/*"}, nil}, // exclusion wins
		{[]string{".cache/*"}, nil, nil},              // hidden trees are not listed at all
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, GitDirectories(root, tt.include, tt.exclude), "%v - %v", tt.include, tt.exclude)
	}
}
