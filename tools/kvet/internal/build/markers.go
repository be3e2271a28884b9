package build

import (
	"bytes"
	"sync"

	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
)

// markers are the instrumented kustomizations (instrument.go), made once
// per file and shared by the Builder's builds, like the stamped resource
// files (origins.go). A file keeps its marker number for the Builder's
// life, so its instrumented bytes are the same in every target that
// includes it. A made copy is reused only while the kustomization and
// every file instrument read for it (patch files, replacement files) hold
// the same bytes: kvet lsp keeps its Builder across edits, so a path alone
// proves nothing.
type markers struct {
	mu     sync.Mutex
	number map[string]int // kustomization file -> marker number
	made   map[markerKey]*instrumented
	makes  int // instrumented copies made (tests: once per file)
}

type markerKey struct {
	path string
	root bool
}

type instrumented struct {
	dir     string
	raw     []byte     // the kustomization it was made from
	reads   []readFile // the other files instrument read, as read
	content []byte
	probes  []probe
	origin  bool
}

type readFile struct {
	path string
	data []byte
}

func newMarkers() *markers {
	return &markers{number: map[string]int{}, made: map[markerKey]*instrumented{}}
}

// fileNumber returns f's marker number, the same for the Builder's life.
func (m *markers) fileNumber(path string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.number[path]
	if !ok {
		n = len(m.number) + 1
		m.number[path] = n
	}
	return n
}

// instrument returns f instrumented (see the package function), made once
// per content. The probes returned are shared: callers must not modify them.
func (m *markers) instrument(read readFunc, f *kustfile.File, root bool) ([]byte, []probe, bool, error) {
	n := m.fileNumber(f.Path)
	key := markerKey{path: f.Path, root: root}
	m.mu.Lock()
	c := m.made[key]
	m.mu.Unlock()
	if c != nil && c.dir == f.Dir && bytes.Equal(c.raw, f.Raw) && unchanged(read, c.reads) {
		return c.content, c.probes, c.origin, nil
	}
	var reads []readFile
	failed := false
	recording := func(p string) ([]byte, error) {
		data, err := read(p)
		if err != nil {
			failed = true
		} else {
			reads = append(reads, readFile{path: p, data: data})
		}
		return data, err
	}
	content, probes, origin, err := instrument(recording, f, root, n, nil)
	if err != nil || failed {
		// Not kept: a file instrument could not read may appear later.
		return content, probes, origin, err
	}
	m.mu.Lock()
	m.makes++
	m.made[key] = &instrumented{dir: f.Dir, raw: f.Raw, reads: reads, content: content, probes: probes, origin: origin}
	m.mu.Unlock()
	return content, probes, origin, nil
}

// unchanged reports whether every file still reads as it did.
func unchanged(read readFunc, files []readFile) bool {
	for _, rf := range files {
		data, err := read(rf.path)
		if err != nil || !bytes.Equal(data, rf.data) {
			return false
		}
	}
	return true
}
