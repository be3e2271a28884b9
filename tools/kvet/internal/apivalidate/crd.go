package apivalidate

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
)

// CRDValidator evaluates, for objects of the custom resource kinds it
// knows, what the API server checks beyond the OpenAPI schema: the CEL
// x-kubernetes-validations rules of the served CRD version, the
// x-kubernetes-list-type set/map uniqueness invariants, and the metadata of
// x-kubernetes-embedded-resource fields. It uses the API server's own code
// (k8s.io/apiextensions-apiserver structural schemas, defaulting, pruning
// and CEL validator). Each version is compiled once, on first use; Validate
// is safe for concurrent use.
type CRDValidator struct {
	versions map[schema.GroupVersionKind]*crdVersion
}

type crdVersion struct {
	gvk  schema.GroupVersionKind
	raw  map[string]any // the version's openAPIV3Schema, as decoded
	once sync.Once
	// Set by compile: structural is nil when the schema is unusable, and
	// skipped then says why.
	structural *structuralschema.Structural
	cel        *cel.Validator // nil when the version has no CEL rules
	skipped    string
}

// NewCRDValidator reads the schemas of the given CRD objects (as decoded
// from YAML or JSON). Each version is compiled (structural schema, CEL
// rules) the first time an object of it is validated: a run meets a few
// custom kinds, while the catalog holds dozens of CRDs whose CEL rules take
// seconds to compile together. A CRD version whose schema is not
// structural is skipped (see Skipped); an error is returned only for input
// that is not a CRD at all.
func NewCRDValidator(crds []map[string]any) (*CRDValidator, error) {
	v := &CRDValidator{versions: map[schema.GroupVersionKind]*crdVersion{}}
	for i, raw := range crds {
		// Only the identity is read now; each version's schema is decoded
		// into the API types when first used.
		name, _ := getString(getMap(raw, "metadata"), "name")
		spec := getMap(raw, "spec")
		group, _ := getString(spec, "group")
		kind, _ := getString(getMap(spec, "names"), "kind")
		if group == "" || kind == "" {
			return nil, fmt.Errorf("CRD %d (%s): spec.group and spec.names.kind are required", i, name)
		}
		for _, ver := range getList(spec, "versions") {
			vm, _ := ver.(map[string]any)
			vname, _ := getString(vm, "name")
			props := getMap(vm, "schema", "openAPIV3Schema")
			if vname == "" || props == nil {
				continue
			}
			gvk := schema.GroupVersionKind{Group: group, Version: vname, Kind: kind}
			v.versions[gvk] = &crdVersion{gvk: gvk, raw: props}
		}
	}
	return v, nil
}

// compile builds the structural schema and CEL validator once.
func (cv *crdVersion) compile() {
	cv.once.Do(func() {
		var props apiextensionsv1.JSONSchemaProps
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(normalize(cv.raw).(map[string]any), &props); err != nil {
			cv.skipped = fmt.Sprintf("%s: %v", cv.gvk, err)
			return
		}
		var internal apiextensions.JSONSchemaProps
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(&props, &internal, nil); err != nil {
			cv.skipped = fmt.Sprintf("%s: %v", cv.gvk, err)
			return
		}
		s, err := structuralschema.NewStructural(&internal)
		if err != nil {
			cv.skipped = fmt.Sprintf("%s: schema is not structural: %v", cv.gvk, err)
			return
		}
		if errs := structuralschema.ValidateStructural(nil, s); len(errs) > 0 {
			cv.skipped = fmt.Sprintf("%s: schema is not structural: %v", cv.gvk, errs.ToAggregate())
			return
		}
		cv.structural = s
		if hasCELRules(s) {
			cv.cel = cel.NewValidator(s, true, celconfig.PerCallLimit)
		}
	})
}

// Skipped lists the CRD versions whose schema cannot be used, with why.
// It compiles every version, so it is meant for diagnostics and tests.
func (v *CRDValidator) Skipped() []string {
	var out []string
	for _, cv := range v.versions {
		cv.compile()
		if cv.skipped != "" {
			out = append(out, cv.skipped)
		}
	}
	sort.Strings(out)
	return out
}

// Knows reports whether v has a schema for apiVersion and kind.
func (v *CRDValidator) Knows(apiVersion, kind string) bool {
	if v == nil {
		return false
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return false
	}
	cv, ok := v.versions[gv.WithKind(kind)]
	if !ok {
		return false
	}
	cv.compile()
	return cv.structural != nil
}

// Validate checks obj against the CRD version of its apiVersion and kind;
// objects of other kinds give no issues.
func (v *CRDValidator) Validate(obj map[string]any) []Issue {
	if v == nil || obj == nil {
		return nil
	}
	apiVersion, _ := getString(obj, "apiVersion")
	kind, _ := getString(obj, "kind")
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil
	}
	cv, ok := v.versions[gv.WithKind(kind)]
	if !ok {
		return nil
	}
	if cv.compile(); cv.structural == nil {
		return nil
	}
	// Work on a JSON-normalised copy, defaulted and pruned as the API server
	// does before it validates.
	u, ok := normalize(obj).(map[string]any)
	if !ok {
		return nil
	}
	structuralpruning.Prune(u, cv.structural, true)
	structuraldefaulting.Default(u, cv.structural)

	c := &collector{}
	ctx := context.Background()
	for _, e := range schemaobjectmeta.Validate(ctx, nil, u, cv.structural, false) {
		c.add(RuleInvalidMetadata, e.Field, "embedded object "+e.ErrorBody())
	}
	listErrs := structurallisttype.ValidateListSetsAndMaps(nil, cv.structural, u)
	for _, e := range listErrs {
		c.add(RuleListUniqueness, e.Field, e.ErrorBody())
	}
	if cv.cel != nil && len(c.issues) == 0 {
		errs, _ := cv.cel.Validate(ctx, nil, cv.structural, u, nil, celconfig.RuntimeCELCostBudget)
		for _, e := range errs {
			msg := e.ErrorBody()
			if e.Type == field.ErrorTypeInvalid || e.Type == field.ErrorTypeRequired || e.Type == field.ErrorTypeForbidden {
				msg = fmt.Sprintf("%s (x-kubernetes-validations of %s)", msg, gv.WithKind(kind))
			}
			c.add(RuleCELValidation, strings.TrimPrefix(e.Field, "<nil>."), msg)
		}
	}
	return sorted(c.issues)
}

func hasCELRules(s *structuralschema.Structural) bool {
	if s == nil {
		return false
	}
	if len(s.XValidations) > 0 {
		return true
	}
	for _, p := range s.Properties {
		if hasCELRules(&p) {
			return true
		}
	}
	if s.Items != nil && hasCELRules(s.Items) {
		return true
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Structural != nil && hasCELRules(s.AdditionalProperties.Structural) {
		return true
	}
	return false
}

// normalize deep-copies a decoded YAML/JSON value into the types the API
// server's unstructured decoder produces: map[string]any, []any, string,
// bool, int64 for whole numbers, float64 otherwise, nil.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case uint64:
		return int64(x)
	case float32:
		return normalize(float64(x))
	case float64:
		if x == float64(int64(x)) && x < 1<<53 && x > -(1<<53) {
			return int64(x)
		}
		return x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case string, bool, nil:
		return x
	default:
		// Anything else: round-trip through JSON.
		b, err := json.Marshal(x)
		if err != nil {
			return nil
		}
		var out any
		if err := json.Unmarshal(b, &out); err != nil {
			return nil
		}
		return normalize(out)
	}
}
