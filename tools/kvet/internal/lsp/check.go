package lsp

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/example/gitops-go-stack/tools/kvet/internal/affected"
	"github.com/example/gitops-go-stack/tools/kvet/internal/discover"
	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
)

// state is what the server knows about the repository: its targets and
// what the last check of each said. Guarded by Server.mu.
type state struct {
	// stale: a file was saved, so the targets and their inputs are read
	// again before the next check.
	stale   bool
	targets []discover.Target
	inputs  map[string]*affected.Inputs // by target path
	results map[string]*result          // by target path
	// repo holds the repository-level findings (target ".") of the last check.
	repo []report.Finding
	// published are the repository-relative files that have diagnostics
	// on the client, so that they are cleared when their findings go.
	published map[string]bool
}

// result is the last check of one target.
type result struct {
	dir      string
	findings []report.Finding
	objects  []runner.Object
}

func newState() *state {
	return &state{stale: true, inputs: map[string]*affected.Inputs{}, results: map[string]*result{}, published: map[string]bool{}}
}

// including lists the targets whose inputs include the repository-relative
// file, sorted by path. Kustomizations are read from fsys: an unsaved
// resources entry counts.
func (st *state) including(root, rel string, fsys *overlayFS) []discover.Target {
	var out []discover.Target
	var l *affected.Loader
	for _, t := range st.targets {
		in := st.inputs[t.Path]
		if in == nil {
			if l == nil {
				l = affected.NewLoader(root).WithLoad(fsys.loadKustomization)
			}
			in = l.TargetInputs(t)
			st.inputs[t.Path] = in
		}
		if in.Touches(rel) {
			out = append(out, t)
		}
	}
	return out
}

// discover finds the repository's targets, its kustomizations read from
// fsys (the buffers over the disk); GitOps manifests are read from disk.
func discoverTargets(ctx context.Context, root string, sess *Session, fsys *overlayFS) ([]discover.Target, error) {
	cfg := sess.Config
	targets, err := discover.Discover(ctx, discover.Options{Root: root, Excluded: cfg.Excluded,
		RepositoryURLs: gitops.RepositoryURLs(root, cfg.RepositoryURLs), Load: fsys.loadKustomization}, []string{root})
	if err != nil {
		return nil, fmt.Errorf("discover the targets: %w", err)
	}
	return targets, nil
}

// scheduler debounces edits and runs one check at a time; an edit cancels
// the check in flight (its files are checked again with the edit's).
type scheduler struct {
	s    *Server
	base context.Context
	// check runs one check (Server.check; tests replace it).
	check    func(ctx context.Context, files []string) error
	debounce time.Duration

	mu       sync.Mutex
	pending  map[string]bool
	inflight map[string]bool
	cancel   context.CancelFunc
	timer    *time.Timer
	stopped  bool

	running sync.Mutex
}

func (c *scheduler) init(ctx context.Context, s *Server) {
	c.s, c.base, c.pending = s, ctx, map[string]bool{}
	c.check, c.debounce = s.check, s.opts.Debounce
}

func (c *scheduler) changed(p string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.pending[p] = true
	if c.cancel != nil {
		c.cancel()
		for f := range c.inflight {
			c.pending[f] = true
		}
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	c.timer = time.AfterFunc(c.debounce, c.fire)
}

func (c *scheduler) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.cancel != nil {
		c.cancel()
	}
}

func (c *scheduler) fire() {
	c.running.Lock()
	defer c.running.Unlock()
	c.mu.Lock()
	if c.stopped || len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	files := c.pending
	c.pending = map[string]bool{}
	ctx, cancel := context.WithCancel(c.base)
	c.cancel, c.inflight = cancel, files
	c.mu.Unlock()
	defer cancel()

	err := c.check(ctx, slices.Sorted(func(yield func(string) bool) {
		for f := range files {
			if !yield(f) {
				return
			}
		}
	}))
	if err != nil && !errors.Is(err, context.Canceled) && c.s != nil {
		fmt.Fprintf(c.s.opts.Log, "kvet lsp: check: %v\n", err)
		c.s.showMessage(protocol.MessageTypeError, "kvet: "+err.Error())
	}
	c.mu.Lock()
	if ctx.Err() == nil {
		c.cancel, c.inflight = nil, nil
	}
	c.mu.Unlock()
}

func (s *Server) limits() guard.Limits {
	if s.session == nil || s.session.Config == nil {
		return guard.Defaults()
	}
	return s.session.Config.Limits.Guard()
}

// snapshot copies the open buffers: a check reads one consistent state.
func (s *Server) snapshot() map[string][]byte {
	out := make(map[string][]byte, len(s.docs))
	for p, d := range s.docs {
		out[p] = d.text
	}
	return out
}

// check re-validates the targets that include any of files (absolute) with
// the buffers as they are now, and publishes the diagnostics that changed.
func (s *Server) check(ctx context.Context, files []string) error {
	started := time.Now()
	s.mu.Lock()
	root, sess, st := s.root, s.session, s.state
	if sess == nil {
		s.mu.Unlock()
		return nil
	}
	fsys := newOverlayFS(root, s.limits(), s.snapshot())
	stale := st.stale
	st.stale = false
	s.mu.Unlock()

	if stale {
		targets, err := discoverTargets(ctx, root, sess, fsys)
		if err != nil {
			return err
		}
		s.mu.Lock()
		st.targets, st.inputs = targets, map[string]*affected.Inputs{}
		s.mu.Unlock()
	}
	rels := make([]string, 0, len(files))
	var waves [2]map[string]bool // kustomization directories, then GitOps entry points
	waves[0], waves[1] = map[string]bool{}, map[string]bool{}
	s.mu.Lock()
	for _, f := range files {
		rel := paths.Rel(root, f)
		rels = append(rels, rel)
		for _, t := range st.including(root, rel, fsys) {
			if t.Entry != nil {
				waves[1][t.Path] = true
			} else {
				waves[0][t.Path] = true
			}
		}
	}
	// Until the entry points are checked again, their findings in the
	// edited files may be stale: drop those, keep the others.
	for p := range waves[1] {
		if r := st.results[p]; r != nil && len(waves[0]) > 0 {
			r.findings = slices.DeleteFunc(slices.Clone(r.findings), func(f report.Finding) bool { return slices.Contains(rels, f.Source.File) })
		}
	}
	s.mu.Unlock()

	// The directories first, published at once: the overlays give most
	// findings in a fraction of the time; the entry points that render
	// the same directories (Flux, Argo CD) follow.
	checked := 0
	var repo []report.Finding
	for _, selected := range waves {
		if len(selected) == 0 {
			continue
		}
		fs, err := s.run(ctx, root, sess, fsys, selected)
		if err != nil {
			return err
		}
		repo = append(repo, fs...)
		s.mu.Lock()
		st.repo = repo
		s.mu.Unlock()
		checked += len(selected)
		s.publish(rels)
	}
	if checked == 0 {
		s.publish(rels)
	}
	fmt.Fprintf(s.opts.Log, "kvet lsp: checked %d targets for %s in %s\n", checked, strings.Join(rels, ", "), time.Since(started).Round(time.Millisecond))
	return nil
}

// run checks the selected targets and records their results; it returns
// the repository-level findings (target ".").
func (s *Server) run(ctx context.Context, root string, sess *Session, fsys *overlayFS, selected map[string]bool) ([]report.Finding, error) {
	var mu sync.Mutex
	rendered := map[string]*result{}
	b := sess.Build
	b.FS = fsys
	rep, err := runner.Run(ctx, runner.Options{
		Root: root, Paths: []string{root}, Config: sess.Config, Build: b, Jobs: s.opts.Jobs, Checkers: sess.NewCheckers(),
		Select: func(_ context.Context, ts []discover.Target) ([]discover.Target, error) {
			return slices.DeleteFunc(ts, func(t discover.Target) bool { return !selected[t.Path] }), nil
		},
		NewValidator: s.validators.get,
		Rendered: func(t discover.Target, objs []runner.Object) {
			mu.Lock()
			rendered[t.Path] = &result{dir: t.Dir, objects: objs}
			mu.Unlock()
		},
	})
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err() // a newer edit: its check publishes
	}
	for _, t := range rep.Targets {
		if rendered[t.Path] == nil {
			rendered[t.Path] = &result{} // did not build: no objects
		}
	}
	var repo []report.Finding
	for _, f := range rep.Findings {
		targets := f.Targets
		if len(targets) == 0 {
			targets = []string{f.Target}
		}
		for _, t := range targets {
			if t == "." {
				repo = append(repo, f)
			} else if r := rendered[t]; r != nil {
				r.findings = append(r.findings, f)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, r := range rendered {
		if r.dir == "" {
			for _, t := range s.state.targets {
				if t.Path == p {
					r.dir = t.Dir
				}
			}
		}
		s.state.results[p] = r
	}
	return repo, nil
}

// diagnosticKey is one defect: the same rule at the same place with the
// same words, whichever targets reach it.
type diagnosticKey struct {
	line          int
	rule, message string
}

// publish sends the diagnostics of every file that has findings, that had
// some, or that was just checked (so the editor sees the check finished).
func (s *Server) publish(checked []string) {
	s.mu.Lock()
	st := s.state
	byFile := map[string]map[diagnosticKey]*report.Finding{}
	targetsOf := map[string]map[diagnosticKey][]string{}
	add := func(f report.Finding, target string) {
		if f.Source.File == "" || strings.HasPrefix(f.Source.File, "/") || strings.HasPrefix(f.Source.File, "..") {
			return
		}
		k := diagnosticKey{line: f.Source.Line, rule: f.Rule, message: f.Message}
		if byFile[f.Source.File] == nil {
			byFile[f.Source.File], targetsOf[f.Source.File] = map[diagnosticKey]*report.Finding{}, map[diagnosticKey][]string{}
		}
		if _, ok := byFile[f.Source.File][k]; !ok {
			byFile[f.Source.File][k] = &f
		}
		if target != "" && !slices.Contains(targetsOf[f.Source.File][k], target) {
			targetsOf[f.Source.File][k] = append(targetsOf[f.Source.File][k], target)
		}
	}
	for t, r := range st.results {
		for _, f := range r.findings {
			add(f, t)
		}
	}
	for _, f := range st.repo {
		add(f, "")
	}
	files := map[string]bool{}
	for f := range byFile {
		files[f] = true
	}
	for f := range st.published {
		files[f] = true
	}
	for _, f := range checked {
		files[f] = true
	}
	st.published = map[string]bool{}
	for f := range byFile {
		st.published[f] = true
	}
	root, enc, related := s.root, s.enc, s.related
	versions := map[string]int32{}
	for p, d := range s.docs {
		versions[paths.Rel(root, p)] = d.version
	}
	s.mu.Unlock()

	for _, rel := range slices.Sorted(func(yield func(string) bool) {
		for f := range files {
			if !yield(f) {
				return
			}
		}
	}) {
		abs := filepath.Join(root, filepath.FromSlash(rel))
		lines := splitLines(s.text(abs))
		diags := []protocol.Diagnostic{}
		for k, f := range byFile[rel] {
			d := diagnostic(*f, targetsOf[rel][k], lines, enc)
			if related {
				d.RelatedInformation = s.relatedInformation(root, f.Related, enc)
			}
			diags = append(diags, d)
		}
		slices.SortFunc(diags, func(a, b protocol.Diagnostic) int {
			if c := int(a.Range.Start.Line) - int(b.Range.Start.Line); c != 0 {
				return c
			}
			return strings.Compare(a.Message, b.Message)
		})
		_ = s.conn.Notify(context.Background(), protocol.MethodTextDocumentPublishDiagnostics, &protocol.PublishDiagnosticsParams{
			URI: uri.File(abs), Version: uint32(max(versions[rel], 0)), Diagnostics: diags,
		})
	}
}

// diagnostic is a finding as the editor shows it: on its line, from the
// first non-blank character to the end, with the rule as code.
func diagnostic(f report.Finding, targets []string, lines []string, enc encoding) protocol.Diagnostic {
	sev := protocol.DiagnosticSeverityError
	if f.Severity == report.SeverityWarning {
		sev = protocol.DiagnosticSeverityWarning
	}
	msg := f.Message
	if f.Resource.Kind != "" {
		msg = fmt.Sprintf("%s %s: %s", f.Resource.Kind, f.Resource.Name, msg)
	}
	slices.Sort(targets)
	if len(targets) > 0 {
		msg += " [" + strings.Join(targets, ", ") + "]"
	}
	return protocol.Diagnostic{
		Range:    lineRange(lines, f.Source.Line, enc),
		Severity: sev,
		Code:     f.Rule,
		Source:   "kvet",
		Message:  msg,
	}
}

// lineRange is the 1-based line of lines from its first non-blank
// character to its end, in the client's encoding.
func lineRange(lines []string, line int, enc encoding) protocol.Range {
	line = max(line-1, 0)
	start, end := 0, 0
	if line < len(lines) {
		text := lines[line]
		start = len(text) - len(strings.TrimLeft(text, " \t-"))
		end = len(text)
	}
	return protocol.Range{Start: enc.position(lines, line, start), End: enc.position(lines, line, end)}
}

// relatedInformation is a finding's other places (the patch file's
// metadata.name for a patch that matches nothing), inside the repository.
func (s *Server) relatedInformation(root string, rel []report.Related, enc encoding) []protocol.DiagnosticRelatedInformation {
	var out []protocol.DiagnosticRelatedInformation
	for _, r := range rel {
		if r.File == "" || strings.HasPrefix(r.File, "/") || strings.HasPrefix(r.File, "..") {
			continue
		}
		abs := filepath.Join(root, filepath.FromSlash(r.File))
		out = append(out, protocol.DiagnosticRelatedInformation{
			Location: protocol.Location{URI: uri.File(abs), Range: lineRange(splitLines(s.text(abs)), r.Line, enc)},
			Message:  r.Message,
		})
	}
	return out
}

func splitLines(b []byte) []string {
	return strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
}
