package diff

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	cmV1 = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  namespace: shop
data:
  LOG_LEVEL: info
`
	cmV2 = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  namespace: shop
data:
  LOG_LEVEL: debug
`
	svc = `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  ports:
  - port: 80
`
)

func TestCompare(t *testing.T) {
	tests := []struct {
		name           string
		inBase, inHead bool
		base, head     string
		baseErr, err   error
		change         Change
		objects        []string // "<change> <Kind/ns/name>"
		diffHas        []string
	}{
		{name: "unchanged", inBase: true, inHead: true, base: cmV1 + "---\n" + svc, head: cmV1 + "---\n" + svc, change: Unchanged},
		{name: "changed value", inBase: true, inHead: true, base: cmV1, head: cmV2, change: Changed,
			objects: []string{"changed ConfigMap/shop/web"}, diffHas: []string{"-  LOG_LEVEL: info", "+  LOG_LEVEL: debug", "--- a/t: ConfigMap/shop/web"}},
		{name: "added and removed", inBase: true, inHead: true, base: cmV1, head: svc, change: Changed,
			objects: []string{"added Service/shop/web", "removed ConfigMap/shop/web"}, diffHas: []string{"+  - port: 80", "-  LOG_LEVEL: info"}},
		{name: "reordered only", inBase: true, inHead: true, base: cmV1 + "---\n" + svc, head: svc + "---\n" + cmV1, change: Unchanged},
		{name: "new target", inHead: true, head: svc, change: Added, objects: []string{"added Service/shop/web"}},
		{name: "removed target", inBase: true, base: svc, change: Removed, objects: []string{"removed Service/shop/web"}},
		{name: "starts failing", inBase: true, inHead: true, base: svc, err: errors.New("boom"), change: Changed},
		{name: "fails on both sides alike", inBase: true, inHead: true, baseErr: errors.New("boom"), err: errors.New("boom"), change: Unchanged},
		{name: "starts building", inBase: true, inHead: true, baseErr: errors.New("boom"), head: svc, change: Changed,
			objects: []string{"added Service/shop/web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Compare("t", tt.inBase, []byte(tt.base), tt.baseErr, tt.inHead, []byte(tt.head), tt.err)
			require.NoError(t, err)
			assert.Equal(t, tt.change, got.Change)
			var objs []string
			var diffs strings.Builder
			for _, o := range got.Objects {
				objs = append(objs, string(o.Change)+" "+o.Resource.String())
				diffs.WriteString(o.Diff)
			}
			assert.Equal(t, tt.objects, objs)
			for _, s := range tt.diffHas {
				assert.Contains(t, diffs.String(), s)
			}
		})
	}
}

func TestDuplicateKeysKept(t *testing.T) {
	got, err := Compare("t", true, []byte(svc), nil, true, []byte(svc+"---\n"+svc), nil)
	require.NoError(t, err)
	require.Len(t, got.Objects, 1)
	assert.Equal(t, Added, got.Objects[0].Change)
}

func sampleResult(t *testing.T) *Result {
	t.Helper()
	changed, err := Compare("overlays/prod", true, []byte(cmV1), nil, true, []byte(cmV2+"---\n"+svc), nil)
	require.NoError(t, err)
	same, err := Compare("overlays/dev", true, []byte(svc), nil, true, []byte(svc), nil)
	require.NoError(t, err)
	return NewResult("main", "0123456789abcdef0123", []Target{same, changed})
}

func TestOutputs(t *testing.T) {
	r := sampleResult(t)
	assert.True(t, r.HasChanges())
	assert.Equal(t, Summary{Targets: 2, ChangedTargets: 1, Added: 1, Changed: 1}, r.Summary)

	var text bytes.Buffer
	require.NoError(t, Write(&text, "text", r))
	assert.Contains(t, text.String(), "overlays/prod  (1 added, 1 changed)\n  ~ v1 ConfigMap/shop/web\n  + v1 Service/shop/web\n")
	assert.NotContains(t, text.String(), "overlays/dev")
	assert.True(t, strings.HasSuffix(text.String(), "1 of 2 targets change against main (0123456789ab): 1 added, 0 removed, 1 changed objects\n"))

	var md bytes.Buffer
	require.NoError(t, Write(&md, "markdown", r))
	assert.Contains(t, md.String(), "| `overlays/prod` | 1 | 0 | 1 |  |")
	assert.Contains(t, md.String(), "```diff\n--- a/overlays/prod: ConfigMap/shop/web")
	assert.Equal(t, strings.Count(md.String(), "<details>"), strings.Count(md.String(), "</details>"))

	var js bytes.Buffer
	require.NoError(t, Write(&js, "json", r))
	var back Result
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.Equal(t, *r, back)

	assert.Error(t, Write(&bytes.Buffer{}, "sarif", r))
}

func TestMarkdownBudget(t *testing.T) {
	big := strings.Repeat("x", 200)
	var head strings.Builder
	for i := range 400 {
		head.WriteString("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c" + strings.Repeat("0", 3) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "\ndata:\n  k: " + big + "\n")
	}
	tg, err := Compare("big", false, nil, nil, true, []byte(head.String()), nil)
	require.NoError(t, err)
	var md bytes.Buffer
	require.NoError(t, WriteMarkdown(&md, NewResult("main", "", []Target{tg})))
	assert.Less(t, md.Len(), maxMarkdownDiff+40000, "the object list stays, the diff is cut")
	assert.Contains(t, md.String(), "… (truncated)")
}
