package guard

import (
	"bytes"
	"sync"
)

// Checked remembers the content that passed CheckContent, per file, so
// that a file many builds read (a shared base) is checked once per run.
// One Checked is for one Limits; it is safe for concurrent use. A file
// whose content differs from the remembered one is checked again.
type Checked struct {
	limits Limits
	mu     sync.Mutex
	clean  map[string][]byte // file (and whether YAML is expected) -> content
}

// NewChecked returns an empty Checked for l.
func NewChecked(l Limits) *Checked {
	return &Checked{limits: l.WithDefaults(), clean: map[string][]byte{}}
}

// CheckContent is CheckContent(file, b, the limits, yamlExpected).
func (c *Checked) CheckContent(file string, b []byte, yamlExpected bool) *Violation {
	key := file
	if yamlExpected {
		key += "\x00yaml"
	}
	c.mu.Lock()
	known, ok := c.clean[key]
	c.mu.Unlock()
	if ok && bytes.Equal(known, b) {
		return nil
	}
	if v := CheckContent(file, b, c.limits, yamlExpected); v != nil {
		return v
	}
	c.mu.Lock()
	c.clean[key] = bytes.Clone(b) // the caller may change b
	c.mu.Unlock()
	return nil
}

// ReadFile is ReadFile(root, path, the limits), its content checked once.
func (c *Checked) ReadFile(root, path string) ([]byte, *Violation, error) {
	return readFile(root, path, c.limits, c.CheckContent)
}
