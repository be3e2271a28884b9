// Package gitrepo is the little of git kvet needs for pull-request runs:
// resolve a revision, export its tree into a temporary directory (kvet diff)
// and list the files changed since a revision (--changed-since).
//
// It runs the git binary read-only: `git archive` and `git diff` read git
// objects and never touch the user's work tree, index or refs, so kvet is
// safe to run in a checkout with uncommitted work.
package gitrepo

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Repo is a git work tree.
type Repo struct {
	// Root is the absolute top-level directory of the work tree.
	Root string
}

// Open returns the repository whose work tree holds dir.
func Open(ctx context.Context, dir string) (*Repo, error) {
	out, err := run(ctx, dir, nil, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is not in a git work tree: %w", dir, err)
	}
	root := strings.TrimSpace(string(out))
	// Compare paths as the rest of kvet sees them (symlinked temp dirs).
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	return &Repo{Root: root}, nil
}

// Resolve returns the commit id a revision (branch, tag, sha, origin/main,
// HEAD~1) names, or an error that says the revision is unknown.
func (r *Repo) Resolve(ctx context.Context, rev string) (string, error) {
	if rev == "" || strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("invalid git revision %q", rev)
	}
	out, err := run(ctx, r.Root, nil, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("unknown git revision %q (fetch it first, e.g. git fetch origin main; in CI check out with fetch-depth: 0): %w", rev, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Export writes the tree of commit into dst (an existing, empty directory)
// from git objects: `git ls-tree` lists the blobs and `git cat-file
// --batch` streams them. Unlike `git archive` this ignores export-ignore
// and export-subst attributes, so the files are exactly the committed ones.
// Symbolic links that would point outside dst are left out, so a hostile
// commit cannot make kvet read files outside the export; submodules are
// skipped (kustomize cannot read them without network either).
func (r *Repo) Export(ctx context.Context, commit, dst string) error {
	list, err := run(ctx, r.Root, nil, "ls-tree", "-r", "-z", "--full-tree", commit)
	if err != nil {
		return err
	}
	type entry struct{ mode, sha, path string }
	var entries []entry
	var req bytes.Buffer
	for _, rec := range strings.Split(string(list), "\x00") {
		if rec == "" {
			continue
		}
		meta, path, ok := strings.Cut(rec, "\t")
		fields := strings.Fields(meta)
		if !ok || len(fields) != 3 || fields[1] != "blob" {
			continue
		}
		entries = append(entries, entry{mode: fields[0], sha: fields[2], path: path})
		req.WriteString(fields[2] + "\n")
	}
	cmd := exec.CommandContext(ctx, "git", "cat-file", "--batch")
	cmd.Dir = r.Root
	cmd.Stdin = &req
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	br := bufio.NewReader(stdout)
	var xerr error
	for _, e := range entries {
		if xerr = writeBlob(br, dst, e.mode, e.path); xerr != nil {
			break
		}
	}
	// Drain what is left so git does not block on a full pipe.
	_, _ = io.Copy(io.Discard, br)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git cat-file %s: %w: %s", commit, err, strings.TrimSpace(stderr.String()))
	}
	return xerr
}

// writeBlob reads the next `git cat-file --batch` record and writes it as
// path under dst.
func writeBlob(br *bufio.Reader, dst, mode, path string) error {
	header, err := br.ReadString('\n')
	if err != nil {
		return fmt.Errorf("read git object of %s: %w", path, err)
	}
	fields := strings.Fields(header)
	if len(fields) != 3 {
		return fmt.Errorf("read git object of %s: unexpected header %q", path, header)
	}
	size, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil {
		return fmt.Errorf("read git object of %s: %w", path, err)
	}
	content := io.LimitReader(br, size)
	defer func() { _, _ = io.Copy(io.Discard, content); _, _ = br.Discard(1) }() // trailing LF
	name := filepath.FromSlash(path)
	if !filepath.IsLocal(name) {
		return nil
	}
	p := filepath.Join(dst, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if mode == "120000" { // symbolic link: the blob is its target
		target, err := io.ReadAll(content)
		if err != nil {
			return err
		}
		abs := string(target)
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(filepath.Dir(p), abs)
		}
		if rel, err := filepath.Rel(dst, abs); err != nil || !filepath.IsLocal(rel) {
			return nil
		}
		return os.Symlink(string(target), p)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, cerr := io.Copy(f, content)
	if err := f.Close(); err != nil && cerr == nil {
		cerr = err
	}
	if cerr != nil {
		return fmt.Errorf("write %s: %w", path, cerr)
	}
	return nil
}

// ChangedFiles lists the repository-relative ("/"-separated) files that
// differ between commit and the work tree: committed, staged and unstaged
// changes, deletions (both sides of a rename) and untracked files that are
// not ignored.
func (r *Repo) ChangedFiles(ctx context.Context, commit string) ([]string, error) {
	diff, err := run(ctx, r.Root, nil, "diff", "--name-only", "--no-renames", "-z", commit, "--")
	if err != nil {
		return nil, fmt.Errorf("git diff: %w", err)
	}
	untracked, err := run(ctx, r.Root, nil, "ls-files", "--others", "--exclude-standard", "-z")
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	seen := map[string]bool{}
	var out []string
	for _, b := range [][]byte{diff, untracked} {
		for _, f := range strings.Split(string(b), "\x00") {
			if f != "" && !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// ReadFile returns the content of the repository-relative ("/"-separated)
// file at commit, refusing one larger than maxBytes; an error when the
// file does not exist there.
func (r *Repo) ReadFile(ctx context.Context, commit, file string, maxBytes int64) ([]byte, error) {
	obj := commit + ":" + file
	size, err := run(ctx, r.Root, nil, "cat-file", "-s", obj)
	if err != nil {
		return nil, err
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(string(size)), 10, 64); err != nil || n > maxBytes {
		return nil, fmt.Errorf("%s at %s: larger than %d bytes", file, commit, maxBytes)
	}
	return run(ctx, r.Root, nil, "cat-file", "blob", obj)
}

func run(ctx context.Context, dir string, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	// Never prompt (credentials, pagers), and never refresh the index as a
	// side effect (GIT_OPTIONAL_LOCKS=0): kvet leaves .git as it found it.
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat", "GIT_OPTIONAL_LOCKS=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("git %s: %w: %s", args[0], err, msg)
		}
		return nil, fmt.Errorf("git %s: %w", args[0], err)
	}
	return out, nil
}
