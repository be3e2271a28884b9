// Package schema checks rendered objects against strict JSON schemas:
// the bundled Kubernetes built-ins of the selected release, the bundled
// CRD catalog and the CRDs the repository itself defines. Validation gives
// kubeconform's -strict verdicts, with the JSON Schema library kubeconform
// uses, in memory (compile.go); kvet adds what kubeconform does not know
// about: removed and deprecated API versions, objects with no schema, every
// error of an object at its field, and field paths a person can read.
package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/example/gitops-go-stack/tools/kvet/internal/apivalidate"
	"github.com/example/gitops-go-stack/tools/kvet/internal/config"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

// CRD is a CustomResourceDefinition found outside the bundled catalog.
type CRD struct {
	Object map[string]any
	// Origin names where it came from, for messages ("base/crds/x.yaml").
	Origin string
}

// Options configure a Validator.
type Options struct {
	// KubernetesVersion selects the bundled release ("1.37"); empty is the newest.
	KubernetesVersion string
	// ExternalKinds are "apiVersion/Kind" patterns kvet must not ask a
	// schema for ("group/*" and "apiVersion/*" allowed).
	ExternalKinds []string
	// CRDs from the repository; they override the catalog.
	CRDs []CRD
	// Only, when not nil, limits the CRDs converted and the schema
	// locations read to these "apiVersion/Kind" keys: the kinds the run
	// will validate. Every kind stays known either way; only the catalog
	// groups of these kinds are decompressed and converted.
	Only map[string]bool
	// SchemaLocations are JSON schema files the user already has, in
	// kubeconform's -schema-location convention; they are looked up for
	// the kinds of Only that have no other schema.
	SchemaLocations []SchemaLocation
	// FeatureGates override the API server's feature gates of the release
	// (kvet.yaml featureGates) for the Go-side API rules.
	FeatureGates map[string]bool
	// FluxOperator says Flux is installed by the Flux Operator, whose
	// notification CRDs accept its own kinds as event sources (fluxoperator.go).
	FluxOperator bool
}

type known struct {
	deprecated string
	// crd names the CRD the schema comes from ("" for a built-in kind).
	crd string
	// source says where the schema comes from, for messages: the bundled
	// project and release, the repository file, the schema location.
	source string
	// behind is set for a bundled CRD older than its project's current
	// release (see bundled.CatalogSource.Behind).
	behind bool
}

// Validator validates objects. It is safe for concurrent use.
type Validator struct {
	minor, version string
	known          map[string]known
	external       []string
	only           map[string]bool
	// builtin are the API groups Kubernetes itself serves (or served).
	builtin map[string]bool
	// removed are the catalog's CRD versions their projects removed.
	removed map[string]bundled.RemovedVersion
	// catalog is the bundled CRD catalog's index.
	catalog *bundled.CatalogIndex
	// schemas are the documents of the run, compiled on first use.
	schemas *schemaSet
	// crd checks what CRD schemas say beyond JSON schema: CEL rules,
	// list types; built-in kinds get the API server's Go-side rules.
	crd *apivalidate.CRDValidator
	// apiOpts carry the release's feature gates to the Go-side rules.
	apiOpts apivalidate.Options
}

// Object is what the validator needs of a rendered object.
type Object struct {
	Resource report.Resource
	// Body is the object as the API server decodes its JSON (numbers as
	// float64, as kubeconform decodes it): what is validated.
	Body map[string]any
}

// New prepares the schemas, in memory; each is compiled when an object
// first needs it. Problems with individual CRDs come back as findings;
// the error is for kvet itself failing.
func New(opts Options) (*Validator, []report.Finding, error) {
	minor := opts.KubernetesVersion
	if minor == "" {
		minor = bundled.DefaultKubernetesVersion()
	}
	ks, err := bundled.Kubernetes(minor)
	if err != nil {
		return nil, nil, err
	}
	v := &Validator{minor: minorOnly(ks.Version), version: ks.Version, known: map[string]known{}, external: opts.ExternalKinds,
		schemas: newSchemaSet()}
	v.only = opts.Only
	if v.apiOpts, err = apiOptions(minor, opts.FeatureGates); err != nil {
		return nil, nil, err
	}
	for key, raw := range ks.Schemas {
		i := strings.LastIndex(key, "/")
		if i <= 0 {
			return nil, nil, fmt.Errorf("malformed bundled schema key %q", key)
		}
		v.schemas.add(key[:i], key[i+1:], raw, "")
	}
	for k := range ks.Schemas {
		v.known[k] = known{}
	}
	objectMeta, err := metadataSchema(ks)
	if err != nil {
		return nil, nil, err
	}

	catalog, err := bundled.LoadCatalogIndex()
	if err != nil {
		return nil, nil, fmt.Errorf("load CRD catalog: %w", err)
	}
	v.catalog = catalog
	v.builtin = builtinGroups(ks)
	v.removed = map[string]bundled.RemovedVersion{}
	for _, r := range catalog.Removed {
		v.removed[r.Group+"/"+r.Version+"/"+r.Kind] = r
	}
	v.recordCatalog()
	var findings []report.Finding
	var crdObjects []map[string]any
	for _, group := range v.catalogGroups() {
		crds, err := bundled.GroupCRDs(group)
		if err != nil {
			return nil, nil, fmt.Errorf("load CRD catalog: %w", err)
		}
		for _, crd := range crds {
			if v.only != nil && !v.needsAny(crd) {
				continue // known from the index; nothing to convert
			}
			if opts.FluxOperator {
				crd = fluxOperatorCRD(crd)
			}
			if err := v.addCRD(crd, objectMeta, v.known[crdKey(crd)]); err != nil {
				return nil, nil, fmt.Errorf("bundled CRD catalog: %w", err)
			}
			crdObjects = append(crdObjects, crd)
		}
		schemas, err := bundled.GroupSchemas(group)
		if err != nil {
			return nil, nil, fmt.Errorf("load CRD catalog: %w", err)
		}
		for key, raw := range schemas {
			i := strings.LastIndex(key, "/")
			if i <= 0 {
				return nil, nil, fmt.Errorf("malformed bundled schema key %q", key)
			}
			v.schemas.add(key[:i], key[i+1:], raw, v.known[key].source)
		}
	}
	for _, c := range opts.CRDs {
		crdObjects = append(crdObjects, c.Object)
		if err := v.addCRD(c.Object, objectMeta, known{source: "CRD from " + c.Origin}); err != nil {
			findings = append(findings, report.Finding{
				Severity: report.SeverityError, Check: report.CheckSchema, Rule: "invalid-crd",
				Resource: report.Resource{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition", Name: str(get(c.Object, "metadata", "name"))},
				Message:  fmt.Sprintf("cannot use CustomResourceDefinition from %s: %v", c.Origin, err),
			})
		}
	}
	locFindings, err := v.useSchemaLocations(opts.SchemaLocations)
	if err != nil {
		return nil, nil, err
	}
	findings = append(findings, locFindings...)
	if cv, err := apivalidate.NewCRDValidator(crdObjects); err == nil {
		v.crd = cv
	} else {
		findings = append(findings, report.Finding{
			Severity: report.SeverityWarning, Check: report.CheckSchema, Rule: "invalid-crd",
			Message: fmt.Sprintf("CRD validation rules (CEL, list types) are not checked: %v", err),
		})
	}
	return v, findings, nil
}

// apiOptions resolves the feature gates of the release: the API server's
// defaults, then the cluster's overrides.
func apiOptions(minor string, overrides map[string]bool) (apivalidate.Options, error) {
	all, err := bundled.LoadFeatureGates()
	if err != nil {
		return apivalidate.Options{}, err
	}
	defaults, err := all.Release(minor)
	if err != nil {
		return apivalidate.Options{}, err
	}
	for _, name := range slices.Sorted(maps.Keys(overrides)) {
		g, ok := defaults[name]
		switch {
		case !ok:
			return apivalidate.Options{}, fmt.Errorf("kvet.yaml featureGates: %s is not a feature gate of Kubernetes %s", name, minor)
		case g.LockToDefault && overrides[name] != g.Default:
			return apivalidate.Options{}, fmt.Errorf("kvet.yaml featureGates: %s is locked to %v in Kubernetes %s (%s): the API server would not start", name, g.Default, minor, g.PreRelease)
		}
	}
	gates := map[string]bool{}
	for _, name := range apivalidate.GatesUsed() {
		gates[name] = defaults[name].Default
		if on, ok := overrides[name]; ok {
			gates[name] = on
		}
	}
	return apivalidate.Options{FeatureGates: gates}, nil
}

// KubernetesVersion is the release the built-in schemas come from.
func (v *Validator) KubernetesVersion() string { return v.version }

func minorOnly(version string) string {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return version
	}
	return parts[0] + "." + parts[1]
}

func metadataSchema(ks *bundled.KubernetesSchemas) (map[string]any, error) {
	raw, ok := ks.Schemas["v1/ConfigMap"]
	if !ok {
		return nil, errors.New("bundled schemas lack v1/ConfigMap")
	}
	var cm map[string]any
	if err := json.Unmarshal(raw, &cm); err != nil {
		return nil, fmt.Errorf("bundled v1/ConfigMap: %w", err)
	}
	md, _ := get(cm, "properties", "metadata").(map[string]any)
	if md == nil {
		return nil, errors.New("bundled v1/ConfigMap has no metadata schema")
	}
	return md, nil
}

// recordCatalog makes every served version of every bundled CRD known,
// from the index alone.
func (v *Validator) recordCatalog() {
	for _, g := range v.catalog.Groups {
		for _, c := range g.CRDs {
			src := v.catalog.Sources[c.Source]
			source := fmt.Sprintf("CRD %s of %s, bundled", c.Name, src.Label())
			for _, ver := range c.Versions {
				if !ver.Served {
					continue
				}
				apiVersion := g.Group + "/" + ver.Name
				k := known{crd: c.Name, source: source, behind: src.Behind != ""}
				if ver.Deprecated {
					k.deprecated = ver.DeprecationWarning
					if k.deprecated == "" {
						k.deprecated = fmt.Sprintf("%s %s is deprecated by its CustomResourceDefinition %s", apiVersion, c.Kind, c.Name)
					}
				}
				v.known[apiVersion+"/"+c.Kind] = k
			}
		}
		for _, sc := range g.Schemas {
			src := v.catalog.Sources[sc.Source]
			v.known[g.Group+"/"+sc.Version+"/"+sc.Kind] = known{source: fmt.Sprintf("OpenAPI of %s, bundled", src.Label())}
		}
	}
}

// catalogGroups are the bundled groups the run needs decoded: those of
// the kinds it renders, or every group when it did not say.
func (v *Validator) catalogGroups() []string {
	var out []string
	for _, g := range v.catalog.Groups {
		if v.only == nil {
			out = append(out, g.Group)
			continue
		}
		for key := range v.only {
			if strings.HasPrefix(key, g.Group+"/") && strings.Count(key, "/") == 2 {
				out = append(out, g.Group)
				break
			}
		}
	}
	return out
}

// crdKey is the known key of a CRD's first served version.
func crdKey(crd map[string]any) string {
	versions, _ := get(crd, "spec", "versions").([]any)
	for _, ver := range versions {
		if served, _ := get(ver, "served").(bool); served {
			return str(get(crd, "spec", "group")) + "/" + str(get(ver, "name")) + "/" + str(get(crd, "spec", "names", "kind"))
		}
	}
	return ""
}

// addCRD converts crd and keeps the schemas of the kinds the run needs.
// from says where it comes from (source, behind), for messages.
func (v *Validator) addCRD(crd map[string]any, objectMeta map[string]any, from known) error {
	versions, err := ConvertCRD(crd, objectMeta)
	if err != nil {
		return err
	}
	for _, cv := range versions {
		if v.only == nil || v.only[cv.APIVersion+"/"+cv.Kind] {
			b, err := json.Marshal(cv.Schema)
			if err != nil {
				return fmt.Errorf("encode schema of %s %s: %w", cv.APIVersion, cv.Kind, err)
			}
			v.schemas.add(cv.APIVersion, cv.Kind, b, from.source)
		}
		v.known[cv.APIVersion+"/"+cv.Kind] = known{deprecated: cv.Deprecated, crd: cv.CRD, source: from.source, behind: from.behind}
	}
	return nil
}

// needsAny reports whether the run renders an object of any version of crd.
func (v *Validator) needsAny(crd map[string]any) bool {
	group := str(get(crd, "spec", "group"))
	kind := str(get(crd, "spec", "names", "kind"))
	versions, _ := get(crd, "spec", "versions").([]any)
	for _, ver := range versions {
		if v.only[group+"/"+str(get(ver, "name"))+"/"+kind] {
			return true
		}
	}
	return false
}

func (v *Validator) isExternal(apiVersion, kind string) bool {
	key := apiVersion + "/" + kind
	group, _, _ := strings.Cut(apiVersion, "/")
	for _, p := range v.external {
		if strings.HasSuffix(p, "/*") {
			prefix := strings.TrimSuffix(p, "*")
			if strings.HasPrefix(key, prefix) || group+"/" == prefix {
				return true
			}
			continue
		}
		if ok, _ := path.Match(p, key); ok {
			return true
		}
	}
	return false
}

func schemaFinding(obj Object, rule, p, msg string) report.Finding {
	return report.Finding{
		Severity: report.SeverityError,
		Check:    report.CheckSchema,
		Rule:     rule,
		Resource: obj.Resource,
		Path:     p,
		Message:  msg,
	}
}

// Validate checks one object.
func (v *Validator) Validate(obj Object) []report.Finding {
	obj = withoutSOPS(obj)
	av, kind := obj.Resource.APIVersion, obj.Resource.Kind
	if av == "" || kind == "" {
		return []report.Finding{schemaFinding(obj, "missing-type", "", "object has no apiVersion or kind: every Kubernetes object needs both")}
	}
	key := av + "/" + kind
	if msg := removed(av, kind, v.minor); msg != "" {
		return []report.Finding{schemaFinding(obj, "removed-api", "apiVersion", msg+"; the API server rejects this object")}
	}
	k, ok := v.known[key]
	if !ok {
		if v.isExternal(av, kind) {
			return nil
		}
		if r, gone := v.removed[key]; gone {
			return []report.Finding{schemaFinding(obj, "removed-api", "apiVersion", fmt.Sprintf(
				"%s %s was removed in %s %s (last served by %s); use %s; the API server of a cluster running %s %s or newer rejects this object",
				av, kind, r.Project, r.RemovedIn, r.LastServedIn, r.Use, r.Project, r.RemovedIn))}
		}
		group, _, hasGroup := strings.Cut(av, "/")
		if !hasGroup {
			group = ""
		}
		if v.builtin[group] {
			return []report.Finding{schemaFinding(obj, "no-schema", "apiVersion",
				fmt.Sprintf("Kubernetes %s does not serve %s %s%s: check the apiVersion and kind for typos, or select another release with --kubernetes-version", v.version, av, kind, v.closestKind(av, kind)))}
		}
		return []report.Finding{schemaFinding(obj, "no-schema", "apiVersion", v.noSchemaMessage(av, group, kind))}
	}
	var out []report.Finding
	if msg := deprecated(av, kind, v.minor); msg != "" {
		f := schemaFinding(obj, "deprecated-api", "apiVersion", msg)
		f.Severity = report.SeverityWarning
		out = append(out, f)
	} else if k.deprecated != "" {
		f := schemaFinding(obj, "deprecated-api", "apiVersion", k.deprecated)
		f.Severity = report.SeverityWarning
		out = append(out, f)
	}
	for _, l := range v.schemaErrors(obj, key) {
		if l.whole != "" {
			out = append(out, schemaFinding(obj, "schema-invalid", "", l.whole))
			continue
		}
		rule, msg := classify(l.msg)
		p := readablePath(obj.Body, l.tokens)
		f := schemaFinding(obj, rule, p, describe(rule, p, msg, didYouMean(l.fields, l.known)))
		f.Pointer = l.tokens
		if rule == "unknown-field" && len(l.fields) > 0 {
			// The line to edit is the misspelt key, not its object.
			f.Pointer = append(slices.Clone(l.tokens), l.fields[0])
			if len(l.fields) == 1 {
				f.Suggestion = config.Suggest(l.fields[0], l.known) // kvet lsp's rename
			}
		}
		if rule == "unknown-field" && k.source != "" {
			// An old bundled CRD and a typo look the same: say which.
			f.Message += " (schema: " + k.source + ")"
			if k.behind {
				// A newer operator than the bundled one may define it.
				f.Severity = report.SeverityWarning
				f.Message += "; the bundled CRD is older than the project's current release: if your operator is newer, pass its CRD with --crds"
			}
		}
		out = append(out, f)
	}
	// What the API server checks in Go, beyond the OpenAPI schema.
	issues := apivalidate.Validate(obj.Body, v.apiOpts)
	if k.crd != "" && v.crd != nil {
		issues = append(issues, v.crd.Validate(obj.Body)...)
	}
	for _, is := range issues {
		out = append(out, schemaFinding(obj, is.Rule, is.Path, is.Message))
	}
	return out
}

// schemaErrors validates the object against the schema of key, once:
// nothing when it is valid, else the leaves of the error tree. A kind
// without a usable schema is one leaf with a whole message (kubeconform's
// Error result), as is a value the library cannot validate.
func (v *Validator) schemaErrors(obj Object, key string) []leaf {
	if obj.Body == nil {
		return nil // kubeconform: an empty resource, nothing to validate
	}
	sch, verr, err := v.schemas.validate(key, obj.Body)
	switch {
	case err != nil:
		return []leaf{{whole: v.noCompileMessage(key, obj.Resource.Kind, err)}}
	case verr == nil:
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(verr, &ve) {
		return []leaf{{whole: "problem validating schema. Check JSON formatting: " + strings.ReplaceAll(verr.Error(), "\n", " ")}}
	}
	return detail(sch, ve)
}

// noCompileMessage words kubeconform's "could not find schema" for a
// schema that is missing or does not compile, with the reason.
func (v *Validator) noCompileMessage(key, kind string, err error) string {
	msg := "could not find schema for " + kind
	if errors.Is(err, errNoSchema) {
		return msg
	}
	source := v.schemas.docs[key].source
	if source == "" {
		source = "the bundled schema of Kubernetes " + v.version
	}
	return fmt.Sprintf("%s: %s is not a JSON schema the validator can compile: %v", msg, source, err)
}

var quotedRE = regexp.MustCompile(`'([^']*)'`)

// classify maps jsonschema error texts to stable rule ids.
func classify(msg string) (string, string) {
	switch {
	case strings.Contains(msg, "additional propert"):
		return "unknown-field", msg
	case strings.HasPrefix(msg, "missing propert"):
		return "missing-field", msg
	case strings.HasPrefix(msg, "got ") && strings.Contains(msg, "want "):
		return "invalid-type", msg
	default:
		return "invalid-value", msg
	}
}

// describe words a schema error; hint is the did-you-mean of an unknown
// field, or "".
func describe(rule, p, msg, hint string) string {
	where := p
	if where == "" {
		where = "the object"
	}
	switch rule {
	case "unknown-field":
		names := quotedRE.FindAllStringSubmatch(msg, -1)
		var fields []string
		for _, n := range names {
			fields = append(fields, n[1])
		}
		// The library lists them in map order: sort, so that the same
		// defect reached through two targets is one finding.
		slices.Sort(fields)
		if hint != "" {
			return fmt.Sprintf("unknown field %s in %s: did you mean %s? The API server rejects fields its schema does not define", strings.Join(fields, ", "), where, hint)
		}
		return fmt.Sprintf("unknown field %s in %s: the API server rejects fields its schema does not define; check the spelling and indentation", strings.Join(fields, ", "), where)
	case "missing-field":
		return fmt.Sprintf("%s in %s: add the required field", msg, where)
	case "invalid-type":
		return fmt.Sprintf("wrong type at %s: %s", where, msg)
	}
	return fmt.Sprintf("invalid value at %s: %s", where, msg)
}

// readablePath turns JSON-pointer tokens into spec.containers[web].image,
// naming list items by their name field when they have one.
func readablePath(body map[string]any, tokens []string) string {
	var b strings.Builder
	var cur any = body
	for _, seg := range tokens {
		switch c := cur.(type) {
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				fmt.Fprintf(&b, "[%s]", seg)
				cur = nil
				continue
			}
			if m, ok := c[i].(map[string]any); ok {
				if n, ok := m["name"].(string); ok && n != "" {
					fmt.Fprintf(&b, "[%s]", n)
					cur = c[i]
					continue
				}
			}
			fmt.Fprintf(&b, "[%d]", i)
			cur = c[i]
		default:
			switch {
			case strings.ContainsAny(seg, "./[]"):
				fmt.Fprintf(&b, "[%q]", seg)
			case b.Len() > 0:
				b.WriteString("." + seg)
			default:
				b.WriteString(seg)
			}
			if m, ok := c.(map[string]any); ok {
				cur = m[seg]
			} else {
				cur = nil
			}
		}
	}
	return b.String()
}

// noSchemaMessage is the advice for a custom resource without a schema.
// When the catalog bundles the kind at other versions it says which.
func (v *Validator) noSchemaMessage(apiVersion, group, kind string) string {
	if g := v.catalog.Group(group); g != nil {
		for _, c := range g.CRDs {
			if c.Kind != kind {
				continue
			}
			var served []string
			for _, ver := range c.Versions {
				if ver.Served {
					served = append(served, group+"/"+ver.Name)
				}
			}
			return fmt.Sprintf("%s %s is not served by the bundled CRD %s (%s) which serves %s: use one of those, or pass the CRD your cluster runs with --crds",
				apiVersion, kind, c.Name, v.catalog.Sources[c.Source].Label(), strings.Join(served, ", "))
		}
	}
	return fmt.Sprintf("no schema for %s %s%s: add its CustomResourceDefinition to the repository, pass the directory holding it with --crds, point --schema-location (kvet.yaml schemaLocations) at its JSON schema, or declare the kind in kvet.yaml externalKinds", apiVersion, kind, v.closestKind(apiVersion, kind))
}

// closestKind is " (did you mean K?)" when apiVersion has a schema for a
// kind K close enough to kind to be a typo of it, else "".
func (v *Validator) closestKind(apiVersion, kind string) string {
	var kinds []string
	for key := range v.known {
		if k, ok := strings.CutPrefix(key, apiVersion+"/"); ok && !strings.Contains(k, "/") {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds) // ties resolve the same way every run
	if s := config.Suggest(kind, kinds); s != "" && s != kind {
		return fmt.Sprintf(" (did you mean %s?)", s)
	}
	return ""
}

// didYouMean names, for each unknown field that is close to a field the
// object's schema defines, that field ("" when none is).
func didYouMean(unknown, known []string) string {
	var hints []string
	for _, u := range unknown {
		if s := config.Suggest(u, known); s != "" {
			if len(unknown) == 1 {
				hints = append(hints, s)
			} else {
				hints = append(hints, s+" for "+u)
			}
		}
	}
	if len(hints) == 0 {
		return ""
	}
	return strings.Join(hints, ", ")
}
