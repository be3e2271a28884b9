package schema

import (
	"bytes"
	"errors"
	"path/filepath"
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
// neither. For such grouped errors kvet validates the object again with
// the same schema file and reports the leaves of the tree.

// grouped reports whether a kubeconform message is a group of causes.
func grouped(msg string) bool {
	switch msg {
	case "validation failed", "'allOf' failed", "'anyOf' failed":
		return true
	}
	return strings.HasPrefix(msg, "'oneOf' failed")
}

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

// expand replaces grouped errors by their leaves; on any trouble it keeps
// kubeconform's errors as they are.
func (d *detailer) expand(apiVersion, kind string, js []byte, errs []validator.ValidationError) []validator.ValidationError {
	need := false
	for _, e := range errs {
		need = need || grouped(e.Msg)
	}
	if !need {
		return errs
	}
	s, err := d.schema(apiVersion, kind)
	if err != nil {
		return errs
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return errs
	}
	var ve *jsonschema.ValidationError
	if !errors.As(s.Validate(inst), &ve) {
		return errs
	}
	var out []validator.ValidationError
	leaves(ve, &out)
	if len(out) == 0 {
		return errs
	}
	return out
}

var printer = message.NewPrinter(language.English)

func leaves(e *jsonschema.ValidationError, out *[]validator.ValidationError) {
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
		*out = append(*out, validator.ValidationError{
			Path: pointer(e.InstanceLocation),
			Msg:  e.ErrorKind.LocalizedString(printer),
		})
		return
	}
	for _, c := range causes {
		leaves(c, out)
	}
}

func pointer(loc []string) string {
	var b strings.Builder
	for _, s := range loc {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1"))
	}
	return b.String()
}
