package guard_test

import (
	"fmt"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
)

// FuzzCheckContent: the pre-reader never panics or hangs, and whatever it
// accepts, kustomize's own reader (kio.FromBytes: split the stream, parse,
// expand aliases) handles within the limits instead of exhausting memory
// or the stack. The committed corpus is in testdata/fuzz/FuzzCheckContent.
func FuzzCheckContent(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"), true)
	f.Add([]byte(laughs(4, 4)), true)
	f.Add([]byte("a: &a [1, *a]\n"), false)
	limits := guard.Limits{MaxFileBytes: 1 << 20, MaxDocuments: 100, MaxDepth: 64, MaxAliasExpansion: 10_000}
	f.Fuzz(func(t *testing.T, b []byte, yamlExpected bool) {
		// A hang is a finding too: crash the worker so the fuzzer keeps
		// the input.
		hang := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("no answer after 10s for %q", b)) })
		defer hang.Stop()
		if v := guard.CheckContent("f.yaml", b, limits, yamlExpected); v != nil {
			if v.Rule == "" || v.Message == "" || v.File != "f.yaml" {
				t.Fatalf("incomplete violation %#v", v)
			}
			return
		}
		if !yamlExpected {
			return
		}
		func() {
			// A panic inside kyaml is recovered by the build (an
			// internal-error finding); what must not happen is a hang,
			// a stack overflow or unbounded memory, which no recover
			// catches.
			defer func() { _ = recover() }()
			_, _ = kio.FromBytes(b)
		}()
	})
}
