// Package contents keeps the contents of files a run has already read,
// so that the passes that read every manifest of a repository (the
// cache's hash of every file, discovery's scan for GitOps entry points,
// the index of the repository's Flux objects) read each file from the disk
// once. What a Store holds is what the first pass read: every later pass
// sees the same bytes, even when the file changes during the run.
package contents

import (
	"os"
	"sync"
)

// Store is safe for concurrent use. A nil Store keeps nothing: ReadFile
// reads the disk.
type Store struct {
	mu     sync.RWMutex
	files  map[string][]byte
	budget int64
	used   int64
}

// New returns a Store that keeps at most budget bytes (files beyond it are
// read again when asked for).
func New(budget int64) *Store {
	return &Store{files: map[string][]byte{}, budget: budget}
}

// Keep records the contents of the file at path (an absolute, clean
// path), unless the budget is spent. The caller must not change b.
func (s *Store) Keep(path string, b []byte) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files == nil || s.used+int64(len(b)) > s.budget {
		return
	}
	if _, ok := s.files[path]; !ok {
		s.files[path] = b
		s.used += int64(len(b))
	}
}

// ReadFile returns the kept contents of path, else reads it (as
// os.ReadFile; what it reads is not kept). The caller must not change
// the bytes.
func (s *Store) ReadFile(path string) ([]byte, error) {
	if s != nil {
		s.mu.RLock()
		b, ok := s.files[path]
		s.mu.RUnlock()
		if ok {
			return b, nil
		}
	}
	return os.ReadFile(path)
}

// Release drops every kept file (the passes that share them are done);
// ReadFile reads the disk from then on.
func (s *Store) Release() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files, s.used = nil, 0
}
