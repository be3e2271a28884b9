package policy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// loadObjects reads a multi-document YAML fixture the way kvet hands
// rendered objects to the engine.
func loadObjects(t testing.TB, file string) []Object {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var objs []Object
	for {
		var body map[string]any
		err := dec.Decode(&body)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, file)
		if body == nil {
			continue
		}
		meta, _ := body["metadata"].(map[string]any)
		ns, _ := meta["namespace"].(string)
		name, _ := meta["name"].(string)
		api, _ := body["apiVersion"].(string)
		kind, _ := body["kind"].(string)
		objs = append(objs, Object{
			Resource: report.Resource{APIVersion: api, Kind: kind, Namespace: ns, Name: name},
			Body:     body,
		})
	}
	return objs
}

// summarize renders findings as "severity rule Kind/ns/name path", sorted,
// which keeps table expectations short and readable.
func summarize(fs []report.Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s %s", f.Severity, f.Rule, f.Resource, f.Path))
	}
	slices.Sort(out)
	return out
}

func newEngine(t testing.TB, opts Options) *Engine {
	t.Helper()
	e, err := New(context.Background(), opts)
	require.NoError(t, err)
	return e
}
