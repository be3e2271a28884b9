package peers_test

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zegl/kube-score/scorecard"
	yaml3 "go.yaml.in/yaml/v3"
)

// podKinds are the kinds kube-score's pod checks score.
var podKinds = []string{"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController"}

// kubeScoreMapping maps each kube-score check that kvet also has to the
// kvet rule ids that make the same judgement, and the kinds kube-score
// scores with it. kube-score's other checks (PodDisruptionBudget and
// NetworkPolicy coverage, anti-affinity, topology spread, pull policy,
// ephemeral storage, requests equal limits, UID/GID above 10000, deadlines,
// replica counts, Service type, identical probes, duplicate environment
// variables) have no kvet rule: they are not compared.
var kubeScoreMapping = map[string]struct {
	rules []string
	kinds []string
}{
	"Container Resources":                                            {[]string{"cpu-limit", "memory-limit", "resource-requests"}, podKinds},
	"Container Image Tag":                                            {[]string{"image-tag"}, podKinds},
	"Pod Probes":                                                     {[]string{"liveness-probe", "readiness-probe"}, podKinds},
	"Container Security Context Privileged":                          {[]string{"privileged-container"}, podKinds},
	"Container Security Context ReadOnlyRootFilesystem":              {[]string{"read-only-root-filesystem"}, podKinds},
	"Container Seccomp Profile":                                      {[]string{"seccomp-profile"}, podKinds},
	"Container Ports Check":                                          {[]string{"duplicate-name", "invalid-port", "required-field", "missing-field", "invalid-type"}, podKinds},
	"CronJob RestartPolicy":                                          {[]string{"invalid-restart-policy"}, []string{"CronJob"}},
	"Service Targets Pod":                                            {[]string{"service-selector"}, []string{"Service"}},
	"Ingress targets Service":                                        {[]string{"ingress-backend", "invalid-ingress"}, []string{"Ingress"}},
	"HorizontalPodAutoscaler has target":                             {[]string{"scale-target"}, []string{"HorizontalPodAutoscaler"}},
	"Deployment targeted by HPA does not have replicas configured":   {[]string{"hpa-replicas"}, []string{"Deployment"}},
	"NetworkPolicy targets Pod":                                      {[]string{"network-policy-selector"}, []string{"NetworkPolicy"}},
	"StatefulSet Pod Selector labels match template metadata labels": {[]string{"workload-selector", "selector-mismatch"}, []string{"StatefulSet"}},
	"Stable version":                                                 {[]string{"removed-api", "deprecated-api"}, nil},
}

// scoreCase is one expectation of kube-score's own tests: the grade of a
// check on a testdata file.
type scoreCase struct {
	file, check string
	grade       scorecard.Grade
	// kubernetes is the release kube-score judges (its tests default to 1.18).
	kubernetes string
	at         string // test file:line, for messages
}

func (c scoreCase) String() string {
	v := c.kubernetes
	if v == "" {
		v = "unset"
	}
	return c.file + " / " + c.check + " (Kubernetes " + v + ")"
}

// parseScoreTests reads kube-score's score/*_test.go and returns every
// testExpectedScore(t, "file", "check", scorecard.GradeX) call, and every
// testExpectedScoreWithConfig call on one testFile whose configuration only
// sets the Kubernetes version or enables optional checks (other settings
// change what the check means and are not kvet's defaults).
func parseScoreTests(t *testing.T, dir string) []scoreCase {
	t.Helper()
	grades := map[string]scorecard.Grade{"GradeCritical": scorecard.GradeCritical, "GradeWarning": scorecard.GradeWarning,
		"GradeAlmostOK": scorecard.GradeAlmostOK, "GradeAllOK": scorecard.GradeAllOK}
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	require.NoError(t, err)
	var out []scoreCase
	str := func(e ast.Expr) (string, bool) {
		l, ok := e.(*ast.BasicLit)
		if !ok || l.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(l.Value)
		return s, err == nil
	}
	grade := func(e ast.Expr) (scorecard.Grade, bool) {
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			return 0, false
		}
		g, ok := grades[sel.Sel.Name]
		return g, ok
	}
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		// Some tests loop: for _, v := range []string{"a", "b"} { ... "x-"+v+".yaml" ... }.
		var loops []rangeBinding
		ast.Inspect(af, func(n ast.Node) bool {
			if r, ok := n.(*ast.RangeStmt); ok {
				if b, ok := bindingOf(r); ok {
					loops = append(loops, b)
				}
			}
			return true
		})
		ast.Inspect(af, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, ok := call.Fun.(*ast.Ident)
			if !ok {
				return true
			}
			var file, check string
			var files []string
			var g scorecard.Grade
			var ok1, ok2, ok3 bool
			version := "1.18"
			switch {
			case fn.Name == "testExpectedScore" && len(call.Args) == 4:
				files = expand(call.Args[1], call.Pos(), loops)
				ok1 = len(files) > 0
				check, ok2 = str(call.Args[2])
				g, ok3 = grade(call.Args[3])
			case fn.Name == "testExpectedScoreWithConfig" && len(call.Args) == 6:
				file, ok1 = singleTestFile(call.Args[1])
				files = []string{file}
				if id, isNil := call.Args[2].(*ast.Ident); !isNil || id.Name != "nil" {
					return true
				}
				var plain bool
				if version, plain = defaultRunConfig(call.Args[3]); !plain {
					return true
				}
				check, ok2 = str(call.Args[4])
				g, ok3 = grade(call.Args[5])
			default:
				return true
			}
			if ok1 && ok2 && ok3 {
				p := fset.Position(call.Pos())
				for _, file := range files {
					out = append(out, scoreCase{file: file, check: check, grade: g, kubernetes: version, at: fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)})
				}
			}
			return true
		})
	}
	return out
}

// rangeBinding is the loop variable of a range over a list of strings,
// valid inside the loop body.
type rangeBinding struct {
	name     string
	values   []string
	from, to token.Pos
}

func bindingOf(r *ast.RangeStmt) (rangeBinding, bool) {
	id, ok := r.Value.(*ast.Ident)
	cl, ok2 := r.X.(*ast.CompositeLit)
	if !ok || !ok2 {
		return rangeBinding{}, false
	}
	b := rangeBinding{name: id.Name, from: r.Body.Pos(), to: r.Body.End()}
	for _, el := range cl.Elts {
		l, ok := el.(*ast.BasicLit)
		if !ok || l.Kind != token.STRING {
			return rangeBinding{}, false
		}
		v, err := strconv.Unquote(l.Value)
		if err != nil {
			return rangeBinding{}, false
		}
		b.values = append(b.values, v)
	}
	return b, true
}

// expand evaluates a string expression made of literals, "+" and loop
// variables of the enclosing range loops: every value it takes.
func expand(e ast.Expr, at token.Pos, loops []rangeBinding) []string {
	switch x := e.(type) {
	case *ast.BasicLit:
		if v, err := strconv.Unquote(x.Value); err == nil && x.Kind == token.STRING {
			return []string{v}
		}
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return nil
		}
		var out []string
		for _, l := range expand(x.X, at, loops) {
			for _, r := range expand(x.Y, at, loops) {
				out = append(out, l+r)
			}
		}
		return out
	case *ast.Ident:
		for _, b := range loops {
			if b.name == x.Name && at >= b.from && at < b.to {
				return b.values
			}
		}
	}
	return nil
}

// singleTestFile reads []ks.NamedReader{testFile("name")}.
func singleTestFile(e ast.Expr) (string, bool) {
	cl, ok := e.(*ast.CompositeLit)
	if !ok || len(cl.Elts) != 1 {
		return "", false
	}
	call, ok := cl.Elts[0].(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return "", false
	}
	if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "testFile" {
		return "", false
	}
	l, ok := call.Args[0].(*ast.BasicLit)
	if !ok {
		return "", false
	}
	s, err := strconv.Unquote(l.Value)
	return s, err == nil
}

// defaultRunConfig: &config.RunConfiguration{...} setting nothing but
// KubernetesVersion and EnabledOptionalTests; it returns the version
// ("major.minor", "" when the configuration leaves it unset).
func defaultRunConfig(e ast.Expr) (string, bool) {
	u, ok := e.(*ast.UnaryExpr)
	if !ok {
		return "", false
	}
	cl, ok := u.X.(*ast.CompositeLit)
	if !ok {
		return "", false
	}
	version := ""
	for _, el := range cl.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return "", false
		}
		k, ok := kv.Key.(*ast.Ident)
		if !ok {
			return "", false
		}
		switch k.Name {
		case "EnabledOptionalTests":
		case "KubernetesVersion":
			sv, ok := kv.Value.(*ast.CompositeLit)
			if !ok {
				return "", false
			}
			parts := map[string]string{}
			for _, f := range sv.Elts {
				if fkv, ok := f.(*ast.KeyValueExpr); ok {
					if fk, ok := fkv.Key.(*ast.Ident); ok {
						if l, ok := fkv.Value.(*ast.BasicLit); ok {
							parts[fk.Name] = l.Value
						}
					}
				}
			}
			version = parts["Major"] + "." + parts["Minor"]
		default:
			return "", false
		}
	}
	return version, true
}

type object struct{ kind, name string }

// objectsOf lists the kind and name of every document of a YAML file.
func objectsOf(t *testing.T, b []byte) []object {
	t.Helper()
	var out []object
	dec := yaml3.NewDecoder(bytes.NewReader(b))
	for {
		var doc struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		}
		err := dec.Decode(&doc)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if doc.Kind != "" {
			out = append(out, object{doc.Kind, doc.Metadata.Name})
		}
	}
	return out
}

// kubeScoreExplained lists every compared case where kvet's verdict is not
// kube-score's, keyed "file / check", with why. A case that starts to agree
// fails the test until it is removed.
var kubeScoreExplained = map[string]string{
	"ingress-targets-service-no-match.yaml / Ingress targets Service (Kubernetes 1.18)": "extensions/v1beta1 Ingress: " +
		"removed in Kubernetes 1.22, so kvet reports removed-api (the API server rejects the object) and does not read its backends",
	"ingress-networkingv1beta1-targets-service-no-match.yaml / Ingress targets Service (Kubernetes 1.18)": "networking.k8s.io/v1beta1 Ingress: " +
		"removed in Kubernetes 1.22, so kvet reports removed-api (the API server rejects the object) and does not read its backends",
	"cronjob-batchv1beta1-restartpolicy-not-set.yaml / CronJob RestartPolicy (Kubernetes 1.18)": removedCronJob,
	"cronjob-batchv1beta1-restartpolicy-invalid.yaml / CronJob RestartPolicy (Kubernetes 1.18)": removedCronJob,
	"pod-probes-targeted-by-service-different-namespace.yaml / Pod Probes (Kubernetes 1.18)":    probesEverywhere,
	"pod-probes-not-targeted-by-service.yaml / Pod Probes (Kubernetes 1.18)":                    probesEverywhere,
	"pod-probes-not-targeted-by-service-multi-labels.yaml / Pod Probes (Kubernetes 1.18)":       probesEverywhere,
	"pod-probes-on-different-containers.yaml / Pod Probes (Kubernetes 1.18)": "kube-score accepts a readiness probe on one container " +
		"and a liveness probe on another; kvet's liveness-probe and readiness-probe require both on every container (policy choice)",
	"pod-seccomp-annotated.yaml / Container Seccomp Profile (Kubernetes unset)": "kube-score counts a seccomp annotation; " +
		"the API server warns that seccomp annotations are non-functional in v1.27+, so kvet's seccomp-profile asks for the seccompProfile field",
	"statefulset-appsv1beta1.yaml / Stable version (Kubernetes 1.4)": "kube-score judges Kubernetes 1.4, where apps/v1beta1 was the newest " +
		"StatefulSet API; kvet validates 1.35-1.37, which do not serve it (removed-api)",
	"cronjob-batchv1beta1.yaml / Stable version (Kubernetes 1.18)": "kube-score judges Kubernetes 1.18, before batch/v1 CronJob (1.21); " +
		"kvet validates 1.35-1.37, which do not serve batch/v1beta1 (removed-api)",
}

// removedCronJob: kvet does not judge the fields of an API version the
// cluster does not serve.
const removedCronJob = "batch/v1beta1 CronJob: removed in Kubernetes 1.25, so kvet reports removed-api " +
	"(the API server rejects the object) and does not check its restart policy; the batch/v1 variants agree"

// probesEverywhere: kube-score asks for probes only on pods a Service
// targets; kvet's policy asks for them on every container.
const probesEverywhere = "kube-score requires probes only on pods a Service of the same namespace targets; " +
	"kvet's liveness-probe and readiness-probe require them on every container (policy choice, docs/policies.md)"

// TestKubeScoreFixtures runs kvet (default policies) on every testdata
// manifest kube-score's own tests grade, each file the only resource of a
// kustomization, and compares kvet's verdict on the scored objects (a
// finding of the mapped rules) with kube-score's expected grade (CRITICAL
// or WARNING: flagged; OK: not flagged) for the checks both tools have.
func TestKubeScoreFixtures(t *testing.T) {
	dir := moduleDir(t, "github.com/zegl/kube-score")
	cases := parseScoreTests(t, filepath.Join(dir, "score"))
	require.NotEmpty(t, cases)

	// One kvet run over all files: each file a target of its own.
	var files []string
	for _, c := range cases {
		if _, ok := kubeScoreMapping[c.check]; ok && !slices.Contains(files, c.file) {
			files = append(files, c.file)
		}
	}
	slices.Sort(files)
	objects := map[string][]object{}
	targets := map[string]map[string][]byte{}
	for i, name := range files {
		b, err := os.ReadFile(filepath.Join(dir, "score", "testdata", name))
		require.NoError(t, err)
		objects[name] = objectsOf(t, b)
		targets[fmt.Sprintf("c%03d", i)] = map[string][]byte{name: b}
	}
	run := runKvet(t, targets)

	agree, compared := 0, 0
	perCheck := map[string][2]int{} // check → agree, compared
	for _, c := range cases {
		m, ok := kubeScoreMapping[c.check]
		if !ok {
			continue
		}
		target := fmt.Sprintf("c%03d", slices.Index(files, c.file))
		var scored []object
		for _, o := range objects[c.file] {
			if m.kinds == nil || slices.Contains(m.kinds, o.kind) {
				scored = append(scored, o)
			}
		}
		kvetFlags := false
		var why []string
		for _, f := range run.findings[target] {
			if slices.Contains(m.rules, f.Rule) && slices.Contains(scored, object{f.Resource.Kind, f.Resource.Name}) {
				kvetFlags = true
				why = append(why, f.Rule+" "+f.Resource.Kind+"/"+f.Resource.Name+": "+f.Message)
			}
		}
		scoreFlags := c.grade.String() != "OK"
		compared++
		pc := perCheck[c.check]
		pc[1]++
		if kvetFlags == scoreFlags {
			pc[0]++
		}
		perCheck[c.check] = pc
		key := c.String()
		reason, explained := kubeScoreExplained[key]
		switch {
		case run.errors[target] != "":
			assert.True(t, explained, "%s (%s): kvet cannot build it: %s", key, c.at, run.errors[target])
		case kvetFlags == scoreFlags:
			agree++
			assert.False(t, explained, "%s (%s) now agrees with kube-score: remove it from kubeScoreExplained (%s)", key, c.at, reason)
		default:
			assert.True(t, explained, "%s (%s): kube-score grades %s, kvet flags=%v\n%s", key, c.at, c.grade, kvetFlags, strings.Join(why, "\n"))
		}
	}
	t.Logf("kube-score fixtures: kvet agrees on %d of %d compared cases (%d graded cases in kube-score's tests, %d checks mapped)",
		agree, compared, len(cases), len(kubeScoreMapping))
	for _, check := range slices.Sorted(maps.Keys(perCheck)) {
		t.Logf("  %s: %d of %d", check, perCheck[check][0], perCheck[check][1])
	}
}
