package policy

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

func TestEvaluateTargets(t *testing.T) {
	tests := []struct {
		name string
		file string
		opts Options
		want []string
	}{
		{
			name: "compliant target has no findings",
			file: "compliant.yaml",
			want: []string{},
		},
		{
			name: "every per-container and pod rule",
			file: "insecure.yaml",
			want: []string{
				"error allow-privilege-escalation Deployment/shop/insecure spec.template.spec.containers[app].securityContext.allowPrivilegeEscalation",
				"error allow-privilege-escalation Deployment/shop/insecure spec.template.spec.initContainers[setup].securityContext.allowPrivilegeEscalation",
				"error apparmor Deployment/shop/insecure metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]",
				"error capabilities Deployment/shop/insecure spec.template.spec.containers[app].securityContext.capabilities.add[SYS_ADMIN]",
				"error capabilities Deployment/shop/insecure spec.template.spec.containers[app].securityContext.capabilities.drop",
				"error capabilities Deployment/shop/insecure spec.template.spec.initContainers[setup].securityContext.capabilities.drop",
				"error host-namespaces Deployment/shop/insecure spec.template.spec.hostNetwork",
				"error host-path-volume Deployment/shop/insecure spec.template.spec.volumes[docker].hostPath",
				"error host-port Deployment/shop/insecure spec.template.spec.containers[app].ports[0].hostPort",
				"error image-registry Deployment/shop/insecure spec.template.spec.containers[app].image",
				"error image-registry Deployment/shop/insecure spec.template.spec.initContainers[setup].image",
				"error image-tag Deployment/shop/insecure spec.template.spec.containers[app].image",
				"error image-tag Deployment/shop/insecure spec.template.spec.initContainers[setup].image",
				"error liveness-probe Deployment/shop/insecure spec.template.spec.containers[app].livenessProbe",
				"error memory-limit Deployment/shop/insecure spec.template.spec.containers[app].resources.limits.memory",
				"error memory-limit Deployment/shop/insecure spec.template.spec.initContainers[setup].resources.limits.memory",
				"error privileged-container Deployment/shop/insecure spec.template.spec.containers[app].securityContext.privileged",
				"error probe-port Deployment/shop/insecure spec.template.spec.containers[app].readinessProbe.httpGet.port",
				"error proc-mount Deployment/shop/insecure spec.template.spec.containers[app].securityContext.procMount",
				"error resource-requests Deployment/shop/insecure spec.template.spec.containers[app].resources.requests.cpu",
				"error resource-requests Deployment/shop/insecure spec.template.spec.containers[app].resources.requests.memory",
				"error resource-requests Deployment/shop/insecure spec.template.spec.initContainers[setup].resources.requests.cpu",
				"error resource-requests Deployment/shop/insecure spec.template.spec.initContainers[setup].resources.requests.memory",
				"error run-as-non-root Deployment/shop/insecure spec.template.spec.containers[app].securityContext.runAsNonRoot",
				"error run-as-non-root Deployment/shop/insecure spec.template.spec.initContainers[setup].securityContext.runAsNonRoot",
				"error run-as-non-root Deployment/shop/insecure spec.template.spec.securityContext.runAsUser",
				"error seccomp-profile Deployment/shop/insecure spec.template.spec.containers[app].securityContext.seccompProfile.type",
				"error seccomp-profile Deployment/shop/insecure spec.template.spec.initContainers[setup].securityContext.seccompProfile",
				"error selinux Deployment/shop/insecure spec.template.spec.securityContext.seLinuxOptions",
				"error unsafe-sysctls Deployment/shop/insecure spec.template.spec.securityContext.sysctls[kernel.msgmax]",
				"warning automount-service-account-token Deployment/shop/insecure spec.template.spec.automountServiceAccountToken",
				"warning cpu-limit Deployment/shop/insecure spec.template.spec.containers[app].resources.limits.cpu",
				"warning cpu-limit Deployment/shop/insecure spec.template.spec.initContainers[setup].resources.limits.cpu",
				"warning read-only-root-filesystem Deployment/shop/insecure spec.template.spec.containers[app].securityContext.readOnlyRootFilesystem",
				"warning read-only-root-filesystem Deployment/shop/insecure spec.template.spec.initContainers[setup].securityContext.readOnlyRootFilesystem",
			},
			opts: Options{AllowedRegistries: []string{"ghcr.io/example"}},
		},
		{
			name: "cross-resource rules over the inventory",
			file: "cross.yaml",
			want: []string{
				"error ingress-backend Ingress/shop/api spec.rules[0].http.paths[0].backend.service",
				"error missing-reference Deployment/shop/api spec.template.spec.volumes[config].configMap",
				"error pdb-selector PodDisruptionBudget/shop/api spec.selector",
				"error probe-port Deployment/shop/api spec.template.spec.containers[api].livenessProbe.httpGet.port",
				"error scale-target HorizontalPodAutoscaler/shop/worker spec.scaleTargetRef.name",
				"error service-selector Service/shop/api spec.selector",
				"error service-target-port Service/shop/api-grpc spec.ports[0].targetPort",
				"error workload-selector Deployment/shop/api spec.selector",
				"warning hpa-replicas Deployment/shop/api spec.replicas",
				"warning network-policy-selector NetworkPolicy/shop/api spec.podSelector",
			},
		},
		{
			name: "external resources declared in kvet.yaml resolve references",
			file: "cross.yaml",
			opts: Options{ExternalResources: []string{"ConfigMap/shop/api-*"}},
			want: []string{
				"error ingress-backend Ingress/shop/api spec.rules[0].http.paths[0].backend.service",
				"error pdb-selector PodDisruptionBudget/shop/api spec.selector",
				"error probe-port Deployment/shop/api spec.template.spec.containers[api].livenessProbe.httpGet.port",
				"error scale-target HorizontalPodAutoscaler/shop/worker spec.scaleTargetRef.name",
				"error service-selector Service/shop/api spec.selector",
				"error service-target-port Service/shop/api-grpc spec.ports[0].targetPort",
				"error workload-selector Deployment/shop/api spec.selector",
				"warning hpa-replicas Deployment/shop/api spec.replicas",
				"warning network-policy-selector NetworkPolicy/shop/api spec.podSelector",
			},
		},
		{
			name: "istio, gitops and secrets",
			file: "mesh-gitops.yaml",
			opts: Options{RepositoryDirs: []string{".", "overlays", "overlays/production"}},
			want: []string{
				"error flux-source-ref Kustomization/flux-system/tenant spec.sourceRef",
				"error gitops-path Application/argocd/shop spec.source.path",
				"error gitops-path Kustomization/flux-system/apps spec.path",
				"error istio-host VirtualService/shop/reviews spec.http[0].route[2].destination.host",
				"error istio-subset VirtualService/shop/reviews spec.http[0].route[1].destination.subset",
				"error plain-secret Secret/shop/plain stringData.password",
			},
		},
		{
			name: "gitops-path is skipped when the repository layout is unknown",
			file: "mesh-gitops.yaml",
			want: []string{
				"error flux-source-ref Kustomization/flux-system/tenant spec.sourceRef",
				"error istio-host VirtualService/shop/reviews spec.http[0].route[2].destination.host",
				"error istio-subset VirtualService/shop/reviews spec.http[0].route[1].destination.subset",
				"error plain-secret Secret/shop/plain stringData.password",
			},
		},
		{
			name: "custom pod-spec path and CronJob job template",
			file: "rollout.yaml",
			opts: Options{
				PodSpecPaths: map[string]string{"argoproj.io/Rollout": "spec.template.spec"},
				Severities: []SeverityOverride{ // keep the expectation short
					{Rule: "*", Severity: report.SeverityWarning},
					{Rule: "readiness-probe", Severity: report.SeverityError},
					{Rule: "liveness-probe", Severity: report.SeverityError},
				},
			},
			want: []string{
				// probes: the Rollout is long-running, the CronJob is not
				"error liveness-probe Rollout/shop/web spec.template.spec.containers[web].livenessProbe",
				"error readiness-probe Rollout/shop/web spec.template.spec.containers[web].readinessProbe",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, tt.opts)
			fs, err := e.Evaluate(context.Background(), Target{Path: "overlays/dev", Environment: "dev"},
				loadObjects(t, filepath.Join("testdata/targets", tt.file)))
			require.NoError(t, err)
			got := summarize(fs)
			if tt.name == "custom pod-spec path and CronJob job template" {
				got = filterPrefix(got, "error ")
			}
			assert.Equal(t, tt.want, got)
			for _, f := range fs {
				assert.Equal(t, report.CheckPolicy, f.Check)
				assert.Equal(t, "overlays/dev", f.Target)
				assert.Empty(t, f.Source)
				assert.NotEmpty(t, f.Message)
			}
		})
	}
}

func filterPrefix(ss []string, prefix string) []string {
	out := []string{}
	for _, s := range ss {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

func TestCustomKindWithoutDeclarationIsIgnored(t *testing.T) {
	e := newEngine(t, Options{})
	fs, err := e.Evaluate(context.Background(), Target{Path: "x"}, loadObjects(t, "testdata/targets/rollout.yaml"))
	require.NoError(t, err)
	for _, f := range fs {
		assert.NotEqual(t, "Rollout", f.Resource.Kind, f.Message)
	}
}

func TestMessagesSayHowToFix(t *testing.T) {
	e := newEngine(t, Options{})
	fs, err := e.Evaluate(context.Background(), Target{Path: "x"}, loadObjects(t, "testdata/targets/insecure.yaml"))
	require.NoError(t, err)
	var socket bool
	for _, f := range fs {
		if f.Rule == "run-as-non-root" && f.Path == "spec.template.spec.containers[app].securityContext.runAsNonRoot" {
			assert.Equal(t, "container app may run as root (runAsNonRoot is not true): set securityContext.runAsNonRoot to true (pod level or on every container) and never set runAsUser to 0", f.Message)
		}
		if f.Rule == "host-path-volume" {
			socket = strings.Contains(f.Message, "container runtime socket /var/run/docker.sock")
		}
	}
	assert.True(t, socket, "hostPath of the docker socket must say so plainly")
}

func TestDataShape(t *testing.T) {
	e := newEngine(t, Options{NoDefaults: true, Dirs: []string{"testdata/datashape"}})
	objs := loadObjects(t, "testdata/targets/namespaced.yaml")
	fs, err := e.Evaluate(context.Background(), Target{Path: "overlays/production", Environment: "production"}, objs)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"error datashape ConfigMap/other/b ",
		"error datashape ConfigMap/other/b ",
		"error datashape ConfigMap/shop/a ",
		"warning datashape Namespace/shop ",
	}, summarize(fs))
	var msgs []string
	for _, f := range fs {
		msgs = append(msgs, f.Message)
	}
	assert.ElementsMatch(t, []string{
		"namespace other is not rendered",
		"no ConfigMaps in production",
		"no ConfigMaps in production",
		"target overlays/production",
	}, msgs)
	// Object order is kept for the report.
	for _, f := range fs {
		if f.Resource.Kind == "Namespace" {
			assert.Equal(t, 0, f.Order())
		}
	}
}

func TestConftestDirectory(t *testing.T) {
	for _, noDefaults := range []bool{true, false} {
		e := newEngine(t, Options{Dirs: []string{"testdata/conftest/policy"}, NoDefaults: noDefaults})
		fs, err := e.Evaluate(context.Background(), Target{Path: "x"}, loadObjects(t, "testdata/conftest/nodeport.yaml"))
		require.NoError(t, err)
		byRule := map[string][]report.Finding{}
		for _, f := range fs {
			byRule[f.Rule] = append(byRule[f.Rule], f)
		}
		require.Len(t, byRule["main"], 2, "deny and warn of package main")
		for _, f := range byRule["main"] {
			switch f.Resource.Kind {
			case "Deployment":
				assert.Equal(t, report.SeverityError, f.Severity)
				assert.Equal(t, "Deployment web must set runAsNonRoot", f.Message)
			case "Service":
				assert.Equal(t, report.SeverityWarning, f.Severity)
				assert.Equal(t, "NodePort services are discouraged", f.Message)
			}
		}
		require.Len(t, byRule["main-missing-team"], 1)
		assert.Equal(t, "Deployment web has no team label", byRule["main-missing-team"][0].Message)
		require.Len(t, byRule["owner-label"], 1)
		owner := byRule["owner-label"][0]
		assert.Equal(t, report.SeverityWarning, owner.Severity)
		assert.Equal(t, "metadata.labels.owner", owner.Path)
		assert.Equal(t, "no owner label: add metadata.labels.owner", owner.Message)
		if noDefaults {
			assert.Len(t, fs, 4)
		} else {
			assert.NotEmpty(t, byRule["resource-requests"], "defaults still run beside --policy")
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"compile error names file and line", Options{Dirs: []string{"testdata/broken"}}, `testdata/broken/bad.rego:4`},
		{"Rego v0 syntax is rejected with file and line", Options{Dirs: []string{"testdata/v0"}}, `testdata/v0/old.rego:3`},
		{"invalid severity in METADATA", Options{Dirs: []string{"testdata/badsev"}}, `custom.severity "fatal"`},
		{"missing policy dir", Options{Dirs: []string{"testdata/nope"}}, "load policies from testdata/nope"},
		{"exception without reason", Options{Exceptions: []Exception{{Rule: "cpu-limit"}}}, "reason is required"},
		{"exception without rule", Options{Exceptions: []Exception{{Reason: "x"}}}, "rule is required"},
		{"exception with a bad date", Options{Exceptions: []Exception{{Rule: "cpu-limit", Reason: "x", Expires: "31/12/2026"}}}, "not a date"},
		{"override with a bad severity", Options{Severities: []SeverityOverride{{Rule: "cpu-limit", Severity: "fatal"}}}, "must be error or warning"},
		{"override without rule", Options{Severities: []SeverityOverride{{Severity: "error"}}}, "rule is required"},
		{"bad pod spec path", Options{PodSpecPaths: map[string]string{"Rollout": "spec..spec"}}, "not a dotted field path"},
		{"bad pod spec key", Options{PodSpecPaths: map[string]string{"a/b/c": "spec"}}, `must be "group/Kind"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(context.Background(), tt.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestExceptionsAndOverrides(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }
	objs := loadObjects(t, "testdata/targets/cross.yaml")
	tests := []struct {
		name   string
		target Target
		opts   Options
		check  func(t *testing.T, got []string)
	}{
		{
			name:   "exception waives the rule in matching targets",
			target: Target{Path: "overlays/dev", Environment: "dev"},
			opts:   Options{Exceptions: []Exception{{Rule: "pdb-selector", Path: "overlays/*", Reason: "legacy", Expires: "2026-06-01"}}},
			check: func(t *testing.T, got []string) {
				assert.NotContains(t, got, "error pdb-selector PodDisruptionBudget/shop/api spec.selector")
			},
		},
		{
			name:   "exception for another target path does not apply",
			target: Target{Path: "clusters/prod", Environment: "prod"},
			opts:   Options{Exceptions: []Exception{{Rule: "pdb-selector", Path: "overlays/**", Reason: "legacy"}}},
			check: func(t *testing.T, got []string) {
				assert.Contains(t, got, "error pdb-selector PodDisruptionBudget/shop/api spec.selector")
			},
		},
		{
			name:   "exception restricted to a resource",
			target: Target{Path: "overlays/dev"},
			opts:   Options{Exceptions: []Exception{{Rule: "*-selector", Resource: "Service/shop/*", Reason: "selectors are fine"}}},
			check: func(t *testing.T, got []string) {
				assert.NotContains(t, got, "error service-selector Service/shop/api spec.selector")
				assert.Contains(t, got, "error pdb-selector PodDisruptionBudget/shop/api spec.selector")
			},
		},
		{
			name:   "expired exception no longer applies and is an error",
			target: Target{Path: "overlays/dev"},
			opts:   Options{Exceptions: []Exception{{Rule: "pdb-selector", Path: "overlays/dev", Reason: "legacy", Expires: "2026-05-31"}}},
			check: func(t *testing.T, got []string) {
				assert.Contains(t, got, "error pdb-selector PodDisruptionBudget/shop/api spec.selector")
				assert.Contains(t, got, "error expired-exception  ")
			},
		},
		{
			name:   "dev downgrades a rule, last match wins",
			target: Target{Path: "overlays/dev", Environment: "dev"},
			opts: Options{Severities: []SeverityOverride{
				{Environment: "dev", Rule: "*", Severity: report.SeverityError},
				{Environment: "dev", Rule: "service-selector", Severity: report.SeverityWarning},
				{Environment: "production", Rule: "pdb-selector", Severity: report.SeverityWarning},
			}},
			check: func(t *testing.T, got []string) {
				assert.Contains(t, got, "warning service-selector Service/shop/api spec.selector")
				assert.Contains(t, got, "error pdb-selector PodDisruptionBudget/shop/api spec.selector")
				assert.Contains(t, got, "error network-policy-selector NetworkPolicy/shop/api spec.podSelector")
			},
		},
		{
			name:   "production raises warnings to errors",
			target: Target{Path: "overlays/production", Environment: "production"},
			opts:   Options{Severities: []SeverityOverride{{Environment: "prod*", Rule: "hpa-replicas", Severity: report.SeverityError}}},
			check: func(t *testing.T, got []string) {
				assert.Contains(t, got, "error hpa-replicas Deployment/shop/api spec.replicas")
				assert.Contains(t, got, "warning network-policy-selector NetworkPolicy/shop/api spec.podSelector")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Now = now
			e := newEngine(t, tt.opts)
			fs, err := e.Evaluate(context.Background(), tt.target, objs)
			require.NoError(t, err)
			tt.check(t, summarize(fs))
		})
	}
}

func TestIgnoreAnnotation(t *testing.T) {
	tests := []struct {
		value   string
		rules   map[string]string
		invalid []string
	}{
		{"cpu-limit: bursty batch", map[string]string{"cpu-limit": "bursty batch"}, nil},
		{"cpu-limit: a, image-tag: pinned by digest upstream\nhost-port: node agent", map[string]string{
			"cpu-limit": "a", "image-tag": "pinned by digest upstream", "host-port": "node agent",
		}, nil},
		{"cpu-limit, image-tag:   ", map[string]string{}, []string{"cpu-limit", "image-tag:"}},
		{": no id", map[string]string{}, []string{": no id"}},
	}
	for _, tt := range tests {
		rules, invalid := ParseIgnore(tt.value)
		assert.Equal(t, tt.rules, rules, tt.value)
		assert.Equal(t, tt.invalid, invalid, tt.value)
	}

	objs := loadObjects(t, "testdata/targets/rollout.yaml")
	meta := objs[0].Body["metadata"].(map[string]any)
	meta["annotations"] = map[string]any{IgnoreAnnotation: "image-tag: irrelevant\ncapabilities"}
	e := newEngine(t, Options{PodSpecPaths: map[string]string{"Rollout": "spec.template.spec"}})
	fs, err := e.Evaluate(context.Background(), Target{Path: "x"}, objs[:1])
	require.NoError(t, err)
	got := summarize(fs)
	assert.Contains(t, got, "error ignore-annotation Rollout/shop/web metadata.annotations[kvet.dev/ignore]")
	assert.Contains(t, got, "error capabilities Rollout/shop/web spec.template.spec.containers[web].securityContext.capabilities.drop",
		"an entry without reason suppresses nothing")
}

func TestEvaluateConcurrently(t *testing.T) {
	e := newEngine(t, Options{RepositoryDirs: []string{"."}})
	files := []string{"compliant.yaml", "insecure.yaml", "cross.yaml", "mesh-gitops.yaml", "rollout.yaml"}
	want := map[string][]string{}
	inputs := map[string][]Object{}
	for _, f := range files {
		inputs[f] = loadObjects(t, filepath.Join("testdata/targets", f))
		fs, err := e.Evaluate(context.Background(), Target{Path: f}, inputs[f])
		require.NoError(t, err)
		want[f] = summarize(fs)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(files))
	got := make([][]string, 8*len(files))
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := files[i%len(files)]
			fs, err := e.Evaluate(context.Background(), Target{Path: f}, inputs[f])
			errs <- err
			got[i] = summarize(fs)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for i, g := range got {
		assert.Equal(t, want[files[i%len(files)]], g)
	}
}

func TestEvaluateCancelled(t *testing.T) {
	e := newEngine(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.Evaluate(ctx, Target{Path: "x"}, loadObjects(t, "testdata/targets/insecure.yaml"))
	require.ErrorIs(t, err, context.Canceled)
}

func TestNoPolicies(t *testing.T) {
	e := newEngine(t, Options{NoDefaults: true, Exceptions: []Exception{{Rule: "x", Reason: "y", Expires: "2000-01-01"}}})
	assert.Empty(t, e.Rules())
	fs, err := e.Evaluate(context.Background(), Target{Path: "x"}, loadObjects(t, "testdata/targets/insecure.yaml"))
	require.NoError(t, err)
	assert.Equal(t, []string{"error expired-exception  "}, summarize(fs))
}

func TestRules(t *testing.T) {
	e := newEngine(t, Options{})
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	ids := map[string]bool{}
	for _, r := range e.Rules() {
		assert.True(t, r.Default)
		assert.Regexp(t, kebab, r.ID)
		assert.False(t, ids[r.ID], "duplicate id %s", r.ID)
		ids[r.ID] = true
		assert.NotEmpty(t, r.Title, r.ID)
		assert.NotEmpty(t, r.Description, r.ID)
		assert.NotEmpty(t, r.Remediation, r.ID)
		assert.True(t, strings.HasPrefix(r.Source, "policy/"), r.Source)
		assert.Positive(t, r.Line)
	}
	for _, id := range []string{
		"run-as-non-root", "privileged-container", "allow-privilege-escalation", "capabilities",
		"host-namespaces", "host-process", "host-path-volume", "volume-types", "host-port",
		"seccomp-profile", "unsafe-sysctls", "proc-mount", "apparmor", "selinux",
		"resource-requests", "memory-limit", "cpu-limit", "readiness-probe", "liveness-probe",
		"probe-port", "image-tag", "image-registry", "plain-secret", "read-only-root-filesystem",
		"automount-service-account-token", "service-selector", "service-target-port",
		"scale-target", "hpa-replicas", "pdb-selector", "network-policy-selector",
		"workload-selector", "ingress-backend", "missing-reference", "istio-subset",
		"istio-host", "gitops-path", "flux-source-ref", "rbac-role-ref", "rbac-subject", "missing-key",
		"service-monitor-selector", "service-monitor-port", "pod-monitor-selector", "pod-monitor-port",
		"gateway-parent-ref", "gateway-backend-ref", "gateway-certificate-ref",
		"prometheus-rule-expr", "prometheus-rule-fields", "helm-values-from",
	} {
		assert.True(t, ids[id], "missing rule %s", id)
	}
	assert.Len(t, ids, 51)
}

func TestPolicyTestCommand(t *testing.T) {
	var out strings.Builder
	res, err := Test(context.Background(), []string{"testdata/conftest/policy"}, false, &out)
	require.NoError(t, err)
	assert.True(t, res.OK(), out.String())
	assert.Equal(t, 1, res.Passed)
	assert.Contains(t, out.String(), "PASS: 1 passed, 0 failed, 0 skipped; coverage")

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.rego"), []byte("package p\n\ndeny contains \"x\" if input.kind == \"Pod\"\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p_test.rego"), []byte(
		"package p_test\n\nimport data.p\n\ntest_pod if { count(p.deny) == 0 with input as {\"kind\": \"Pod\"} }\n"+
			"todo_test_later if { false }\n"), 0o600))
	out.Reset()
	res, err = Test(context.Background(), []string{dir}, true, &out)
	require.NoError(t, err)
	assert.False(t, res.OK())
	assert.Equal(t, 1, res.Failed)
	assert.Equal(t, 1, res.Skipped)
	assert.Contains(t, out.String(), "FAIL  data.p_test.test_pod")
	assert.Contains(t, out.String(), "FAIL: 0 passed, 1 failed, 1 skipped")

	_, err = Test(context.Background(), []string{t.TempDir()}, false, &out)
	require.ErrorContains(t, err, "no .rego files found")
}

// A --policy dir holding a copy of the library replaces the embedded one
// instead of defining every rule twice.
func TestUserPackageReplacesDefault(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secrets.rego"), []byte(
		"package kvet.secrets\n\n# METADATA\n# custom:\n#   id: plain-secret\n#   severity: warning\ndeny_plain_secret contains \"mine\" if input.kind == \"Secret\"\n"), 0o600))
	e := newEngine(t, Options{Dirs: []string{dir}})
	var n int
	for _, r := range e.Rules() {
		if r.ID == "plain-secret" {
			n++
			assert.Equal(t, report.SeverityWarning, r.Severity)
			assert.False(t, r.Default)
		}
	}
	assert.Equal(t, 1, n)
}

// A policy that fails at run time gives a finding on the object, not an
// aborted run.
func TestPolicyRuntimeError(t *testing.T) {
	e := newEngine(t, Options{NoDefaults: true, Dirs: []string{"testdata/conflict"}})
	fs, err := e.Evaluate(context.Background(), Target{Path: "x"}, loadObjects(t, "testdata/targets/cross.yaml"))
	require.NoError(t, err)
	require.Len(t, fs, 2, "one per Service")
	assert.Equal(t, RulePolicyError, fs[0].Rule)
	assert.Contains(t, fs[0].Message, "testdata/conflict/conflict.rego")
}
