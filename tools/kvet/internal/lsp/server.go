// Package lsp is kvet's language server (kvet lsp): while a person edits a
// base, a patch or a component, it re-validates the targets that include
// the file, with the unsaved buffers, and shows what kvet validate would
// report, where it would report it. The protocol types and JSON-RPC come
// from go.lsp.dev (docs/editor.md says why); checks are kvet's runner.
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/example/gitops-go-stack/tools/kvet/internal/affected"
	"github.com/example/gitops-go-stack/tools/kvet/internal/build"
	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// Session is what a check needs that depends on the repository the
// editor opens: its kvet.yaml and the checkers built from it.
type Session struct {
	Config *config.Config
	// Build holds the safety opt-ins, as for kvet validate (none by default).
	Build build.Options
	// NewCheckers returns the checkers (policies) for one check: they may
	// keep per-run state.
	NewCheckers func() []runner.Checker
}

// Options configure a server.
type Options struct {
	// Prepare loads the session for the repository root (absolute); it is
	// called at initialize and again when kvet.yaml is saved.
	Prepare func(ctx context.Context, root string) (*Session, error)
	// Debounce is how long the server waits after an edit before checking
	// (a newer edit restarts the wait and cancels a running check).
	Debounce time.Duration
	// Log receives the server's own messages (stderr); nil: discarded.
	Log io.Writer
	// Jobs bounds the targets built at once (0: the number of CPUs).
	Jobs int
}

// DefaultDebounce is the pause after the last keystroke before a check.
const DefaultDebounce = 150 * time.Millisecond

type document struct {
	version int32
	text    []byte
}

// Server is one language server connection.
type Server struct {
	opts Options
	conn jsonrpc2.Conn

	mu       sync.Mutex
	root     string
	session  *Session
	docs     map[string]*document // absolute path -> buffer
	state    *state               // targets and the last results (check.go)
	shutdown bool
	exited   bool
	exit     chan struct{} // closed by the exit notification
	canWatch bool          // the client watches files for the server
	enc      encoding      // how the client counts characters (position.go)
	related  bool          // the client shows diagnostics' related information

	sched      scheduler  // check.go
	validators validators // validators.go
}

// Serve runs the server on rwc (stdin/stdout for kvet lsp) until the
// client sends exit or closes the stream.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opts Options) error {
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	s := &Server{opts: opts, docs: map[string]*document{}, exit: make(chan struct{})}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.sched.init(ctx, s)
	s.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(rwc))
	s.conn.Go(ctx, s.handle)
	select {
	case <-s.conn.Done():
	case <-s.exit:
	case <-ctx.Done():
	}
	// Closing may not interrupt a read blocked on stdin (a terminal or a
	// pipe in blocking mode): do not wait for the reading goroutine long,
	// the process ends when Serve returns.
	_ = s.conn.Close()
	select {
	case <-s.conn.Done():
	case <-time.After(250 * time.Millisecond):
	}
	s.sched.stop()
	s.sched.running.Lock() // the check in flight, if any, has returned
	s.validators.reset()
	s.sched.running.Unlock()
	s.mu.Lock()
	exited, shutdown := s.exited, s.shutdown
	s.mu.Unlock()
	if exited && !shutdown {
		return ErrExitWithoutShutdown
	}
	if err := s.conn.Err(); err != nil && !exited && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
		return fmt.Errorf("kvet lsp: %w", err)
	}
	return nil
}

// ErrExitWithoutShutdown: the client sent exit before shutdown, which the
// protocol answers with exit status 1.
var ErrExitWithoutShutdown = errors.New("exit without shutdown")

// handle dispatches one message. It runs on the connection's reading
// goroutine: notifications only record state and schedule checks, and
// requests answer from the last check's results, so nothing here waits
// for a build.
func (s *Server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	if err := s.dispatch(ctx, reply, req); err != nil {
		// Only a failed write gets here. Returning it would make jsonrpc2
		// record a second error when the stream then fails, and panic.
		fmt.Fprintf(s.opts.Log, "kvet lsp: %s: %v\n", req.Method(), err)
	}
	return nil
}

func (s *Server) dispatch(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(s.opts.Log, "kvet lsp: %s panicked: %v\n", req.Method(), r)
			_ = reply(ctx, nil, fmt.Errorf("kvet lsp: %s: internal error: %v", req.Method(), r))
		}
	}()
	switch req.Method() {
	case protocol.MethodInitialize:
		var p protocol.InitializeParams
		if err := decode(req, &p); err != nil {
			return reply(ctx, nil, err)
		}
		res, err := s.initialize(ctx, &p, negotiate(req.Params()))
		return reply(ctx, res, err)
	case protocol.MethodInitialized:
		s.watchFiles()
		return reply(ctx, nil, nil)
	case protocol.MethodWorkspaceDidChangeWatchedFiles:
		var p protocol.DidChangeWatchedFilesParams
		if err := decode(req, &p); err != nil {
			return reply(ctx, nil, err)
		}
		s.filesChanged(p.Changes)
		return reply(ctx, nil, nil)
	case protocol.MethodShutdown:
		s.mu.Lock()
		s.shutdown = true
		s.mu.Unlock()
		s.sched.stop()
		return reply(ctx, nil, nil)
	case protocol.MethodExit:
		s.mu.Lock()
		if s.exited {
			s.mu.Unlock()
			return nil
		}
		s.exited = true
		s.mu.Unlock()
		_ = reply(ctx, nil, nil)
		close(s.exit) // Serve returns
		return nil
	case protocol.MethodTextDocumentDidOpen:
		var p protocol.DidOpenTextDocumentParams
		if err := decode(req, &p); err != nil {
			return reply(ctx, nil, err)
		}
		s.setBuffer(p.TextDocument.URI, p.TextDocument.Version, []byte(p.TextDocument.Text))
		return reply(ctx, nil, nil)
	case protocol.MethodTextDocumentDidChange:
		var p protocol.DidChangeTextDocumentParams
		if err := decode(req, &p); err != nil {
			return reply(ctx, nil, err)
		}
		// Full synchronisation (the capability says so): the last change
		// holds the whole text.
		if n := len(p.ContentChanges); n > 0 {
			s.setBuffer(p.TextDocument.URI, p.TextDocument.Version, []byte(p.ContentChanges[n-1].Text))
		}
		return reply(ctx, nil, nil)
	case protocol.MethodTextDocumentDidSave:
		var p protocol.DidSaveTextDocumentParams
		if err := decode(req, &p); err != nil {
			return reply(ctx, nil, err)
		}
		s.saved(p.TextDocument.URI, p.Text)
		return reply(ctx, nil, nil)
	case protocol.MethodTextDocumentDidClose:
		var p protocol.DidCloseTextDocumentParams
		if err := decode(req, &p); err != nil {
			return reply(ctx, nil, err)
		}
		s.closed(p.TextDocument.URI)
		return reply(ctx, nil, nil)
	case protocol.MethodTextDocumentHover:
		var p protocol.HoverParams
		if err := decode(req, &p); err != nil {
			return reply(ctx, nil, err)
		}
		h := s.hover(p.TextDocument.URI, p.Position)
		if h == nil {
			return reply(ctx, nil, nil) // JSON null: nothing to show
		}
		return reply(ctx, h, nil)
	case protocol.MethodTextDocumentDefinition:
		var p protocol.DefinitionParams
		if err := decode(req, &p); err != nil {
			return reply(ctx, nil, err)
		}
		return reply(ctx, s.definition(p.TextDocument.URI, p.Position), nil)
	case protocol.MethodTextDocumentCodeAction:
		var p protocol.CodeActionParams
		if err := decode(req, &p); err != nil {
			return reply(ctx, nil, err)
		}
		return reply(ctx, s.codeActions(p.TextDocument.URI, p.Range), nil)
	case protocol.MethodTextDocumentCodeLens:
		var p protocol.CodeLensParams
		if err := decode(req, &p); err != nil {
			return reply(ctx, nil, err)
		}
		return reply(ctx, s.codeLenses(p.TextDocument.URI), nil)
	case protocol.MethodCancelRequest:
		return reply(ctx, nil, nil) // every request is answered at once
	}
	if _, ok := req.(*jsonrpc2.Notification); ok {
		return nil // unknown notifications ($/setTrace, ...) are ignored
	}
	return jsonrpc2.MethodNotFoundHandler(ctx, reply, req)
}

func decode(req jsonrpc2.Request, v any) error {
	if len(req.Params()) == 0 {
		return nil
	}
	if err := json.Unmarshal(req.Params(), v); err != nil {
		return fmt.Errorf("%w: %s: %w", jsonrpc2.ErrInvalidParams, req.Method(), err)
	}
	return nil
}

func (s *Server) initialize(ctx context.Context, p *protocol.InitializeParams, enc encoding) (*initializeResult, error) {
	dir := ""
	switch {
	case len(p.WorkspaceFolders) > 0:
		dir = uri.New(p.WorkspaceFolders[0].URI).Filename()
	case p.RootURI != "":
		dir = p.RootURI.Filename()
	case p.RootPath != "":
		dir = p.RootPath
	default:
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("no workspace folder: %w", err)
		}
		dir = wd
	}
	root, err := repositoryRoot(dir)
	if err != nil {
		return nil, err
	}
	sess, err := s.opts.Prepare(ctx, root)
	if err != nil {
		return nil, fmt.Errorf("kvet lsp: %w", err)
	}
	s.mu.Lock()
	s.root, s.session = root, sess
	s.state = newState()
	if w := p.Capabilities.Workspace; w != nil && w.DidChangeWatchedFiles != nil {
		s.canWatch = w.DidChangeWatchedFiles.DynamicRegistration
	}
	if td := p.Capabilities.TextDocument; td != nil && td.PublishDiagnostics != nil {
		s.related = td.PublishDiagnostics.RelatedInformation
	}
	s.enc = enc
	s.mu.Unlock()
	fmt.Fprintf(s.opts.Log, "kvet lsp: repository %s\n", root)
	return &initializeResult{
		Capabilities: serverCapabilities{PositionEncoding: enc, ServerCapabilities: protocol.ServerCapabilities{
			TextDocumentSync: &protocol.TextDocumentSyncOptions{
				OpenClose: true,
				Change:    protocol.TextDocumentSyncKindFull,
				Save:      &protocol.SaveOptions{IncludeText: true},
			},
			HoverProvider:      true,
			DefinitionProvider: true,
			CodeActionProvider: &protocol.CodeActionOptions{CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix}},
			CodeLensProvider:   &protocol.CodeLensOptions{},
		}},
		ServerInfo: &protocol.ServerInfo{Name: "kvet"},
	}, nil
}

// repositoryRoot is the nearest directory at or above dir holding .git,
// else dir: the root kvet validate uses, so kvet.yaml and paths agree.
func repositoryRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("workspace folder %s: %w", dir, err)
	}
	if !paths.IsDir(abs) {
		return "", fmt.Errorf("workspace folder %s is not a directory", dir)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return abs, nil
		}
	}
}

// file is the absolute path of a document inside the repository, "" for
// anything else (another scheme, outside the root): kvet only reads the
// repository.
func (s *Server) file(u protocol.DocumentURI) string {
	if s.root == "" || len(u) < 7 || string(u[:7]) != "file://" {
		return ""
	}
	p := filepath.Clean(u.Filename())
	if !paths.Inside(s.root, p) {
		return ""
	}
	return p
}

func (s *Server) setBuffer(u protocol.DocumentURI, version int32, text []byte) {
	s.mu.Lock()
	p := s.file(u)
	if p == "" || s.shutdown {
		s.mu.Unlock()
		return
	}
	s.docs[p] = &document{version: version, text: text}
	s.kustomizationChanged(p)
	s.mu.Unlock()
	s.sched.changed(p)
}

func (s *Server) saved(u protocol.DocumentURI, text string) {
	s.mu.Lock()
	p := s.file(u)
	if p == "" || s.shutdown {
		s.mu.Unlock()
		return
	}
	if d := s.docs[p]; d != nil && text != "" {
		d.text = []byte(text)
	}
	s.state.stale = true // the saved file may change which targets include what
	reload := filepath.Base(p) == "kvet.yaml" && filepath.Dir(p) == s.root
	s.mu.Unlock()
	if reload {
		go s.reloadSession() // it waits for the check in flight
	}
	s.sched.changed(p)
}

func (s *Server) reloadSession() {
	sess, err := s.opts.Prepare(context.Background(), s.root)
	if err != nil {
		// Keep checking with the last good configuration; say why.
		s.showMessage(protocol.MessageTypeError, "kvet: kvet.yaml not applied: "+err.Error())
		return
	}
	s.mu.Lock()
	s.session = sess
	s.state = newState()
	s.mu.Unlock()
	s.sched.running.Lock()
	s.validators.reset() // schema locations and CRD directories may differ
	s.sched.running.Unlock()
	// Every verdict may change: check the open files again.
	s.mu.Lock()
	open := slices.Collect(maps.Keys(s.docs))
	s.mu.Unlock()
	for _, p := range append(open, filepath.Join(s.root, "kvet.yaml")) {
		s.sched.changed(p)
	}
}

func (s *Server) closed(u protocol.DocumentURI) {
	s.mu.Lock()
	p := s.file(u)
	if p == "" {
		s.mu.Unlock()
		return
	}
	_, was := s.docs[p]
	delete(s.docs, p)
	if was {
		s.kustomizationChanged(p)
	}
	s.mu.Unlock()
	if was {
		s.sched.changed(p) // back to the file on disk
	}
}

// kustomizationChanged: an edited (or closed) kustomization buffer may
// change which targets exist and what they include, so both are read
// again, from the buffers, before the next check or code lens. Called with
// s.mu held.
func (s *Server) kustomizationChanged(p string) {
	if s.state != nil && isKustomization(p) {
		s.state.stale = true
		s.state.inputs = map[string]*affected.Inputs{}
	}
}

// text is the editor's buffer of p, else the file on disk.
func (s *Server) text(p string) []byte {
	s.mu.Lock()
	d := s.docs[p]
	s.mu.Unlock()
	if d != nil {
		return d.text
	}
	b, err := newOverlayFS(s.root, s.limits(), nil).ReadFile(p)
	if err != nil {
		return nil
	}
	return b
}

func (s *Server) showMessage(t protocol.MessageType, msg string) {
	_ = s.conn.Notify(context.Background(), protocol.MethodWindowShowMessage, &protocol.ShowMessageParams{Type: t, Message: msg})
}

// watchFiles asks the client to report the repository's YAML files that
// change on disk (a git checkout, a formatter, another editor), when it
// can. The request is answered on the reading goroutine, so it is sent
// from another one.
func (s *Server) watchFiles() {
	s.mu.Lock()
	can := s.canWatch
	s.mu.Unlock()
	if !can {
		return
	}
	go func() {
		_, err := s.conn.Call(context.Background(), protocol.MethodClientRegisterCapability, &protocol.RegistrationParams{
			Registrations: []protocol.Registration{{
				ID: "kvet-yaml", Method: protocol.MethodWorkspaceDidChangeWatchedFiles,
				RegisterOptions: &protocol.DidChangeWatchedFilesRegistrationOptions{Watchers: []protocol.FileSystemWatcher{
					{GlobPattern: "**/*.{yaml,yml}"}, {GlobPattern: "**/Kustomization"},
				}},
			}},
		}, nil)
		if err != nil {
			fmt.Fprintf(s.opts.Log, "kvet lsp: the client does not watch files: %v\n", err)
		}
	}()
}

// filesChanged re-checks what changed on disk: which targets exist and
// what they include are read again, as after a save. Open files keep
// their buffers.
func (s *Server) filesChanged(changes []*protocol.FileEvent) {
	var files []string
	s.mu.Lock()
	for _, c := range changes {
		if c == nil {
			continue
		}
		if p := s.file(c.URI); p != "" && s.docs[p] == nil {
			files = append(files, p)
		}
	}
	if len(files) > 0 && s.state != nil {
		s.state.stale = true
	}
	reload := slices.Contains(files, filepath.Join(s.root, "kvet.yaml"))
	s.mu.Unlock()
	if reload {
		go s.reloadSession()
	}
	for _, p := range files {
		s.sched.changed(p)
	}
}
