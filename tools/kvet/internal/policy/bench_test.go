package policy

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// largeTarget clones the compliant fixture n times under distinct names, so
// cross-resource rules see an inventory of 9n objects.
func largeTarget(b testing.TB, n int) []Object {
	base := loadObjects(b, "testdata/targets/compliant.yaml")
	var objs []Object
	for i := range n {
		for _, o := range base {
			body := deepCopy(o.Body).(map[string]any)
			ns := fmt.Sprintf("ns%d", i)
			body["metadata"].(map[string]any)["namespace"] = ns
			r := o.Resource
			r.Namespace = ns
			objs = append(objs, Object{Resource: r, Body: body})
		}
	}
	return objs
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	default:
		return v
	}
}

// BenchmarkEvaluate reports the cost per object for growing targets; a
// flat ns/object shows cross-resource rules do not go quadratic.
func BenchmarkEvaluate(b *testing.B) {
	e := newEngine(b, Options{})
	for _, n := range []int{5, 40, 160} {
		objs := largeTarget(b, n)
		b.Run(fmt.Sprintf("objects=%d", len(objs)), func(b *testing.B) {
			for b.Loop() {
				fs, err := e.Evaluate(context.Background(), Target{Path: "x"}, objs)
				require.NoError(b, err)
				require.Empty(b, fs, "%v", summarizeFirst(fs))
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(objs)), "ns/object")
		})
	}
}

// BenchmarkEvaluateTargets is the shape of a GitOps monorepo (and of the
// bench corpus): many small targets of mixed kinds (ServiceAccount,
// ConfigMap, Deployment, Service, HPA, PDB, NetworkPolicy, Ingress), one
// per namespace, each evaluated on its own against the cluster of all.
func BenchmarkEvaluateTargets(b *testing.B) {
	e := newEngine(b, Options{})
	const targets = 50
	all := largeTarget(b, targets)
	per := len(all) / targets
	cluster, err := NewInventory(all)
	require.NoError(b, err)
	for b.Loop() {
		for i := range targets {
			t := Target{Path: fmt.Sprintf("apps/app-%d", i), Environment: "prod", Cluster: cluster}
			fs, err := e.Evaluate(context.Background(), t, all[i*per:(i+1)*per])
			require.NoError(b, err)
			require.Empty(b, fs, "%v", summarizeFirst(fs))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(all)), "ns/object")
}

func summarizeFirst(fs []report.Finding) string {
	if len(fs) == 0 {
		return ""
	}
	return fmt.Sprint(summarize(fs)[0], " ", fs[0].Message)
}
