package build_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
)

var update = flag.Bool("update", false, "regenerate the golden files with the stock kustomize CLI (v"+kustomizeVersion+")")

// kustomizeVersion is the CLI release whose output the goldens hold: the
// one built from the kustomize api version kvet links.
const kustomizeVersion = "5.8.1"

// renderCases are directories under testdata/render; each golden file is
// testdata/render/<case with "/" as "_">.golden.yaml.
var renderCases = []string{
	"prefix-overlay/overlay", // namePrefix, nameSuffix, namespace, labels, annotations, images
	"prefix-overlay/base",    // configMapGenerator hash suffix
	"generators/overlay",     // merge behaviour, files, envs, options, secrets, name references
	"components/overlay",     // components with resources, patches and generator merges
	"patches/overlay",        // SMP (file, inline, label selector), JSON6902 (inline, file, legacy field)
	"replacements/overlay",   // inline and file replacements, delimiter, create
	"ordering",               // legacy kind ordering, CRD, namespace transformer
}

func golden(c string) string {
	return filepath.Join("testdata", "render", strings.ReplaceAll(c, "/", "_")+".golden.yaml")
}

// kustomizeCLI finds the stock kustomize binary for -update.
func kustomizeCLI(t *testing.T) string {
	t.Helper()
	candidates := []string{}
	if p, err := exec.LookPath("kustomize"); err == nil {
		candidates = append(candidates, p)
	}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, "go", "bin", "kustomize"))
	}
	for _, c := range candidates {
		out, err := exec.Command(c, "version").Output()
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(out))
		if !strings.Contains(v, "v"+kustomizeVersion) {
			t.Fatalf("-update needs kustomize v%s, %s is %s: install it with `go install sigs.k8s.io/kustomize/kustomize/v5@v%s`", kustomizeVersion, c, v, kustomizeVersion)
		}
		return c
	}
	t.Fatalf("-update needs the kustomize CLI v%s in PATH or ~/go/bin: install it with `go install sigs.k8s.io/kustomize/kustomize/v5@v%s`", kustomizeVersion, kustomizeVersion)
	return ""
}

// TestRenderMatchesKustomize: kvet render prints byte for byte what the
// stock kustomize CLI prints. The goldens are committed; -update rebuilds
// them with the CLI, so the test itself needs no kustomize binary.
func TestRenderMatchesKustomize(t *testing.T) {
	var cli string
	if *update {
		cli = kustomizeCLI(t)
	}
	for _, c := range renderCases {
		t.Run(c, func(t *testing.T) {
			dir := filepath.Join("testdata", "render", filepath.FromSlash(c))
			if *update {
				cmd := exec.Command(cli, "build", dir)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				require.NoError(t, err, "kustomize build %s: %s", dir, stderr.String())
				require.NoError(t, os.WriteFile(golden(c), out, 0o644))
			}
			want, err := os.ReadFile(golden(c))
			require.NoError(t, err, "missing golden: run go test -run TestRenderMatchesKustomize -update")
			got, err := build.New(build.Options{}).Render(t.Context(), build.Spec{Dir: dir})
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}

// TestBuildInstrumentationIsInvisible: the objects Build hands to the
// checks are exactly what Render prints: kvet's patch markers and origin
// annotations never leak into them.
func TestBuildInstrumentationIsInvisible(t *testing.T) {
	t.Parallel()
	for _, c := range renderCases {
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("testdata", "render", filepath.FromSlash(c))
			want, err := os.ReadFile(golden(c))
			require.NoError(t, err)
			res := build.New(build.Options{}).Build(t.Context(), build.Spec{Dir: dir})
			require.NoError(t, res.Err)
			for _, f := range res.Findings {
				// The fixtures use deprecated fields on purpose: kustomize still reads them.
				require.Equal(t, "deprecated-field", f.Rule, f.Message)
			}
			var docs []string
			for i, o := range res.Objects {
				assert.Equal(t, i, o.Index)
				// Serialised the way kustomize prints a resource.
				js, err := o.Node.MarshalJSON()
				require.NoError(t, err)
				y, err := yaml.JSONToYAML(js)
				require.NoError(t, err)
				docs = append(docs, string(y))
				assert.NotEmpty(t, o.Source.File, "object %d (%s) has no source file", i, o.Resource)
			}
			assert.Equal(t, string(want), strings.Join(docs, "---\n"))
			assert.NotContains(t, strings.Join(docs, ""), "kvet")
			assert.NotContains(t, strings.Join(docs, ""), "config.kubernetes.io/origin")
		})
	}
}
