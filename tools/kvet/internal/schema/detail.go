package schema

import (
	"maps"
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// kubeconform reports only the first level of a jsonschema error tree: two
// problems in the same list item (a container with no name and an unknown
// field) come back as one "validation failed" at the item, which names
// neither, and it joins the field into a string without escaping it (a key
// holding "/" reads as two keys). kvet reports the leaves of the tree, each
// with the library's own JSON-pointer tokens and, for unknown fields, their
// names and the fields the schema does define.

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
	// whole, when set, is a message about the object as a whole: it could
	// not be validated at all.
	whole string
}

// detail returns the leaves of the error tree ve of an object validated
// against s.
func detail(s *jsonschema.Schema, ve *jsonschema.ValidationError) []leaf {
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
