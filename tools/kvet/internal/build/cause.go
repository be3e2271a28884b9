package build

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/api/types"

	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// stampRE matches kvet's origin stamp (origins.go) as kustomize prints an
// object in an error: a YAML line, a Go map entry or a JSON member. Its
// number depends on the order concurrent builds read files, so it must
// not reach a message: the same defect would read differently per run.
var stampRE = regexp.MustCompile(`(?m)(?:^[ \t]*|[ ,{]?)["']?` + regexp.QuoteMeta(originStampKey) + `["']?:[ \t]*["']?\d+["']?(?:,|[ \t]*$\n?)?`)

// stripStamps removes kvet's origin stamps from a kustomize message.
func stripStamps(s string) string {
	if !strings.Contains(s, originStampKey) {
		return s
	}
	return stampRE.ReplaceAllString(s, "")
}

// stamplessError is a kustomize error with kvet's origin stamps removed
// from its text; errors.Is/As still reach the original.
type stamplessError struct{ err error }

func (e stamplessError) Error() string { return stripStamps(e.err.Error()) }
func (e stamplessError) Unwrap() error { return e.err }

// rootCause is the innermost cause of a kustomize error chain, the part a
// person acts on. kustomize tries a resources entry first as a file, then
// as a directory, and reports both failures
// ("accumulation err='<as a file>': <as a directory>"); only one of them
// is about what the entry really is.
func rootCause(msg string) string {
	for range 8 { // chains nest once per kustomization level
		const open = "accumulation err='"
		i := strings.Index(msg, open)
		if i < 0 {
			break
		}
		rest := msg[i+len(open):]
		const asFile = "': must build at directory: "
		if j := strings.LastIndex(rest, asFile); j >= 0 && (strings.HasSuffix(rest, "file is not directory") ||
			strings.HasPrefix(rest[j+len(asFile):], "not a valid directory")) {
			// The entry is a file, or nothing at all: its error as a file
			// is the cause.
			msg = rest[:j]
			continue
		}
		const asDir = "must resolve to a file': "
		if j := strings.Index(rest, asDir); j >= 0 {
			msg = rest[j+len(asDir):] // the entry is a directory
			continue
		}
		break
	}
	return msg
}

// kustomizationFieldRE is kustomize's strict decoding error of a
// kustomization file with a key it does not know.
var kustomizationFieldRE = regexp.MustCompile(`invalid Kustomization: json: unknown field "([^"]+)"`)

// unknownKustomizationField reports a key kustomize does not know in one
// of the graph's kustomization files (kustfile reads them leniently, so
// the file that has it is in files), at the key, with the field it is
// probably a typo of.
func unknownKustomizationField(msg string, files []*kustfile.File) (report.Finding, bool) {
	m := kustomizationFieldRE.FindStringSubmatch(msg)
	if m == nil {
		return report.Finding{}, false
	}
	for _, f := range slices.Backward(files) { // the innermost file failed first
		if f.Node == nil || f.Node.Field(m[1]) == nil {
			continue
		}
		text := fmt.Sprintf("unknown field %q in this kustomization", m[1])
		if s := config.Suggest(m[1], kustomizationFields()); s != "" {
			text += fmt.Sprintf(": did you mean %q?", s)
		} else {
			text += ": kustomize refuses the whole file; remove or rename the key"
		}
		return finding("build-failed", text, f.Path, f.Line(m[1], -1)), true
	}
	return report.Finding{}, false
}

// kustomizationFields are the keys of a kustomization file, from
// kustomize's own type.
func kustomizationFields() []string {
	var out []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			sf := t.Field(i)
			name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if sf.Anonymous && (name == "" || strings.Contains(opts, "inline")) {
				walk(sf.Type)
				continue
			}
			if name != "" && name != "-" {
				out = append(out, name)
			}
		}
	}
	walk(reflect.TypeFor[types.Kustomization]())
	return out
}
