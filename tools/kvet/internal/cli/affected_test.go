package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func validatedTargets(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	code, out, stderr := kvet(t, append([]string{"validate", "--no-policies", "-o", "json"}, args...)...)
	require.Equal(t, ExitOK, code, stderr)
	var rep struct {
		Targets []struct {
			Path string `json:"path"`
		} `json:"targets"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	got := []string{}
	for _, tg := range rep.Targets {
		got = append(got, tg.Path)
	}
	return got, stderr
}

func TestChangedSince(t *testing.T) {
	repo, _ := gitFixture(t) // HEAD~1 -> HEAD changed overlays/prod/replicas.yaml
	t.Chdir(repo)

	got, stderr := validatedTargets(t, "--changed-since", "HEAD~1")
	assert.Equal(t, []string{"overlays/prod"}, got)
	assert.Contains(t, stderr, "1 changed files affect 1 of 2 targets")

	got, _ = validatedTargets(t, "--changed-since", "HEAD")
	assert.Empty(t, got, "no change since HEAD")

	// Uncommitted and untracked work counts; a file nothing reads does not.
	write(t, filepath.Join(repo, "base/deployment.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: registry.example.com/web:1.0.1\n")
	write(t, filepath.Join(repo, "base/notes.md"), "unrelated\n")
	got, _ = validatedTargets(t, "--changed-since", "HEAD")
	assert.Equal(t, []string{"overlays/old", "overlays/prod"}, got)

	write(t, filepath.Join(repo, "kvet.yaml"), "kubernetesVersion: \"1.37\"\n")
	got, stderr = validatedTargets(t, "--changed-since", "HEAD", "overlays")
	assert.Equal(t, []string{"overlays/old", "overlays/prod"}, got)
	assert.Contains(t, stderr, "kvet.yaml affects every target")

	// A schema file of a kvet.yaml schema location affects every target.
	write(t, filepath.Join(repo, "kvet.yaml"), "schemaLocations: [\"schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json\"]\n")
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "schema location")
	write(t, filepath.Join(repo, "schemas/things.example.com/thing_v1.json"), "{}\n")
	got, stderr = validatedTargets(t, "--changed-since", "HEAD")
	assert.Equal(t, []string{"overlays/old", "overlays/prod"}, got)
	assert.Contains(t, stderr, "schemas/things.example.com/thing_v1.json affects every target")

	code, _, _ := kvet(t, "validate", "--changed-since", "no-such-ref")
	assert.Equal(t, ExitUsage, code)
}

func TestShardFlag(t *testing.T) {
	repo, _ := gitFixture(t)
	t.Chdir(repo)
	first, _ := validatedTargets(t, "--shard", "1/2")
	second, _ := validatedTargets(t, "--shard", "2/2")
	assert.Equal(t, []string{"overlays/old"}, first)
	assert.Equal(t, []string{"overlays/prod"}, second)
	// Sharding applies to the affected targets.
	got, _ := validatedTargets(t, "--changed-since", "HEAD~1", "--shard", "2/2")
	assert.Empty(t, got)
	got, _ = validatedTargets(t, "--changed-since", "HEAD~1", "--shard", "1/2")
	assert.Equal(t, []string{"overlays/prod"}, got)

	for _, bad := range []string{"0/2", "3/2", "x"} {
		code, _, _ := kvet(t, "validate", "--shard", bad)
		assert.Equal(t, ExitUsage, code, bad)
	}
}
