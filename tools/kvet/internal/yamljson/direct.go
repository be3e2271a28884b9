package yamljson

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// kyaml's RNode.MarshalJSON prints the node as YAML text, parses that text
// into Go maps with go-yaml v3 and marshals the maps with encoding/json: a
// third of the cost of a run's JSON compaction is that round trip. The
// direct encoder walks the node and writes the same bytes at once. It models
// each step of the round trip where the result is certain and declines
// (ok false, the caller then takes MarshalJSON) wherever it is not:
//
//   - printing: go-yaml drops a scalar's tag when its plain reading gives the
//     same tag, quotes a plain !!str whose plain reading is not a string, and
//     quotes an empty plain scalar inside a flow collection, so `{a: }` reads
//     back as the string "" (see scalar and plain);
//   - parsing: a plain scalar reads back as go-yaml's resolve gives it (the
//     decimal integers, booleans, nulls and strings are recognised here;
//     every other number and timestamp is decoded by go-yaml itself);
//   - marshalling: map keys sorted as encoding/json sorts them, its string
//     escaping (appendString), its numbers (json.Marshal of go-yaml's value).
//
// It declines aliases, anchors, merge keys, explicit tags, tags other than
// the core ones, keys that are not strings, duplicate keys, invalid UTF-8,
// numbers encoding/json refuses (.inf, .nan) and nodes nested deeper than
// maxDirectDepth: MarshalJSON gives those their answer or error. The tests
// (direct_test.go) compare both encoders on every YAML file of the
// repository, a table of tricky scalars and a fuzz target.

// maxDirectDepth keeps far below go-yaml's parser limit (10000 levels), which
// makes MarshalJSON fail.
const maxDirectDepth = 1000

const (
	tagStr   = "!!str"
	tagInt   = "!!int"
	tagBool  = "!!bool"
	tagNull  = "!!null"
	tagFloat = "!!float"
	tagTime  = "!!timestamp"
	tagMerge = "!!merge"
)

type direct struct {
	buf []byte
	// keys is a stack of mapping key indexes, sorted per mapping.
	keys []int
}

// encodeDirect encodes the mapping n as RNode.MarshalJSON would, or returns
// ok false when it cannot be certain to.
func encodeDirect(n *kyaml.Node) ([]byte, bool) {
	if n == nil || n.Kind != kyaml.MappingNode {
		return nil, false
	}
	d := directPool.Get().(*direct)
	defer directPool.Put(d)
	d.buf, d.keys = d.buf[:0], d.keys[:0]
	if !d.node(n, false, 0) {
		return nil, false
	}
	// The caller keeps the JSON (kvet holds every object's until the checks
	// end): a copy of its own size, the buffer goes back to the pool.
	return bytes.Clone(d.buf), true
}

var directPool = sync.Pool{New: func() any { return &direct{buf: make([]byte, 0, 4096)} }}

func (d *direct) node(n *kyaml.Node, flow bool, depth int) bool {
	if depth > maxDirectDepth || n.Anchor != "" || n.Style&kyaml.TaggedStyle != 0 {
		return false
	}
	switch n.Kind {
	case kyaml.MappingNode:
		if n.Tag != "" && n.Tag != "!!map" {
			return false
		}
		return d.mapping(n, flow || n.Style&kyaml.FlowStyle != 0, depth)
	case kyaml.SequenceNode:
		if n.Tag != "" && n.Tag != "!!seq" {
			return false
		}
		flow = flow || n.Style&kyaml.FlowStyle != 0
		d.buf = append(d.buf, '[')
		for i, c := range n.Content {
			if i > 0 {
				d.buf = append(d.buf, ',')
			}
			if !d.node(c, flow, depth+1) {
				return false
			}
		}
		d.buf = append(d.buf, ']')
		return true
	case kyaml.ScalarNode:
		quoted, ok := scalar(n)
		if !ok {
			return false
		}
		if quoted {
			d.buf = appendString(d.buf, n.Value)
			return true
		}
		return d.plain(n.Value, flow)
	}
	return false
}

func (d *direct) mapping(n *kyaml.Node, flow bool, depth int) bool {
	if len(n.Content)%2 != 0 {
		return false
	}
	start := len(d.keys)
	for i := 0; i < len(n.Content); i += 2 {
		if !stringKey(n.Content[i]) {
			return false
		}
		d.keys = append(d.keys, i)
	}
	keys := d.keys[start:]
	slices.SortFunc(keys, func(a, b int) int { return strings.Compare(n.Content[a].Value, n.Content[b].Value) })
	for j := 1; j < len(keys); j++ {
		// go-yaml refuses a key defined twice.
		if n.Content[keys[j-1]].Value == n.Content[keys[j]].Value {
			return false
		}
	}
	d.buf = append(d.buf, '{')
	for j := range len(keys) {
		// The children push their own keys: index the stack afresh.
		i := d.keys[start+j]
		if j > 0 {
			d.buf = append(d.buf, ',')
		}
		d.buf = appendString(d.buf, n.Content[i].Value)
		d.buf = append(d.buf, ':')
		if !d.node(n.Content[i+1], flow, depth+1) {
			return false
		}
	}
	d.buf = append(d.buf, '}')
	d.keys = d.keys[:start]
	return true
}

// stringKey reports whether the key k reads back as a string (its value).
func stringKey(k *kyaml.Node) bool {
	if k.Kind != kyaml.ScalarNode || k.Anchor != "" || k.Style&kyaml.TaggedStyle != 0 {
		return false
	}
	quoted, ok := scalar(k)
	if !ok {
		return false
	}
	// A key "<<" is a string only when it is printed quoted; plain, it is a
	// merge key, which plainTag declines.
	return quoted || plainTag(k.Value) == tagStr
}

// scalar says how go-yaml prints the scalar n: quoted (a string once read
// back, whatever the text) or plain without a tag (then read as plainTag
// resolves it). ok is false for what it prints with a tag, and for invalid
// UTF-8 (printed as !!binary, or an error).
func scalar(n *kyaml.Node) (quoted, ok bool) {
	if n.Style&kyaml.TaggedStyle != 0 || !utf8.ValidString(n.Value) {
		return false, false
	}
	switch n.Tag {
	case "", tagStr, tagInt, tagBool, tagNull, tagFloat, tagTime:
	default:
		return false, false
	}
	quoted = n.Style&(kyaml.SingleQuotedStyle|kyaml.DoubleQuotedStyle|kyaml.LiteralStyle|kyaml.FoldedStyle) != 0
	// go-yaml's encoder (encoder.node): a tag is dropped when the text alone
	// gives it back; a !!str that would not is printed double-quoted.
	if n.Tag != "" && !(n.Tag == tagStr && quoted) {
		switch rtag := plainTag(n.Value); {
		case rtag == n.Tag:
		case n.Tag == tagStr:
			quoted = true
		default:
			return false, false
		}
	}
	switch {
	case n.Style&(kyaml.DoubleQuotedStyle|kyaml.SingleQuotedStyle) != 0:
	case n.Style&kyaml.FoldedStyle != 0 && n.Style&kyaml.LiteralStyle == 0:
		// go-yaml's folded writer can lose or add line breaks (it scans
		// for breaks from the start of the value, not from the position).
		return false, false
	case n.Style&kyaml.LiteralStyle != 0 || strings.Contains(n.Value, "\n"):
		// A literal block (also a plain scalar holding a line break) whose
		// first line starts with a tab is printed without an indentation
		// indicator, and go-yaml then fails to read it back.
		if n.Value != "" && n.Value[0] == '\t' {
			return false, false
		}
		quoted = true
	}
	return quoted, true
}

// resolveHint is go-yaml's resolveTable: the first byte says which readings
// a plain scalar may have other than a string.
func resolveHint(c byte) byte {
	switch {
	case c == '+' || c == '-':
		return 'S'
	case c >= '0' && c <= '9':
		return 'D'
	case c == '.':
		return '.'
	}
	switch c {
	case 'y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O', '~', '<':
		return 'M'
	}
	return 0
}

// plainTag is the tag go-yaml's resolve gives the plain scalar v.
func plainTag(v string) string {
	if v == "" {
		return tagNull
	}
	switch resolveHint(v[0]) {
	case 0:
		return tagStr
	case 'M':
		return mapTag(v)
	}
	if decimal(v) {
		return tagInt
	}
	if !numeric(v) {
		return tagStr
	}
	// Numbers and timestamps: go-yaml's own resolve (an untagged plain node's
	// ShortTag is resolve("", v)).
	n := kyaml.Node{Kind: kyaml.ScalarNode, Value: v}
	return n.ShortTag()
}

// mapTag is go-yaml's resolveMap for the words starting with an 'M' hint.
func mapTag(v string) string {
	switch v {
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return tagBool
	case "~", "null", "Null", "NULL":
		return tagNull
	case "<<":
		return tagMerge
	}
	return tagStr
}

// plain writes the JSON of the untagged plain scalar v as go-yaml reads it
// back into an interface{} and encoding/json marshals that.
func (d *direct) plain(v string, flow bool) bool {
	if v == "" {
		// Printed as '' inside a flow collection (the emitter quotes an
		// empty plain scalar there), as nothing (null) elsewhere.
		if flow {
			d.buf = append(d.buf, `""`...)
		} else {
			d.buf = append(d.buf, "null"...)
		}
		return true
	}
	switch resolveHint(v[0]) {
	case 0:
		d.buf = appendString(d.buf, v)
		return true
	case 'M':
		switch mapTag(v) {
		case tagStr:
			d.buf = appendString(d.buf, v)
		case tagBool:
			if v[0] == 't' || v[0] == 'T' {
				d.buf = append(d.buf, "true"...)
			} else {
				d.buf = append(d.buf, "false"...)
			}
		case tagNull:
			d.buf = append(d.buf, "null"...)
		default:
			return false
		}
		return true
	}
	if decimal(v) {
		// strconv.ParseInt gives it back, json.Marshal prints it so.
		d.buf = append(d.buf, v...)
		return true
	}
	if !numeric(v) {
		d.buf = appendString(d.buf, v)
		return true
	}
	var x any
	n := kyaml.Node{Kind: kyaml.ScalarNode, Value: v}
	if err := n.Decode(&x); err != nil {
		return false
	}
	if s, ok := x.(string); ok {
		d.buf = appendString(d.buf, s)
		return true
	}
	if x == nil || flow && strings.ContainsAny(v, ",?[]{}:#") {
		// Inside a flow collection the emitter quotes a scalar holding a
		// flow indicator (a timestamp's ':'), which then reads back as a
		// string.
		return false
	}
	b, err := json.Marshal(x)
	if err != nil {
		return false
	}
	d.buf = append(d.buf, b...)
	return true
}

// decimal reports whether v is a decimal integer that int64 holds and that
// json.Marshal prints back as v: an optional '-', no leading zero (0777 is
// octal), at most 18 digits.
func decimal(v string) bool {
	s := v
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 18 || s[0] == '0' && (len(s) > 1 || len(v) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// numeric reports whether v may be something other than a string for
// go-yaml's resolve when it starts with a digit, a sign or a dot: only the
// bytes of its integers (strconv base 0: 0x, 0o, 0b, hex digits; '_'),
// floats (1.5e-3), timestamps (2001-12-14t21:59:43.10-05:00, a space before
// the time) and .inf/.nan can. Quantities (10Mi, 100m), durations (30s) and
// paths are strings at once, without go-yaml's parsers.
func numeric(v string) bool {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			switch c {
			case 'x', 'X', 'o', 'O', 'p', 'P', 't', 'T', 'z', 'Z', 'i', 'I', 'n', 'N', '+', '-', '.', '_', ':', ' ':
			default:
				return false
			}
		}
	}
	return true
}

const hex = "0123456789abcdef"

// appendString is encoding/json's appendString with HTML escaping (what
// json.Marshal does): <, > and & as \u003c..., U+2028 and U+2029 escaped,
// invalid UTF-8 as \ufffd.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	dst = append(dst, '"')
	return dst
}
