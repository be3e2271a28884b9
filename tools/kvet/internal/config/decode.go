package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
)

// source remembers the line of every value of the file, keyed by its
// path in the document ("crds[0]", "policy.dirs[1]"), so that checks made
// after decoding still point at the line to edit.
type source struct {
	file  string
	lines map[string]int
}

// line is the line of key, else of its nearest written parent.
func (s source) line(key string) int {
	for k := key; k != ""; {
		if l, ok := s.lines[k]; ok {
			return l
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// at formats an error about the value at key: "kvet.yaml:7: crds[0]: ...".
func (s source) at(key, format string, args ...any) error {
	file := s.file
	if file == "" {
		file = FileName
	}
	msg := fmt.Sprintf(format, args...)
	if l := s.line(key); l > 0 {
		return fmt.Errorf("%s:%d: %s: %s", file, l, key, msg)
	}
	return fmt.Errorf("%s: %s: %s", file, key, msg)
}

// decode reads the YAML document into a Config: first a walk of the node
// tree against the Config type (unknown keys with a suggestion, lines of
// every value), then yaml's own decoding for the types, its errors given
// the file name.
func decode(name string, b []byte) (*Config, error) {
	c := &Config{src: source{file: name, lines: map[string]int{}}}
	var doc yaml3.Node
	dec := yaml3.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return c, nil // empty file
		}
		return nil, yamlError(name, err)
	}
	var extra yaml3.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("%s:%d: a configuration is one YAML document; remove the second one", name, extra.Line)
	}
	if len(doc.Content) == 0 || (doc.Content[0].Kind == yaml3.ScalarNode && doc.Content[0].Tag == "!!null") {
		return c, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml3.MappingNode {
		return nil, fmt.Errorf("%s:%d: the configuration must be a mapping of keys (kubernetesVersion, crds, exclude, ...)", name, root.Line)
	}
	if errs := walk(c.src, root, reflect.TypeFor[Config](), ""); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := root.Decode(c); err != nil {
		return nil, yamlError(name, err)
	}
	return c, nil
}

var lineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError rewrites yaml's "line N: msg" errors as "name:N: msg".
func yamlError(name string, err error) error {
	var lines []string
	var te *yaml3.TypeError
	if errors.As(err, &te) {
		lines = te.Errors
	} else {
		lines = []string{err.Error()}
	}
	var errs []error
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if m := lineRE.FindStringSubmatch(l); m != nil {
			errs = append(errs, fmt.Errorf("%s:%s: %s", name, m[1], m[2]))
		} else {
			errs = append(errs, fmt.Errorf("%s: %s", name, strings.TrimPrefix(l, "yaml: ")))
		}
	}
	return errors.Join(errs...)
}

// walk checks node against type t: every key of a mapping that decodes
// into a struct must be one of its fields. It records the line of each
// value under its key path.
func walk(s source, n *yaml3.Node, t reflect.Type, key string) []error {
	if key != "" {
		s.lines[key] = n.Line
	}
	if n.Kind == yaml3.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return nil
	}
	if t == reflect.TypeFor[Environments]() {
		return walkEnvironments(s, n, key)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml3.MappingNode {
			return nil // the decoder reports the type error with its line
		}
		fields := yamlFields(t)
		var errs []error
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f, ok := fields[k.Value]
			if !ok {
				errs = append(errs, unknownKey(s.file, k, key, slices.Sorted(maps.Keys(fields))))
				continue
			}
			errs = append(errs, walk(s, v, f.Type, join(key, k.Value))...)
		}
		return errs
	case reflect.Slice:
		if n.Kind != yaml3.SequenceNode {
			return nil
		}
		var errs []error
		for i, item := range n.Content {
			errs = append(errs, walk(s, item, t.Elem(), key+"["+strconv.Itoa(i)+"]")...)
		}
		return errs
	case reflect.Map:
		if n.Kind != yaml3.MappingNode {
			return nil
		}
		var errs []error
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, walk(s, n.Content[i+1], t.Elem(), key+"["+strconv.Quote(n.Content[i].Value)+"]")...)
		}
		return errs
	}
	return nil
}

func join(parent, k string) string {
	if parent == "" {
		return k
	}
	return parent + "." + k
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		out[name] = f
	}
	return out
}

// unknownKey reports a key the configuration does not have, with the
// closest known key when one is close enough to be a typo.
func unknownKey(file string, k *yaml3.Node, parent string, known []string) error {
	where := "at the top level"
	if parent != "" {
		where = "in " + parent
	}
	msg := fmt.Sprintf("%s:%d: unknown key %q %s", file, k.Line, k.Value, where)
	if s := Suggest(k.Value, known); s != "" {
		return fmt.Errorf("%s: did you mean %q?", msg, s)
	}
	return fmt.Errorf("%s (known keys: %s)", msg, strings.Join(known, ", "))
}

// Suggest returns the known key nearest to k (edit distance, case
// ignored), or "" when none is near enough to be a typo of it.
func Suggest(k string, known []string) string {
	best, bestD := "", -1
	for _, c := range known {
		d := distance(strings.ToLower(k), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(1, min(3, len(k)/3))
	if bestD >= 0 && bestD <= limit {
		return best
	}
	// A truncated key ("maxDocuments" for "maxDocumentsPerFile").
	for _, c := range known {
		if len(k) >= 4 && strings.HasPrefix(strings.ToLower(c), strings.ToLower(k)) {
			return c
		}
	}
	return ""
}

// distance is the edit distance of a and b where swapping two adjacent
// characters, the commonest typo ("bsae"), counts as one edit (optimal
// string alignment).
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	before := make([]int, len(rb)+1) // row i-2
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], before[j-2]+1)
			}
		}
		before, prev, cur = prev, cur, before
	}
	return prev[len(rb)]
}
