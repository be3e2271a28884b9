package cli_test

// Integration tests of the policy check through the command line: every
// default rule is exercised by `kvet validate -o json` on a fixture tree
// (testdata/policies/rules), a conftest policy directory runs unchanged with
// --policy (testdata/policies/conftest), the policy section of kvet.yaml
// works end to end (testdata/policies/config), and `kvet policy test`
// reports passing and failing Rego tests.
//
// cli.Main finds the repository root from the working directory, so each
// test copies its fixture into a temporary directory with a .git directory
// and changes into it. These tests are therefore not parallel.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/cli"
	"github.com/example/gitops-go-stack/tools/kvet/internal/policy"
)

// pitReport is the JSON report as a consumer reads it (the contract in
// the kvet spec), independent of the report package's types.
type pitReport struct {
	Version int `json:"version"`
	Summary struct {
		Targets  int `json:"targets"`
		Errors   int `json:"errors"`
		Warnings int `json:"warnings"`
	} `json:"summary"`
	Targets []struct {
		Path  string `json:"path"`
		Error string `json:"error"`
	} `json:"targets"`
	Findings []pitFinding `json:"findings"`
}

// pitFinding is the finding of the JSON contract, decoded independently
// of kvet's own types (validate_test.go defines it).
type pitFinding = cvFinding

// res is "Kind/namespace/name" ("Kind/name" when cluster-scoped, "" for
// target-level findings).
func (f pitFinding) res() string {
	if f.Resource.Kind == "" {
		return ""
	}
	if f.Resource.Namespace == "" {
		return f.Resource.Kind + "/" + f.Resource.Name
	}
	return f.Resource.Kind + "/" + f.Resource.Namespace + "/" + f.Resource.Name
}

func (f pitFinding) String() string {
	return strings.Join([]string{f.Target, f.Severity, f.Check, f.Rule, f.res(), f.Path, f.Message}, " | ")
}

// policyFindings returns the policy findings of one target.
func (r pitReport) policyFindings(target string) []pitFinding {
	var out []pitFinding
	for _, f := range r.Findings {
		if f.Check == "policy" && (f.Target == target || slices.Contains(f.Targets, target)) {
			out = append(out, f)
		}
	}
	return out
}

// pitRepo copies testdata/policies/<name> into a temporary repository root
// (it gets a .git directory) and makes it the working directory.
func pitRepo(t *testing.T, name string) string {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("testdata", "policies", name))
	require.NoError(t, err)
	dst := filepath.Join(t.TempDir(), "repo")
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	require.NoError(t, os.Mkdir(filepath.Join(dst, ".git"), 0o755))
	t.Chdir(dst)
	return dst
}

// pitRun runs kvet with args and returns its exit status and output.
func pitRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// pitValidate runs `kvet validate -o json args...` and decodes the report.
func pitValidate(t *testing.T, args ...string) (int, pitReport) {
	t.Helper()
	code, stdout, stderr := pitRun(t, append([]string{"validate", "-o", "json"}, args...)...)
	require.NotEqual(t, cli.ExitUsage, code, "kvet could not run: %s", stderr)
	var rep pitReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep), "stdout: %s\nstderr: %s", stdout, stderr)
	require.Equal(t, 1, rep.Version)
	return code, rep
}

// pitExpect is one finding a fixture must produce.
type pitExpect struct {
	resource string // Kind/namespace/name
	path     string
	message  string // a substring of the message besides the remediation
	source   string // the file a person should edit, with :line where the line is pinned
}

// pitRuleFixtures maps every default rule id to the finding its fixture
// directory testdata/policies/rules/<id> must produce. Each fixture is the
// compliant base (rules/base) plus exactly one violation, so the fixture's
// policy findings are all of that rule. A new rule in policy/*.rego fails
// TestPolicyIntegrationDefaultRules until it gets a fixture here.
var pitRuleFixtures = map[string][]pitExpect{
	"allow-privilege-escalation":      {{"Deployment/shop/web", "spec.template.spec.containers[web].securityContext.allowPrivilegeEscalation", "allows privilege escalation", "allow-privilege-escalation/kustomization.yaml"}},
	"apparmor":                        {{"Deployment/shop/web", "spec.template.spec.securityContext.appArmorProfile.type", "AppArmor profile Unconfined", "apparmor/kustomization.yaml"}},
	"automount-service-account-token": {{"Deployment/shop/web", "spec.template.spec.automountServiceAccountToken", "mounts a service account token", "base/deployment.yaml"}},
	"capabilities":                    {{"Deployment/shop/web", "spec.template.spec.containers[web].securityContext.capabilities.add[SYS_ADMIN]", "adds capability SYS_ADMIN", "capabilities/kustomization.yaml:22"}},
	"cpu-limit":                       {{"Deployment/shop/web", "spec.template.spec.containers[web].resources.limits.cpu", "no cpu limit", "cpu-limit/kustomization.yaml"}},
	"flux-source-ref":                 {{"Kustomization/shop/shop", "spec.sourceRef", "GitRepository shop/shop-repo", "flux-source-ref/flux.yaml"}},
	"gitops-path":                     {{"Application/shop/shop", "spec.source.path", `"overlays/staging"`, "gitops-path/application.yaml"}},
	"host-namespaces":                 {{"Deployment/shop/web", "spec.template.spec.hostNetwork", "hostNetwork: true", "host-namespaces/kustomization.yaml"}},
	// The runtime socket is called out plainly.
	"host-path-volume":        {{"Deployment/shop/web", "spec.template.spec.volumes[docker].hostPath", "container runtime socket /var/run/docker.sock", "host-path-volume/kustomization.yaml"}},
	"host-port":               {{"Deployment/shop/web", "spec.template.spec.containers[web].ports[0].hostPort", "host port 8080", "host-port/kustomization.yaml"}},
	"host-process":            {{"Deployment/shop/web", "spec.template.spec.securityContext.windowsOptions.hostProcess", "HostProcess", "host-process/kustomization.yaml"}},
	"hpa-replicas":            {{"Deployment/shop/web", "spec.replicas", "HorizontalPodAutoscaler web", "hpa-replicas/kustomization.yaml"}},
	"image-registry":          {{"Deployment/shop/web", "spec.template.spec.containers[web].image", "registry docker.io", "image-registry/kustomization.yaml"}},
	"image-tag":               {{"Deployment/shop/web", "spec.template.spec.containers[web].image", "latest tag", "image-tag/kustomization.yaml"}},
	"ingress-backend":         {{"Ingress/shop/web", "spec.rules[0].http.paths[0].backend.service.port", "port 8443 of Service web", "ingress-backend/ingress.yaml"}},
	"istio-host":              {{"VirtualService/shop/web", "spec.http[1].route[0].destination.host", "no Service api", "istio-host/mesh.yaml"}},
	"istio-subset":            {{"VirtualService/shop/web", "spec.http[0].route[1].destination.subset", "subset canary", "istio-subset/mesh.yaml"}},
	"liveness-probe":          {{"Deployment/shop/web", "spec.template.spec.containers[web].livenessProbe", "no liveness probe", "liveness-probe/kustomization.yaml"}},
	"memory-limit":            {{"Deployment/shop/web", "spec.template.spec.containers[web].resources.limits.memory", "no memory limit", "memory-limit/kustomization.yaml"}},
	"missing-reference":       {{"Deployment/shop/web", "spec.template.spec.containers[web].env[DB_PASSWORD]", "Secret db-credentials", "missing-reference/kustomization.yaml"}},
	"network-policy-selector": {{"NetworkPolicy/shop/web", "spec.podSelector", "selects no pod template", "network-policy-selector/networkpolicy.yaml"}},
	"pdb-selector":            {{"PodDisruptionBudget/shop/web", "spec.selector", "selects no pod template", "pdb-selector/pdb.yaml"}},
	// A committed manifest and secretGenerator literals.
	"plain-secret": {
		{"Secret/shop/api-token", "stringData.token", "plain-text values", "plain-secret/secret.yaml"},
		{"Secret/shop/db", "data.password", "plain-text values", "plain-secret/kustomization.yaml"},
	},
	"privileged-container":      {{"Deployment/shop/web", "spec.template.spec.containers[web].securityContext.privileged", "is privileged", "privileged-container/kustomization.yaml"}},
	"probe-port":                {{"Deployment/shop/web", "spec.template.spec.containers[web].readinessProbe.httpGet.port", "port metrics", "probe-port/kustomization.yaml:21"}},
	"proc-mount":                {{"Deployment/shop/web", "spec.template.spec.containers[web].securityContext.procMount", "Unmasked", "proc-mount/kustomization.yaml"}},
	"read-only-root-filesystem": {{"Deployment/shop/web", "spec.template.spec.containers[web].securityContext.readOnlyRootFilesystem", "writable root file system", "read-only-root-filesystem/kustomization.yaml"}},
	"readiness-probe":           {{"Deployment/shop/web", "spec.template.spec.containers[web].readinessProbe", "no readiness probe", "readiness-probe/kustomization.yaml"}},
	"resource-requests":         {{"Deployment/shop/web", "spec.template.spec.containers[web].resources.requests.cpu", "no cpu request", "resource-requests/kustomization.yaml"}},
	// Init containers are checked too.
	"run-as-non-root": {{"Deployment/shop/web", "spec.template.spec.initContainers[setup].securityContext.runAsUser", "runs as root (runAsUser: 0)", "run-as-non-root/kustomization.yaml"}},
	"scale-target":    {{"HorizontalPodAutoscaler/shop/api", "spec.scaleTargetRef.name", "targets Deployment api", "scale-target/hpa.yaml:9"}},
	"seccomp-profile": {{"Deployment/shop/web", "spec.template.spec.securityContext.seccompProfile.type", "seccomp profile Unconfined", "seccomp-profile/kustomization.yaml"}},
	"selinux": {
		{"Deployment/shop/web", "spec.template.spec.containers[web].securityContext.seLinuxOptions", "SELinux user system_u", "selinux/kustomization.yaml"},
		{"Deployment/shop/web", "spec.template.spec.containers[web].securityContext.seLinuxOptions", "SELinux type spc_t", "selinux/kustomization.yaml"},
	},
	"service-selector":         {{"Service/shop/admin", "spec.selector", "selects no pod template", "service-selector/service.yaml"}},
	"service-target-port":      {{"Service/shop/web-grpc", "spec.ports[0].targetPort", `targets port "grpc"`, "service-target-port/service.yaml"}},
	"unsafe-sysctls":           {{"Deployment/shop/web", "spec.template.spec.securityContext.sysctls[kernel.msgmax]", "unsafe sysctl kernel.msgmax", "unsafe-sysctls/kustomization.yaml"}},
	"volume-types":             {{"Deployment/shop/web", "spec.template.spec.volumes[data].nfs", "nfs volume type", "volume-types/kustomization.yaml"}},
	"workload-selector":        {{"Deployment/shop/web", "spec.selector", "does not match the pod template labels", "workload-selector/kustomization.yaml"}},
	"rbac-role-ref":            {{"RoleBinding/shop/web-view", "roleRef.name", "grants ClusterRole viewer", "rbac-role-ref/rbac.yaml"}},
	"rbac-subject":             {{"RoleBinding/shop/web-view", "subjects[0].name", "binds ServiceAccount worker", "rbac-subject/rbac.yaml"}},
	"missing-key":              {{"Deployment/shop/web", "spec.template.spec.containers[web].env[VERBOSITY].valueFrom.configMapKeyRef.key", `reads key "LOG_LEVL" of ConfigMap web-config`, "missing-key/kustomization.yaml"}},
	"service-monitor-selector": {{"ServiceMonitor/shop/web", "spec.selector", "selects no Service", "service-monitor-selector/monitor.yaml"}},
	"service-monitor-port":     {{"ServiceMonitor/shop/web", "spec.endpoints[0].port", `scrapes port "metrics"`, "service-monitor-port/monitor.yaml"}},
	"pod-monitor-selector":     {{"PodMonitor/shop/web", "spec.selector", "selects no pod template", "pod-monitor-selector/monitor.yaml"}},
	"pod-monitor-port":         {{"PodMonitor/shop/web", "spec.podMetricsEndpoints[0].port", `scrapes port "metrics"`, "pod-monitor-port/monitor.yaml"}},
	// A remote chart: the HelmRelease's own chart cannot make its values.
	"helm-values-from": {
		{"HelmRelease/shop/podinfo", "spec.valuesFrom[1].valuesKey", `key "prodution.yaml" of ConfigMap podinfo-values`, "helm-values-from/release.yaml:36"},
		{"HelmRelease/shop/podinfo", "spec.valuesFrom[2].name", "Secret podinfo-secrets", "helm-values-from/release.yaml:38"},
	},
	// At the expr key of the rule (a block scalar), not at the group.
	"prometheus-rule-expr":    {{"PrometheusRule/shop/web", "spec.groups[0].rules[1].expr", "alert WebErrors in group web.rules does not parse: 3:1: parse error: unclosed left parenthesis", "prometheus-rule-expr/rules.yaml:13"}},
	"prometheus-rule-fields":  {{"PrometheusRule/shop/web", "spec.groups[0].rules[1].for", "recording rule with for", "prometheus-rule-fields/rules.yaml:14"}},
	"gateway-parent-ref":      {{"HTTPRoute/shop/web", "spec.parentRefs[0].name", "attaches to Gateway public", "gateway-parent-ref/route.yaml"}},
	"gateway-backend-ref":     {{"HTTPRoute/shop/web", "spec.rules[0].backendRefs[0].port", "port 8080 of Service web", "gateway-backend-ref/route.yaml"}},
	"gateway-certificate-ref": {{"Gateway/shop/public", "spec.listeners[0].tls.certificateRefs[0].name", "certificate Secret shop-tls", "gateway-certificate-ref/gateway.yaml"}},
}

// pitDefaultRules lists the rules of the embedded library by id.
func pitDefaultRules(t *testing.T) map[string]policy.RuleInfo {
	t.Helper()
	e, err := policy.New(context.Background(), policy.Options{})
	require.NoError(t, err)
	rules := map[string]policy.RuleInfo{}
	for _, r := range e.Rules() {
		if r.Default {
			rules[r.ID] = r
		}
	}
	require.NotEmpty(t, rules)
	return rules
}

func TestPolicyIntegrationDefaultRules(t *testing.T) {
	rules := pitDefaultRules(t)
	pitRepo(t, "rules")
	code, rep := pitValidate(t, ".")
	assert.Equal(t, cli.ExitFindings, code)

	// Fixture directories are targets of their own; entry points (Flux
	// Kustomizations, Argo CD Applications) may add targets named
	// "file#Kind/name", which are not fixtures.
	built := map[string]bool{}
	for _, tg := range rep.Targets {
		if strings.Contains(tg.Path, "#") {
			continue
		}
		assert.Empty(t, tg.Error, "target %s must build", tg.Path)
		built[tg.Path] = true
	}

	t.Run("every rule has a fixture", func(t *testing.T) {
		for _, id := range slices.Sorted(maps.Keys(rules)) {
			if _, ok := pitRuleFixtures[id]; !ok {
				t.Errorf("default rule %s has no kvet validate fixture: add testdata/policies/rules/%s (the compliant base plus one violation) and an entry in pitRuleFixtures", id, id)
			}
		}
		for _, id := range slices.Sorted(maps.Keys(pitRuleFixtures)) {
			if _, ok := rules[id]; !ok {
				t.Errorf("pitRuleFixtures names %s, which is not a default rule", id)
			}
		}
		for _, p := range slices.Sorted(maps.Keys(built)) {
			if _, ok := pitRuleFixtures[p]; !ok && p != "clean" {
				t.Errorf("target %s is neither the clean fixture nor a rule fixture", p)
			}
		}
	})

	t.Run("clean", func(t *testing.T) {
		require.True(t, built["clean"], "the clean fixture was not checked")
		assert.Empty(t, rep.policyFindings("clean"), "the clean fixture must pass every default rule")
	})

	for _, id := range slices.Sorted(maps.Keys(pitRuleFixtures)) {
		t.Run(id, func(t *testing.T) {
			info, ok := rules[id]
			if !ok {
				t.Skipf("%s is not a default rule", id)
			}
			require.True(t, built[id], "fixture %s was not checked as a target", id)
			got := rep.policyFindings(id)
			for _, f := range got {
				assert.Equal(t, id, f.Rule, "fixture %s must violate only %s: %s", id, id, f)
			}
			for _, want := range pitRuleFixtures[id] {
				i := slices.IndexFunc(got, func(f pitFinding) bool {
					return f.Rule == id && f.res() == want.resource && f.Path == want.path && strings.Contains(f.Message, want.message)
				})
				if !assert.GreaterOrEqual(t, i, 0, "no %s finding on %s at %s (message with %q); got:\n%s",
					id, want.resource, want.path, want.message, pitList(got)) {
					continue
				}
				f := got[i]
				assert.Equal(t, string(info.Severity), f.Severity)
				assert.Equal(t, "policy", f.Check)
				require.NotEmpty(t, info.Remediation, "rule %s has no remediation", id)
				assert.Contains(t, f.Message, info.Remediation, "the message must say how to fix it")
				if file, _, hasLine := strings.Cut(want.source, ":"); hasLine {
					assert.Equal(t, want.source, fmt.Sprintf("%s:%d", f.Source.File, f.Source.Line), "source file:line")
				} else {
					assert.Equal(t, file, f.Source.File, "source file")
				}
			}
		})
	}
}

func TestPolicyIntegrationConftest(t *testing.T) {
	pitRepo(t, "conftest")
	// The directory's own tests pass (conftest verify style).
	code, stdout, stderr := pitRun(t, "policy", "test", "policy")
	assert.Equal(t, cli.ExitOK, code, "stdout: %s\nstderr: %s", stdout, stderr)
	assert.Contains(t, stdout, "3 passed, 0 failed")

	// What the conftest policies report on app/, with derived rule ids:
	// package main + deny/warn/violation -> "main"; deny_x/warn_x -> "main-x".
	conftest := []string{
		"error | main | Deployment/shop/web | Deployment web must set runAsNonRoot",
		"error | main | Deployment/shop/web | Deployment web has no team label",
		"error | main-latest-tag | Deployment/shop/web | container web uses a latest image",
		"warning | main | Service/shop/web | Service web is a NodePort; prefer an Ingress",
		"warning | main-replicas | Deployment/shop/web | Deployment web runs a single replica",
	}
	sort.Strings(conftest)
	summarize := func(fs []pitFinding, only func(string) bool) []string {
		var out []string
		for _, f := range fs {
			if only(f.Rule) {
				out = append(out, strings.Join([]string{f.Severity, f.Rule, f.res(), f.Message}, " | "))
			}
		}
		sort.Strings(out)
		return out
	}
	all := func(string) bool { return true }
	isConftest := func(id string) bool { return id == "main" || strings.HasPrefix(id, "main-") }

	t.Run("alone", func(t *testing.T) {
		code, rep := pitValidate(t, "--no-default-policies", "--policy", "policy", "app")
		assert.Equal(t, cli.ExitFindings, code)
		assert.Equal(t, conftest, summarize(rep.policyFindings("app"), all))
	})

	t.Run("beside the defaults", func(t *testing.T) {
		code, rep := pitValidate(t, "--policy", "policy", "app")
		assert.Equal(t, cli.ExitFindings, code)
		got := rep.policyFindings("app")
		assert.Equal(t, conftest, summarize(got, isConftest))
		assert.Contains(t, summarize(got, func(id string) bool { return id == "image-tag" }),
			"error | image-tag | Deployment/shop/web | container web uses the latest tag (ghcr.io/example/web:latest): pin the image to a version tag or a digest (kustomize images[].newTag or digest)")
	})

	t.Run("warnings alone do not fail", func(t *testing.T) {
		// Only the NodePort warning: the Service alone passes the run.
		require.NoError(t, os.WriteFile(filepath.Join("app", "kustomization.yaml"),
			[]byte("resources: [service.yaml]\nnamespace: shop\n"), 0o644))
		b, err := os.ReadFile(filepath.Join("app", "app.yaml"))
		require.NoError(t, err)
		_, svc, ok := strings.Cut(string(b), "---\n")
		require.True(t, ok)
		require.NoError(t, os.WriteFile(filepath.Join("app", "service.yaml"), []byte(svc), 0o644))
		code, rep := pitValidate(t, "--no-default-policies", "--policy", "policy", "app")
		assert.Equal(t, []string{"warning | main | Service/shop/web | Service web is a NodePort; prefer an Ingress"},
			summarize(rep.policyFindings("app"), all))
		if assert.Equal(t, cli.ExitOK, code, "a warning must not fail the run") {
			assert.Zero(t, rep.Summary.Errors)
		}
	})
}

func TestPolicyIntegrationConfig(t *testing.T) {
	pitRepo(t, "config")
	code, rep := pitValidate(t, ".")
	assert.Equal(t, cli.ExitFindings, code)

	// target -> "severity | rule | resource | path"
	got := map[string][]string{}
	messages := map[string]string{}
	for _, f := range rep.Findings {
		if f.Check != "policy" {
			continue
		}
		k := strings.Join([]string{f.Severity, f.Rule, f.res(), f.Path}, " | ")
		for _, target := range f.Targets {
			got[target] = append(got[target], k)
			messages[target+" | "+k] = f.Message
		}
	}
	for _, v := range got {
		sort.Strings(v)
	}
	const (
		webMemory   = "Deployment/shop/web | spec.template.spec.containers[web].resources.limits.memory"
		webRORF     = "Deployment/shop/web | spec.template.spec.containers[web].securityContext.readOnlyRootFilesystem"
		agentHostNS = "DaemonSet/shop/node-agent | spec.template.spec.hostNetwork"
	)
	want := map[string][]string{
		// environment "dev" (the directory name): the expired
		// host-namespaces exception is an error and no longer hides the
		// finding; the valid host-path-volume exception for overlays/*
		// hides the node agent's hostPath. memory-limit is downgraded to a
		// warning in dev (see the dev-only run below), but the same defect
		// is an error in the other targets: one finding, the highest
		// severity.
		"overlays/dev": {
			"error | expired-exception |  | ",
			"error | host-namespaces | " + agentHostNS,
			"error | memory-limit | " + webMemory,
			"error | read-only-root-filesystem | " + webRORF,
		},
		// environment "production" (kvet.yaml environments glob): the
		// read-only-root-filesystem warning is raised to an error.
		"overlays/prod-eu": {
			"error | host-namespaces | " + agentHostNS,
			"error | memory-limit | " + webMemory,
			"error | read-only-root-filesystem | " + webRORF,
		},
		// No override and no exception: defaults apply, the hostPath is
		// reported. The custom kind's pod spec is found through
		// podSpecPaths; the external Secret tls-cert is accepted, the other
		// is not; kvet.dev/ignore with a reason suppresses cpu-limit on
		// batch-api, without a reason it is an error and suppresses
		// nothing on worker; allowedRegistries refuses docker.io and a
		// ghcr.io repository outside ghcr.io/example.
		"standalone": {
			"error | host-namespaces | " + agentHostNS,
			"error | host-path-volume | DaemonSet/shop/node-agent | spec.template.spec.volumes[logs].hostPath",
			"error | ignore-annotation | Deployment/shop/worker | metadata.annotations[kvet.dev/ignore]",
			"error | image-registry | Deployment/shop/batch-api | spec.template.spec.containers[api].image",
			"error | image-registry | Deployment/shop/worker | spec.template.spec.containers[worker].image",
			"error | memory-limit | " + webMemory,
			"error | missing-reference | Deployment/shop/worker | spec.template.spec.containers[worker].env[QUEUE_PASSWORD]",
			"error | privileged-container | GoApplication/shop/checkout | spec.template.spec.containers[app].securityContext.privileged",
			"warning | cpu-limit | Deployment/shop/worker | spec.template.spec.containers[worker].resources.limits.cpu",
			// a warning here, an error in prod-eu: the merged finding is an error.
			"error | read-only-root-filesystem | " + webRORF,
		},
	}
	for _, v := range want {
		sort.Strings(v)
	}
	assert.Equal(t, want, got)

	assert.Contains(t, messages["overlays/dev | error | expired-exception |  | "], "expired on 2020-01-31")
	assert.Contains(t, messages["overlays/dev | error | expired-exception |  | "], "host-namespaces")
	assert.Contains(t, messages["standalone | error | ignore-annotation | Deployment/shop/worker | metadata.annotations[kvet.dev/ignore]"], `"cpu-limit" has no reason`)
	assert.Contains(t, messages["standalone | error | image-registry | Deployment/shop/worker | spec.template.spec.containers[worker].image"], "ghcr.io/other/worker:2.0.0")

	t.Run("dev alone", func(t *testing.T) {
		_, rep := pitValidate(t, "overlays/dev")
		sev := map[string]string{}
		for _, f := range rep.policyFindings("overlays/dev") {
			sev[f.Rule] = f.Severity
		}
		assert.Equal(t, "warning", sev["memory-limit"], "downgraded in environment dev")
		assert.Equal(t, "warning", sev["read-only-root-filesystem"])
	})

	t.Run("exception without reason", func(t *testing.T) {
		cfg := filepath.Join(t.TempDir(), "kvet.yaml")
		require.NoError(t, os.WriteFile(cfg, []byte("policy:\n  exceptions:\n    - {rule: host-path-volume, path: \"overlays/*\"}\n"), 0o644))
		code, stdout, stderr := pitRun(t, "validate", "-o", "json", "--config", cfg, ".")
		assert.Equal(t, cli.ExitUsage, code, "stdout: %s", stdout)
		assert.Contains(t, stderr, "reason is required")
	})

	t.Run("exception with a bad date", func(t *testing.T) {
		cfg := filepath.Join(t.TempDir(), "kvet.yaml")
		require.NoError(t, os.WriteFile(cfg, []byte("policy:\n  exceptions:\n    - {rule: cpu-limit, reason: later, expires: 31.12.2030}\n"), 0o644))
		code, _, stderr := pitRun(t, "validate", "-o", "json", "--config", cfg, ".")
		assert.Equal(t, cli.ExitUsage, code)
		assert.Contains(t, stderr, "YYYY-MM-DD")
	})
}

var pitCoverage = regexp.MustCompile(`(\d+) passed, (\d+) failed, \d+ skipped; coverage ([0-9.]+)%`)

func TestPolicyIntegrationPolicyTest(t *testing.T) {
	library, err := filepath.Abs(filepath.Join("..", "..", "..", "..", "policy"))
	require.NoError(t, err)
	failing, err := filepath.Abs(filepath.Join("testdata", "policies", "failing-tests"))
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"embedded library", []string{"policy", "test"}},
		{"policy dir", []string{"policy", "test", library}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := pitRun(t, tc.args...)
			require.Equal(t, cli.ExitOK, code, "stdout: %s\nstderr: %s", stdout, stderr)
			m := pitCoverage.FindStringSubmatch(stdout)
			require.NotNil(t, m, "no summary with coverage in:\n%s", stdout)
			assert.Equal(t, "0", m[2])
			passed, _ := strconv.Atoi(m[1])
			assert.Positive(t, passed)
			cov, err := strconv.ParseFloat(m[3], 64)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, cov, 90.0, "coverage of policy/ must stay at or above 90%%")
		})
	}

	t.Run("failing test", func(t *testing.T) {
		code, stdout, stderr := pitRun(t, "policy", "test", failing)
		assert.Equal(t, cli.ExitFindings, code, "stdout: %s\nstderr: %s", stdout, stderr)
		assert.Contains(t, stdout, "FAIL  data.team.replicas.test_three_replicas_denied")
		assert.Contains(t, stdout, "1 passed, 1 failed")
		assert.Regexp(t, pitCoverage, stdout)
	})

	t.Run("verbose", func(t *testing.T) {
		code, stdout, _ := pitRun(t, "policy", "test", "-v", failing)
		assert.Equal(t, cli.ExitFindings, code)
		assert.Contains(t, stdout, "PASS  data.team.replicas.test_single_replica_denied")
	})

	t.Run("usage", func(t *testing.T) {
		code, _, stderr := pitRun(t, "policy", "lint")
		assert.Equal(t, cli.ExitUsage, code)
		assert.Contains(t, stderr, "kvet policy test")
	})
}

func pitList(fs []pitFinding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.String() + "\n")
	}
	return b.String()
}
