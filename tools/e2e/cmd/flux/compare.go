package main

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/example/gitops-go-stack/tools/e2e/internal/catalog"
)

// Flux's owner labels: kustomize-controller sets them on every object it
// applies (ssa.ResourceManager.SetOwnerLabels); kvet does not render them.
const (
	ownerNameLabel      = "kustomize.toolkit.fluxcd.io/name"
	ownerNamespaceLabel = "kustomize.toolkit.fluxcd.io/namespace"
)

// result is one Kustomization's comparison.
type result struct {
	Group      string   `json:"group"`
	Target     string   `json:"target"`
	Submitted  bool     `json:"submittedByHarness"`
	KvetFatal  []string `json:"kvetErrors,omitempty"`
	Ready      string   `json:"ready"`
	Reason     string   `json:"reason,omitempty"`
	Message    string   `json:"message,omitempty"`
	Expect     string   `json:"expect,omitempty"`
	Inventory  int      `json:"inventory"`
	Rendered   int      `json:"rendered"`
	OnlyServer []string `json:"onlyInInventory,omitempty"`
	OnlyKvet   []string `json:"onlyInKvet,omitempty"`
	Equal      int      `json:"contentEqual"`
	Diffs      []string `json:"contentDiffs,omitempty"`
	Known      []string `json:"knownDifferences,omitempty"`
	Verdict    string   `json:"verdict"` // agree, known (only listed differences) or disagree
	Why        []string `json:"why,omitempty"`
}

func (r *result) disagree(format string, args ...any) {
	r.Verdict = "disagree"
	r.Why = append(r.Why, fmt.Sprintf(format, args...))
}

// expectedReasons maps kvet's finding class on an entry point to the Ready
// reasons of the controller for the same failure.
func expectedReasons(f finding) []string {
	switch {
	case f.Check == "schema":
		return []string{"ReconciliationFailed"} // the API server refuses the apply
	case strings.HasPrefix(f.Rule, "depends-on-"):
		return []string{"DependencyNotReady"}
	case f.Rule == "missing-file" || f.Rule == "root-escape":
		return []string{"BuildFailed", "ArtifactFailed"}
	default:
		return []string{"BuildFailed"}
	}
}

type objID struct{ group, kind, namespace, name string }

func (k objID) String() string {
	g := k.group
	if g == "" {
		g = "core"
	}
	if k.namespace == "" {
		return fmt.Sprintf("%s/%s %s", g, k.kind, k.name)
	}
	return fmt.Sprintf("%s/%s %s/%s", g, k.kind, k.namespace, k.name)
}

// parseInventoryID reads a cli-utils object id (ParseObjMetadata):
// namespace_name_group_kind, the name's ":" written as "__" (RBAC names).
func parseInventoryID(id string) (objID, bool) {
	ns, rest, ok := strings.Cut(id, "_")
	i := strings.LastIndex(rest, "_")
	if !ok || i < 0 {
		return objID{}, false
	}
	kind, rest := rest[i+1:], rest[:i]
	j := strings.LastIndex(rest, "_")
	if j < 0 {
		return objID{}, false
	}
	return objID{group: rest[j+1:], kind: kind, namespace: ns, name: strings.ReplaceAll(rest[:j], "__", ":")}, true
}

// knownDifference is an understood, tracked difference between kvet and the
// controller (tools/e2e/flux-known-differences.yaml): a content difference of
// Object whose text names Path does not fail the run, and an entry that no
// longer matches anything does.
type knownDifference struct {
	Object string `json:"object"`
	Path   string `json:"path"`
	Why    string `json:"why"`
	used   bool
}

func matchKnown(known []*knownDifference, id objID, diffs []string) *knownDifference {
	for _, k := range known {
		if k.Object != id.String() {
			continue
		}
		for _, d := range diffs {
			if strings.Contains(d, k.Path) {
				return k
			}
		}
	}
	return nil
}

func compare(ctx context.Context, en *env, g *group, e *entry, known []*knownDifference) *result {
	r := &result{Group: g.name, Target: e.target, Submitted: !e.child, Expect: e.expect, Verdict: "agree"}
	for _, f := range e.fatal {
		r.KvetFatal = append(r.KvetFatal, f.Rule+": "+f.Message)
	}
	u, err := en.dyn.Resource(ksGVR).Namespace(e.namespace).Get(ctx, e.name, metav1.GetOptions{})
	if err != nil {
		r.Ready = "absent"
		r.Message = "never applied: " + err.Error()
		if len(e.fatal) == 0 {
			r.disagree("kvet reports no error but the Kustomization was never applied")
		}
		return r
	}
	rd := readyOf(u)
	r.Ready, r.Reason, r.Message = rd.status, rd.reason, rd.message

	// 1. The verdict.
	kvetFails := len(e.fatal) > 0
	switch {
	case rd.status == "True" && kvetFails:
		r.disagree("the controller applied it, kvet reports %d error(s)", len(e.fatal))
	case rd.status != "True" && !kvetFails:
		r.disagree("kvet reports no error, the controller says %s: %s", rd.reason, rd.message)
	case kvetFails:
		want := expectedReasons(e.fatal[0])
		if !contains(want, rd.reason) {
			r.disagree("kvet's finding class %s/%s means %s, the controller says %s", e.fatal[0].Check, e.fatal[0].Rule, strings.Join(want, " or "), rd.reason)
		}
	}
	if e.expect != "" {
		verdict, rest, _ := strings.Cut(e.expect, ":")
		reason := strings.Fields(rest)
		switch {
		case strings.TrimSpace(verdict) == "ready" && rd.status != "True",
			strings.TrimSpace(verdict) == "fail" && (rd.status == "True" || len(reason) == 0 || reason[0] != rd.reason):
			r.disagree("corpus expectation %q is wrong: the controller says Ready=%s %s", e.expect, rd.status, rd.reason)
		}
	}
	if rd.status != "True" {
		return r
	}

	// 2. The objects.
	inv := map[objID]bool{}
	entries, _, _ := unstructured.NestedSlice(u.Object, "status", "inventory", "entries")
	for _, it := range entries {
		im, _ := it.(map[string]any)
		id, ok := parseInventoryID(fmt.Sprint(im["id"]))
		if !ok {
			r.disagree("unreadable inventory id %v", im["id"])
			continue
		}
		inv[id] = true
	}
	rendered := map[objID]map[string]any{}
	for _, m := range e.rendered {
		id := objID{apiGroup(str(m, "apiVersion")), str(m, "kind"), str(m, "metadata", "namespace"), str(m, "metadata", "name")}
		if id.namespace == "" {
			// A namespaced object without a namespace: the controller's
			// apply puts it in the client's default namespace.
			if mp, err := en.mapper.RESTMapping(schema.GroupKind{Group: id.group, Kind: id.kind}); err == nil && mp.Scope.Name() == meta.RESTScopeNameNamespace {
				id.namespace = "default"
			}
		}
		rendered[id] = m
	}
	r.Inventory, r.Rendered = len(inv), len(rendered)
	for id := range inv {
		if rendered[id] == nil {
			r.OnlyServer = append(r.OnlyServer, id.String())
		}
	}
	var both []objID
	for id := range rendered {
		if !inv[id] {
			r.OnlyKvet = append(r.OnlyKvet, id.String())
		} else {
			both = append(both, id)
		}
	}
	sort.Strings(r.OnlyServer)
	sort.Strings(r.OnlyKvet)
	sort.Slice(both, func(i, j int) bool { return both[i].String() < both[j].String() })
	if len(r.OnlyServer) > 0 {
		r.disagree("applied by the controller, not rendered by kvet: %s", strings.Join(r.OnlyServer, ", "))
	}
	if len(r.OnlyKvet) > 0 {
		r.disagree("rendered by kvet, not applied by the controller: %s", strings.Join(r.OnlyKvet, ", "))
	}
	for _, id := range both {
		diffs, err := contentDiff(ctx, en, id, rendered[id], e)
		if err != nil {
			r.disagree("%s: %v", id, err)
			continue
		}
		if len(diffs) == 0 {
			r.Equal++
			continue
		}
		for _, d := range diffs {
			r.Diffs = append(r.Diffs, id.String()+" "+d)
		}
		if k := matchKnown(known, id, diffs); k != nil {
			k.used = true
			r.Known = append(r.Known, fmt.Sprintf("%s %s: %s", id, k.Path, k.Why))
			if r.Verdict == "agree" {
				r.Verdict = "known"
			}
			continue
		}
		r.disagree("%s differs: %s", id, strings.Join(diffs, "; "))
	}
	return r
}

// contentDiff says how the live object would change if kvet's render were
// what the controller applied: kvet's object (with the controller's owner
// labels, and health checks off as the harness submits them) is
// server-side applied with the controller's field manager, dry-run, onto
// the live object. Fields the server sets itself (defaults, uid,
// resourceVersion, status, managedFields) are the same on both sides; what
// differs is a field kvet renders differently, renders and the controller
// does not, or the reverse.
func contentDiff(ctx context.Context, en *env, id objID, kvetObj map[string]any, e *entry) ([]string, error) {
	mp, err := en.mapper.RESTMapping(schema.GroupKind{Group: id.group, Kind: id.kind})
	if err != nil {
		return nil, err
	}
	var ri dynamic.ResourceInterface = en.dyn.Resource(mp.Resource)
	if mp.Scope.Name() == meta.RESTScopeNameNamespace {
		ri = en.dyn.Resource(mp.Resource).Namespace(id.namespace)
	}
	live, err := ri.Get(ctx, id.name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	labels := live.GetLabels()
	if labels[ownerNameLabel] != e.name || labels[ownerNamespaceLabel] != e.namespace {
		return []string{fmt.Sprintf("metadata.labels: the controller's owner labels are %q/%q, want %s/%s", labels[ownerNamespaceLabel], labels[ownerNameLabel], e.namespace, e.name)}, nil
	}
	obj := catalog.DeepCopy(kvetObj)
	noHealth(obj)
	delete(obj, "status")
	u := &unstructured.Unstructured{Object: obj}
	kl := u.GetLabels()
	if kl == nil {
		kl = map[string]string{}
	}
	kl[ownerNameLabel], kl[ownerNamespaceLabel] = e.name, e.namespace
	u.SetLabels(kl)
	if mp.Scope.Name() == meta.RESTScopeNameNamespace {
		u.SetNamespace(id.namespace)
	}
	data, err := json.Marshal(u.Object)
	if err != nil {
		return nil, err
	}
	force := true
	applied, err := ri.Patch(ctx, id.name, types.ApplyPatchType, data, metav1.PatchOptions{
		DryRun: []string{metav1.DryRunAll}, FieldManager: fieldManager, Force: &force,
	})
	if err != nil {
		return []string{"kvet's render is refused by the server: " + err.Error()}, nil
	}
	a, b := comparable(live.Object), comparable(applied.Object)
	var diffs []string
	diffTree("", a, b, &diffs)
	return diffs, nil
}

// comparable drops what changes on every write.
func comparable(m map[string]any) map[string]any {
	m = catalog.DeepCopy(m)
	md, _ := m["metadata"].(map[string]any)
	for _, k := range []string{"managedFields", "resourceVersion", "generation"} {
		delete(md, k)
	}
	return m
}

// diffTree lists the paths where the live object (a) and the object as
// kvet's render would leave it (b) differ.
func diffTree(path string, a, b any, out *[]string) {
	if len(*out) >= 8 {
		return
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := k
			if path != "" {
				p = path + "." + k
			}
			diffTree(p, am[k], bm[k], out)
		}
		return
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && len(as) == len(bs) {
		for i := range as {
			diffTree(fmt.Sprintf("%s[%d]", path, i), as[i], bs[i], out)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		*out = append(*out, fmt.Sprintf("%s: controller %s, kvet %s", path, short(a), short(b)))
	}
}

func short(v any) string {
	if v == nil {
		return "(absent)"
	}
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
