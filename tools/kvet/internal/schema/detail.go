package schema

import (
	"bytes"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"github.com/yannh/kubeconform/pkg/validator"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

// kubeconform reports only the first level of a jsonschema error tree: two
// problems in the same list item (a container with no name and an unknown
// field) come back as one "validation failed" at the item, which names
// neither. kvet validates an invalid object again with the same schema
// file and reports the leaves of the tree.

type detailer struct {
	dir     string
	mu      sync.Mutex
	schemas map[string]*jsonschema.Schema
}

func (d *detailer) schema(apiVersion, kind string) (*jsonschema.Schema, error) {
	key := apiVersion + "/" + kind
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.schemas[key]; ok {
		return s, nil
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	// kubeconform's duration check; here only the tree's shape matters.
	c.RegisterFormat(&jsonschema.Format{Name: "duration", Validate: func(v any) error {
		if s, ok := v.(string); ok && !strings.HasPrefix(s, "P") {
			_, err := time.ParseDuration(s)
			return err
		}
		return nil
	}})
	s, err := c.Compile(filepath.Join(d.dir, filepath.FromSlash(bundled.SchemaFile(apiVersion, kind))))
	if err != nil {
		return nil, err
	}
	if d.schemas == nil {
		d.schemas = map[string]*jsonschema.Schema{}
	}
	d.schemas[key] = s
	return s, nil
}

// leaf is one schema error: the field as JSON-pointer tokens of the
// instance, the library's message, and for additional properties the
// names of the unknown fields.
type leaf struct {
	tokens []string
	msg    string
	fields []string
	// known are the fields the schema of an unknown field's object
	// defines, for "did you mean".
	known     []string
	schemaURL string
}

// expand returns the leaves of the object's error tree, with the field as
// the library's own tokens. kubeconform joins them into a string without
// escaping them (a key holding "/" reads as two keys) and names unknown
// fields only inside its message, so kvet validates the object again with
// the same schema file; only when that fails does it fall back to
// kubeconform's errors as they are.
func (d *detailer) expand(apiVersion, kind string, js []byte, errs []validator.ValidationError) []leaf {
	if out := d.leaves(apiVersion, kind, js); len(out) > 0 {
		return out
	}
	out := make([]leaf, 0, len(errs))
	for _, e := range errs {
		var tokens []string
		if p := strings.TrimPrefix(e.Path, "/"); p != "" {
			tokens = strings.Split(p, "/")
		}
		out = append(out, leaf{tokens: tokens, msg: e.Msg})
	}
	return out
}

func (d *detailer) leaves(apiVersion, kind string, js []byte) []leaf {
	s, err := d.schema(apiVersion, kind)
	if err != nil {
		return nil
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(s.Validate(inst), &ve) {
		return nil
	}
	var out []leaf
	leaves(ve, &out)
	for i := range out {
		if out[i].fields != nil {
			out[i].known = propertiesAt(s, out[i].schemaURL)
		}
	}
	return out
}

// propertiesAt returns the property names of the subschema of root at
// location loc (a ValidationError's SchemaURL), sorted; nil if not found.
func propertiesAt(root *jsonschema.Schema, loc string) []string {
	seen := map[*jsonschema.Schema]bool{}
	var find func(s *jsonschema.Schema) *jsonschema.Schema
	find = func(s *jsonschema.Schema) *jsonschema.Schema {
		if s == nil || seen[s] {
			return nil
		}
		seen[s] = true
		if s.Location == loc {
			return s
		}
		next := []*jsonschema.Schema{s.Ref, s.Items2020}
		next = append(next, s.AllOf...)
		next = append(next, s.AnyOf...)
		next = append(next, s.OneOf...)
		next = append(next, s.PrefixItems...)
		for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
			next = append(next, s.Properties[k])
		}
		switch it := s.Items.(type) {
		case *jsonschema.Schema:
			next = append(next, it)
		case []*jsonschema.Schema:
			next = append(next, it...)
		}
		if ap, ok := s.AdditionalProperties.(*jsonschema.Schema); ok {
			next = append(next, ap)
		}
		for _, n := range next {
			if f := find(n); f != nil {
				return f
			}
		}
		return nil
	}
	if s := find(root); s != nil {
		return slices.Sorted(maps.Keys(s.Properties))
	}
	return nil
}

var printer = message.NewPrinter(language.English)

func leaves(e *jsonschema.ValidationError, out *[]leaf) {
	causes := e.Causes
	switch e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		// Optional fields are "null or the real schema": the null
		// alternative failing says nothing, follow the other one.
		var rest []*jsonschema.ValidationError
		for _, c := range causes {
			if t, ok := c.ErrorKind.(*kind.Type); ok && len(t.Want) == 1 && t.Want[0] == "null" {
				continue
			}
			rest = append(rest, c)
		}
		if len(rest) == 1 {
			leaves(rest[0], out)
			return
		}
		causes = nil // ambiguous: report the alternative itself
	case *kind.Schema, *kind.Group, *kind.AllOf, *kind.Reference:
	default:
		causes = nil
	}
	if len(causes) == 0 {
		l := leaf{tokens: slices.Clone(e.InstanceLocation), msg: e.ErrorKind.LocalizedString(printer), schemaURL: e.SchemaURL}
		if ap, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
			// In the instance's map order: sorted, so the finding is stable.
			l.fields = slices.Sorted(slices.Values(ap.Properties))
		}
		*out = append(*out, l)
		return
	}
	for _, c := range causes {
		leaves(c, out)
	}
}
