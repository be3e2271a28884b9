package main

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
)

// draft04 is the dialect written into every schema. kubeconform defaults to
// Draft-04 anyway, but naming it keeps the files self-describing, and
// santhosh-tekuri/jsonschema/v6 only asserts `format` for drafts before
// 2019-09, so date-time values are really checked.
const draft04 = "http://json-schema.org/draft-04/schema#"

// quantityPattern is the language resource.ParseQuantity accepts (what the
// API server decodes), which is looser than the grammar documented on
// Quantity: an optional sign, optional digits with an optional fraction, then
// an optional binary-SI suffix (Ki..Ei), decimal-SI suffix (n, u, m, k, M, G,
// T, P, E) or integer decimal exponent. Only the empty string is refused
// besides, hence minLength. It applies to strings; JSON numbers are valid
// quantities too.
const quantityPattern = `^[+-]?[0-9]*(\.[0-9]*)?(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$`

// Definition names with a meaning the OpenAPI document does not spell out.
const (
	defIntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
	defQuantity    = "io.k8s.apimachinery.pkg.api.resource.Quantity"
	defListMeta    = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
	metaV1Prefix   = "io.k8s.apimachinery.pkg.apis.meta.v1."
)

// openDefinitions hold arbitrary JSON on the wire, yet the published document
// describes them as a bare `type: object` (without
// x-kubernetes-preserve-unknown-fields), which would otherwise be closed like
// an empty Go struct.
func openDefinitions() map[string]bool {
	return map[string]bool{
		"io.k8s.apimachinery.pkg.runtime.RawExtension":                       true,
		"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1":                      true,
		"io.k8s.apimachinery.pkg.apis.meta.v1.Patch":                         true,
		"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON":      true,
		"io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.JSON": true,
	}
}

// ignoredKeywords carry documentation or server-side merge semantics that a
// JSON schema validator cannot use; dropping them keeps the bundle small.
func ignoredKeywords() map[string]bool {
	return map[string]bool{
		"description":                     true,
		"default":                         true,
		"example":                         true,
		"externalDocs":                    true,
		"title":                           true,
		"x-kubernetes-group-version-kind": true,
		"x-kubernetes-list-map-keys":      true,
		"x-kubernetes-list-type":          true,
		"x-kubernetes-map-type":           true,
		"x-kubernetes-patch-merge-key":    true,
		"x-kubernetes-patch-strategy":     true,
		"x-kubernetes-unions":             true,
		"x-kubernetes-embedded-resource":  true,
		// Enforced by the API server with CEL; not expressible here.
		"x-kubernetes-validations": true,
	}
}

// copiedKeywords are validation keywords whose value is copied verbatim.
func copiedKeywords() map[string]bool {
	return map[string]bool{
		"enum": true, "pattern": true, "format": true,
		"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true,
		"multipleOf": true, "minLength": true, "maxLength": true,
		"minItems": true, "maxItems": true, "uniqueItems": true,
		"minProperties": true, "maxProperties": true,
	}
}

// GVK identifies a kind as the API server serves it.
type GVK struct {
	Group, Version, Kind string
}

// APIVersion is the apiVersion field value; the core group has no prefix.
func (g GVK) APIVersion() string {
	if g.Group == "" {
		return g.Version
	}
	return g.Group + "/" + g.Version
}

// Key names the schema in the bundle: apiVersion + "/" + kind. Keeping the
// group in the key is what stops networking.k8s.io and networking.istio.io
// kinds from colliding.
func (g GVK) Key() string { return g.APIVersion() + "/" + g.Kind }

// Converter turns OpenAPI definitions (v2 or v3 flavour) into standalone,
// strict Draft-04 JSON schemas.
type Converter struct {
	defs      map[string]map[string]any
	recursive map[string]bool
	open      map[string]bool
	ignored   map[string]bool
	copied    map[string]bool
}

// NewConverter prepares a converter over the definitions of one API document.
func NewConverter(defs map[string]map[string]any) (*Converter, error) {
	c := &Converter{
		defs:    defs,
		open:    openDefinitions(),
		ignored: ignoredKeywords(),
		copied:  copiedKeywords(),
	}
	rec, err := c.findRecursive()
	if err != nil {
		return nil, err
	}
	c.recursive = rec
	return c, nil
}

// Kinds lists the GVKs worth a schema: every definition tagged with
// x-kubernetes-group-version-kind except the meta/v1 envelopes (Status,
// WatchEvent, DeleteOptions, discovery documents) and List kinds, which kvet
// expands into their items instead of validating them whole.
func (c *Converter) Kinds() (map[GVK]string, error) {
	kinds := map[GVK]string{}
	for _, name := range slices.Sorted(maps.Keys(c.defs)) {
		def := c.defs[name]
		if strings.HasPrefix(name, metaV1Prefix) || c.isList(def) {
			continue
		}
		gvks, err := definitionGVKs(def)
		if err != nil {
			return nil, fmt.Errorf("definition %s: %w", name, err)
		}
		for _, gvk := range gvks {
			if prev, ok := kinds[gvk]; ok {
				return nil, fmt.Errorf("kind %s is defined by both %s and %s", gvk.Key(), prev, name)
			}
			kinds[gvk] = name
		}
	}
	return kinds, nil
}

func (c *Converter) isList(def map[string]any) bool {
	props, _ := def["properties"].(map[string]any)
	meta, _ := props["metadata"].(map[string]any)
	if meta == nil {
		return false
	}
	ref, err := refTarget(meta)
	return err == nil && ref == defListMeta
}

func definitionGVKs(def map[string]any) ([]GVK, error) {
	raw, ok := def["x-kubernetes-group-version-kind"]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("x-kubernetes-group-version-kind is %T, want a list", raw)
	}
	var out []GVK
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("x-kubernetes-group-version-kind entry is %T, want an object", item)
		}
		g, _ := m["group"].(string)
		v, _ := m["version"].(string)
		k, _ := m["kind"].(string)
		if v == "" || k == "" {
			return nil, fmt.Errorf("x-kubernetes-group-version-kind entry %v lacks version or kind", m)
		}
		out = append(out, GVK{Group: g, Version: v, Kind: k})
	}
	return out, nil
}

// KindSchema builds the standalone schema of one kind from its definition:
// every $ref inlined except those into recursive definitions, which go to a
// local "definitions" section (the only way to express e.g. JSONSchemaProps).
func (c *Converter) KindSchema(defName string, gvk GVK) (map[string]any, error) {
	def, ok := c.defs[defName]
	if !ok {
		return nil, fmt.Errorf("definition %s not found", defName)
	}
	w := &walk{c: c, used: map[string]bool{}}
	root, err := w.object(defName, def)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", gvk.Key(), err)
	}
	props, _ := root["properties"].(map[string]any)
	if props == nil {
		return nil, fmt.Errorf("%s: definition %s has no properties", gvk.Key(), defName)
	}
	// Pin the kind: a Deployment schema must not accept kind: StatefulSet or
	// apiVersion: apps/v1beta2 just because both are strings.
	props["apiVersion"] = map[string]any{"type": "string", "enum": []any{gvk.APIVersion()}}
	props["kind"] = map[string]any{"type": "string", "enum": []any{gvk.Kind}}
	root["required"] = addRequired(root["required"], "apiVersion", "kind")
	root["$schema"] = draft04

	// Converting a recursive definition may reach further recursive ones.
	definitions := map[string]any{}
	for {
		pending := false
		for _, name := range slices.Sorted(maps.Keys(w.used)) {
			if _, done := definitions[name]; done {
				continue
			}
			pending = true
			s, err := w.object(name, c.defs[name])
			if err != nil {
				return nil, fmt.Errorf("%s: definitions/%s: %w", gvk.Key(), name, err)
			}
			definitions[name] = s
		}
		if !pending {
			break
		}
	}
	if len(definitions) > 0 {
		root["definitions"] = definitions
	}
	return root, nil
}

func addRequired(existing any, names ...string) []any {
	set := map[string]bool{}
	if list, ok := existing.([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				set[s] = true
			}
		}
	}
	for _, n := range names {
		set[n] = true
	}
	out := make([]any, 0, len(set))
	for _, n := range slices.Sorted(maps.Keys(set)) {
		out = append(out, n)
	}
	return out
}

// walk is the state of converting one kind.
type walk struct {
	c *Converter
	// used collects the recursive definitions referenced by the output.
	used map[string]bool
}

// object converts a named definition.
func (w *walk) object(name string, def map[string]any) (map[string]any, error) {
	switch name {
	case defIntOrString:
		return map[string]any{"type": []any{"integer", "string"}}, nil
	case defQuantity:
		return map[string]any{"type": []any{"number", "string"}, "pattern": quantityPattern, "minLength": 1}, nil
	}
	if w.c.open[name] {
		return w.node(def, true)
	}
	return w.node(def, false)
}

// ref converts a reference, inlining the target unless it is recursive.
func (w *walk) ref(target string, nullable bool) (map[string]any, error) {
	def, ok := w.c.defs[target]
	if !ok {
		return nil, fmt.Errorf("unresolved $ref %s", target)
	}
	if w.c.recursive[target] {
		w.used[target] = true
		r := map[string]any{"$ref": "#/definitions/" + target}
		if nullable {
			// Draft-04 ignores the siblings of $ref, so null needs its own branch.
			return map[string]any{"anyOf": []any{map[string]any{"type": "null"}, r}}, nil
		}
		return r, nil
	}
	s, err := w.object(target, def)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	if nullable {
		s = allowNull(s)
	}
	return s, nil
}

// field converts a schema in a position where it may be null (an optional
// property: the API server treats null as unset, and kustomize emits
// `creationTimestamp: null`) or not (required properties, items, map values).
func (w *walk) field(s any, nullable bool) (map[string]any, error) {
	m, ok := s.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schema is %T, want an object", s)
	}
	if target, isRef, err := singleRef(m); err != nil {
		return nil, err
	} else if isRef {
		if err := w.checkRefSiblings(m); err != nil {
			return nil, err
		}
		return w.ref(target, nullable)
	}
	out, err := w.node(m, false)
	if err != nil {
		return nil, err
	}
	if nullable {
		out = allowNull(out)
	}
	return out, nil
}

// checkRefSiblings makes sure that a `{allOf: [$ref], ...}` wrapper carries
// nothing but documentation next to the reference, so nothing is lost when
// the reference is inlined in its place.
func (w *walk) checkRefSiblings(m map[string]any) error {
	for k := range m {
		if k == "$ref" || k == "allOf" || w.c.ignored[k] {
			continue
		}
		return fmt.Errorf("keyword %q next to a $ref is not supported", k)
	}
	return nil
}

// node converts an inline schema. open marks definitions that hold arbitrary
// JSON and therefore must not be closed.
func (w *walk) node(m map[string]any, open bool) (map[string]any, error) {
	out := map[string]any{}
	if b, _ := m["x-kubernetes-preserve-unknown-fields"].(bool); b {
		open = true
	}
	intOrString, _ := m["x-kubernetes-int-or-string"].(bool)
	if f, _ := m["format"].(string); f == "int-or-string" {
		intOrString = true
	}
	if intOrString {
		// The OpenAPI v3 form is oneOf integer/string; a type list says the
		// same with clearer errors and lets a null be added simply.
		return map[string]any{"type": []any{"integer", "string"}}, nil
	}

	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		switch {
		case w.c.ignored[k], k == "x-kubernetes-preserve-unknown-fields", k == "x-kubernetes-int-or-string":
		case w.c.copied[k]:
			out[k] = v
		case k == "type":
			out[k] = v
		case k == "nullable":
			// Applied after the walk: nullable is OpenAPI, not JSON schema.
		case k == "required":
			out[k] = v
		case k == "properties":
			props, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("properties is %T, want an object", v)
			}
			required := stringSet(m["required"])
			conv := make(map[string]any, len(props))
			for _, name := range slices.Sorted(maps.Keys(props)) {
				s, err := w.field(props[name], !required[name])
				if err != nil {
					return nil, fmt.Errorf("properties.%s: %w", name, err)
				}
				conv[name] = s
			}
			out[k] = conv
		case k == "items":
			if list, ok := v.([]any); ok {
				conv := make([]any, len(list))
				for i, item := range list {
					s, err := w.field(item, false)
					if err != nil {
						return nil, fmt.Errorf("items[%d]: %w", i, err)
					}
					conv[i] = s
				}
				out[k] = conv
				continue
			}
			s, err := w.field(v, false)
			if err != nil {
				return nil, fmt.Errorf("items: %w", err)
			}
			out[k] = s
		case k == "additionalProperties":
			if b, ok := v.(bool); ok {
				out[k] = b
				continue
			}
			s, err := w.field(v, false)
			if err != nil {
				return nil, fmt.Errorf("additionalProperties: %w", err)
			}
			out[k] = s
		case k == "allOf" || k == "anyOf" || k == "oneOf":
			list, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s is %T, want a list", k, v)
			}
			conv := make([]any, len(list))
			for i, item := range list {
				s, err := w.field(item, false)
				if err != nil {
					return nil, fmt.Errorf("%s[%d]: %w", k, i, err)
				}
				conv[i] = s
			}
			out[k] = conv
		case k == "not":
			s, err := w.field(v, false)
			if err != nil {
				return nil, fmt.Errorf("not: %w", err)
			}
			out[k] = s
		default:
			// Refuse rather than silently drop a constraint a newer
			// Kubernetes release might start publishing.
			return nil, fmt.Errorf("unsupported keyword %q", k)
		}
	}

	if f, _ := out["format"].(string); f == "int32" {
		// Decoding into an int32 fails on the server past these bounds.
		if _, ok := out["minimum"]; !ok {
			out["minimum"] = math.MinInt32
		}
		if _, ok := out["maximum"]; !ok {
			out["maximum"] = math.MaxInt32
		}
	}

	_, hasProps := out["properties"]
	_, hasAdditional := out["additionalProperties"]
	if !open && !hasAdditional && (hasProps || isType(out["type"], "object")) {
		// Closed: an unknown field is an error, as with kubectl --validate=strict.
		out["additionalProperties"] = false
	}
	if n, _ := m["nullable"].(bool); n {
		out = allowNull(out)
	}
	return out, nil
}

// allowNull widens a schema so that JSON null validates too.
func allowNull(s map[string]any) map[string]any {
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, nil) {
		s["enum"] = append(slices.Clone(enum), nil)
	}
	switch t := s["type"].(type) {
	case string:
		if t != "null" {
			s["type"] = []any{t, "null"}
		}
		return s
	case []any:
		if !slices.Contains(t, any("null")) {
			s["type"] = append(slices.Clone(t), "null")
		}
		return s
	}
	if len(s) == 0 {
		return s // {} accepts null already
	}
	_, hasRef := s["$ref"]
	_, hasOneOf := s["oneOf"]
	_, hasAnyOf := s["anyOf"]
	_, hasAllOf := s["allOf"]
	if hasRef || hasOneOf || hasAnyOf || hasAllOf {
		return map[string]any{"anyOf": []any{map[string]any{"type": "null"}, s}}
	}
	// Without a type every keyword left applies to one JSON type only, so
	// null already passes.
	return s
}

func isType(t any, want string) bool {
	switch t := t.(type) {
	case string:
		return t == want
	case []any:
		return slices.Contains(t, any(want))
	}
	return false
}

func stringSet(v any) map[string]bool {
	set := map[string]bool{}
	list, _ := v.([]any)
	for _, item := range list {
		if s, ok := item.(string); ok {
			set[s] = true
		}
	}
	return set
}

// singleRef recognises the two shapes a reference takes: a bare $ref (v2, v3
// items) and allOf with a single $ref (v3 properties, so that a description
// and default can sit next to it).
func singleRef(m map[string]any) (string, bool, error) {
	if target, isRef, err := singleRefDirect(m); isRef || err != nil {
		return target, isRef, err
	}
	list, ok := m["allOf"].([]any)
	if !ok || len(list) != 1 {
		return "", false, nil
	}
	inner, ok := list[0].(map[string]any)
	if !ok || len(inner) != 1 {
		return "", false, nil
	}
	return singleRefDirect(inner)
}

// refTarget is singleRef for callers that need a reference.
func refTarget(m map[string]any) (string, error) {
	target, isRef, err := singleRef(m)
	if err != nil {
		return "", err
	}
	if !isRef {
		return "", fmt.Errorf("not a reference")
	}
	return target, nil
}

func singleRefDirect(m map[string]any) (string, bool, error) {
	raw, ok := m["$ref"]
	if !ok {
		return "", false, nil
	}
	s, ok := raw.(string)
	if !ok {
		return "", true, fmt.Errorf("$ref is %T, want a string", raw)
	}
	for _, prefix := range []string{"#/components/schemas/", "#/definitions/"} {
		if name, ok := strings.CutPrefix(s, prefix); ok {
			return name, true, nil
		}
	}
	return "", true, fmt.Errorf("unsupported $ref %q: only local definitions are expected", s)
}

// findRecursive returns the definitions that can reach themselves through
// references; inlining them would never end.
func (c *Converter) findRecursive() (map[string]bool, error) {
	edges := map[string][]string{}
	for name, def := range c.defs {
		var refs []string
		if err := collectRefs(def, &refs); err != nil {
			return nil, fmt.Errorf("definition %s: %w", name, err)
		}
		edges[name] = refs
	}
	recursive := map[string]bool{}
	for name := range c.defs {
		// Depth-first search from the successors of name, looking for name.
		seen := map[string]bool{}
		stack := slices.Clone(edges[name])
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n == name {
				recursive[name] = true
				break
			}
			if seen[n] {
				continue
			}
			seen[n] = true
			stack = append(stack, edges[n]...)
		}
	}
	return recursive, nil
}

func collectRefs(v any, out *[]string) error {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			// A property may be named "$ref" (JSONSchemaProps has one), so
			// only a string value is a reference.
			if _, isString := child.(string); k == "$ref" && isString {
				target, _, err := singleRefDirect(v)
				if err != nil {
					return err
				}
				*out = append(*out, target)
				continue
			}
			if err := collectRefs(child, out); err != nil {
				return err
			}
		}
	case []any:
		for _, child := range v {
			if err := collectRefs(child, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// mergeDefinition adds def under name, accepting repeats that only differ in
// their x-kubernetes-group-version-kind list (the v3 documents are per
// group-version and each repeats the shared definitions).
func mergeDefinition(defs map[string]map[string]any, name string, def map[string]any) error {
	prev, ok := defs[name]
	if !ok {
		defs[name] = def
		return nil
	}
	a, b := maps.Clone(prev), maps.Clone(def)
	ga, _ := a["x-kubernetes-group-version-kind"].([]any)
	gb, _ := b["x-kubernetes-group-version-kind"].([]any)
	delete(a, "x-kubernetes-group-version-kind")
	delete(b, "x-kubernetes-group-version-kind")
	if !reflect.DeepEqual(a, b) {
		return fmt.Errorf("definition %s differs between documents", name)
	}
	merged := slices.Clone(ga)
	for _, g := range gb {
		if !slices.ContainsFunc(merged, func(x any) bool { return reflect.DeepEqual(x, g) }) {
			merged = append(merged, g)
		}
	}
	if len(merged) > 0 {
		a["x-kubernetes-group-version-kind"] = merged
	}
	defs[name] = a
	return nil
}
