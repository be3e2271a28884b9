package policy

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// listener counts the connections made to a local TCP port.
func listener(t *testing.T) (addr string, dials *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	dials = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dials.Add(1)
			// Answer after the request, or the client sees an unsolicited
			// response and http.send fails.
			if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
				_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"))
			}
			_ = c.Close()
		}
	}()
	return ln.Addr().String(), dials
}

func writePolicy(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.rego"), []byte(src), 0o644))
	return dir
}

// Repository Rego gets no network, DNS, clock or runtime built-ins: the
// policy does not compile, nothing is dialled, and the error says which
// flag allows it. With the flag the same policy runs (the test would
// fail without the restriction).
func TestPolicyCapabilities(t *testing.T) {
	addr, dials := listener(t)
	tests := []struct {
		name, body, builtin string
	}{
		{"http.send", fmt.Sprintf(`r := http.send({"method": "GET", "url": "http://%s/x"})`, addr), "http.send"},
		{"dns", `r := net.lookup_ip_addr("localhost")`, "net.lookup_ip_addr"},
		{"runtime", `r := opa.runtime()`, "opa.runtime"},
		{"clock", `r := time.now_ns()`, "time.now_ns"},
		{"random", `r := rand.intn("x", 10)`, "rand.intn"},
	}
	obj := Object{Resource: report.Resource{APIVersion: "v1", Kind: "ConfigMap", Name: "c"}, Body: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c"}}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writePolicy(t, "package leak\n\ndeny contains msg if {\n\t"+tt.body+"\n\tmsg := sprintf(\"%v\", [r])\n}\n")
			_, err := New(context.Background(), Options{Dirs: []string{dir}, NoDefaults: true})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "p.rego:4: rego_type_error: undefined function "+tt.builtin)
			assert.Contains(t, err.Error(), "--allow-unsafe-builtins")

			var out bytes.Buffer
			_, err = Test(context.Background(), []string{dir}, false, &out)
			assert.ErrorContains(t, err, "undefined function "+tt.builtin, "policy test compiles with the same built-ins")

			e, err := New(context.Background(), Options{Dirs: []string{dir}, NoDefaults: true, AllowUnsafeBuiltins: true})
			require.NoError(t, err, "the flag allows it")
			fs, err := e.Evaluate(context.Background(), Target{Path: "t"}, []Object{obj})
			require.NoError(t, err)
			assert.NotEmpty(t, fs)
		})
	}
	assert.EqualValues(t, 1, dials.Load(), "only the run with --allow-unsafe-builtins connected")
	assert.Subset(t, RemovedBuiltins(), []string{"http.send", "net.lookup_ip_addr", "opa.runtime", "time.now_ns", "rand.intn", "uuid.rfc4122"})
	assert.NotContains(t, RemovedBuiltins(), "net.cidr_contains", "pure built-ins stay")
}

// A policy file symlinked out of the repository is not read.
func TestPolicySymlinkOut(t *testing.T) {
	tmp := t.TempDir()
	root := filepath.Join(tmp, "repo")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "policies"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "secret.rego"), []byte("package x\n# TOPSECRET\n"), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(tmp, "secret.rego"), filepath.Join(root, "policies", "p.rego")))
	_, err := New(context.Background(), Options{Dirs: []string{filepath.Join(root, "policies")}, Root: root, NoDefaults: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "outside the repository")
	assert.NotContains(t, err.Error(), "TOPSECRET")
}
