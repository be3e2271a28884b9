package schema

import (
	"fmt"
	"maps"
	"slices"
)

// CRDVersion is one served version of a CustomResourceDefinition, converted
// into a strict, standalone Draft-04 JSON schema.
type CRDVersion struct {
	APIVersion, Kind string
	Schema           map[string]any
	// Deprecated carries the CRD's deprecation warning, when it has one.
	Deprecated string
	// CRD is the CRD's name, for messages.
	CRD string
}

// ConvertCRD turns an apiextensions.k8s.io/v1 CustomResourceDefinition
// (as decoded JSON) into one schema per served version. objectMeta is the
// schema used for metadata, the same the API server applies to every
// object. The conversion mirrors how the API server treats a structural
// schema with strict field validation: objects are closed unless
// x-kubernetes-preserve-unknown-fields says otherwise; nullable,
// x-kubernetes-int-or-string and x-kubernetes-embedded-resource are
// honoured; optional fields may be null.
func ConvertCRD(crd map[string]any, objectMeta map[string]any) ([]CRDVersion, error) {
	name := str(get(crd, "metadata", "name"))
	spec, _ := get(crd, "spec").(map[string]any)
	if spec == nil {
		return nil, fmt.Errorf("CustomResourceDefinition %s has no spec", name)
	}
	group := str(spec["group"])
	kind := str(get(spec, "names", "kind"))
	if group == "" || kind == "" {
		return nil, fmt.Errorf("CustomResourceDefinition %s: spec.group and spec.names.kind are required", name)
	}
	versions, _ := spec["versions"].([]any)
	var out []CRDVersion
	for i, v := range versions {
		vm, _ := v.(map[string]any)
		vname := str(vm["name"])
		if vname == "" {
			return nil, fmt.Errorf("CustomResourceDefinition %s: spec.versions[%d].name is required", name, i)
		}
		if served, ok := vm["served"].(bool); ok && !served {
			continue
		}
		apiVersion := group + "/" + vname
		root, _ := get(vm, "schema", "openAPIV3Schema").(map[string]any)
		var s map[string]any
		if root == nil {
			// No schema: the API server keeps any field.
			s = map[string]any{"type": "object"}
		} else {
			s = convert(root, true)
		}
		props, _ := s["properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		props["apiVersion"] = map[string]any{"type": "string", "enum": []any{apiVersion}}
		props["kind"] = map[string]any{"type": "string", "enum": []any{kind}}
		if objectMeta != nil {
			props["metadata"] = objectMeta
		}
		s["properties"] = props
		s["type"] = "object"
		s["required"] = mergeRequired(s["required"], "apiVersion", "kind")
		s["$schema"] = "http://json-schema.org/draft-04/schema#"
		cv := CRDVersion{APIVersion: apiVersion, Kind: kind, Schema: s, CRD: name}
		if dep, _ := vm["deprecated"].(bool); dep {
			cv.Deprecated = str(vm["deprecationWarning"])
			if cv.Deprecated == "" {
				cv.Deprecated = fmt.Sprintf("%s %s is deprecated by its CustomResourceDefinition %s", apiVersion, kind, name)
			}
		}
		out = append(out, cv)
	}
	return out, nil
}

func mergeRequired(have any, add ...string) []any {
	var out []any
	seen := map[string]bool{}
	if l, ok := have.([]any); ok {
		for _, v := range l {
			if s, ok := v.(string); ok && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	for _, s := range add {
		if !seen[s] {
			out = append(out, s)
		}
	}
	return out
}

// validationKeys are the JSON-schema keywords copied as they are.
var validationKeys = []string{
	"format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
	"minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "multipleOf",
	"minProperties", "maxProperties", "required",
}

// convert converts one JSONSchemaProps node. closable is false inside
// allOf/anyOf/oneOf/not, where properties only constrain values and must
// not close the object.
func convert(n map[string]any, closable bool) map[string]any {
	out := map[string]any{}
	for _, k := range validationKeys {
		if v, ok := n[k]; ok {
			out[k] = v
		}
	}
	if f, ok := out["format"].(string); ok && !knownFormat(f) {
		delete(out, "format")
	}
	preserve, _ := n["x-kubernetes-preserve-unknown-fields"].(bool)
	intOrString, _ := n["x-kubernetes-int-or-string"].(bool)
	embedded, _ := n["x-kubernetes-embedded-resource"].(bool)
	nullable, _ := n["nullable"].(bool)
	typ := str(n["type"])

	if props, ok := n["properties"].(map[string]any); ok {
		cp := make(map[string]any, len(props))
		for _, k := range slices.Sorted(maps.Keys(props)) {
			if pm, ok := props[k].(map[string]any); ok {
				cp[k] = optional(convert(pm, closable), isRequired(n, k))
			}
		}
		out["properties"] = cp
	}
	if embedded {
		props, _ := out["properties"].(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		for _, k := range []string{"apiVersion", "kind"} {
			if _, ok := props[k]; !ok {
				props[k] = map[string]any{"type": "string"}
			}
		}
		if _, ok := props["metadata"]; !ok {
			props["metadata"] = map[string]any{"type": "object"}
		}
		out["properties"] = props
	}
	if items, ok := n["items"].(map[string]any); ok {
		out["items"] = convert(items, closable)
	}
	switch ap := n["additionalProperties"].(type) {
	case bool:
		out["additionalProperties"] = ap
	case map[string]any:
		out["additionalProperties"] = convert(ap, closable)
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if l, ok := n[k].([]any); ok {
			var conv []any
			for _, e := range l {
				if em, ok := e.(map[string]any); ok {
					conv = append(conv, convert(em, false))
				}
			}
			out[k] = conv
		}
	}
	if not, ok := n["not"].(map[string]any); ok {
		out["not"] = convert(not, false)
	}
	if e, ok := n["enum"].([]any); ok {
		out["enum"] = slices.Clone(e)
	}

	switch {
	case intOrString:
		delete(out, "format")
		strAlt := map[string]any{"type": "string"}
		if pat, ok := out["pattern"]; ok {
			// The pattern applies to the string form only.
			strAlt["pattern"] = pat
			delete(out, "pattern")
		}
		alts := []any{map[string]any{"type": "integer"}, strAlt}
		if nullable {
			alts = append(alts, map[string]any{"type": "null"})
		}
		if own, ok := out["anyOf"]; ok {
			// Keep the CRD's own anyOf as a separate constraint.
			out["allOf"] = append(anyList(out["allOf"]), map[string]any{"anyOf": own})
		}
		out["anyOf"] = alts
	case typ != "":
		if nullable {
			out["type"] = []any{typ, "null"}
		} else {
			out["type"] = typ
		}
	}
	if e, ok := out["enum"].([]any); ok && nullable && !slices.Contains(e, any(nil)) {
		out["enum"] = append(e, nil)
	}
	if closable && typ == "object" && !preserve {
		if _, ok := out["additionalProperties"]; !ok {
			if _, hasProps := out["properties"]; hasProps || !embedded {
				out["additionalProperties"] = false
			}
		}
	}
	if preserve {
		delete(out, "additionalProperties")
		if ap, ok := n["additionalProperties"].(map[string]any); ok {
			out["additionalProperties"] = convert(ap, closable)
		}
	}
	return out
}

// optional lets a field that is not required be null: the API server
// treats null as unset.
func optional(s map[string]any, required bool) map[string]any {
	if required {
		return s
	}
	if _, hasAnyOf := s["anyOf"]; hasAnyOf {
		if _, hasType := s["type"]; !hasType {
			return map[string]any{"anyOf": []any{map[string]any{"type": "null"}, s}}
		}
	}
	switch t := s["type"].(type) {
	case string:
		s["type"] = []any{t, "null"}
		if e, ok := s["enum"].([]any); ok && !slices.Contains(e, any(nil)) {
			s["enum"] = append(e, nil)
		}
	case nil:
		if len(s) > 0 {
			return map[string]any{"anyOf": []any{map[string]any{"type": "null"}, s}}
		}
	}
	return s
}

func isRequired(n map[string]any, field string) bool {
	for _, r := range anyList(n["required"]) {
		if r == field {
			return true
		}
	}
	return false
}

func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}

// knownFormat lists the formats whose checks match the API server's; the
// rest are dropped rather than risk rejecting what a cluster accepts.
func knownFormat(f string) bool {
	switch f {
	case "date-time", "int32", "int64", "float", "double", "byte", "duration":
		return true
	}
	return false
}

func get(m any, path ...string) any {
	cur := m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
