package yamljson_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/yamljson"
)

// sameAsMarshalJSON requires the direct encoder, when it encodes n at all,
// to give RNode.MarshalJSON's bytes, and Encode to give them too (or fail
// where MarshalJSON fails). It reports whether the direct encoder took n.
func sameAsMarshalJSON(t *testing.T, what string, n *kyaml.RNode) bool {
	t.Helper()
	want, wantErr := n.MarshalJSON()
	got, err := yamljson.Encode(n, yamljson.Kustomize)
	if wantErr != nil {
		require.Error(t, err, what)
	} else {
		require.NoError(t, err, what)
		require.Equal(t, string(want), string(got), what)
	}
	doc := n.Document()
	if doc.Kind == kyaml.DocumentNode && len(doc.Content) != 1 {
		return false
	}
	direct, ok := yamljson.EncodeDirect(n.YNode())
	if !ok {
		return false
	}
	require.NoError(t, wantErr, "%s: the direct encoder encodes what MarshalJSON refuses", what)
	require.Equal(t, string(want), string(direct), what)
	return true
}

// documents parses every document of a YAML stream as kustomize does.
func documents(b []byte) ([]*kyaml.RNode, error) {
	dec := kyaml.NewDecoder(bytes.NewReader(b))
	var out []*kyaml.RNode
	for {
		var n kyaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, kyaml.NewRNode(&n))
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../../..")
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	return root
}

// skipDir: what is not the repository's own YAML (caches, build output).
func skipDir(name string) bool {
	return name == ".git" || name == ".cache" || name == "bin" || name == "node_modules" || name == "dist"
}

// Every document of every YAML file of the repository (its manifests, the
// fixtures and render goldens under testdata) and every object kvet renders
// from every kustomization of the repository: both encoders give the same
// bytes, and the direct one takes nearly all of them.
func TestDirectMatchesMarshalJSONOnRepository(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	var files, kustomizations []string
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		switch ext := filepath.Ext(p); {
		case ext != ".yaml" && ext != ".yml":
		case d.Name() == "kustomization.yaml":
			kustomizations = append(kustomizations, filepath.Dir(p))
			files = append(files, p)
		default:
			files = append(files, p)
		}
		return nil
	}))
	var total, direct int
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		docs, _ := documents(b) // a fixture may be invalid on purpose: its valid documents count
		for i, n := range docs {
			if n.YNode() == nil || n.YNode().Kind != kyaml.MappingNode {
				continue
			}
			total++
			if sameAsMarshalJSON(t, rel(root, f)+" document "+itoa(i), n) {
				direct++
			}
		}
	}
	b := build.New(build.Options{Root: root})
	rendered := 0
	for _, dir := range kustomizations {
		res := b.Build(t.Context(), build.Spec{Dir: dir})
		if res.Err != nil {
			continue // fixtures of build errors
		}
		for _, o := range res.Objects {
			if o.Applier != yamljson.Kustomize || o.Node == nil {
				continue
			}
			total++
			rendered++
			if sameAsMarshalJSON(t, rel(root, dir)+" "+o.Resource.Kind+"/"+o.Resource.Name, o.Node) {
				direct++
			}
		}
	}
	t.Logf("%d files, %d kustomizations (%d rendered objects): %d of %d objects encoded directly", len(files), len(kustomizations), rendered, direct, total)
	assert.Greater(t, rendered, 100)
	// The rest hold aliases, merge keys, duplicate or non-string keys on purpose.
	assert.GreaterOrEqual(t, float64(direct)/float64(total), 0.98)
}

func rel(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

// The scalars whose reading differs between YAML versions, go-yaml's
// printer and parser, and encoding/json.
var trickyScalars = []string{
	"", "a", "0", "-0", "+0", "00", "1", "-1", "+1", "+5", "0777", "0o17", "-0o17", "0x1F", "-0x1F", "0b101", "-0b101",
	"1_000", "1__0", "_1", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
	"18446744073709551615", "18446744073709551616", "123456789012345678", "1234567890123456789",
	"1e3", "1E3", "1e+3", "1e-7", "1.0", "1.", ".5", "-.5", "+.5", "-0.0", "0.0", "3.14", "1e21", "1e20", "123456789.123456789",
	"6.02e23", "1e400", "-1e400", "4.9e-324", "0x1p-2", "1_0.5", "Inf", "inf", "NaN", ".inf", ".Inf", "-.inf", "+.INF", ".nan", ".NaN",
	"true", "True", "TRUE", "tRUE", "false", "False", "FALSE", "yes", "Yes", "no", "on", "off", "y", "n", "Y", "N", "ON", "OFF",
	"~", "null", "Null", "NULL", "nULL", "<<", "<", "<<<",
	"2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43Z", "2001-12-14 21:59:43.10", "2001-12-14 21:59:43.10 -5",
	"2001-1-2", "0001-01-01", "9999-12-31T23:59:59.999999999Z", "2001-13-14", "12:30:45", "1:20",
	"a: b", "a #b", "#a", "- a", "-", "--", "---", "...", "? a", "?", ":", "a:", "[a]", "{a}", "a,b", "*a", "&a", "!a", "|", ">", "%a", "@a", "`a",
	" a", "a ", "  ", "a  b", "a\tb", "\t", "a\nb", "a\n", "\n", "a\n\n", "\na", " a\nb", "a \nb", "a\n b", "a\r\nb", "a\rb",
	"10Mi", "100m", "1.5Gi", "30s", "1e3s", "10.0.0.1", "10.0.0.0/8", "1:2:3", "0X1F", "0O17", "0B101", "0xZZ", "1_000_000", "infinity",
	".Infinity", "+inf", "-Inf", "0x1p3", "1p3", "1.2.3", "2001-12-14T21:59:43+01:00", "2001-12-14 21:59:43 +1", "2001-12-14Z",
	"<>&", "<script>", "a\"b", "a'b", "a\\b", "\u2028", "a\u2029b", "\u0085", "\u00a0", "\ufeff", "\u0000", "\u0001", "\u001f", "\u007f",
	"\b\f", "é", "日本", "😀", "\U0010FFFF", "\ue000", "\xc3", "\ufffd", "\ufffe", strings.Repeat("long words ", 20), strings.Repeat("x", 200),
}

var scalarStyles = []kyaml.Style{0, kyaml.DoubleQuotedStyle, kyaml.SingleQuotedStyle, kyaml.LiteralStyle, kyaml.FoldedStyle, kyaml.TaggedStyle}

var scalarTags = []string{"", "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary", "!!merge", "!", "!custom", "tag:yaml.org,2002:str"}

// Every tricky scalar as YAML text in every position (block and flow values,
// list items, keys; plain, quoted, block scalars), and as a node kustomize
// could build (every tag and style, in block and flow collections, also
// invalid UTF-8).
func TestDirectMatchesMarshalJSONOnScalars(t *testing.T) {
	t.Parallel()
	direct, total := map[bool]int{}, map[bool]int{}
	check := func(what string, n *kyaml.RNode) {
		text := !strings.HasPrefix(what, "key ") && !strings.HasPrefix(what, "value ")
		total[text]++
		if sameAsMarshalJSON(t, what, n) {
			direct[text]++
		}
	}
	for _, s := range trickyScalars {
		for _, q := range []string{kyaml.NewStringRNode(s).MustString(), strings.TrimSpace(plainOrQuoted(s))} {
			for _, doc := range []string{"k: %s\n", "k: [%s]\n", "k: {a: %s}\n", "k:\n- %s\n", "%s: v\n", "{%s: v}\n", "k: [{%s: [%s]}]\n"} {
				text := strings.ReplaceAll(doc, "%s", q)
				docs, err := documents([]byte(text))
				if err != nil || len(docs) != 1 {
					continue
				}
				check(text, docs[0])
			}
		}
		for _, v := range []string{s, s + "\xff"} {
			tags := scalarTags
			if v != s {
				// Invalid UTF-8: printed as !!binary untagged, an error tagged.
				tags = []string{"", "!!str", "!!binary"}
			}
			for _, tag := range tags {
				for _, style := range scalarStyles {
					for _, flow := range []kyaml.Style{0, kyaml.FlowStyle} {
						val := &kyaml.Node{Kind: kyaml.ScalarNode, Tag: tag, Style: style, Value: v}
						key := &kyaml.Node{Kind: kyaml.ScalarNode, Tag: tag, Style: style, Value: v}
						m := &kyaml.Node{Kind: kyaml.MappingNode, Style: flow, Content: []*kyaml.Node{
							{Kind: kyaml.ScalarNode, Tag: "!!str", Value: "k"}, val,
							{Kind: kyaml.ScalarNode, Tag: "!!str", Value: "l"}, {Kind: kyaml.SequenceNode, Content: []*kyaml.Node{val}},
						}}
						check(strings.Join([]string{"value", tag, itoa(int(style)), itoa(int(flow)), v}, " "), kyaml.NewRNode(m))
						km := &kyaml.Node{Kind: kyaml.MappingNode, Style: flow, Content: []*kyaml.Node{key, {Kind: kyaml.ScalarNode, Tag: "!!str", Value: "v"}}}
						check(strings.Join([]string{"key", tag, itoa(int(style)), itoa(int(flow)), v}, " "), kyaml.NewRNode(km))
					}
				}
			}
		}
	}
	t.Logf("parsed: %d of %d encoded directly; built nodes: %d of %d", direct[true], total[true], direct[false], total[false])
	assert.Greater(t, direct[true], total[true]*2/3)
	// Most built nodes are declined on purpose (invalid UTF-8, a tag go-yaml
	// prints, a folded block, a key that is not a string).
	assert.Greater(t, direct[false], total[false]/30)
}

func plainOrQuoted(s string) string {
	if strings.ContainsAny(s, "\n\r\t\x00\x01\x1f\x7f\b\f\"'\\") {
		return kyaml.NewStringRNode(s).MustString()
	}
	return s
}

// The objects kvet sees most must not fall back: a regression here only
// costs speed, so it is checked apart from correctness.
func TestDirectTakesCommonObjects(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {app: web, tier: \"1\"}\ndata:\n  k: |\n    line\n  n: \"5\"\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27 # pinned\n        args: [\"--port\", \"8080\"]\n        ports:\n        - containerPort: 8080\n        resources: {}\n        readOnlyRootFilesystem: true\n        x: null\n        y: ~\n        z: 0.5\n",
		"k: {}\nl: []\nm: [1, -2, a, true, null, '']\n",
	} {
		docs, err := documents([]byte(text))
		require.NoError(t, err)
		require.Len(t, docs, 1)
		assert.True(t, sameAsMarshalJSON(t, text, docs[0]), text)
	}
}

// The cases the direct encoder must leave to MarshalJSON, and what they give.
func TestDirectDeclines(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"a: &x 1\nb: *x\n",            // alias
		"b: &b {x: 1}\nc: {<<: *b}\n", // merge key
		"a: 1\na: 2\n",                // duplicate key
		"5: a\n",                      // non-string key
		"a: !!str 5\n",                // explicit tag
		"a: .inf\n",                   // encoding/json refuses +Inf
		"a: [2001-12-14t21:59:43Z]\n", // a timestamp the emitter quotes in flow
	} {
		docs, err := documents([]byte(text))
		require.NoError(t, err)
		require.Len(t, docs, 1)
		assert.False(t, sameAsMarshalJSON(t, text, docs[0]), text)
	}
}

// FuzzEncodeMatchesMarshalJSON: for any YAML, the direct encoder gives
// MarshalJSON's bytes or declines (then Encode is MarshalJSON). The input's
// first byte also picks a tag and a style for the whole input as one scalar
// node, as kustomize builds nodes.
func FuzzEncodeMatchesMarshalJSON(f *testing.F) {
	for _, s := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {x: \"1\"}}\ndata:\n  a: |\n    x\n  b: 0777\n  c: 1e3\n",
		"a: [1, 2.5, -0, 0x1F, yes, ~, '', \"<&>\", 2001-12-14]\nb: {c: , d: null}\n",
		"k: \"\\u2028\\x01\\t\"\nl:\n- >\n  folded\n  text\n- |+\n  kept\n\n",
		"- a\n- b\n",
		"a: &x {b: 1}\nc: *x\nd: {<<: *x}\n",
		"9223372036854775808: 1\nx: 18446744073709551616\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 4096 {
			return
		}
		docs, _ := documents(b)
		for i, n := range docs {
			if i == 4 {
				break
			}
			if n.YNode() != nil {
				sameAsMarshalJSON(t, string(b), n)
			}
		}
		if len(b) == 0 {
			return
		}
		v := &kyaml.Node{Kind: kyaml.ScalarNode, Tag: scalarTags[int(b[0])%len(scalarTags)], Style: scalarStyles[int(b[0]>>4)%len(scalarStyles)], Value: string(b[1:])}
		for _, flow := range []kyaml.Style{0, kyaml.FlowStyle} {
			m := &kyaml.Node{Kind: kyaml.MappingNode, Style: flow, Content: []*kyaml.Node{v, v}}
			sameAsMarshalJSON(t, string(b), kyaml.NewRNode(m))
		}
	})
}

// BenchmarkEncode: the objects of the repository's rendered overlays,
// encoded as kvet compacts them (Encode) and by kyaml's MarshalJSON alone.
func BenchmarkEncode(b *testing.B) {
	root, err := filepath.Abs("../../../..")
	require.NoError(b, err)
	builder := build.New(build.Options{Root: root})
	var objs []*kyaml.RNode
	for _, env := range []string{"dev", "staging", "production"} {
		res := builder.Build(b.Context(), build.Spec{Dir: filepath.Join(root, "overlays", env)})
		require.NoError(b, res.Err)
		for _, o := range res.Objects {
			objs = append(objs, o.Node)
		}
	}
	for _, bc := range []struct {
		name   string
		encode func(*kyaml.RNode) ([]byte, error)
	}{
		{"Encode", func(n *kyaml.RNode) ([]byte, error) { return yamljson.Encode(n, yamljson.Kustomize) }},
		{"MarshalJSON", func(n *kyaml.RNode) ([]byte, error) { return n.MarshalJSON() }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, n := range objs {
					if _, err := bc.encode(n); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(objs)), "ns/object")
		})
	}
}
