package schema

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
)

// kvet validates with the JSON Schema library kubeconform is built on
// (santhosh-tekuri/jsonschema), configured exactly as kubeconform v0.8.0's
// validator configures it (pkg/validator: downloadSchema), so the verdicts
// are kubeconform's -strict verdicts: Draft 4 unless a schema says
// otherwise, the library's default format assertions plus kubeconform's
// "duration" format, and the decoded object validated as it is.
// kubeconform compiles every schema file with a fresh compiler and keeps
// the result per kind; kvet keeps the schema documents in memory, compiles
// each one the first time an object needs it, with one compiler for the
// run, and validates once: the same error tree gives the verdict and the
// detail (detail.go). Nothing is written to disk and nothing is read for a
// schema: a "$ref" to another document does not resolve, as it did not in
// the private schema directory kvet used to write.
//
// TestAgreesWithKubeconform checks verdicts and errors against
// kubeconform's own validator on the same schema documents.

// schemaSet holds the schema documents of a run and compiles them lazily.
// It is safe for concurrent use; documents are added before the first
// lookup.
type schemaSet struct {
	docs map[string]schemaDoc // by "apiVersion/Kind"

	mu       sync.RWMutex
	compiler *jsonschema.Compiler
	compiled map[string]compiled
}

type schemaDoc struct {
	raw []byte
	// source names it for messages ("" for a bundled built-in).
	source string
}

type compiled struct {
	schema *jsonschema.Schema
	err    error
}

func newSchemaSet() *schemaSet {
	c := jsonschema.NewCompiler()
	// kubeconform's compiler options, except its loader: here a reference
	// out of a document is not followed (no file, no network).
	c.RegisterFormat(&jsonschema.Format{Name: "duration", Validate: validateDuration})
	c.UseLoader(jsonschema.SchemeURLLoader{})
	c.DefaultDraft(jsonschema.Draft4)
	return &schemaSet{docs: map[string]schemaDoc{}, compiler: c, compiled: map[string]compiled{}}
}

// add records the schema of apiVersion/kind; a later add replaces it (the
// repository's CRDs override the catalog).
func (s *schemaSet) add(apiVersion, kind string, raw []byte, source string) {
	s.docs[apiVersion+"/"+kind] = schemaDoc{raw: raw, source: source}
}

// errNoSchema is kubeconform's verdict when no location holds a schema for
// the kind: an Error result, "could not find schema for <Kind>".
var errNoSchema = errors.New("no schema")

// get returns the compiled schema of key ("apiVersion/Kind"), compiling it
// on first use. A document that does not compile is, for kubeconform, no
// schema at all (it tries the next location, then reports none); kvet
// keeps the compiler's reason for the message.
func (s *schemaSet) get(key string) (*jsonschema.Schema, error) {
	s.mu.RLock()
	c, ok := s.compiled[key]
	s.mu.RUnlock()
	if ok {
		return c.schema, c.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.compiled[key]; ok {
		return c.schema, c.err
	}
	sch, err := s.compile(key)
	s.compiled[key] = compiled{schema: sch, err: err}
	return sch, err
}

// validate checks body against the schema of key. verr is the
// library's verdict (nil: valid); err says there is no usable schema.
func (s *schemaSet) validate(key string, body map[string]any) (sch *jsonschema.Schema, verr, err error) {
	sch, err = s.get(key)
	if err != nil {
		return nil, nil, err
	}
	return sch, sch.Validate(body), nil
}

// compile runs under s.mu: the compiler is not safe for concurrent use.
func (s *schemaSet) compile(key string) (*jsonschema.Schema, error) {
	doc, ok := s.docs[key]
	if !ok {
		return nil, errNoSchema
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc.raw))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if v == nil {
		// kubeconform skips a document that is just null.
		return nil, errNoSchema
	}
	url := schemaURL(key)
	if err := s.compiler.AddResource(url, v); err != nil {
		return nil, err
	}
	return s.compiler.Compile(url)
}

// schemaURL names the document of key inside the compiler. The kind keeps
// its case: unlike kubeconform's lower-cased file names, two kinds that
// differ only in case cannot share a schema.
func schemaURL(key string) string { return "kvet://schemas/" + key + ".json" }

// validateDuration is kubeconform v0.8.0's "duration" format
// (pkg/validator/validator.go, unexported there): Kubernetes' Go duration
// ("1h30m", as apimachinery parses it) or ISO 8601 ("PT1H30M"). JSON
// Schema's own duration format only knows ISO 8601, and metav1.Duration
// fields of CRDs carry "format: duration".
func validateDuration(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}

	// Try validation with the Go duration format
	if _, err := strfmt.ParseDuration(s); err == nil {
		return nil
	}

	// must start with 'P'
	s, ok = strings.CutPrefix(s, "P")
	if !ok {
		return fmt.Errorf("must start with P")
	}
	if s == "" {
		return fmt.Errorf("nothing after P")
	}

	// dur-week
	if s, ok := strings.CutSuffix(s, "W"); ok {
		if s == "" {
			return fmt.Errorf("no number in week")
		}
		for _, ch := range s {
			if ch < '0' || ch > '9' {
				return fmt.Errorf("invalid week")
			}
		}
		return nil
	}

	allUnits := []string{"YMD", "HMS"}
	for i, s := range strings.Split(s, "T") {
		if i != 0 && s == "" {
			return fmt.Errorf("no time elements")
		}
		if i >= len(allUnits) {
			return fmt.Errorf("more than one T")
		}
		units := allUnits[i]
		for s != "" {
			digitCount := 0
			for _, ch := range s {
				if ch >= '0' && ch <= '9' {
					digitCount++
				} else {
					break
				}
			}
			if digitCount == 0 {
				return fmt.Errorf("missing number")
			}
			s = s[digitCount:]
			if s == "" {
				return fmt.Errorf("missing unit")
			}
			unit := s[0]
			j := strings.IndexByte(units, unit)
			if j == -1 {
				if strings.IndexByte(allUnits[i], unit) != -1 {
					return fmt.Errorf("unit %q out of order", unit)
				}
				return fmt.Errorf("invalid unit %q", unit)
			}
			units = units[j+1:]
			s = s[1:]
		}
	}

	return nil
}
