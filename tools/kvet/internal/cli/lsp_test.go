package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
	"go.uber.org/zap"

	"github.com/example/gitops-go-stack/tools/kvet/internal/lsp"
)

// lspClient is an editor: it talks JSON-RPC to kvet lsp over pipes and
// records what the server publishes.
type lspClient struct {
	server protocol.Server
	diags  chan *protocol.PublishDiagnosticsParams
	// registered receives the server's dynamic registrations.
	registered chan protocol.Registration
	dir        string
	done       chan int
	// encoding is the positionEncoding the server chose.
	encoding string
}

func (c *lspClient) Progress(context.Context, *protocol.ProgressParams) error { return nil }
func (c *lspClient) WorkDoneProgressCreate(context.Context, *protocol.WorkDoneProgressCreateParams) error {
	return nil
}
func (c *lspClient) LogMessage(context.Context, *protocol.LogMessageParams) error { return nil }
func (c *lspClient) PublishDiagnostics(_ context.Context, p *protocol.PublishDiagnosticsParams) error {
	c.diags <- p
	return nil
}
func (c *lspClient) ShowMessage(context.Context, *protocol.ShowMessageParams) error { return nil }
func (c *lspClient) ShowMessageRequest(context.Context, *protocol.ShowMessageRequestParams) (*protocol.MessageActionItem, error) {
	return nil, nil
}
func (c *lspClient) Telemetry(context.Context, any) error { return nil }
func (c *lspClient) RegisterCapability(_ context.Context, p *protocol.RegistrationParams) error {
	for _, r := range p.Registrations {
		c.registered <- r
	}
	return nil
}
func (c *lspClient) UnregisterCapability(context.Context, *protocol.UnregistrationParams) error {
	return nil
}
func (c *lspClient) ApplyEdit(context.Context, *protocol.ApplyWorkspaceEditParams) (bool, error) {
	return false, nil
}
func (c *lspClient) Configuration(context.Context, *protocol.ConfigurationParams) ([]any, error) {
	return nil, nil
}
func (c *lspClient) WorkspaceFolders(context.Context) ([]protocol.WorkspaceFolder, error) {
	return nil, nil
}

type pipes struct {
	io.Reader
	io.WriteCloser
}

func (p pipes) Close() error { return p.WriteCloser.Close() }

// startLSP runs kvet lsp in-process on a copy of the fixture repository
// and connects a client to it.
func startLSP(t *testing.T, fixture string) *lspClient {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(fixture)))
	return startLSPIn(t, dir, "--debounce", "20ms")
}

// startLSPIn runs kvet lsp with args on the repository dir (which it only
// reads: edits stay in the client's buffers).
func startLSPIn(t *testing.T, dir string, args ...string) *lspClient {
	t.Helper()
	return startLSPInit(t, dir, &protocol.InitializeParams{RootURI: uri.File(dir), Capabilities: protocol.ClientCapabilities{
		Workspace: &protocol.WorkspaceClientCapabilities{DidChangeWatchedFiles: &protocol.DidChangeWatchedFilesWorkspaceClientCapabilities{DynamicRegistration: true}}}}, args...)
}

// startLSPInit is startLSPIn with the client's initialize params (any
// JSON: the library's types predate some of LSP 3.17).
func startLSPInit(t *testing.T, dir string, init any, args ...string) *lspClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	toServerR, toServerW := io.Pipe()
	toClientR, toClientW := io.Pipe()
	c := &lspClient{diags: make(chan *protocol.PublishDiagnosticsParams, 1000), registered: make(chan protocol.Registration, 10), dir: dir, done: make(chan int, 1)}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		code, err := lspCommand(ctx, args, toServerR, toClientW, logWriter{t})
		if err != nil {
			t.Errorf("kvet lsp: %v", err)
		}
		_ = toClientW.Close()
		c.done <- code
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped // the server logs to t: it must be gone before t ends
	})
	var conn jsonrpc2.Conn
	_, conn, c.server = protocol.NewClient(ctx, c, jsonrpc2.NewStream(pipes{toClientR, toServerW}), zap.NewNop())
	var res struct {
		protocol.InitializeResult
		Capabilities struct {
			protocol.ServerCapabilities
			PositionEncoding string `json:"positionEncoding"`
		} `json:"capabilities"`
	}
	_, err := conn.Call(ctx, protocol.MethodInitialize, init, &res)
	require.NoError(t, err)
	c.encoding = res.Capabilities.PositionEncoding
	require.NotNil(t, res.Capabilities.HoverProvider)
	require.NoError(t, c.server.Initialized(ctx, &protocol.InitializedParams{}))
	return c
}

func (c *lspClient) uri(rel string) protocol.DocumentURI { return uri.File(filepath.Join(c.dir, rel)) }

func (c *lspClient) read(t *testing.T, rel string) string {
	b, err := os.ReadFile(filepath.Join(c.dir, rel))
	require.NoError(t, err)
	return string(b)
}

func (c *lspClient) open(t *testing.T, rel string) string {
	text := c.read(t, rel)
	require.NoError(t, c.server.DidOpen(context.Background(), &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: c.uri(rel), LanguageID: "yaml", Version: 1, Text: text}}))
	return text
}

func (c *lspClient) change(t *testing.T, rel string, version int32, text string) {
	require.NoError(t, c.server.DidChange(context.Background(), &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: c.uri(rel)}, Version: version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{Text: text}},
	}))
}

// wait returns the first diagnostics published for rel that satisfy ok.
func (c *lspClient) wait(t *testing.T, rel string, ok func([]protocol.Diagnostic) bool) []protocol.Diagnostic {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case p := <-c.diags:
			if p.URI == c.uri(rel) && ok(p.Diagnostics) {
				return p.Diagnostics
			}
		case <-timeout:
			t.Fatalf("no diagnostics for %s as expected", rel)
		}
	}
}

func withRule(rule string, line uint32) func([]protocol.Diagnostic) bool {
	return func(ds []protocol.Diagnostic) bool {
		return slices.ContainsFunc(ds, func(d protocol.Diagnostic) bool { return d.Code == rule && d.Range.Start.Line == line })
	}
}

func without(rule string) func([]protocol.Diagnostic) bool {
	return func(ds []protocol.Diagnostic) bool {
		return !slices.ContainsFunc(ds, func(d protocol.Diagnostic) bool { return d.Code == rule })
	}
}

// apply applies a quick fix's edits of one document to its text.
func apply(t *testing.T, text string, edits []protocol.TextEdit) string {
	t.Helper()
	slices.SortFunc(edits, func(a, b protocol.TextEdit) int { return int(b.Range.Start.Line) - int(a.Range.Start.Line) })
	offset := func(p protocol.Position) int {
		lines := strings.SplitAfter(text, "\n")
		o := 0
		for i := 0; i < int(p.Line) && i < len(lines); i++ {
			o += len(lines[i])
		}
		return min(o+int(p.Character), len(text))
	}
	for _, e := range edits {
		text = text[:offset(e.Range.Start)] + e.NewText + text[offset(e.Range.End):]
	}
	return text
}

func (c *lspClient) quickFix(t *testing.T, rel string, line uint32, title string) []protocol.TextEdit {
	t.Helper()
	actions, err := c.server.CodeAction(context.Background(), &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: c.uri(rel)},
		Range: protocol.Range{Start: protocol.Position{Line: line}, End: protocol.Position{Line: line}}})
	require.NoError(t, err)
	for _, a := range actions {
		if strings.HasPrefix(a.Title, title) {
			require.NotNil(t, a.Edit)
			return a.Edit.Changes[c.uri(rel)]
		}
	}
	t.Fatalf("no quick fix %q on %s:%d among %v", title, rel, line+1, actions)
	return nil
}

// TestLSP drives kvet lsp as an editor would, over JSON-RPC: a base edited
// into a privileged container gets the finding at its line, a quick fix
// clears it; hover shows the value per overlay; an unknown field is
// renamed; a patch edited to match nothing gets its finding in the
// kustomization that lists it, removed by a quick fix; definition and the
// code lens follow the kustomizations.
func TestLSP(t *testing.T) {
	c := startLSP(t, filepath.Join("testdata", "lsp"))
	ctx := context.Background()
	const deploy = "base/app/deployment.yaml"
	text := c.open(t, deploy)
	c.wait(t, deploy, func(ds []protocol.Diagnostic) bool { return len(ds) == 0 })

	// A privileged container in the base: the finding is on that line.
	privileged := strings.Replace(text, "            allowPrivilegeEscalation: false\n",
		"            allowPrivilegeEscalation: false\n            privileged: true\n", 1)
	line := uint32(slices.Index(strings.Split(privileged, "\n"), "            privileged: true"))
	c.change(t, deploy, 2, privileged)
	ds := c.wait(t, deploy, withRule("privileged-container", line))
	for _, d := range ds {
		if d.Code == "privileged-container" {
			assert.Equal(t, protocol.DiagnosticSeverityError, d.Severity)
			assert.Contains(t, d.Message, "remove securityContext.privileged")
			assert.Contains(t, d.Message, "[overlays/dev, overlays/production]")
			assert.Equal(t, uint32(12), d.Range.Start.Character)
		}
	}
	// Fixed by hand: cleared.
	c.change(t, deploy, 3, text)
	c.wait(t, deploy, func(ds []protocol.Diagnostic) bool { return len(ds) == 0 })

	// Hover: the final value in each target, and what sets it.
	hover, err := c.server.Hover(ctx, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: c.uri(deploy)}, Position: protocol.Position{Line: 6, Character: 4}}})
	require.NoError(t, err)
	require.NotNil(t, hover)
	assert.Equal(t, "replicas: 3 (overlays/dev) · 6 (overlays/production, set by overlays/production/replicas.yaml:7)", hover.Contents.Value)

	// On a patch: only the targets that include it.
	hover, err = c.server.Hover(ctx, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: c.uri("overlays/production/replicas.yaml")}, Position: protocol.Position{Line: 6, Character: 4}}})
	require.NoError(t, err)
	require.NotNil(t, hover)
	assert.Equal(t, "replicas: 6 (overlays/production)", hover.Contents.Value)

	// The restricted-defaults quick fix, applied and re-validated.
	c.change(t, deploy, 4, privileged)
	c.wait(t, deploy, withRule("privileged-container", line))
	fixed := apply(t, privileged, c.quickFix(t, deploy, line, "Set the restricted securityContext"))
	assert.NotContains(t, fixed, "privileged")
	c.change(t, deploy, 5, fixed)
	c.wait(t, deploy, func(ds []protocol.Diagnostic) bool { return len(ds) == 0 })

	// An unknown field renamed to the suggested one.
	typo := strings.Replace(text, "  replicas: 3\n", "  replicaz: 3\n", 1)
	c.change(t, deploy, 6, typo)
	c.wait(t, deploy, withRule("unknown-field", 6))
	renamed := apply(t, typo, c.quickFix(t, deploy, 6, "Rename replicaz to replicas"))
	assert.Equal(t, text, renamed)
	c.change(t, deploy, 7, renamed)
	c.wait(t, deploy, func(ds []protocol.Diagnostic) bool { return len(ds) == 0 })

	// A patch that no longer matches: the finding goes to the
	// kustomization that lists it, which is not open.
	const patch, kust = "overlays/production/replicas.yaml", "overlays/production/kustomization.yaml"
	ptext := c.open(t, patch)
	c.change(t, patch, 2, strings.Replace(ptext, "name: web", "name: webb", 1))
	for _, d := range c.wait(t, kust, withRule("patch-no-match", 5)) {
		assert.Empty(t, d.RelatedInformation, "the client did not ask for related information")
	}
	ktext := c.open(t, kust)
	removed := apply(t, ktext, c.quickFix(t, kust, 5, "Remove the patches entry"))
	assert.NotContains(t, removed, "patches")
	c.change(t, kust, 2, removed)
	c.wait(t, kust, without("patch-no-match"))

	// Go to definition: a resources entry to the base's kustomization, a
	// patches entry to the patch file.
	def := func(l uint32) []protocol.Location {
		locs, err := c.server.Definition(ctx, &protocol.DefinitionParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: c.uri(kust)}, Position: protocol.Position{Line: l, Character: 6}}})
		require.NoError(t, err)
		return locs
	}
	c.change(t, kust, 3, ktext)
	if locs := def(3); assert.Len(t, locs, 1) {
		assert.Equal(t, c.uri("base/app/kustomization.yaml"), locs[0].URI)
	}
	if locs := def(5); assert.Len(t, locs, 1) {
		assert.Equal(t, c.uri(patch), locs[0].URI)
	}

	// The safety rules of kvet validate: a remote base in a buffer is
	// refused, not fetched.
	c.change(t, kust, 4, strings.Replace(ktext, "  - ../../base/app\n", "  - ../../base/app\n  - https://github.com/example/remote//base?ref=v1\n", 1))
	c.wait(t, kust, withRule("remote-resource", 4))

	// The code lens: which targets include the base's file.
	lenses, err := c.server.CodeLens(ctx, &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: c.uri(deploy)}})
	require.NoError(t, err)
	if assert.Len(t, lenses, 1) {
		assert.Equal(t, "included by 2 targets: overlays/dev, overlays/production", lenses[0].Command.Title)
	}

	// didSave (with the text, as the server asks) checks too.
	require.NoError(t, c.server.DidSave(ctx, &protocol.DidSaveTextDocumentParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: c.uri(deploy)}, Text: privileged}))
	c.wait(t, deploy, withRule("privileged-container", line))

	require.NoError(t, c.server.Shutdown(ctx))
	require.NoError(t, c.server.Exit(ctx))
	select {
	case code := <-c.done:
		assert.Equal(t, ExitOK, code)
	case <-time.After(time.Minute):
		t.Fatal("kvet lsp did not exit")
	}
}

// TestLSPLatency is make bench's editor figure: a warm server on this
// repository, one file of the shared base edited again and again, the
// time from each edit to its diagnostics (default debounce included).
// Skipped unless KVET_LSP_BENCH is set.
func TestLSPLatency(t *testing.T) {
	if os.Getenv("KVET_LSP_BENCH") == "" {
		t.Skip("make bench runs it (KVET_LSP_BENCH=1)")
	}
	root, err := filepath.Abs(filepath.Join("..", "..", "..", ".."))
	require.NoError(t, err)
	const file = "base/go-app/workload/deployment.yaml"
	c := startLSPIn(t, root)
	text := c.open(t, file)
	c.wait(t, file, func([]protocol.Diagnostic) bool { return true }) // warm: the first check
	lens, err := c.server.CodeLens(context.Background(), &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: c.uri(file)}})
	require.NoError(t, err)
	edits := 30
	if n, err := strconv.Atoi(os.Getenv("KVET_LSP_BENCH_EDITS")); err == nil && n > 1 {
		edits = n
	}
	title := ""
	if len(lens) == 1 {
		title = lens[0].Command.Title
	}
	// The overlays' diagnostics come first, the GitOps entry points'
	// (which render the same overlays) in a second publish.
	publishes := 1
	if len(lens) == 1 && len(lens[0].Command.Arguments) == 1 {
		if names, ok := lens[0].Command.Arguments[0].([]any); ok && slices.ContainsFunc(names, func(n any) bool { return strings.Contains(fmt.Sprint(n), "#") }) {
			publishes = 2
		}
	}
	var first, last, cpuFirst, cpu []time.Duration
	for i := range edits {
		version := int32(i + 2)
		edited := text
		if i%2 == 0 {
			edited = strings.Replace(text, "replicas: ", "replicas:  ", 1) // same objects, new bytes
		}
		start, startCPU := time.Now(), cpuTime()
		c.change(t, file, version, edited)
		c.waitVersion(t, file, version)
		first = append(first, time.Since(start))
		cpuFirst = append(cpuFirst, cpuTime()-startCPU)
		if publishes == 2 {
			c.waitVersion(t, file, version)
		}
		last = append(last, time.Since(start))
		cpu = append(cpu, cpuTime()-startCPU)
	}
	for _, d := range [][]time.Duration{first, last, cpuFirst, cpu} {
		slices.Sort(d)
	}
	ms := func(d []time.Duration, pct int) time.Duration { return d[(len(d)-1)*pct/100].Round(time.Millisecond) }
	fmt.Printf("lsp latency: %d edits of %s (%s), %s debounce included: first diagnostics (overlays) median %s, p95 %s (CPU %s, %s); all targets median %s, p95 %s (CPU %s, %s); GOMAXPROCS %d\n",
		edits, file, strings.SplitN(title, ":", 2)[0], lsp.DefaultDebounce, ms(first, 50), ms(first, 95), ms(cpuFirst, 50), ms(cpuFirst, 95),
		ms(last, 50), ms(last, 95), ms(cpu, 50), ms(cpu, 95), runtime.GOMAXPROCS(0))
}

// waitVersion waits for the diagnostics of rel at version.
func (c *lspClient) waitVersion(t *testing.T, rel string, version int32) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case p := <-c.diags:
			if p.URI == c.uri(rel) && p.Version == uint32(version) {
				return
			}
		case <-timeout:
			t.Fatalf("no diagnostics for %s at version %d", rel, version)
		}
	}
}

// cpuTime is the CPU time this process used so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// exit without shutdown ends the server with status 1, as the protocol says.
func TestLSPExitWithoutShutdown(t *testing.T) {
	c := startLSP(t, filepath.Join("testdata", "lsp"))
	require.NoError(t, c.server.Exit(context.Background()))
	select {
	case code := <-c.done:
		assert.Equal(t, ExitFindings, code)
	case <-time.After(time.Minute):
		t.Fatal("kvet lsp did not exit")
	}
}

// A file changed on disk (a checkout, another editor) is checked again
// when the client reports it, kvet.yaml too; the server asks to be told.
func TestLSPWatchedFiles(t *testing.T) {
	c := startLSP(t, filepath.Join("testdata", "lsp"))
	select {
	case r := <-c.registered:
		assert.Equal(t, protocol.MethodWorkspaceDidChangeWatchedFiles, r.Method)
	case <-time.After(time.Minute):
		t.Fatal("no registration for watched files")
	}
	const patch, kust = "overlays/production/replicas.yaml", "overlays/production/kustomization.yaml"
	require.NoError(t, os.WriteFile(filepath.Join(c.dir, patch), []byte(strings.Replace(c.read(t, patch), "name: web", "name: webb", 1)), 0o600))
	require.NoError(t, c.server.DidChangeWatchedFiles(context.Background(), &protocol.DidChangeWatchedFilesParams{
		Changes: []*protocol.FileEvent{{Type: protocol.FileChangeTypeChanged, URI: c.uri(patch)}}}))
	c.wait(t, kust, withRule("patch-no-match", 5))

	// kvet.yaml changed: read again, the open files checked again.
	const deploy = "base/app/deployment.yaml"
	text := c.open(t, deploy)
	privileged := strings.Replace(text, "            allowPrivilegeEscalation: false\n", "            allowPrivilegeEscalation: false\n            privileged: true\n", 1)
	c.change(t, deploy, 2, privileged)
	c.wait(t, deploy, withRule("privileged-container", 32))
	require.NoError(t, os.WriteFile(filepath.Join(c.dir, "kvet.yaml"), []byte(
		"policy:\n  exceptions:\n    - {rule: privileged-container, path: \"overlays/*\", reason: a test, expires: \"2099-01-01\"}\n"), 0o600))
	require.NoError(t, c.server.DidChangeWatchedFiles(context.Background(), &protocol.DidChangeWatchedFilesParams{
		Changes: []*protocol.FileEvent{{Type: protocol.FileChangeTypeCreated, URI: c.uri("kvet.yaml")}}}))
	c.wait(t, deploy, without("privileged-container"))
	require.NoError(t, c.server.Shutdown(context.Background()))
	require.NoError(t, c.server.Exit(context.Background()))
	assert.Equal(t, ExitOK, <-c.done)
}

// Positions are in the client's encoding: UTF-16 code units by default
// (a line with ä and an emoji ends earlier than its byte count), UTF-8
// bytes when the client offers them; a patch that matches nothing points
// at the patch's metadata.name as related information.
func TestLSPPositionEncoding(t *testing.T) {
	const deploy = "base/app/deployment.yaml"
	const patch, kust = "overlays/production/replicas.yaml", "overlays/production/kustomization.yaml"
	const privilegedLine = "            privileged: true # ä 😀"
	const nameLine = "  name: webb # ä 😀"
	for _, tc := range []struct {
		encodings []string
		want      string
		end       func(string) uint32
	}{
		{nil, "utf-16", func(s string) uint32 { return uint32(len(utf16.Encode([]rune(s)))) }},
		{[]string{"utf-32", "utf-8", "utf-16"}, "utf-8", func(s string) uint32 { return uint32(len(s)) }},
	} {
		t.Run(tc.want, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "lsp"))))
			caps := map[string]any{"textDocument": map[string]any{"publishDiagnostics": map[string]any{"relatedInformation": true}}}
			if tc.encodings != nil {
				caps["general"] = map[string]any{"positionEncodings": tc.encodings}
			}
			c := startLSPInit(t, dir, map[string]any{"rootUri": uri.File(dir), "capabilities": caps}, "--debounce", "20ms")
			assert.Equal(t, tc.want, c.encoding)

			text := c.open(t, deploy)
			privileged := strings.Replace(text, "            allowPrivilegeEscalation: false\n", "            allowPrivilegeEscalation: false\n"+privilegedLine+"\n", 1)
			line := uint32(slices.Index(strings.Split(privileged, "\n"), privilegedLine))
			c.change(t, deploy, 2, privileged)
			for _, d := range c.wait(t, deploy, withRule("privileged-container", line)) {
				if d.Code == "privileged-container" {
					assert.Equal(t, uint32(12), d.Range.Start.Character)
					assert.Equal(t, tc.end(privilegedLine), d.Range.End.Character)
				}
			}

			ptext := c.open(t, patch)
			c.change(t, patch, 2, strings.Replace(ptext, "  name: web\n", nameLine+"\n", 1))
			var found bool
			for _, d := range c.wait(t, kust, withRule("patch-no-match", 5)) {
				if d.Code != "patch-no-match" {
					continue
				}
				found = true
				if assert.Len(t, d.RelatedInformation, 1) {
					r := d.RelatedInformation[0]
					assert.Equal(t, c.uri(patch), r.Location.URI)
					assert.Equal(t, protocol.Range{Start: protocol.Position{Line: 3, Character: 2}, End: protocol.Position{Line: 3, Character: tc.end(nameLine)}}, r.Location.Range)
					assert.Contains(t, r.Message, "metadata.name")
				}
			}
			assert.True(t, found)
		})
	}
}

// Which targets include a file is read from the buffers: a resources
// entry typed into a kustomization and not saved makes the file it names
// part of that overlay at once (code lens and checks).
func TestLSPDiscoveryFromBuffers(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "lsp"))))
	base, err := os.ReadFile(filepath.Join(dir, "base", "app", "deployment.yaml"))
	require.NoError(t, err)
	const extra, kust = "overlays/dev/worker.yaml", "overlays/dev/kustomization.yaml"
	worker := strings.Replace(string(base), "name: web\n", "name: worker\n", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, extra), []byte(worker), 0o600))
	c := startLSPIn(t, dir, "--debounce", "20ms")
	ctx := context.Background()
	lens := func() string {
		lenses, err := c.server.CodeLens(ctx, &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: c.uri(extra)}})
		require.NoError(t, err)
		require.Len(t, lenses, 1)
		return lenses[0].Command.Title
	}
	c.open(t, extra)
	c.wait(t, extra, func(ds []protocol.Diagnostic) bool { return len(ds) == 0 })
	assert.Equal(t, "included by no target", lens())

	ktext := c.open(t, kust)
	c.change(t, kust, 2, ktext+"  - worker.yaml\n")
	assert.Equal(t, "included by 1 target: overlays/dev", lens())
	c.waitVersion(t, kust, 2) // that check is over: the next one is the file's own

	// An edit of the file is checked in the overlay that now includes it.
	privileged := strings.Replace(worker, "            allowPrivilegeEscalation: false\n",
		"            allowPrivilegeEscalation: false\n            privileged: true\n", 1)
	line := uint32(slices.Index(strings.Split(privileged, "\n"), "            privileged: true"))
	c.change(t, extra, 2, privileged)
	c.wait(t, extra, withRule("privileged-container", line))

	// Closed unsaved: the disk's kustomization again.
	require.NoError(t, c.server.DidClose(ctx, &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: c.uri(kust)}}))
	assert.Equal(t, "included by no target", lens())
}

// logWriter sends the server's log to the test's.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// A client that stops reading while the server sends diagnostics (an
// editor that went away) must not keep kvet lsp from ending: the write
// in flight fails when the server closes its stream.
func TestLSPEndsWhileClientStopsReading(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "lsp"))))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	toServerR, toServerW := io.Pipe()
	toClientR, toClientW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code, _ := lspCommand(ctx, []string{"--debounce", "1ms"}, toServerR, toClientW, logWriter{t})
		done <- code
	}()
	t.Cleanup(func() { _ = toServerW.Close(); _ = toClientR.Close() })
	send := func(msg string) {
		_, err := fmt.Fprintf(toServerW, "Content-Length: %d\r\n\r\n%s", len(msg), msg)
		require.NoError(t, err)
	}
	in := bufio.NewReader(toClientR)
	// next reads one whole message from the server.
	next := func() string {
		var n int
		for {
			line, err := in.ReadString('\n')
			require.NoError(t, err)
			if line == "\r\n" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				n, err = strconv.Atoi(strings.TrimSpace(v))
				require.NoError(t, err)
			}
		}
		b := make([]byte, n)
		_, err := io.ReadFull(in, b)
		require.NoError(t, err)
		return string(b)
	}
	send(fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"rootUri":%q,"capabilities":{}}}`, uri.File(dir)))
	require.Contains(t, next(), `"id":1`)
	send(`{"jsonrpc":"2.0","method":"initialized","params":{}}`)
	const deploy = "base/app/deployment.yaml"
	text, err := os.ReadFile(filepath.Join(dir, deploy))
	require.NoError(t, err)
	open, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": map[string]any{
		"textDocument": map[string]any{"uri": uri.File(filepath.Join(dir, deploy)), "languageId": "yaml", "version": 1, "text": string(text)}}})
	require.NoError(t, err)
	send(string(open))
	for !strings.Contains(next(), "textDocument/publishDiagnostics") {
	}
	// Another check; read one byte of what it sends, then nothing more:
	// the server is now in the middle of a write nobody finishes reading.
	change, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": map[string]any{
		"textDocument":   map[string]any{"uri": uri.File(filepath.Join(dir, deploy)), "version": 2},
		"contentChanges": []map[string]any{{"text": string(text) + "\n"}}}})
	require.NoError(t, err)
	send(string(change))
	_, err = in.ReadByte()
	require.NoError(t, err)
	cancel()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("kvet lsp did not end: a write to a client that stopped reading holds it")
	}
}
