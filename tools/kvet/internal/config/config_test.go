package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
)

func TestGlobDoublestar(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"tools/**/testdata", "tools/testdata", true},
		{"tools/**/testdata", "tools/a/b/testdata", true},
		// The hand-written glob turned "**/" into ".*/?" and matched this.
		{"tools/**/testdata", "tools/footestdata", false},
		{"tools/**/testdata", "tools/a/footestdata", false},
		{"tools/**", "tools/kvet/x.yaml", true},
		{"tools/**", "toolsx", false},
		{"overlays/*", "overlays/prod", true},
		{"overlays/*", "overlays/prod/eu", false},
		{"overlays/prod-?", "overlays/prod-a", true},
		{"./overlays/{dev,staging}/", "overlays/staging", true},
		{"Deployment/*/web", "Deployment/shop/web", true},
		{"Namespace//*", "Namespace//shop", true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.path, func(t *testing.T) {
			m, err := config.Glob(tt.pattern)
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.MatchString(tt.path))
		})
	}
	_, err := config.Glob("overlays/[a")
	assert.ErrorContains(t, err, "invalid pattern")
}

func TestExcludedDoublestar(t *testing.T) {
	c, err := config.Parse([]byte("exclude: [\"tools/**/testdata\"]\n"))
	require.NoError(t, err)
	assert.True(t, c.Excluded("tools/kvet/testdata/x"))
	assert.False(t, c.Excluded("tools/footestdata"))
	assert.False(t, c.Excluded("tools/footestdata/overlay"))
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown top-level key", "kubernetesVersion: \"1.37\"\ncrd: [x]\n",
			[]string{`kvet.yaml:2: unknown key "crd" at the top level: did you mean "crds"?`}},
		{"unknown nested key", "policy:\n  dirs: [p]\n  disableDefault: true\n",
			[]string{`kvet.yaml:3: unknown key "disableDefault" in policy: did you mean "disableDefaults"?`}},
		{"unknown key in a list item", "policy:\n  exceptions:\n  - rule: r\n    reason: x\n    expire: \"2027-01-01\"\n",
			[]string{`kvet.yaml:5: unknown key "expire" in policy.exceptions[0]: did you mean "expires"?`}},
		{"no near key", "zzzzzzzz: 1\n", []string{`kvet.yaml:1: unknown key "zzzzzzzz" at the top level (known keys: crds, environments,`}},
		{"type error", "exclude: tools\n", []string{"kvet.yaml:1: cannot unmarshal !!str `tools` into []string"}},
		{"syntax error", "exclude: [a\n", []string{"kvet.yaml:"}},
		{"bad severity", "policy:\n  severities:\n  - {environment: dev, rule: r, severity: fatal}\n",
			[]string{`kvet.yaml:3: policy.severities[0].severity: severity must be error or warning, not "fatal"`}},
		{"bad limit", "limits:\n  targetTimeout: soon\n", []string{`kvet.yaml:2: limits.targetTimeout: time: invalid duration "soon"`}},
		{"crds with ..", "crds:\n- crds\n- ../../../../usr\n", []string{`kvet.yaml:3: crds[1]: "../../../../usr" leaves the repository`}},
		{"crds absolute", "crds: [/usr/share]\n", []string{`kvet.yaml:1: crds[0]: "/usr/share" is absolute`}},
		{"policy dir outside", "policy:\n  dirs:\n  - ../outside\n", []string{`kvet.yaml:3: policy.dirs[0]: "../outside" leaves the repository`}},
		{"exclude outside", "exclude: [\"../x/**\"]\n", []string{`kvet.yaml:1: exclude[0]: "../x/**" has a ".." segment`}},
		{"bad pattern", "exclude: [\"a/[b\"]\n", []string{`kvet.yaml:1: exclude[0]: invalid pattern "a/[b"`}},
		{"environment without name", "environments:\n- match: overlays/*\n", []string{`kvet.yaml:2: environments[0]: an environment needs a name`}},
		{"unknown environment key", "environments:\n- {match: overlays/*, nam: x}\n", []string{`kvet.yaml:2: unknown key "nam" in environments[0]: did you mean "name"?`}},
		{"two documents", "crds: [a]\n---\ncrds: [b]\n", []string{"kvet.yaml:2: a configuration is one YAML document"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.yaml))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "unmarshaling JSON")
		})
	}
}

func TestParseAccepts(t *testing.T) {
	c, err := config.Parse([]byte(`kubernetesVersion: 1.37
crds: [crds/, ./more]
exclude: ["tools/**"]
environments: {"overlays/prod-*": production}
policy:
  dirs: [policies]
  podSpecPaths: {"example.com/App": spec.template.spec}
limits: {maxFileBytes: 1000, targetTimeout: 1m, memoryBudget: 1Gi}
`))
	require.NoError(t, err)
	assert.Equal(t, "1.37", c.KubernetesVersion)
	assert.Equal(t, []string{"crds/", "./more"}, c.CRDs)
	assert.Equal(t, "production", c.Environment("overlays/prod-eu"))
	assert.Equal(t, "dev", c.Environment("overlays/dev"))
	assert.Equal(t, int64(1000), c.Limits.MaxFileBytes)

	for _, empty := range []string{"", "# nothing\n", "---\n", "null\n"} {
		c, err := config.Parse([]byte(empty))
		require.NoError(t, err, "%q", empty)
		assert.Empty(t, c.CRDs)
	}
}

// The list form is ordered: the first match wins, whatever the run. The
// mapping form has no order: a target two patterns name differently is
// refused, at the line of the first.
func TestEnvironments(t *testing.T) {
	list, err := config.Parse([]byte(`environments:
- {match: "overlays/prod-eu", name: production-eu}
- {match: "overlays/prod-*", name: production}
`))
	require.NoError(t, err)
	for range 20 {
		assert.Equal(t, "production-eu", list.Environment("overlays/prod-eu"))
	}
	assert.Equal(t, "production", list.Environment("overlays/prod-us"))
	require.NoError(t, list.CheckEnvironments([]string{"overlays/prod-eu", "overlays/prod-us"}))

	m, err := config.Parse([]byte(`environments:
  "overlays/prod-*": production
  "overlays/*-eu": eu
  "overlays/*": production
`))
	require.NoError(t, err)
	require.NoError(t, m.CheckEnvironments([]string{"overlays/prod-us", "overlays/dev-us"}))
	err = m.CheckEnvironments([]string{"overlays/prod-us", "overlays/prod-eu"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `kvet.yaml:2: environments: target overlays/prod-eu matches "overlays/prod-*" (production) and "overlays/*-eu" (eu, line 3)`)
	assert.Contains(t, err.Error(), "write environments as a list")
}

// Every directory kvet.yaml names exists inside the repository, symlinks
// resolved.
func TestLoadConfinesPaths(t *testing.T) {
	tmp := t.TempDir()
	root := filepath.Join(tmp, "repo")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "crds"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(tmp, "outside"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(tmp, "outside"), filepath.Join(root, "link")))
	require.NoError(t, os.WriteFile(filepath.Join(root, "file"), nil, 0o644))
	tests := []struct {
		name, yaml, want string
	}{
		{"inside", "crds: [crds]\n", ""},
		{"symlink out", "crds: [crds, link]\n", "kvet.yaml:1: crds[1]: link is a symlink out of the repository"},
		{"policy symlink out", "policy:\n  dirs:\n  - link/\n", "kvet.yaml:3: policy.dirs[0]: link/ is a symlink out of the repository"},
		{"missing", "crds:\n- nope\n", "kvet.yaml:2: crds[0]: directory nope does not exist"},
		{"not a directory", "crds: [file]\n", "kvet.yaml:1: crds[0]: file is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(filepath.Join(root, config.FileName), []byte(tt.yaml), 0o644))
			_, err := config.Load(root)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), tmp, "no absolute machine path in the message")
		})
	}

	// kvet.yaml itself symlinked out of the repository is not read.
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "outside", "kvet.yaml"), []byte("crds: [TOPSECRET]\n"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(root, config.FileName)))
	require.NoError(t, os.Symlink(filepath.Join(tmp, "outside", "kvet.yaml"), filepath.Join(root, config.FileName)))
	_, err := config.Load(root)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "TOPSECRET")

	// No kvet.yaml at all is the zero configuration.
	require.NoError(t, os.Remove(filepath.Join(root, config.FileName)))
	c, err := config.Load(root)
	require.NoError(t, err)
	assert.Empty(t, c.CRDs)
}
