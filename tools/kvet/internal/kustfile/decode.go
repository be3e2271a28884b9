package kustfile

import (
	"bytes"
	"encoding/json"
	"strconv"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/types"
)

// decodeNode fills k from the document kyaml has already parsed, so that a
// kustomization is not parsed a second time by sigs.k8s.io/yaml (yaml.v2 →
// JSON → struct), which was about a third of a warm run's CPU (issue #18).
//
// kustomize itself decodes kustomization files with sigs.k8s.io/yaml, and
// kvet must see what kustomize sees. So this is only a fast path: it
// accepts a document only when every scalar is one that yaml.v2 (YAML 1.1)
// resolves exactly as yaml.v3 does — strings that cannot be read as
// anything else, canonical decimal integers, true/false, null — and none
// of the constructs where the two parsers differ or sigs.k8s.io/yaml
// rewrites values (floats, yes/no/on/off, anchors and aliases, merge keys,
// explicit tags, duplicate keys, escapes, tabs, carriage returns and
// Unicode line breaks, byte order marks, several documents). A
// number or boolean that sigs.k8s.io/yaml would turn into a string because
// the target field is a string makes encoding/json fail here, which also
// falls back. It reports false whenever it did not decode; the caller then
// decodes the old way, with the old errors.
func decodeNode(raw []byte, n *yamlv3.Node, k *types.Kustomization) bool {
	if n == nil || n.Kind != yamlv3.MappingNode ||
		bytes.ContainsAny(raw, "\t\r\u0085\u2028\u2029\ufeff") ||
		bytes.Contains(raw, []byte("\n---")) || bytes.Contains(raw, []byte("\n...")) {
		return false
	}
	v, ok := jsonable(n)
	if !ok {
		return false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return false
	}
	// The same decoder settings as sigs.k8s.io/yaml.Unmarshal: unknown
	// fields are ignored, numbers become float64 in interfaces.
	return json.NewDecoder(bytes.NewReader(b)).Decode(k) == nil
}

// jsonable converts n to the value yaml.v2 would produce, or reports false.
func jsonable(n *yamlv3.Node) (any, bool) {
	if n.Anchor != "" || n.Style&yamlv3.TaggedStyle != 0 {
		return nil, false
	}
	switch n.Kind {
	case yamlv3.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn := n.Content[i]
			if kn.Kind != yamlv3.ScalarNode || kn.Anchor != "" || kn.Style&yamlv3.TaggedStyle != 0 {
				return nil, false
			}
			key, ok := scalar(kn)
			ks, isStr := key.(string)
			if !ok || !isStr {
				return nil, false
			}
			if _, dup := m[ks]; dup {
				return nil, false
			}
			val, ok := jsonable(n.Content[i+1])
			if !ok {
				return nil, false
			}
			m[ks] = val
		}
		return m, true
	case yamlv3.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, ok := jsonable(c)
			if !ok {
				return nil, false
			}
			s[i] = v
		}
		return s, true
	case yamlv3.ScalarNode:
		return scalar(n)
	}
	return nil, false // aliases, documents
}

// scalar resolves a scalar the way both yaml.v2 and yaml.v3 do, or reports
// false when they might differ.
func scalar(n *yamlv3.Node) (any, bool) {
	v := n.Value
	switch n.Style {
	case yamlv3.SingleQuotedStyle, yamlv3.LiteralStyle, yamlv3.FoldedStyle:
		return v, n.Tag == "!!str"
	case yamlv3.DoubleQuotedStyle:
		// yaml.v2 knows fewer escapes than yaml.v3 (e.g. "\\/").
		return v, n.Tag == "!!str" && !bytes.ContainsRune([]byte(n.Value), '\\')
	case 0:
	default:
		return nil, false
	}
	switch n.Tag {
	case "!!str":
		return v, v2String(v)
	case "!!bool":
		switch v {
		case "true", "True", "TRUE":
			return true, true
		case "false", "False", "FALSE":
			return false, true
		}
	case "!!null":
		switch v {
		case "", "~", "null", "Null", "NULL":
			return nil, true
		}
	case "!!int":
		if !canonicalInt(v) {
			return nil, false
		}
		i, err := strconv.ParseInt(v, 10, 64)
		return i, err == nil
	}
	return nil, false
}

// v2String reports whether yaml.v2's resolve (go.yaml.in/yaml/v2,
// resolve.go) leaves the plain scalar v a string: its first character
// decides which readings are tried. Signs and digits (numbers, timestamps)
// are refused outright rather than re-implemented.
func v2String(v string) bool {
	if v == "" || yaml11Word(v) {
		return false
	}
	switch c := v[0]; {
	case c == '+' || c == '-' || c == '~' || c >= '0' && c <= '9':
		return false
	case c == '.':
		_, err := strconv.ParseFloat(v, 64)
		return err != nil
	}
	return v != "<<"
}

// yaml11Word reports the words yaml.v2 looks up in its resolve table:
// YAML 1.1 booleans, null, and the special floats.
func yaml11Word(v string) bool {
	switch v {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF",
		"true", "True", "TRUE", "false", "False", "FALSE",
		"~", "null", "Null", "NULL",
		".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
		"+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<":
		return true
	}
	return false
}

// canonicalInt: an optional minus and decimal digits without leading zeros.
func canonicalInt(v string) bool {
	d := v
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if d == "" || (len(d) > 1 && d[0] == '0') {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}
