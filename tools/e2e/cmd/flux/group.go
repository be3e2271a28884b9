package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"

	"github.com/example/gitops-go-stack/tools/e2e/internal/artifact"
	"github.com/example/gitops-go-stack/tools/e2e/internal/catalog"
	"github.com/example/gitops-go-stack/tools/e2e/internal/cluster"
)

// fieldManager is the controller's server-side apply field manager
// (kustomize-controller's --controller-name default).
const fieldManager = "kustomize-controller"

var (
	ksGVR  = schema.GroupVersionResource{Group: fluxGroup, Version: "v1", Resource: "kustomizations"}
	gitGVR = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "gitrepositories"}
	nsGVR  = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

// noHealthPatch turns health checking off on every Kustomization a
// submitted Kustomization applies: the test cluster has no scheduler,
// kubelet or controller-manager, so no workload can become healthy.
const noHealthPatch = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: any
spec:
  wait: false
  healthChecks: null
  healthCheckExprs: null
`

// noHealth is the same change on one object (submitted roots, and kvet's
// render before the content comparison).
func noHealth(m map[string]any) {
	if !isFluxKustomization(m) {
		return
	}
	spec, _ := m["spec"].(map[string]any)
	if spec == nil {
		return
	}
	spec["wait"] = false
	delete(spec, "healthChecks")
	delete(spec, "healthCheckExprs")
}

type env struct {
	dyn    dynamic.Interface
	mapper meta.RESTMapper
	reset  func()
}

func runGroup(ctx context.Context, o options, g *group, known []*knownDifference, work string, logf func(string, ...any)) ([]*result, []string, error) {
	var problems []string
	cl, err := cluster.Start(ctx, cluster.Options{BinDir: filepath.Join(o.repo, o.binDir), WorkDir: work, Log: logf})
	if err != nil {
		return nil, nil, err
	}
	defer cl.Stop()
	dyn, err := dynamic.NewForConfig(cl.Config)
	if err != nil {
		return nil, nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cl.Config)
	if err != nil {
		return nil, nil, err
	}
	cached := memory.NewMemCacheClient(dc)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	en := &env{dyn: dyn, mapper: mapper, reset: func() { cached.Invalidate(); mapper.Reset() }}

	crds, err := fluxCRDs(o, g)
	if err != nil {
		return nil, nil, err
	}
	names, ps := catalog.Install(ctx, dyn, crds)
	problems = append(problems, ps...)
	ext, err := externalKindCRDs(o, g)
	if err != nil {
		return nil, nil, err
	}
	n2, ps := catalog.Install(ctx, dyn, ext)
	problems = append(problems, ps...)
	names = append(names, n2...)
	if err := catalog.WaitEstablished(ctx, dyn, names); err != nil {
		return nil, nil, err
	}
	en.reset()
	logf("CRDs established: %d (%d for external kinds)", len(names), len(n2))

	// Namespaces that exist before the first reconciliation: those of the
	// objects the harness creates (flux bootstrap creates flux-system).
	nss := map[string]bool{}
	for _, e := range g.roots() {
		nss[e.namespace] = true
	}
	for k := range g.sources {
		nss[strings.SplitN(k, "/", 2)[0]] = true
	}
	for ns := range nss {
		n := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}
		if _, err := dyn.Resource(nsGVR).Create(ctx, n, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, nil, fmt.Errorf("namespace %s: %w", ns, err)
		}
	}

	// The artifact: the work tree as a clone of it would hold it.
	srv, err := artifact.NewServer()
	if err != nil {
		return nil, nil, err
	}
	defer srv.Close()
	files, err := artifact.WorkTreeFiles(o.repo)
	if err != nil {
		return nil, nil, err
	}
	keys := make([]string, 0, len(g.sources))
	for k := range g.sources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := createSource(ctx, dyn, srv, o, k, g.sources[k], files, logf); err != nil {
			return nil, nil, err
		}
	}

	// The controller.
	kubeconfig := filepath.Join(work, "kubeconfig")
	if err := cl.WriteKubeconfig(kubeconfig); err != nil {
		return nil, nil, err
	}
	ctrl, err := cluster.StartProcess(filepath.Join(o.repo, o.binDir, "kustomize-controller"), filepath.Join(work, "kustomize-controller.log"),
		[]string{"KUBECONFIG=" + kubeconfig, "RUNTIME_NAMESPACE=flux-system"},
		"--enable-leader-election=false",
		"--metrics-addr=0",
		"--health-addr=127.0.0.1:0",
		"--watch-all-namespaces=true",
		// Reevaluate a waiting dependsOn every 2 s instead of 30 s: only the
		// test's duration changes.
		"--requeue-dependency=2s",
		"--log-encoding=json",
		"--log-level=info",
	)
	if err != nil {
		return nil, nil, fmt.Errorf("kustomize-controller: %w", err)
	}
	defer cluster.StopProcess(ctrl)
	logf("kustomize-controller started")

	for _, e := range g.roots() {
		obj := catalog.DeepCopy(e.doc)
		noHealth(obj)
		spec, _ := obj["spec"].(map[string]any)
		patches, _ := spec["patches"].([]any)
		spec["patches"] = append(patches, map[string]any{
			"target": map[string]any{"group": fluxGroup, "kind": "Kustomization"},
			"patch":  noHealthPatch,
		})
		md, _ := obj["metadata"].(map[string]any)
		md["namespace"] = e.namespace
		if _, err := dyn.Resource(ksGVR).Namespace(e.namespace).Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{FieldManager: "kvet-e2e"}); err != nil {
			problems = append(problems, fmt.Sprintf("%s: the API server refused the Kustomization: %v", e.target, err))
		}
	}
	settled := waitSettled(ctx, dyn, g, o.timeout, ctrl)
	logf("group %s: settled=%v", g.name, settled)
	en.reset()
	var results []*result
	for _, e := range g.entries {
		results = append(results, compare(ctx, en, g, e, known))
	}
	if !settled {
		problems = append(problems, fmt.Sprintf("not every Kustomization settled within %s (see the controller log with -keep)", o.timeout))
	}
	return results, problems, nil
}

// fluxCRDs is the bundled catalog, with the status subresource every Flux
// CRD declares (the catalog keeps schemas only) and with the controller's
// own Kustomization CRD instead of the catalog's when it is given.
func fluxCRDs(o options, g *group) ([]map[string]any, error) {
	used := map[string]bool{}
	for _, e := range g.entries {
		for _, m := range e.rendered {
			used[apiGroup(str(m, "apiVersion"))] = true
		}
	}
	// The groups the renders use, and every Flux group: the controller
	// watches the source kinds it can read from.
	crds, err := catalog.CRDs(o.repo, func(grp string) bool { return used[grp] || strings.HasSuffix(grp, ".fluxcd.io") })
	if err != nil {
		return nil, err
	}
	var own map[string]any
	if o.controllerCRDs != "" {
		data, err := os.ReadFile(filepath.Join(o.controllerCRDs, "kustomize.toolkit.fluxcd.io_kustomizations.yaml"))
		if err != nil {
			return nil, fmt.Errorf("the controller's CRD: %w", err)
		}
		if err := yaml.Unmarshal(data, &own); err != nil {
			return nil, fmt.Errorf("the controller's CRD: %w", err)
		}
	}
	var out []map[string]any
	for _, c := range crds {
		name := str(c, "metadata", "name")
		if own != nil && name == str(own, "metadata", "name") {
			out = append(out, own)
			continue
		}
		if strings.HasSuffix(str(c, "spec", "group"), ".fluxcd.io") {
			c = catalog.DeepCopy(c)
			versions, _, _ := unstructured.NestedSlice(c, "spec", "versions")
			for _, v := range versions {
				v.(map[string]any)["subresources"] = map[string]any{"status": map[string]any{}}
			}
			_ = unstructured.SetNestedSlice(c, versions, "spec", "versions")
		}
		out = append(out, c)
	}
	return out, nil
}

// externalKindCRDs declares, for every kind the group's renders use that
// kvet.yaml lists as externalKinds (provided by the cluster, e.g. by an
// operator a HelmRelease installs, which this harness does not run), a CRD
// that accepts any content, so that the controller can apply those objects.
func externalKindCRDs(o options, g *group) ([]map[string]any, error) {
	var cfg struct {
		ExternalKinds []string `json:"externalKinds"`
	}
	if data, err := os.ReadFile(filepath.Join(o.repo, "kvet.yaml")); err == nil {
		if err := yaml.Unmarshal(data, &cfg); err != nil {
			return nil, fmt.Errorf("kvet.yaml: %w", err)
		}
	}
	type gk struct{ group, kind string }
	versions := map[gk]map[string]bool{}
	for _, e := range g.entries {
		for _, m := range e.rendered {
			av := str(m, "apiVersion")
			grp, kind := apiGroup(av), str(m, "kind")
			for _, p := range cfg.ExternalKinds {
				pg, pk, _ := strings.Cut(p, "/")
				if pg == grp && (pk == "*" || pk == kind) {
					k := gk{grp, kind}
					if versions[k] == nil {
						versions[k] = map[string]bool{}
					}
					versions[k][av[len(grp)+1:]] = true
				}
			}
		}
	}
	var out []map[string]any
	for k, vs := range versions {
		plural := strings.ToLower(k.kind) + "s"
		var vl []string
		for v := range vs {
			vl = append(vl, v)
		}
		sort.Strings(vl)
		var versionList []any
		for i, v := range vl {
			versionList = append(versionList, map[string]any{
				"name": v, "served": true, "storage": i == 0,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
			})
		}
		out = append(out, map[string]any{
			"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
			"metadata": map[string]any{"name": plural + "." + k.group},
			"spec": map[string]any{
				"group": k.group, "scope": "Namespaced",
				"names":    map[string]any{"kind": k.kind, "plural": plural, "singular": strings.ToLower(k.kind), "listKind": k.kind + "List"},
				"versions": versionList,
			},
		})
	}
	return out, nil
}

// createSource creates the GitRepository as written and sets the artifact
// in its status, as source-controller would after a successful fetch.
func createSource(ctx context.Context, dyn dynamic.Interface, srv *artifact.Server, o options, key string, doc map[string]any, files []string, logf func(string, ...any)) error {
	ns, name, _ := strings.Cut(key, "/")
	obj := catalog.DeepCopy(doc)
	md, _ := obj["metadata"].(map[string]any)
	md["namespace"] = ns
	delete(obj, "status")
	branch := str(obj, "spec", "ref", "branch")
	if branch == "" {
		branch = "main"
	}
	art, err := srv.Add("GitRepository", ns, name, branch, o.repo, files)
	if err != nil {
		return err
	}
	created, err := dyn.Resource(gitGVR).Namespace(ns).Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{FieldManager: "kvet-e2e"})
	if err != nil {
		return fmt.Errorf("GitRepository %s: %w", key, err)
	}
	now := time.Now().UTC().Format(time.RFC3339)
	created.Object["status"] = map[string]any{
		"observedGeneration": created.GetGeneration(),
		"artifact": map[string]any{
			"path": art.Path, "url": art.URL, "revision": art.Revision, "digest": art.Digest,
			"lastUpdateTime": now, "size": art.Size,
		},
		"conditions": []any{
			map[string]any{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "stored artifact for revision '" + art.Revision + "'",
				"lastTransitionTime": now, "observedGeneration": created.GetGeneration()},
			map[string]any{"type": "ArtifactInStorage", "status": "True", "reason": "Succeeded", "message": "stored artifact for revision '" + art.Revision + "'",
				"lastTransitionTime": now, "observedGeneration": created.GetGeneration()},
		},
	}
	if _, err := dyn.Resource(gitGVR).Namespace(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{FieldManager: "kvet-e2e"}); err != nil {
		return fmt.Errorf("GitRepository %s status: %w", key, err)
	}
	logf("GitRepository %s: artifact %s (%d files, %d bytes)", key, art.Revision, art.Files, art.Size)
	return nil
}

// ready is a Kustomization's Ready condition.
type ready struct {
	status, reason, message string
	current                 bool // observedGeneration == generation
}

func readyOf(u *unstructured.Unstructured) ready {
	var r ready
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if cm["type"] == "Ready" {
			r.status, _ = cm["status"].(string)
			r.reason, _ = cm["reason"].(string)
			r.message, _ = cm["message"].(string)
		}
	}
	og, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	r.current = og == u.GetGeneration()
	return r
}

// waitSettled waits until every Kustomization of the group is settled:
// Ready True at the current generation, or Ready False for a reason other
// than a dependency still on its way; or the timeout.
func waitSettled(ctx context.Context, dyn dynamic.Interface, g *group, timeout time.Duration, ctrl *exec.Cmd) bool {
	deadline := time.Now().Add(timeout)
	stable := 0
	for time.Now().Before(deadline) {
		if ctrl.ProcessState != nil {
			return false // the controller exited
		}
		state := map[string]ready{}
		missing := map[string]bool{}
		for _, e := range g.entries {
			u, err := dyn.Resource(ksGVR).Namespace(e.namespace).Get(ctx, e.name, metav1.GetOptions{})
			if err != nil {
				missing[e.key()] = true
				continue
			}
			state[e.key()] = readyOf(u)
		}
		all := true
		for _, e := range g.entries {
			r := state[e.key()]
			switch {
			case missing[e.key()]:
				// Settled only when it will never be applied: what applies it failed.
				all = all && parentsFailed(e, state)
			case r.status == "True" && !r.current, r.status != "True" && r.status != "False":
				// The controller moves observedGeneration on success only;
				// Ready is Unknown while an attempt is under way.
				all = false
			case r.reason == "DependencyNotReady" && !dependencyFailed(e, g, state):
				// A dependency wait is settled only when what it waits for failed.
				all = false
			}
		}
		if all {
			stable++
			if stable >= 3 { // three polls in a row: no retry was under way
				return true
			}
		} else {
			stable = 0
		}
		time.Sleep(time.Second)
	}
	return false
}

func parentsFailed(e *entry, state map[string]ready) bool {
	if len(e.parents) == 0 {
		return false
	}
	for _, p := range e.parents {
		if r, ok := state[p]; !ok || r.status != "False" {
			return false
		}
	}
	return true
}

func dependencyFailed(e *entry, g *group, state map[string]ready) bool {
	deps, _, _ := unstructured.NestedSlice(e.doc, "spec", "dependsOn")
	for _, d := range deps {
		dm, _ := d.(map[string]any)
		ns, _ := dm["namespace"].(string)
		if ns == "" {
			ns = e.namespace
		}
		name, _ := dm["name"].(string)
		r, ok := state[ns+"/"+name]
		if !ok && g.find(ns, name) == nil {
			return true // a dependency nothing creates
		}
		if r.status == "False" {
			return true
		}
	}
	return false
}
