package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// SchemaLocation is one kubeconform -schema-location template of local
// JSON schema files, e.g.
// "/abs/schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json".
type SchemaLocation struct {
	// Template is absolute (the caller resolves relative ones).
	Template string
	// Root confines every file the template names, symlinks resolved:
	// the repository root for kvet.yaml's schemaLocations, the template's
	// fixed directory for a command-line flag.
	Root string
	// Name is how messages name the location (as the user wrote it).
	Name string
	// Limits bound what is read (file size, content).
	Limits guard.Limits
}

// kubeconformDefaultLayout is what kubeconform appends to a location that
// does not end in "json": the layout of its kubernetes-json-schema trees.
const kubeconformDefaultLayout = "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"

// ParseSchemaLocation checks a location as the user wrote it and returns
// its template. Only local files: a URL is refused, kvet never downloads.
func ParseSchemaLocation(loc string) (string, error) {
	if strings.Contains(loc, "://") {
		return "", fmt.Errorf("schema location %q is a URL: kvet reads schemas from local directories only (download them into the repository)", loc)
	}
	if loc == "default" {
		return "", fmt.Errorf("schema location %q: kubeconform's default location is on the network; kvet bundles the Kubernetes schemas already", loc)
	}
	if !strings.HasSuffix(loc, "json") {
		loc = strings.TrimRight(loc, "/") + kubeconformDefaultLayout
	}
	if _, err := template.New("loc").Option("missingkey=error").Parse(loc); err != nil {
		return "", fmt.Errorf("schema location %q: %w", loc, err)
	}
	return loc, nil
}

// FixedDir is the directory part of a template before its first
// placeholder: what a command-line location is confined to.
func FixedDir(tpl string) string {
	fixed := tpl
	if i := strings.Index(tpl, "{{"); i >= 0 {
		fixed = tpl[:i]
	}
	return filepath.Dir(fixed + "x")
}

// locationPath renders a template for one kind, the way kubeconform does.
// Values that could leave the directory (a "/" or ".." inside an
// apiVersion or kind of the repository) render nothing.
func locationPath(tpl, apiVersion, kind, k8sVersion string) (string, bool) {
	groupParts := strings.Split(apiVersion, "/")
	if len(groupParts) > 2 {
		return "", false
	}
	versionParts := strings.Split(groupParts[0], ".")
	kindSuffix := "-" + strings.ToLower(versionParts[0])
	if len(groupParts) > 1 {
		kindSuffix += "-" + strings.ToLower(groupParts[1])
	}
	data := struct {
		NormalizedKubernetesVersion, StrictSuffix, ResourceKind, ResourceAPIVersion, Group, KindSuffix string
	}{"v" + k8sVersion, "-strict", strings.ToLower(kind), groupParts[len(groupParts)-1], groupParts[0], kindSuffix}
	for _, val := range []string{data.ResourceKind, data.ResourceAPIVersion, data.Group} {
		if val == "" || val == "." || strings.Contains(val, "..") || strings.ContainsAny(val, `/\`) {
			return "", false
		}
	}
	t, err := template.New("loc").Option("missingkey=error").Parse(tpl)
	if err != nil {
		return "", false
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", false
	}
	return filepath.FromSlash(b.String()), true
}

// useSchemaLocations looks up, for every kind the run renders that has no
// schema yet, the first location holding a file for it, and keeps that
// schema for the validator. A file a location may not read
// (outside its root, a symlink out, too large) is a finding, not a schema.
func (v *Validator) useSchemaLocations(locs []SchemaLocation) ([]report.Finding, error) {
	if len(locs) == 0 || v.only == nil {
		return nil, nil
	}
	var findings []report.Finding
	for _, key := range slices.Sorted(func(yield func(string) bool) {
		for k := range v.only {
			if !yield(k) {
				return
			}
		}
	}) {
		if _, ok := v.known[key]; ok {
			continue
		}
		i := strings.LastIndex(key, "/")
		apiVersion, kind := key[:i], key[i+1:]
		for _, loc := range locs {
			p, ok := locationPath(loc.Template, apiVersion, kind, v.version)
			if !ok {
				continue
			}
			b, viol, err := guard.ReadFile(loc.Root, p, loc.Limits)
			if viol != nil {
				msg := viol.Message
				if viol.Rule == guard.RuleSymlinkEscape || viol.Rule == guard.RuleOutsideRepo {
					// guard's own words name the machine path the link leads to.
					msg = "leads outside the directory the location may read: kvet follows no symlink out of it; copy the schema in"
				}
				findings = append(findings, report.Finding{
					Severity: report.SeverityError, Check: report.CheckSchema, Rule: "schema-location",
					Resource: report.Resource{APIVersion: apiVersion, Kind: kind},
					Message:  fmt.Sprintf("schema location %s: %s %s", loc.Name, relOrBase(loc.Root, p), msg),
				})
				break
			}
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("schema location %s: %w", loc.Name, err)
			}
			source := "schema location " + loc.Name + ": " + relOrBase(loc.Root, p)
			v.schemas.add(apiVersion, kind, b, source)
			v.known[key] = known{source: source}
			break
		}
	}
	return findings, nil
}

// relOrBase names p relative to the schema location's root for messages,
// or by its base name when outside it (no machine path in output).
func relOrBase(root, p string) string {
	if paths.Inside(root, p) {
		return paths.Rel(root, p)
	}
	return filepath.Base(p)
}
