package guard_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
)

// laughs is a "billion laughs" document: `levels` anchors, each a list of
// `width` aliases to the previous one.
func laughs(levels, width int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\nx:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= levels; i++ {
		refs := make([]string, width)
		for j := range refs {
			refs[j] = fmt.Sprintf("*l%d", i-1)
		}
		fmt.Fprintf(&b, "  l%d: &l%d [%s]\n", i, i, strings.Join(refs, ", "))
	}
	return b.String()
}

func nested(depth int, flow bool) string {
	if flow {
		return "x: " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n"
	}
	var b strings.Builder
	for i := range depth {
		fmt.Fprintf(&b, "%sk:\n", strings.Repeat(" ", i))
	}
	return b.String()
}

func docs(n int) string {
	return strings.Repeat("---\na: 1\n", n)
}

func TestCheckContent(t *testing.T) {
	small := guard.Limits{MaxFileBytes: 1 << 20, MaxDocuments: 5, MaxDepth: 10, MaxAliasExpansion: 1000}
	tests := []struct {
		name   string
		file   string
		in     string
		limits guard.Limits
		rule   string // "" = accepted
		line   int
	}{
		{name: "plain manifest", file: "cm.yaml", in: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"},
		{name: "empty file", file: "cm.yaml", in: ""},
		{name: "empty documents", file: "cm.yaml", in: "---\n---\n\n---\n"},
		{name: "UTF-8 byte-order mark", file: "cm.yaml", in: "\xEF\xBB\xBFapiVersion: v1\n"},
		{name: "CRLF line endings", file: "cm.yaml", in: "apiVersion: v1\r\nkind: ConfigMap\r\n"},
		{name: "syntax error is left to kustomize", file: "cm.yaml", in: "a: [\n"},
		{name: "small aliases are fine", file: "cm.yaml", in: "a: &a {x: 1}\nb: *a\nc: *a\n"},
		{name: "very long line", file: "cm.yaml", in: "a: " + strings.Repeat("x", 600_000) + "\n"},
		{name: "billion laughs", file: "cm.yaml", in: laughs(9, 9), rule: guard.RuleAliasLimit},
		{name: "alias bomb under a small limit", file: "cm.yaml", in: laughs(3, 9), limits: small, rule: guard.RuleAliasLimit, line: 8},
		{name: "alias bomb in a file of another name", file: "data.txt", in: laughs(9, 9), rule: guard.RuleAliasLimit},
		{name: "self-referencing anchor", file: "cm.yaml", in: "a: &a [1, *a]\n", rule: guard.RuleAliasLimit, line: 1},
		{name: "merge key bomb", file: "cm.yaml", in: strings.Replace(laughs(9, 9), "x:", "y:", 1) + "z:\n  <<: *l9\n", rule: guard.RuleAliasLimit},
		{name: "deep block nesting", file: "cm.yaml", in: nested(12, false), limits: small, rule: guard.RuleDepthLimit, line: 11},
		{name: "deep flow nesting", file: "cm.yaml", in: nested(300, true), rule: guard.RuleDepthLimit, line: 1},
		{name: "nesting within the limit", file: "cm.yaml", in: nested(9, false), limits: small},
		{name: "depth through an alias", file: "cm.yaml", in: "a: &a [[[[[[1]]]]]]\nb: [[[[[*a]]]]]\n", limits: small, rule: guard.RuleDepthLimit, line: 2},
		{name: "parser depth limit", file: "cm.yaml", in: nested(20_000, true), rule: guard.RuleDepthLimit},
		{name: "too many documents", file: "cm.yaml", in: docs(6), limits: small, rule: guard.RuleTooManyDocuments, line: 11},
		{name: "documents within the limit", file: "cm.yaml", in: docs(5), limits: small},
		{name: "too large", file: "cm.yaml", in: strings.Repeat("#", 2<<20), limits: small, rule: guard.RuleFileTooLarge},
		{name: "binary YAML", file: "cm.yaml", in: "apiVersion: v1\n\x00\x01\x02", rule: guard.RuleBinaryFile, line: 2},
		{name: "binary generator source", file: "logo.png", in: "\x89PNG\r\n\x1a\n\x00\x00"},
		{name: "invalid UTF-8", file: "cm.yaml", in: "a: 1\nb: \xff\xfe\xfd\n", rule: guard.RuleInvalidUTF8, line: 2},
		{name: "invalid UTF-8 generator source", file: "app.properties", in: "a=\xff\n"},
		{name: "UTF-16", file: "cm.yaml", in: "\xFF\xFEa\x00:\x00", rule: guard.RuleInvalidUTF8, line: 1},
		{name: "Kustomization file name", file: "dir/Kustomization", in: "\x00", rule: guard.RuleBinaryFile, line: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := guard.CheckContent(tt.file, []byte(tt.in), tt.limits, guard.LooksYAML(tt.file))
			if tt.rule == "" {
				require.Nil(t, v)
				return
			}
			require.NotNil(t, v)
			assert.Equal(t, tt.rule, v.Rule, v.Message)
			assert.Equal(t, tt.file, v.File)
			if tt.line != 0 {
				assert.Equal(t, tt.line, v.Line, v.Message)
			}
			assert.Contains(t, v.Error(), tt.file)
		})
	}
}

func TestCheckContentMessagesNameTheLimit(t *testing.T) {
	l := guard.Limits{MaxFileBytes: 100, MaxDocuments: 2, MaxDepth: 3, MaxAliasExpansion: 10}
	for in, want := range map[string]string{
		strings.Repeat("a", 101):             "100 B limit (limits.maxFileBytes",
		docs(3):                              "more than 2 YAML documents (limits.maxDocumentsPerFile",
		"a: [[[[1]]]]\n":                     "deeper than the 3 levels allowed (limits.maxDepth",
		"a: &a [1,2,3,4,5,6]\nb: [*a, *a]\n": "more than 10 extra nodes (limits.maxAliasExpansion",
	} {
		v := guard.CheckContent("f.yaml", []byte(in), l, true)
		require.NotNil(t, v, in)
		assert.Contains(t, v.Message, want)
	}
}

func TestLimitsWithDefaults(t *testing.T) {
	d := guard.Defaults()
	assert.Equal(t, d, guard.Limits{}.WithDefaults())
	custom := guard.Limits{MaxFileBytes: 1, MaxDocuments: 2, MaxDepth: 3, MaxAliasExpansion: 4, MaxObjects: 5, TargetTimeout: 6, MemoryBudget: 7}
	assert.Equal(t, custom, custom.WithDefaults())
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{12: "12 B", 1024: "1 KiB", 1536: "1.5 KiB", 8 << 20: "8 MiB", 2 << 30: "2 GiB"} {
		assert.Equal(t, want, guard.Bytes(n))
	}
}
