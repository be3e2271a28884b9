package runner

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// References between objects (a Kustomization's sourceRef and dependsOn, a
// HelmRelease's chartRef, a Service's selector, a volume's Secret) are
// resolved by the controllers against the whole cluster, whichever
// Kustomization or Application applied the object. kvet's approximation of
// a cluster: the targets linked by "renders the entry point of" (a target
// that renders a Flux Kustomization, HelmRelease or Argo CD Application
// whose own target is another one), so that separate cluster entry points
// (clusters/staging, clusters/production) stay separate. A plain directory
// target also sees the clusters of the entry points that build the same
// directory.

// Cluster is the set of objects the cross-resource checks of a target
// resolve references against: every object of the targets of its
// cluster(s), as applied (namespaces after kustomize, targetNamespace and
// the Argo CD destination). Targets of one cluster share one *Cluster.
type Cluster struct {
	// Name is the path of the cluster's first target, for messages.
	Name string
	// members are the indices of the cluster's targets, in order.
	members []int
	once    sync.Once
	load    func() []Object
	objects []Object
}

// Objects are the cluster's objects, deduplicated by identity (first
// wins). They are decoded on the first call: a run whose checks all come
// from the cache may never need them.
func (c *Cluster) Objects() []Object {
	c.once.Do(func() {
		c.objects = c.load()
		c.load = nil
	})
	return c.objects
}

// unionFind joins targets into clusters.
type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(i int) int {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

func (u unionFind) union(a, b int) { u[u.find(a)] = u.find(b) }

// entryKey identifies an entry point by its manifest and object, as its
// rendered object and its target both know it.
func entryKey(file, kind, name string) string { return file + "#" + kind + "/" + name }

// clusterViews returns, per result, the cluster its references resolve
// against; nil when that is the target alone (its inventory suffices).
func clusterViews(root string, results []built) []*Cluster {
	n := len(results)
	uf := newUnionFind(n)
	entries := map[string][]int{}
	sameDir := map[string][]int{} // rendered entry targets by directory
	for i, b := range results {
		if e := b.target.Entry; e != nil {
			k := entryKey(e.Source.File, e.Kind, e.Name)
			entries[k] = append(entries[k], i)
			if e.NotRendered == "" && e.Helm == nil {
				sameDir[b.target.Dir] = append(sameDir[b.target.Dir], i)
			}
		}
	}
	for i, b := range results {
		if b.result == nil || b.result.Err != nil {
			continue
		}
		for _, o := range b.result.Objects {
			for _, j := range entries[entryKey(repoPath(root, o.Source.File), o.Resource.Kind, o.Resource.Name)] {
				uf.union(i, j)
			}
		}
	}
	size := map[int]int{}
	for i := range results {
		size[uf.find(i)]++
	}
	// The components each target sees.
	roots := make([][]int, n)
	for i, b := range results {
		// A plain directory target that nothing links sees the clusters of
		// the entry points building its directory (its own objects are its
		// inventory), so that all such targets share those clusters' view.
		var rs []int
		if own := uf.find(i); size[own] > 1 || b.target.Entry != nil || len(sameDir[b.target.Dir]) == 0 {
			rs = append(rs, own)
		}
		if b.target.Entry == nil {
			for _, j := range sameDir[b.target.Dir] {
				if r := uf.find(j); !slices.Contains(rs, r) {
					rs = append(rs, r)
				}
			}
		}
		slices.Sort(rs)
		roots[i] = rs
	}
	members := map[int][]int{}
	for i := range results {
		r := uf.find(i)
		members[r] = append(members[r], i)
	}
	// Decoded builds are shared by the clusters that hold them; clusters
	// load lazily, from several goroutines.
	var mu sync.Mutex
	decoded := make([][]Object, n)
	decode := func(i int) []Object {
		mu.Lock()
		defer mu.Unlock()
		if decoded[i] == nil {
			decoded[i] = decodeObjects(root, results[i])
		}
		return decoded[i]
	}
	views := map[string]*Cluster{}
	out := make([]*Cluster, n)
	for i := range results {
		rs := roots[i]
		if len(rs) == 1 && size[rs[0]] == 1 {
			continue // the target alone
		}
		key := jsonInts(rs)
		if v, ok := views[key]; ok {
			out[i] = v
			continue
		}
		var ts []int
		for _, r := range rs {
			ts = append(ts, members[r]...)
		}
		slices.Sort(ts)
		v := &Cluster{Name: results[ts[0]].target.Path, members: ts}
		v.load = func() []Object { return clusterObjects(ts, decode) }
		views[key] = v
		out[i] = v
	}
	return out
}

// clusterObjects are the objects of the targets ts, each identity once.
func clusterObjects(ts []int, decode func(int) []Object) []Object {
	// An object a plain directory renders without namespace is the
	// same manifest an entry point applies with one: keep the latter.
	applied := map[string]bool{}
	for _, t := range ts {
		for _, o := range decode(t) {
			if o.Resource.Namespace != "" {
				applied[manifestKey(o)] = true
			}
		}
	}
	seen := map[report.Resource]bool{}
	var objs []Object
	for _, t := range ts {
		for _, o := range decode(t) {
			if seen[o.Resource] || (o.Resource.Namespace == "" && applied[manifestKey(o)]) {
				continue
			}
			seen[o.Resource] = true
			objs = append(objs, o)
		}
	}
	return objs
}

func jsonInts(xs []int) string {
	b, _ := json.Marshal(xs)
	return string(b)
}

// decodeObjects decodes the objects of one build for the cluster view
// (those that do not decode are reported by the target's own check).
func decodeObjects(root string, b built) []Object {
	if b.result == nil || b.result.Err != nil {
		return []Object{}
	}
	out := make([]Object, 0, len(b.result.Objects))
	for k, o := range b.result.Objects {
		js, err := b.json(k)
		if err != nil {
			continue
		}
		var body map[string]any
		if json.Unmarshal(js, &body) != nil {
			continue
		}
		slim(body)
		out = append(out, Object{Index: o.Index, Resource: o.Resource, Body: body,
			Source: report.Source{File: repoPath(root, o.Source.File), Line: o.Source.Line}})
	}
	return out
}

// slim drops what no reference resolves against and what weighs most in a
// cluster's inventory: the values of ConfigMaps and Secrets (their keys
// stay, for key references such as secretKeyRef) and the schemas of
// CustomResourceDefinitions (the target's own inventory keeps them whole).
func slim(body map[string]any) {
	switch body["kind"] {
	case "ConfigMap", "Secret":
		for _, field := range []string{"data", "binaryData", "stringData"} {
			m, ok := body[field].(map[string]any)
			if !ok {
				delete(body, field)
				continue
			}
			keys := make(map[string]any, len(m))
			for k := range m {
				keys[k] = ""
			}
			body[field] = keys
		}
	case "CustomResourceDefinition":
		delete(body, "spec")
	}
}

// manifestKey identifies an object by the manifest it comes from.
func manifestKey(o Object) string {
	return fmt.Sprintf("%s#%s/%s/%s:%d", o.Source.File, o.Resource.APIVersion, o.Resource.Kind, o.Resource.Name, o.Source.Line)
}
