// Command conformance compares kvet's schema verdict with a real
// kube-apiserver's, object by object.
//
// It renders every target of the repository and of the conformance corpus
// with `kvet render`, collects kvet's findings with `kvet validate -o json`,
// starts etcd and kube-apiserver (built from source), installs every CRD of
// the bundled catalog and of the rendered objects, creates the namespaces,
// and server-side applies every object with dryRun=All and
// fieldValidation=Strict. It prints the agreement table by kind and exits 1
// when the server rejects an object that kvet accepts, or when a corpus
// object's declared expectation disagrees with the server.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"

	"github.com/example/gitops-go-stack/tools/e2e/internal/catalog"
	"github.com/example/gitops-go-stack/tools/e2e/internal/cluster"
	"github.com/example/gitops-go-stack/tools/e2e/internal/kvetcli"
)

// ExpectAnnotation declares, on a corpus object, whether the API server
// accepts it ("accept") or rejects it ("reject"), and why (free text after
// the verdict: "reject: container port out of range").
const ExpectAnnotation = "conformance.kvet.dev/expect"

type options struct {
	repo, kvet, binDir, corpus, workDir, resultsFile string
	skipRepo, keep                                   bool
	workers                                          int
}

func main() {
	var o options
	flag.StringVar(&o.repo, "repo", ".", "repository root")
	flag.StringVar(&o.kvet, "kvet", "bin/kvet", "kvet binary")
	flag.StringVar(&o.binDir, "bin", ".cache/e2e/bin", "directory holding kube-apiserver and etcd")
	flag.StringVar(&o.corpus, "corpus", "tools/e2e/corpus", "conformance corpus (relative to -repo)")
	flag.StringVar(&o.workDir, "work", "", "working directory for the cluster (default: a temporary directory)")
	flag.StringVar(&o.resultsFile, "results", ".cache/e2e/results.json", "write per-object results here (relative to -repo)")
	flag.BoolVar(&o.skipRepo, "corpus-only", false, "check only the corpus, not the repository's targets")
	flag.BoolVar(&o.keep, "keep", false, "keep the working directory (logs, certificates)")
	flag.IntVar(&o.workers, "workers", 4, "parallel dry-run requests")
	flag.Parse()
	code, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

// --- kvet report -----------------------------------------------------------

type kvetReport struct {
	Targets []struct {
		Path      string `json:"path"`
		Resources int    `json:"resources"`
		Error     string `json:"error"`
	} `json:"targets"`
	Findings []struct {
		Target string `json:"target"`
		// Targets lists every target that reaches the finding (kvet
		// reports one defect once).
		Targets  []string `json:"targets"`
		Severity string   `json:"severity"`
		Check    string   `json:"check"`
		Rule     string   `json:"rule"`
		Resource struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Namespace  string `json:"namespace"`
			Name       string `json:"name"`
		} `json:"resource"`
		Path    string `json:"path"`
		Message string `json:"message"`
	} `json:"findings"`
}

type objKey struct{ target, apiVersion, kind, namespace, name string }

func (k objKey) String() string {
	ns := k.namespace
	if ns != "" {
		ns += "/"
	}
	return fmt.Sprintf("%s %s %s%s", k.target, k.kind, ns, k.name)
}

// object is one rendered object and its two verdicts.
type object struct {
	Key       objKey         `json:"-"`
	Target    string         `json:"target"`
	Corpus    bool           `json:"corpus"`
	APIVer    string         `json:"apiVersion"`
	Kind      string         `json:"kind"`
	Namespace string         `json:"namespace,omitempty"`
	Name      string         `json:"name"`
	Expect    string         `json:"expect,omitempty"`
	KvetRules []string       `json:"kvetRules,omitempty"`
	KvetMsgs  []string       `json:"kvetMessages,omitempty"`
	ServerErr string         `json:"serverError,omitempty"`
	NotServed bool           `json:"notServed,omitempty"`
	Outcome   string         `json:"outcome"`
	obj       map[string]any `json:"-"`
}

func runKvet(o options, args ...string) ([]byte, error) { return kvetcli.Run(o.kvet, o.repo, args...) }

var (
	decodeObjects = kvetcli.DecodeObjects
	str           = kvetcli.Str
)

// skipped lists the targets whose objects could not be rendered for
// comparison (GitOps entry targets, see collect).
var skipped []string

// collect renders the targets and attaches kvet's schema findings.
func collect(o options, paths []string, corpus bool) ([]*object, []string, error) {
	args := append([]string{"validate", "-o", "json"}, paths...)
	out, err := runKvet(o, args...)
	if err != nil {
		return nil, nil, err
	}
	var rep kvetReport
	if err := json.Unmarshal(out, &rep); err != nil {
		return nil, nil, fmt.Errorf("kvet validate: bad JSON report: %w", err)
	}
	var problems []string
	schemaFindings := map[objKey][]int{}
	for i, f := range rep.Findings {
		if f.Check != "schema" || f.Severity != "error" {
			continue
		}
		targets := f.Targets
		if len(targets) == 0 {
			targets = []string{f.Target}
		}
		for _, target := range targets {
			k := objKey{target, f.Resource.APIVersion, f.Resource.Kind, f.Resource.Namespace, f.Resource.Name}
			schemaFindings[k] = append(schemaFindings[k], i)
		}
	}
	var objs []*object
	for _, t := range rep.Targets {
		if t.Error != "" {
			problems = append(problems, fmt.Sprintf("target %s does not build: %s", t.Path, t.Error))
			continue
		}
		rendered, err := runKvet(o, "render", t.Path)
		if err != nil {
			if strings.Contains(t.Path, "#") {
				// A GitOps entry target (an Argo CD Application or a Flux
				// Kustomization) whose render fails, e.g. one kvet refuses
				// to render (another repository's source): listed as not
				// compared rather than counted as a disagreement.
				skipped = append(skipped, t.Path)
				continue
			}
			problems = append(problems, fmt.Sprintf("target %s: %v", t.Path, err))
			continue
		}
		docs, err := decodeObjects(rendered)
		if err != nil {
			problems = append(problems, fmt.Sprintf("target %s: cannot decode rendered YAML: %v", t.Path, err))
			continue
		}
		for _, d := range docs {
			ob := &object{
				Target: t.Path, Corpus: corpus, obj: d,
				APIVer: str(d, "apiVersion"), Kind: str(d, "kind"),
				Namespace: str(d, "metadata", "namespace"), Name: str(d, "metadata", "name"),
				Expect: str(d, "metadata", "annotations", ExpectAnnotation),
			}
			ob.Key = objKey{ob.Target, ob.APIVer, ob.Kind, ob.Namespace, ob.Name}
			for _, i := range schemaFindings[ob.Key] {
				f := rep.Findings[i]
				ob.KvetRules = append(ob.KvetRules, f.Rule)
				ob.KvetMsgs = append(ob.KvetMsgs, fmt.Sprintf("%s %s: %s", f.Rule, f.Path, f.Message))
			}
			objs = append(objs, ob)
		}
	}
	return objs, problems, nil
}

func corpusTargets(o options) ([]string, error) {
	var out []string
	root := filepath.Join(o.repo, o.corpus)
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch d.Name() {
		case "kustomization.yaml", "kustomization.yml", "Kustomization":
			rel, _ := filepath.Rel(o.repo, filepath.Dir(p))
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// --- the run -------------------------------------------------------------------

func run(o options) (int, error) {
	start := time.Now()
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "[%5.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	var objs []*object
	var problems []string
	if !o.skipRepo {
		ro, rp, err := collect(o, []string{"."}, false)
		if err != nil {
			return 0, err
		}
		objs, problems = append(objs, ro...), append(problems, rp...)
		logf("repository: %d objects rendered", len(ro))
	}
	ct, err := corpusTargets(o)
	if err != nil {
		return 0, err
	}
	if len(ct) > 0 {
		co, cp, err := collect(o, ct, true)
		if err != nil {
			return 0, err
		}
		objs = append(objs, co...)
		for _, p := range cp {
			problems = append(problems, "corpus: "+p)
		}
		logf("corpus: %d targets, %d objects rendered", len(ct), len(co))
	}
	used := map[string]bool{}
	for _, ob := range objs {
		if group, _, ok := strings.Cut(ob.APIVer, "/"); ok {
			used[group] = true
		}
	}
	cat, err := catalog.CRDs(o.repo, func(g string) bool { return used[g] })
	if err != nil {
		return 0, err
	}

	work := o.workDir
	if work == "" {
		work, err = os.MkdirTemp("", "kvet-e2e-")
		if err != nil {
			return 0, err
		}
	}
	if !o.keep {
		defer os.RemoveAll(work)
	}
	ctx := context.Background()
	cl, err := cluster.Start(ctx, cluster.Options{BinDir: filepath.Join(o.repo, o.binDir), WorkDir: work, Log: logf})
	if err != nil {
		return 0, err
	}
	defer cl.Stop()
	dyn, err := dynamic.NewForConfig(cl.Config)
	if err != nil {
		return 0, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cl.Config)
	if err != nil {
		return 0, err
	}
	cached := memory.NewMemCacheClient(dc)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cached)

	// CRDs: the catalog's, then those among the rendered objects (their own
	// verdict is taken like any object's, then the accepted ones are created).
	crdNames, catProblems := catalog.Install(ctx, dyn, cat)
	problems = append(problems, catProblems...)
	installed := len(crdNames)
	logf("catalog: %d of %d CRDs installed", installed, len(cat))
	var crdObjs, rest []*object
	for _, ob := range objs {
		if ob.Kind == "CustomResourceDefinition" && strings.HasPrefix(ob.APIVer, "apiextensions.k8s.io/") {
			crdObjs = append(crdObjs, ob)
		} else {
			rest = append(rest, ob)
		}
	}
	for _, ob := range crdObjs {
		dryRun(ctx, dyn, mapper, ob)
		if ob.ServerErr == "" {
			u := &unstructured.Unstructured{Object: ob.obj}
			if _, err := dyn.Resource(catalog.CRDGVR).Create(ctx, u.DeepCopy(), metav1.CreateOptions{}); err == nil {
				crdNames = append(crdNames, u.GetName())
			}
		}
	}
	if err := catalog.WaitEstablished(ctx, dyn, crdNames); err != nil {
		problems = append(problems, err.Error())
	}
	cached.Invalidate()
	mapper.Reset()
	logf("CRDs established: %d", len(crdNames))

	// Namespaces.
	nsGVR := schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	nsDone := map[string]error{}
	for _, ob := range rest {
		ns := ob.Namespace
		if ns == "" || nsDone[ns] != nil {
			continue
		}
		if _, ok := nsDone[ns]; ok {
			continue
		}
		n := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}}
		_, err := dyn.Resource(nsGVR).Create(ctx, n, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			err = nil
		}
		nsDone[ns] = err
	}

	// Dry-run everything else.
	var wg sync.WaitGroup
	ch := make(chan *object)
	for i := 0; i < o.workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ob := range ch {
				dryRun(ctx, dyn, mapper, ob)
			}
		}()
	}
	for _, ob := range rest {
		ch <- ob
	}
	close(ch)
	wg.Wait()
	logf("dry-run: %d objects", len(objs))

	return report(o, objs, problems, time.Since(start))
}

// dryRun server-side applies one object with dryRun=All and
// fieldValidation=Strict and records the server's error, if any.
func dryRun(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, ob *object) {
	gv, err := schema.ParseGroupVersion(ob.APIVer)
	if err != nil {
		ob.ServerErr = "bad apiVersion: " + err.Error()
		return
	}
	m, err := mapper.RESTMapping(gv.WithKind(ob.Kind).GroupKind(), gv.Version)
	if err != nil {
		ob.ServerErr = fmt.Sprintf("no API serves %s %s: %v", ob.APIVer, ob.Kind, err)
		ob.NotServed = meta.IsNoMatchError(err)
		return
	}
	body := catalog.DeepCopy(ob.obj)
	md, _ := body["metadata"].(map[string]any)
	if md != nil {
		delete(md, "managedFields")
		delete(md, "resourceVersion")
		delete(md, "uid")
	}
	var ri dynamic.ResourceInterface
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := ob.Namespace
		if ns == "" {
			ns = "default"
		}
		ri = dyn.Resource(m.Resource).Namespace(ns)
	} else {
		if md != nil {
			delete(md, "namespace")
		}
		ri = dyn.Resource(m.Resource)
	}
	if ob.Name == "" {
		ob.ServerErr = "metadata.name: Required value: name is required"
		return
	}
	data, err := json.Marshal(body)
	if err != nil {
		ob.ServerErr = err.Error()
		return
	}
	force := true
	_, err = ri.Patch(ctx, ob.Name, types.ApplyPatchType, data, metav1.PatchOptions{
		DryRun: []string{metav1.DryRunAll}, FieldManager: "kvet-e2e", Force: &force, FieldValidation: "Strict",
	})
	if err != nil {
		ob.ServerErr = err.Error()
	}
}

// --- report ---------------------------------------------------------------------

const (
	// notJudged: no CRD of the repository or the catalog defines the kind,
	// so the server cannot judge the object, and kvet reported nothing for
	// it (kvet.yaml externalKinds, or a kind kvet has no schema for and
	// tolerates). Listed, never a failure: there is nothing to compare.
	notJudged   = "not-judged"
	agreeAccept = "agree-accept"
	agreeReject = "agree-reject"
	kvetOnly    = "kvet-only"
	serverOnly  = "server-only"
)

func report(o options, objs []*object, problems []string, took time.Duration) (int, error) {
	type row struct{ n, aa, ar, ko, so, nj int }
	byKind := map[string]*row{}
	total := map[bool]*row{false: {}, true: {}}
	var disagreements, expectMismatch []*object
	for _, ob := range objs {
		kvetRejects := len(ob.KvetRules) > 0
		serverRejects := ob.ServerErr != ""
		switch {
		case ob.NotServed && !kvetRejects:
			ob.Outcome = notJudged
		case kvetRejects && serverRejects:
			ob.Outcome = agreeReject
		case !kvetRejects && !serverRejects:
			ob.Outcome = agreeAccept
		case kvetRejects:
			ob.Outcome = kvetOnly
		default:
			ob.Outcome = serverOnly
		}
		if ob.Outcome == kvetOnly || ob.Outcome == serverOnly {
			disagreements = append(disagreements, ob)
		}
		if ob.Corpus && ob.Outcome != notJudged {
			want := strings.TrimSpace(strings.SplitN(ob.Expect, ":", 2)[0])
			if (want == "reject") != serverRejects || (want != "reject" && want != "accept") {
				expectMismatch = append(expectMismatch, ob)
			}
		}
		k := ob.Kind
		if byKind[k] == nil {
			byKind[k] = &row{}
		}
		for _, r := range []*row{byKind[k], total[ob.Corpus]} {
			r.n++
			switch ob.Outcome {
			case agreeAccept:
				r.aa++
			case agreeReject:
				r.ar++
			case kvetOnly:
				r.ko++
			case serverOnly:
				r.so++
			case notJudged:
				r.nj++
			}
		}
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kind\tobjects\tagree (both accept)\tagree (both reject)\tkvet-only\tserver-only\tnot judged (no CRD)\t")
	for _, k := range kinds {
		r := byKind[k]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", k, r.n, r.aa, r.ar, r.ko, r.so, r.nj)
	}
	for _, c := range []bool{false, true} {
		r := total[c]
		name := "total: repository"
		if c {
			name = "total: corpus"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t\n", name, r.n, r.aa, r.ar, r.ko, r.so, r.nj)
	}
	tw.Flush()

	sort.Slice(disagreements, func(i, j int) bool { return disagreements[i].Key.String() < disagreements[j].Key.String() })
	for _, ob := range disagreements {
		fmt.Printf("\n%s: %s\n", strings.ToUpper(ob.Outcome), ob.Key)
		if ob.ServerErr != "" {
			fmt.Printf("  server: %s\n", ob.ServerErr)
		}
		for _, m := range ob.KvetMsgs {
			fmt.Printf("  kvet:   %s\n", m)
		}
	}
	var nj []string
	for _, ob := range objs {
		if ob.Outcome == notJudged {
			nj = append(nj, fmt.Sprintf("%s (%s)", ob.Key, ob.APIVer))
		}
	}
	if len(nj) > 0 {
		sort.Strings(nj)
		fmt.Printf("\nNOT JUDGED (no CRD for the kind in the repository or the catalog; kvet reported nothing):\n  %s\n", strings.Join(nj, "\n  "))
	}
	for _, ob := range expectMismatch {
		fmt.Printf("\nCORPUS EXPECTATION WRONG: %s expects %q, server says %q\n", ob.Key, ob.Expect, orAccepted(ob.ServerErr))
	}
	if len(skipped) > 0 {
		sort.Strings(skipped)
		fmt.Printf("\nNOT COMPARED (GitOps entry targets that `kvet render` cannot render; their directories are compared as targets):\n  %s\n", strings.Join(skipped, "\n  "))
	}
	for _, p := range problems {
		fmt.Printf("\nPROBLEM: %s\n", p)
	}
	if o.resultsFile != "" {
		path := filepath.Join(o.repo, o.resultsFile)
		_ = os.MkdirAll(filepath.Dir(path), 0o755)
		b, _ := json.MarshalIndent(map[string]any{"objects": objs, "problems": problems, "notCompared": skipped, "seconds": took.Seconds()}, "", "  ")
		_ = os.WriteFile(path, b, 0o644)
	}
	so := total[false].so + total[true].so
	fmt.Printf("\n%d objects in %.1fs: %d server-only rejections, %d kvet-only rejections, %d not judged, %d corpus expectation mismatches, %d problems\n",
		len(objs), took.Seconds(), so, total[false].ko+total[true].ko, len(nj), len(expectMismatch), len(problems))
	if so > 0 || len(expectMismatch) > 0 || corpusProblems(problems) {
		fmt.Println("conformance: FAIL")
		return 1, nil
	}
	fmt.Println("conformance: PASS")
	return 0, nil
}

func corpusProblems(ps []string) bool {
	for _, p := range ps {
		if strings.HasPrefix(p, "corpus:") {
			return true
		}
	}
	return false
}

func orAccepted(s string) string {
	if s == "" {
		return "accepted"
	}
	return s
}
