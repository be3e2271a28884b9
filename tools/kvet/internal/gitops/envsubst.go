package gitops

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Substitution follows kustomize-controller's postBuild variable
// substitution (github.com/fluxcd/pkg/envsubst, a fork of drone/envsubst):
//
//   - only the braced form is a variable: ${VAR}; a bare $VAR is text;
//   - "$$" is an escaped "$" anywhere, so $${VAR} renders as ${VAR};
//   - ${VAR:=default}, ${VAR:-default}, ${VAR=default}, ${VAR-default}
//     (and :?, ?, :+, +, which the fork treats alike) give the default
//     when the value is empty or unset; the default may hold variables;
//   - ${#VAR}, ${VAR^}, ${VAR^^}, ${VAR,}, ${VAR,,}, ${VAR:offset[:length]},
//     ${VAR#glob}, ${VAR##glob}, ${VAR%glob}, ${VAR%%glob},
//     ${VAR/glob/repl}, ${VAR//glob/repl}, ${VAR/#glob/repl}, ${VAR/%glob/repl}.
//
// A malformed expression (no closing brace, no variable name) is an error,
// as it is for the controller.

// Lookup returns a variable's value and whether it is set.
type Lookup func(name string) (string, bool)

// ErrBadSubstitution is a malformed ${...} expression.
var ErrBadSubstitution = errors.New("bad substitution")

// Substitute expands s. unset lists, in order of first use, the variables
// referenced without a default that lookup does not know; they expand to
// "" as they do in the controller's default (non-strict) mode.
func Substitute(s string, lookup Lookup) (out string, unset []string, err error) {
	p := &subst{src: s, lookup: lookup, seen: map[string]bool{}}
	out, err = p.text(false)
	if err != nil {
		return s, nil, err
	}
	return out, p.unset, nil
}

type subst struct {
	src    string
	pos    int
	lookup Lookup
	unset  []string
	seen   map[string]bool
}

// text reads literal text and expressions up to the end, or (inArg) up to
// the "}" closing the enclosing expression, which it leaves unread.
func (p *subst) text(inArg bool) (string, error) {
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '$' && strings.HasPrefix(p.src[p.pos:], "$$"):
			b.WriteByte('$')
			p.pos += 2
		case c == '$' && strings.HasPrefix(p.src[p.pos:], "${"):
			p.pos += 2
			v, err := p.expr()
			if err != nil {
				return "", err
			}
			b.WriteString(v)
		case inArg && c == '}':
			return b.String(), nil
		case inArg && c == '\\' && p.pos+1 < len(p.src) && (p.src[p.pos+1] == '\\' || p.src[p.pos+1] == '/'):
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	if inArg {
		return "", fmt.Errorf("%w: missing closing brace", ErrBadSubstitution)
	}
	return b.String(), nil
}

// until reads an argument up to one of the stop bytes (not consumed),
// expanding nested expressions.
func (p *subst) until(stops string) (string, error) {
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case strings.IndexByte(stops, c) >= 0:
			return b.String(), nil
		case c == '$' && strings.HasPrefix(p.src[p.pos:], "$$"):
			b.WriteByte('$')
			p.pos += 2
		case c == '$' && strings.HasPrefix(p.src[p.pos:], "${"):
			p.pos += 2
			v, err := p.expr()
			if err != nil {
				return "", err
			}
			b.WriteString(v)
		case c == '\\' && p.pos+1 < len(p.src) && (p.src[p.pos+1] == '\\' || p.src[p.pos+1] == '/'):
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", fmt.Errorf("%w: missing closing brace", ErrBadSubstitution)
}

func (p *subst) name() string {
	start := p.pos
	for p.pos < len(p.src) {
		r, w := utf8.DecodeRuneInString(p.src[p.pos:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			break
		}
		p.pos += w
	}
	return p.src[start:p.pos]
}

func (p *subst) value(name string, hasDefault bool) string {
	v, ok := p.lookup(name)
	if !ok && !hasDefault && !p.seen[name] {
		p.seen[name] = true
		p.unset = append(p.unset, name)
	}
	return v
}

func (p *subst) close() error {
	if p.pos >= len(p.src) || p.src[p.pos] != '}' {
		return fmt.Errorf("%w: missing closing brace", ErrBadSubstitution)
	}
	p.pos++
	return nil
}

// expr evaluates an expression; "${" is already read.
func (p *subst) expr() (string, error) {
	if strings.HasPrefix(p.src[p.pos:], "#") {
		p.pos++
		name := p.name()
		if name == "" {
			return "", fmt.Errorf("%w: unable to parse variable name", ErrBadSubstitution)
		}
		v := p.value(name, false)
		return strconv.Itoa(utf8.RuneCountInString(v)), p.close()
	}
	name := p.name()
	if name == "" {
		return "", fmt.Errorf("%w: unable to parse variable name", ErrBadSubstitution)
	}
	rest := p.src[p.pos:]
	op := ""
	for _, o := range []string{":-", ":=", ":?", ":+", "-", "=", "?", "+", "^^", "^", ",,", ",", "##", "#", "%%", "%", "//", "/#", "/%", "/", ":"} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	p.pos += len(op)
	switch op {
	case "":
		return p.value(name, false), p.close()
	case ":-", ":=", ":?", ":+", "-", "=", "?", "+":
		def, err := p.text(true)
		if err != nil {
			return "", err
		}
		v := p.value(name, true)
		if v == "" {
			v = def
		}
		return v, p.close()
	case "^", "^^", ",", ",,":
		v := p.value(name, false)
		return caseOp(op, v), p.close()
	case "#", "##", "%", "%%":
		pat, err := p.text(true)
		if err != nil {
			return "", err
		}
		return trim(op, p.value(name, false), pat), p.close()
	case "/", "//", "/#", "/%":
		pat, err := p.until("/}")
		if err != nil {
			return "", err
		}
		repl := ""
		if p.src[p.pos] == '/' {
			p.pos++
			if repl, err = p.text(true); err != nil {
				return "", err
			}
		}
		return replace(op, p.value(name, false), pat, repl), p.close()
	case ":":
		off, err := p.until(":}")
		if err != nil {
			return "", err
		}
		length := ""
		if p.src[p.pos] == ':' {
			p.pos++
			if length, err = p.text(true); err != nil {
				return "", err
			}
		}
		return substr(p.value(name, false), off, length), p.close()
	}
	return "", fmt.Errorf("%w: %s", ErrBadSubstitution, op)
}

func caseOp(op, v string) string {
	if v == "" {
		return v
	}
	r, w := utf8.DecodeRuneInString(v)
	switch op {
	case "^":
		return string(unicode.ToUpper(r)) + v[w:]
	case "^^":
		return strings.ToUpper(v)
	case ",":
		return string(unicode.ToLower(r)) + v[w:]
	default:
		return strings.ToLower(v)
	}
}

// match is bash pattern matching: * and ? match any character ("/" too),
// [...] a class.
func match(pat, s string) bool {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pat); i++ {
		switch c := pat[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			if j := strings.IndexByte(pat[i:], ']'); j > 1 {
				class := pat[i+1 : i+j]
				if strings.HasPrefix(class, "!") {
					class = "^" + class[1:]
				}
				b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
				i += j
				continue
			}
			b.WriteString(`\[`)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(s)
}

func trim(op, v, pat string) string {
	switch op {
	case "#": // shortest prefix
		for i := 0; i <= len(v); i++ {
			if match(pat, v[:i]) {
				return v[i:]
			}
		}
	case "##": // longest prefix
		for i := len(v); i >= 0; i-- {
			if match(pat, v[:i]) {
				return v[i:]
			}
		}
	case "%": // shortest suffix
		for i := len(v); i >= 0; i-- {
			if match(pat, v[i:]) {
				return v[:i]
			}
		}
	case "%%": // longest suffix
		for i := 0; i <= len(v); i++ {
			if match(pat, v[i:]) {
				return v[:i]
			}
		}
	}
	return v
}

func replace(op, v, pat, repl string) string {
	switch op {
	case "/#":
		for i := len(v); i >= 0; i-- {
			if match(pat, v[:i]) {
				return repl + v[i:]
			}
		}
		return v
	case "/%":
		for i := 0; i <= len(v); i++ {
			if match(pat, v[i:]) {
				return v[:i] + repl
			}
		}
		return v
	}
	// "/": first (longest) match; "//": every match.
	var b strings.Builder
	for i := 0; i < len(v); {
		j := len(v)
		for ; j > i; j-- {
			if match(pat, v[i:j]) {
				break
			}
		}
		if j == i {
			b.WriteByte(v[i])
			i++
			continue
		}
		b.WriteString(repl)
		i = j
		if op == "/" {
			b.WriteString(v[i:])
			return b.String()
		}
	}
	return b.String()
}

func substr(v, off, length string) string {
	o, err := strconv.Atoi(strings.TrimSpace(off))
	if err != nil {
		return v
	}
	if o < 0 {
		o += len(v)
	}
	o = max(0, min(o, len(v)))
	v = v[o:]
	if length == "" {
		return v
	}
	n, err := strconv.Atoi(strings.TrimSpace(length))
	if err != nil || n < 0 {
		return v
	}
	return v[:min(n, len(v))]
}
