package sourcemap

import (
	"strconv"
	"strings"
)

// segment is one step of a finding path: a mapping key, or a list item
// named by its name field or by its index.
type segment struct {
	key   string // mapping key (also a bracketed quoted key, labels[app.kubernetes.io/name])
	name  string // list item by name: containers[web]
	index int    // list item by position: volumeMounts[0]; -1 when not an index
	// bracket is set for [..] segments: on a mapping they are keys.
	bracket bool
	// item is set by resolve when the segment is a list item of the
	// rendered object (not a bracketed mapping key such as limits[cpu]).
	item bool
	// scalar is set for an item of a list of strings, such as
	// capabilities.add[NET_ADMIN]: name holds its value, which is how
	// patches that replace the whole list are matched.
	scalar bool
}

// parsePath reads kvet's readable paths: dotted keys, [name] and [index]
// list items, and ["quoted.key"] for keys holding dots or brackets, e.g.
// spec.template.spec.containers[web].securityContext.runAsNonRoot.
func parsePath(p string) []segment {
	var out []segment
	for i := 0; i < len(p); {
		switch p[i] {
		case '.':
			i++
		case '[':
			end := closing(p, i)
			inner := p[i+1 : end]
			s := segment{index: -1, bracket: true}
			if uq, err := strconv.Unquote(inner); err == nil && strings.HasPrefix(inner, `"`) {
				s.key, s.name = uq, uq
			} else if n, err := strconv.Atoi(inner); err == nil {
				s.index = n
				s.key = inner
			} else {
				s.name, s.key = inner, inner
			}
			out = append(out, s)
			i = end + 1
		default:
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			out = append(out, segment{key: p[i:j], index: -1})
			i = j
		}
	}
	return out
}

// closing finds the ] that ends the bracket opened at i, skipping quoted
// text; the end of p when there is none.
func closing(p string, i int) int {
	inQuote := false
	for j := i + 1; j < len(p); j++ {
		switch {
		case p[j] == '\\' && inQuote:
			j++
		case p[j] == '"':
			inQuote = !inQuote
		case p[j] == ']' && !inQuote:
			return j
		}
	}
	return len(p) - 1
}

// resolve walks the rendered object along segs and returns, per segment,
// the JSON-pointer token it stands for (list indices resolved) and the
// name of list items, so that a path from a finding can be compared with
// JSON6902 operations and located in patches that name items differently.
func resolve(body map[string]any, segs []segment) []segment {
	out := make([]segment, len(segs))
	var cur any = body
	for i, s := range segs {
		out[i] = s
		switch c := cur.(type) {
		case map[string]any:
			cur = c[s.key]
		case []any:
			idx := s.index
			if idx < 0 {
				for j, it := range c {
					if m, ok := it.(map[string]any); ok && m["name"] == s.name {
						idx = j
						break
					}
					if v, ok := it.(string); ok && s.name != "" && v == s.name {
						idx = j
						break
					}
				}
			}
			if idx < 0 || idx >= len(c) {
				cur = nil
				continue
			}
			out[i].index = idx
			out[i].item = true
			switch it := c[idx].(type) {
			case map[string]any:
				if n, ok := it["name"].(string); ok && out[i].name == "" {
					out[i].name = n
				}
			case string:
				out[i].name, out[i].scalar = it, true
			}
			cur = c[idx]
		default:
			cur = nil
		}
	}
	return out
}

// pointer renders resolved segments as JSON-pointer tokens.
func pointer(segs []segment) []string {
	out := make([]string, len(segs))
	for i, s := range segs {
		if s.index >= 0 {
			out[i] = strconv.Itoa(s.index)
		} else {
			out[i] = s.key
		}
	}
	return out
}

// Pointer turns kvet's readable path (spec.containers[web].image) into
// JSON-pointer tokens of the rendered object body, for findings whose check
// names the field only by its readable path (Rego policies, the API
// server's Go-side rules).
func Pointer(body map[string]any, readable string) []string {
	if readable == "" {
		return nil
	}
	return pointer(resolve(body, parsePath(readable)))
}

// segments walks the rendered object along JSON-pointer tokens: a token
// on a list is an item, named by its name field when it has one, so that
// patches that list the item elsewhere are matched by name.
func segments(body map[string]any, tokens []string) []segment {
	out := make([]segment, len(tokens))
	var cur any = body
	for i, tok := range tokens {
		s := segment{key: tok, index: -1}
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			cur = nil
			if n, err := strconv.Atoi(tok); err == nil && n >= 0 && n < len(c) {
				s.index, s.item, s.bracket = n, true, true
				switch it := c[n].(type) {
				case map[string]any:
					s.name, _ = it["name"].(string)
				case string:
					s.name, s.scalar = it, true
				}
				cur = c[n]
			}
		default:
			cur = nil
		}
		out[i] = s
	}
	return out
}
