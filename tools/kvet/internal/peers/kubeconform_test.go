package peers_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batsVerdict is kubeconform's expected exit status for one fixture, read
// from acceptance.bats.
type batsVerdict struct {
	status int
	strict bool
	test   string
}

var (
	batsTest   = regexp.MustCompile(`^@test "(.*)" \{`)
	batsRun    = regexp.MustCompile(`^\s*run bin/kubeconform (.*)$`)
	batsStatus = regexp.MustCompile(`^\s*\[ "\$status" -eq (\d+) \]`)
	fullSemver = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
)

// parseBats returns, per fixture, the verdict of the acceptance tests that
// run kubeconform on that one fixture with flags that only change the
// output or the strictness (-summary, -verbose, -output, -strict, a full
// -kubernetes-version): the -strict test when there is one. Tests with other
// schema locations, caches, skips, rejects or stdin input judge something
// else and are not read.
func parseBats(t *testing.T, src string) map[string]batsVerdict {
	t.Helper()
	out := map[string]batsVerdict{}
	var name, fixture string
	var strict bool
	for _, line := range strings.Split(src, "\n") {
		if m := batsTest.FindStringSubmatch(line); m != nil {
			name, fixture, strict = m[1], "", false
			continue
		}
		if m := batsRun.FindStringSubmatch(line); m != nil {
			fixture, strict = "", false
			args := strings.Fields(m[1])
			ok := true
			var paths []string
			for i := 0; i < len(args); i++ {
				switch a := args[i]; {
				case a == "-summary" || a == "-verbose":
				case a == "-strict":
					strict = true
				case a == "-output" && i+1 < len(args):
					i++
				case a == "-kubernetes-version" && i+1 < len(args) && fullSemver.MatchString(args[i+1]):
					i++
				case strings.HasPrefix(a, "fixtures/"):
					paths = append(paths, a)
				default:
					ok = false
				}
			}
			if ok && len(paths) == 1 {
				fixture = strings.TrimPrefix(paths[0], "fixtures/")
			}
			continue
		}
		if m := batsStatus.FindStringSubmatch(line); m != nil && fixture != "" {
			status, _ := strconv.Atoi(m[1])
			if prev, seen := out[fixture]; !seen || (strict && !prev.strict) {
				out[fixture] = batsVerdict{status: status, strict: strict, test: name}
			}
		}
	}
	return out
}

// kubeconformExplained lists every fixture whose kvet verdict is not
// kubeconform's strict verdict in acceptance.bats, with kvet's exit status
// and why kvet is right. A fixture that starts to agree, or to disagree
// otherwise, fails the test.
var kubeconformExplained = map[string]struct {
	kvet   int
	reason string
}{
	"generate_name.yaml": {1, "a Job with only metadata.generateName: kustomize refuses objects without metadata.name " +
		"(\"missing metadata.name\"), so kustomize build, Flux and Argo CD cannot apply it; kubeconform validates the file as it is"},
	"valid_large.yaml": {1, "a 10.2 MiB file is over kvet's hostile-input limit (8 MiB, limits.maxFileBytes in kvet.yaml): " +
		"file-too-large, a safety rule that keeps a target's build bounded (kustomize needs minutes for this file), not a schema verdict"},
}

// kubeconformUnjudged lists the fixtures acceptance.bats runs in no
// single-fixture test (they serve kubeconform's other flags or Go tests),
// with kvet's verdict and its reason, so that a change of verdict fails.
var kubeconformUnjudged = map[string]struct {
	kvet   int
	reason string
}{
	"crd_schema.yaml":                        {1, "apiextensions.k8s.io/v1beta1 CustomResourceDefinition: removed in Kubernetes 1.22 (removed-api)"},
	"duplicates-non-namespaced.yaml":         {1, "the same PersistentVolume twice: kustomize refuses an already registered id"},
	"duplicates-skipped-kinds.yaml":          {1, "the same object twice: kustomize refuses an already registered id"},
	"duplicates-with-namespace-default.yaml": {0, "one object without a namespace and one in default: kustomize keeps both ids apart"},
	"duplicates-with-namespace.yaml":         {1, "the same namespaced object twice: kustomize refuses an already registered id"},
	"duplicates.yaml":                        {1, "the same object twice: kustomize refuses an already registered id"},
	"full_domain_group.yaml":                 {0, "valid"},
	"grafana-alert-rule-group-sample.yaml": {0, "valid against the bundled grafana-operator CRD " +
		"(acceptance.bats passes the same schema with -schema-location)"},
	"httpproxy.yaml": {1, "no-schema: kvet has no CRD for projectcontour.io " +
		"(acceptance.bats fetches one from the CRDs catalog over the network)"},
	"multi_invalid_resources.yaml":                 {1, "a document without kind: kustomize refuses it"},
	"multi_valid_source.yaml":                      {0, "valid"},
	"null_array.yaml":                              {0, "valid: null where a list belongs"},
	"same-kind-different-api.yaml":                 {1, "apps/v1beta1 Deployment: removed in Kubernetes 1.16, not served by 1.37 (removed-api)"},
	"same-object-different-namespace-default.yaml": {0, "valid"},
	"same-object-different-namespace.yaml":         {0, "valid"},
	"unconventional_keys.yaml": {1, "ConfigMap data keys 5, 3.14, true are YAML numbers and a boolean: kustomize cannot encode " +
		"the object (json: unsupported type), so kustomize build, kubectl apply -k, Flux and Argo CD fail; " +
		"kvet reports build-failed at the key (kubectl apply -f would send the strings \"5\", \"3.14\", \"true\")"},
	"valid_version.yaml": {0, "valid"},
}

// TestKubeconformAcceptanceFixtures runs kvet on every kubeconform
// acceptance fixture as acceptance.bats runs kubeconform: each fixture the
// only resource of a kustomization, `kvet validate --no-policies`, in a
// fresh directory. kvet's verdict (exit status) must be kubeconform's strict
// verdict, or a listed and explained difference; no fixture may crash kvet.
func TestKubeconformAcceptanceFixtures(t *testing.T) {
	dir := moduleDir(t, "github.com/yannh/kubeconform")
	bats, err := os.ReadFile(filepath.Join(dir, "acceptance.bats"))
	require.NoError(t, err)
	verdicts := parseBats(t, string(bats))
	require.NotEmpty(t, verdicts)

	var fixtures []string
	entries, err := os.ReadDir(filepath.Join(dir, "fixtures"))
	require.NoError(t, err)
	for _, e := range entries {
		n := e.Name()
		_, judged := verdicts[n]
		if (!e.IsDir() && (strings.HasSuffix(n, ".yaml") || judged)) || (e.IsDir() && judged) {
			fixtures = append(fixtures, n)
		}
	}
	slices.Sort(fixtures)

	targets := map[string]map[string][]byte{}
	targetOf := func(name string) string { return "f-" + strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".json") }
	for _, name := range fixtures {
		files := map[string][]byte{}
		p := filepath.Join(dir, "fixtures", name)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			sub, err := os.ReadDir(p)
			require.NoError(t, err)
			for _, e := range sub {
				b, err := os.ReadFile(filepath.Join(p, e.Name()))
				require.NoError(t, err)
				files[e.Name()] = b
			}
		} else {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			files[name] = b
		}
		targets[targetOf(name)] = files
	}
	run := runKvet(t, targets, "--no-policies")

	agree, judged := 0, 0
	for _, name := range fixtures {
		target := targetOf(name)
		code := run.verdict(target)
		findings := run.summary(target)
		v, ok := verdicts[name]
		if !ok {
			u, listed := kubeconformUnjudged[name]
			if assert.True(t, listed, "%s: acceptance.bats gives no verdict; list kvet's (%d) in kubeconformUnjudged with its reason:\n%s", name, code, findings) {
				assert.Equal(t, u.kvet, code, "%s: kvet's verdict changed:\n%s", name, findings)
			}
			continue
		}
		judged++
		if code == v.status {
			agree++
		}
		if d, listed := kubeconformExplained[name]; listed {
			assert.NotEqual(t, v.status, code, "%s: kvet now agrees with kubeconform; remove it from kubeconformExplained", name)
			assert.Equal(t, d.kvet, code, "%s: kvet's verdict changed:\n%s", name, findings)
			continue
		}
		assert.Equal(t, v.status, code, "%s: kubeconform (%q) exits %d, kvet %d:\n%s", name, v.test, v.status, code, findings)
	}
	t.Logf("kubeconform acceptance fixtures: kvet agrees on %d of %d judged fixtures (%d unjudged)", agree, judged, len(fixtures)-judged)
	for name := range kubeconformExplained {
		assert.Contains(t, fixtures, name, "kubeconformExplained lists a fixture kubeconform no longer has")
	}
	for name := range kubeconformUnjudged {
		assert.Contains(t, fixtures, name, "kubeconformUnjudged lists a fixture kubeconform no longer has")
	}

}
