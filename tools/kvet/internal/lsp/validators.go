package lsp

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
)

// validators keeps the schema validators of the last checks: a warm server
// does not compile the same schemas again at every keystroke. A
// validator depends only on its options (the kinds rendered, the CRDs, the
// Kubernetes version...), so equal options reuse it.
type validators struct {
	mu      sync.Mutex
	entries []validatorEntry // least recently used first
}

type validatorEntry struct {
	key      [sha256.Size]byte
	v        *schema.Validator
	findings []report.Finding
}

// keepValidators is how many differently configured validators stay: the
// two waves of a check, and some room for files of other targets.
const keepValidators = 4

// get is runner.Options.NewValidator.
func (c *validators) get(o schema.Options) (*schema.Validator, []report.Finding, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, nil, fmt.Errorf("schema options: %w", err)
	}
	key := sha256.Sum256(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if e.key == key {
			c.entries = append(slices.Delete(c.entries, i, i+1), e)
			return e.v, slices.Clone(e.findings), nil
		}
	}
	v, fs, err := schema.New(o)
	if err != nil {
		return nil, nil, err
	}
	c.entries = append(c.entries, validatorEntry{key: key, v: v, findings: fs})
	if len(c.entries) > keepValidators {
		c.entries = c.entries[1:]
	}
	return v, slices.Clone(fs), nil
}

// reset forgets every validator (kvet.yaml changed, or the server stops).
func (c *validators) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
