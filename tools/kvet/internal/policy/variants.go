package policy

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Most rules apply to a few kinds, and a rule that cannot apply still
// costs its evaluation: finding the rule, setting up each definition,
// failing its first expression. The engine therefore prepares one query
// per set of rules that can apply to an (apiVersion, kind), and leaves a
// rule out for objects of a kind only where it provably yields nothing:
// each of its definitions that OPA's rule index keeps for the kind (asked
// with apiVersion and kind known and everything else unknown) starts with
// an expression that is undefined for the kind. An expression is
// undefined when one of its terms (outside comprehensions, with no rule or
// comprehension before it whose runtime error would have been reported) is:
//
//   - the default library's pod spec (lib.pod_spec, lib.pod_spec_prefix,
//     an element of lib.containers) for a kind without one: pod_spec_path
//     reads nothing of the object but its apiVersion and kind;
//   - a rule that itself yields nothing for the kind, by the same
//     reasoning (any reference to a complete rule or a function call; an
//     element of a partial rule).
//
// A rule left out would have produced no value: findings are the same.

// kindKey identifies the kind of an input: its apiVersion and kind values
// as Rego terms ("" when absent).
type kindKey struct{ apiVersion, kind string }

// variant is the prepared query of one set of outputs.
type variant struct {
	query rego.PreparedEvalQuery
}

// variants prepares and remembers the query of each kind. Safe for
// concurrent use.
type variants struct {
	compiler *ast.Compiler
	builtins []builtin
	outputs  []output
	// podProbe asks lib.pod_spec_path; nil when the pod spec library is
	// not the default one.
	podProbe *rego.PreparedEvalQuery
	config   ast.Value

	// everyRule makes every object evaluate every rule (tests compare).
	everyRule bool

	mu     sync.Mutex
	byKind map[kindKey]*variant
	byMask map[string]*variant
}

func newVariants(ctx context.Context, c *ast.Compiler, bs []builtin, outs []output, mods *moduleSet, config ast.Value) (*variants, error) {
	v := &variants{
		compiler: c, builtins: bs, outputs: outs, config: config,
		byKind: map[kindKey]*variant{}, byMask: map[string]*variant{},
	}
	// The query of every rule, prepared now so that a query that does not
	// compile fails New, as it did before queries were per kind.
	all := strings.Repeat("1", len(outs))
	q, err := v.prepare(ctx, all)
	if err != nil {
		return nil, err
	}
	v.byMask[all] = q
	if !defaultPodLibrary(c, mods) {
		return v, nil
	}
	probe, err := rego.New(append(regoOptions(bs),
		rego.Compiler(c),
		rego.Query("data.kvet.lib.pod_spec_path(input)"),
	)...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare pod spec probe: %w", err)
	}
	v.podProbe = &probe
	return v, nil
}

// forInput returns the query for an object.
func (v *variants) forInput(ctx context.Context, input ast.Value) (*variant, error) {
	av, kind := field(input, "apiVersion"), field(input, "kind")
	key := kindKey{termString(av), termString(kind)}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.everyRule {
		return v.byMask[strings.Repeat("1", len(v.outputs))], nil
	}
	if q, ok := v.byKind[key]; ok {
		return q, nil
	}
	a := &kindAnalysis{c: v.compiler, res: kindResolver{apiVersion: av, kind: kind}, memo: map[*ast.TreeNode]bool{}}
	if v.podProbe != nil {
		has, err := v.hasPodSpecPath(ctx, av, kind)
		if err != nil {
			return nil, err
		}
		a.noPod = !has
	}
	mask := make([]byte, len(v.outputs))
	for i, o := range v.outputs {
		mask[i] = '1'
		// An output is a partial set: whether an element of it is undefined.
		if undefined, _ := a.undefinedRef(append(o.ref.Copy(), ast.VarTerm("_"))); undefined {
			mask[i] = '0'
		}
	}
	q, ok := v.byMask[string(mask)]
	if !ok {
		var err error
		if q, err = v.prepare(ctx, string(mask)); err != nil {
			return nil, err
		}
		v.byMask[string(mask)] = q
	}
	v.byKind[key] = q
	return q, nil
}

// prepare prepares the query of the outputs a mask selects ('1').
func (v *variants) prepare(ctx context.Context, mask string) (*variant, error) {
	var q strings.Builder
	for i, o := range v.outputs {
		if mask[i] != '1' {
			continue
		}
		if q.Len() > 0 {
			q.WriteString("; ")
		}
		// A comprehension is always defined, so one rule without values
		// never makes the whole query undefined.
		fmt.Fprintf(&q, "%s = [v | some v in %s]", o.binding, o.info.Ref)
	}
	if q.Len() == 0 {
		q.WriteString("true") // no rule applies: one empty result
	}
	pq, err := rego.New(append(regoOptions(v.builtins),
		rego.Compiler(v.compiler),
		rego.Query(q.String()),
	)...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare policy query: %w", err)
	}
	return &variant{query: pq}, nil
}

// hasPodSpecPath asks the library whether objects of this apiVersion and
// kind have a pod spec path.
func (v *variants) hasPodSpecPath(ctx context.Context, av, kind ast.Value) (bool, error) {
	obj := ast.NewObject()
	if av != nil {
		obj.Insert(ast.StringTerm("apiVersion"), ast.NewTerm(av))
	}
	if kind != nil {
		obj.Insert(ast.StringTerm("kind"), ast.NewTerm(kind))
	}
	rs, err := v.podProbe.Eval(ctx,
		rego.EvalParsedInput(obj),
		rego.EvalResolver(dataRef("config"), constResolver{v.config}),
	)
	if err != nil {
		return false, fmt.Errorf("pod spec probe: %w", err)
	}
	return len(rs) > 0, nil
}

// defaultPodLibrary holds when the pod spec helpers are the embedded
// library's: no policy of the user defines anything under data.kvet.lib.
func defaultPodLibrary(c *ast.Compiler, mods *moduleSet) bool {
	lib := ast.MustParseRef("data.kvet.lib")
	if len(c.GetRulesWithPrefix(lib)) == 0 {
		return false
	}
	for name, m := range c.Modules {
		if mods.defaults[name] {
			continue
		}
		for _, r := range m.Rules {
			if r.Ref().HasPrefix(lib) || lib.HasPrefix(r.Ref().GroundPrefix()) {
				return false
			}
		}
	}
	return true
}

var (
	libPodSpec       = ast.MustParseRef("data.kvet.lib.pod_spec")
	libPodSpecPrefix = ast.MustParseRef("data.kvet.lib.pod_spec_prefix")
	libContainers    = ast.MustParseRef("data.kvet.lib.containers")
)

// kindAnalysis decides which rules yield nothing for one kind.
type kindAnalysis struct {
	c     *ast.Compiler
	res   kindResolver
	noPod bool // the default library, and the kind has no pod spec
	memo  map[*ast.TreeNode]bool
}

// nothing reports whether the rules at node yield no value for the kind.
func (a *kindAnalysis) nothing(node *ast.TreeNode) bool {
	if v, ok := a.memo[node]; ok {
		return v
	}
	a.memo[node] = false // Rego has no recursion; this only ends a cycle
	rules := node.Values
	if node.Index != nil {
		r, err := node.Index.Lookup(a.res)
		if err != nil || r.Default != nil || len(r.Else) > 0 {
			return false
		}
		rules = r.Rules
	}
	for _, r := range rules {
		if r.Default || r.Else != nil || len(r.Body) == 0 || !a.undefined(r.Body[0]) {
			return false
		}
	}
	a.memo[node] = true
	return true
}

// undefined reports whether an expression is undefined for the kind: a
// term of it is, and no term before it could fail differently (an error
// of a rule or a comprehension evaluated first would still be reported).
// Negated expressions and `with` are never: a negation of something
// undefined holds.
func (a *kindAnalysis) undefined(e *ast.Expr) bool {
	if e.Negated || len(e.With) > 0 {
		return false
	}
	found, stop := false, false
	ast.NewGenericVisitor(func(x any) bool {
		if found || stop {
			return true
		}
		switch x := x.(type) {
		case *ast.ArrayComprehension, *ast.SetComprehension, *ast.ObjectComprehension, *ast.Every:
			stop = true // evaluated apart: may be defined when this is not
		case ast.Ref:
			var rule bool
			found, rule = a.undefinedRef(x)
			stop = !found && rule
		}
		return found || stop
	}).Walk(e)
	return found
}

// undefinedRef reports whether a reference (a document, or the operator
// of a call) is undefined for the kind, and whether it refers to a rule.
func (a *kindAnalysis) undefinedRef(ref ast.Ref) (undefined, rule bool) {
	if a.noPod && (hasRefPrefix(ref, libPodSpec) || hasRefPrefix(ref, libPodSpecPrefix) ||
		(len(ref) > len(libContainers) && hasRefPrefix(ref, libContainers))) {
		return true, true
	}
	node := a.c.RuleTree
	for i, t := range ref {
		if node = node.Child(t.Value); node == nil {
			return false, i > 0 && len(a.c.GetRulesWithPrefix(ref[:i])) > 0
		}
		if len(node.Values) == 0 {
			continue
		}
		// The first rule on the path: a plain rule set with nothing
		// below it, or the analysis does not know what the path holds.
		if len(node.Children) > 0 {
			return false, true
		}
		for _, r := range node.Values {
			if !r.Head.Ref().IsGround() {
				return false, true
			}
		}
		// A partial set or object with no value is empty, not undefined:
		// only an element of it is undefined.
		if node.Values[0].Head.RuleKind() == ast.MultiValue && i == len(ref)-1 {
			return false, true
		}
		return a.nothing(node), true
	}
	return false, len(node.Values) > 0 || len(node.Children) > 0 && ref[0].Equal(ast.DefaultRootDocument)
}

// hasRefPrefix is ref.HasPrefix for exactly the terms of prefix.
func hasRefPrefix(ref, prefix ast.Ref) bool {
	if len(ref) < len(prefix) {
		return false
	}
	for i := range prefix {
		if !ref[i].Equal(prefix[i]) {
			return false
		}
	}
	return true
}

// kindResolver answers the rule index for input.apiVersion and
// input.kind; everything else is unknown, which keeps the rules that test it.
type kindResolver struct{ apiVersion, kind ast.Value }

func (r kindResolver) Resolve(ref ast.Ref) (ast.Value, error) {
	if len(ref) == 2 && ref[0].Equal(ast.InputRootDocument) {
		switch {
		case ref[1].Equal(ast.StringTerm("apiVersion")):
			return r.apiVersion, nil
		case ref[1].Equal(ast.StringTerm("kind")):
			return r.kind, nil
		}
	}
	return nil, ast.UnknownValueErr{}
}

// field returns obj[key] for an object input, nil when absent.
func field(input ast.Value, key string) ast.Value {
	obj, ok := input.(ast.Object)
	if !ok {
		return nil
	}
	if t := obj.Get(ast.StringTerm(key)); t != nil {
		return t.Value
	}
	return nil
}

func termString(v ast.Value) string {
	if v == nil {
		return ""
	}
	return v.String()
}
