package corpus_test

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/example/gitops-go-stack/tools/benchcorpus/corpus"
)

func digest(c corpus.Corpus) string {
	h := sha256.New()
	for _, p := range c.Paths() {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(c[p]))
		h.Write(c[p])
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestGenerateIsDeterministic(t *testing.T) {
	for _, n := range []int{1, 7, 40} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			a, err := corpus.Generate(n)
			require.NoError(t, err)
			b, err := corpus.Generate(n)
			require.NoError(t, err)
			assert.Equal(t, digest(a), digest(b))
			assert.Equal(t, a.Paths(), b.Paths())
		})
	}
}

func TestGenerateWritesTheSameBytesToDisk(t *testing.T) {
	c, err := corpus.Generate(3)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, c.Write(dir))
	for _, p := range c.Paths() {
		assert.FileExists(t, filepath.Join(dir, filepath.FromSlash(p)))
	}
}

func TestGenerateShape(t *testing.T) {
	tests := []struct {
		name string
		n    int
		// want: files of the corpus with the given suffix.
		suffix string
		want   int
	}{
		{name: "one overlay per app and environment", n: 10, suffix: "/deployment-patch.yaml", want: 30},
		{name: "one app base per app", n: 10, suffix: "/base/widget.yaml", want: 10},
		{name: "aggregate per environment", n: 10, suffix: "/tenants.yaml", want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := corpus.Generate(tt.n)
			require.NoError(t, err)
			got := 0
			for _, p := range c.Paths() {
				if strings.HasSuffix(p, tt.suffix) {
					got++
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Len(t, corpus.Targets(10), 33)
	_, err := corpus.Generate(0)
	assert.Error(t, err)
}

func TestEveryTargetBuilds(t *testing.T) {
	c, err := corpus.Generate(4) // app 4 is a worker: both bases
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, c.Write(dir))
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	for _, target := range corpus.Targets(4) {
		m, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(dir, filepath.FromSlash(target)))
		require.NoError(t, err, target)
		assert.NotZero(t, m.Size(), target)
	}
}
