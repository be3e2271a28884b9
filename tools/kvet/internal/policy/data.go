package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// configValue builds data.kvet.config from the options, once per engine.
func configValue(opts Options) (ast.Value, error) {
	paths := map[string]any{}
	for key, dotted := range opts.PodSpecPaths {
		if key == "" || strings.Count(key, "/") > 1 {
			return nil, fmt.Errorf("podSpecPaths: key %q must be \"group/Kind\" or \"Kind\"", key)
		}
		segs := strings.Split(strings.Trim(dotted, "."), ".")
		if slices.Contains(segs, "") {
			return nil, fmt.Errorf("podSpecPaths[%s]: %q is not a dotted field path such as spec.template.spec", key, dotted)
		}
		anySegs := make([]any, len(segs))
		for i, s := range segs {
			anySegs[i] = s
		}
		paths[key] = anySegs
	}
	producers := make([]any, 0, len(opts.Producers))
	for _, p := range opts.Producers {
		kind := p.Kind
		if !strings.Contains(kind, "/") {
			kind = "/" + kind // the core group
		}
		entry := map[string]any{"producer": kind, "makes": stringsToAny(p.Makes)}
		if p.NameFrom != "" {
			entry["name_from"] = stringsToAny(strings.Split(strings.Trim(p.NameFrom, "."), "."))
		}
		if p.NamespaceFrom != "" {
			entry["namespace_from"] = []any{stringsToAny(strings.Split(strings.Trim(p.NamespaceFrom, "."), "."))}
		}
		producers = append(producers, entry)
	}
	doc := map[string]any{
		"producers":          producers,
		"pod_spec_paths":     paths,
		"allowed_registries": stringsToAny(opts.AllowedRegistries),
		"external":           stringsToAny(opts.ExternalResources),
	}
	v, err := ast.InterfaceToValue(doc)
	if err != nil {
		return nil, fmt.Errorf("build policy config: %w", err)
	}
	return v, nil
}

// repositoryValue builds data.kvet.repository. dirs is an object (set-like)
// so that a path lookup is a single index operation.
func repositoryValue(dirs, urls, branches []string) ast.Value {
	d := ast.NewObject()
	for _, dir := range dirs {
		d.Insert(ast.StringTerm(normalizeDir(dir)), ast.BooleanTerm(true))
	}
	u := make([]*ast.Term, 0, len(urls))
	for _, url := range urls {
		u = append(u, ast.StringTerm(url))
	}
	return ast.NewObject(
		[2]*ast.Term{ast.StringTerm("known"), ast.BooleanTerm(dirs != nil)},
		[2]*ast.Term{ast.StringTerm("dirs"), ast.NewTerm(d)},
		[2]*ast.Term{ast.StringTerm("urls"), ast.ArrayTerm(u...)},
		[2]*ast.Term{ast.StringTerm("branches"), ast.NewTerm(ast.MustInterfaceToValue(stringsToAny(branches)))},
	)
}

// normalizeDir makes "./a/b/" and "a/b" the same key; the root is ".".
func normalizeDir(dir string) string {
	dir = strings.TrimPrefix(strings.Trim(dir, "/"), "./")
	if dir == "" {
		return "."
	}
	return dir
}

// inventoryValue converts every object once per target: the returned
// values are both the inputs of the per-object evaluations and the leaves
// of data.kvet.inventory (kind -> namespace -> name -> object), so nothing
// is converted twice.
func inventoryValue(objs []Object) ([]ast.Value, ast.Value, error) {
	inputs := make([]ast.Value, len(objs))
	byKind := map[string]map[string]ast.Object{}
	for i, obj := range objs {
		v, err := ast.InterfaceToValue(obj.Body)
		if err != nil {
			return nil, nil, fmt.Errorf("convert %s for policy evaluation: %w", obj.Resource, err)
		}
		inputs[i] = v
		r := obj.Resource
		if r.Kind == "" {
			continue
		}
		byNS := byKind[r.Kind]
		if byNS == nil {
			byNS = map[string]ast.Object{}
			byKind[r.Kind] = byNS
		}
		names := byNS[r.Namespace]
		if names == nil {
			names = ast.NewObject()
			byNS[r.Namespace] = names
		}
		names.Insert(ast.StringTerm(r.Name), ast.NewTerm(v))
	}
	inv := ast.NewObject()
	for kind, byNS := range byKind {
		nsObj := ast.NewObject()
		for ns, names := range byNS {
			nsObj.Insert(ast.StringTerm(ns), ast.NewTerm(names))
		}
		inv.Insert(ast.StringTerm(kind), ast.NewTerm(nsObj))
	}
	return inputs, inv, nil
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
