package build_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
)

// kyaml initialises its OpenAPI schema lazily and reads it without its lock
// (IsNamespaceScoped, SchemaForResourceType): builds started concurrently
// before anything initialised it race. The schema is process-global, so the
// builds run in a fresh process (this test binary again) where nothing has
// touched it; under -race a data race fails that process.
func TestConcurrentBuildsFreshProcess(t *testing.T) {
	if os.Getenv("KVET_RACE_CHILD") == "1" {
		concurrentBuilds(t)
		return
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^TestConcurrentBuildsFreshProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "KVET_RACE_CHILD=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "concurrent builds in a fresh process:\n%s", out)
}

func concurrentBuilds(t *testing.T) {
	root := t.TempDir()
	const n = 16
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("t%d", i))
		require.NoError(t, os.MkdirAll(dir, 0o755))
		write(t, filepath.Join(dir, "kustomization.yaml"), `namespace: ns
resources:
- deploy.yaml
patches:
- patch: |
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      template:
        spec:
          containers:
          - name: web
            image: web:2
`)
		write(t, filepath.Join(dir, "deploy.yaml"), `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: web:1
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules: []
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec: {size: 1}
`)
	}
	b := build.New(build.Options{Root: root})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res := b.Build(context.Background(), build.Spec{Dir: filepath.Join(root, fmt.Sprintf("t%d", i))})
			if res.Err != nil {
				t.Errorf("build t%d: %v", i, res.Err)
			}
		})
	}
	wg.Wait()
}

func write(t *testing.T, p, s string) {
	t.Helper()
	require.NoError(t, os.WriteFile(p, []byte(s), 0o644))
}
