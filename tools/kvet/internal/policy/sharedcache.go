package policy

import (
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Every object of a target is one evaluation, and OPA caches the values of
// rules and function calls for one evaluation only. Much of what the rules
// derive does not depend on the object: the pod templates of a namespace,
// the producers of the cluster, an object's pod spec when another object
// asks for it. Those values are the same for every object of the target
// (the data documents are fixed per target), so a target shares them:
// the rules and functions that never read input, transitively, keep their
// cached values across the target's evaluations; everything else is cached
// per evaluation as OPA does. Values are never computed differently, only
// computed once.

// stableRules knows which rule paths are input-independent. It is built
// once per engine from the compiled policies and is read-only afterwards.
type stableRules struct{ root *ruleNode }

// ruleNode is one segment of a rule path (data.kvet.lib.pod_spec_of).
type ruleNode struct {
	children map[ast.Value]*ruleNode
	// ends: a rule's ground path ends here; volatile: such a rule reads
	// input; below: a rule at or under this node reads input.
	ends, volatile, below bool
}

// newStableRules classifies every rule: a rule is volatile when it (any
// definition, else branch or default) mentions input, calls a
// non-deterministic built-in, or depends on a volatile rule or function.
func newStableRules(c *ast.Compiler) *stableRules {
	direct := map[*ast.Rule]bool{}
	for _, m := range c.Modules {
		ast.WalkRules(m, func(r *ast.Rule) bool {
			direct[r] = readsInputOrClock(r)
			return false
		})
	}
	memo := map[*ast.Rule]bool{}
	var volatile func(r *ast.Rule) bool
	volatile = func(r *ast.Rule) bool {
		if v, ok := memo[r]; ok {
			return v
		}
		// Rego forbids recursion: the dependency graph is acyclic. Mark
		// before descending all the same, so a cycle cannot loop.
		memo[r] = true
		v := direct[r]
		for dep := range c.Graph.Dependencies(r) {
			if v {
				break
			}
			if d, ok := dep.(*ast.Rule); ok && volatile(d) {
				v = true
			}
		}
		memo[r] = v
		return v
	}
	s := &stableRules{root: &ruleNode{}}
	for _, m := range c.Modules {
		for _, r := range m.Rules {
			v := false
			for x := r; x != nil; x = x.Else {
				v = v || volatile(x)
			}
			s.insert(r.Path(), v)
		}
	}
	return s
}

// readsInputOrClock holds for a rule whose own text refers to input or
// calls a built-in whose result may change between evaluations.
func readsInputOrClock(r *ast.Rule) bool {
	found := false
	ast.WalkTerms(r, func(t *ast.Term) bool {
		if found {
			return true
		}
		switch v := t.Value.(type) {
		case ast.Var:
			found = v.Equal(ast.InputRootDocument.Value)
		case ast.Ref:
			if b, ok := ast.BuiltinMap[v.String()]; ok && b.Nondeterministic {
				found = true
			}
		}
		return found
	})
	return found
}

func (s *stableRules) insert(path ast.Ref, volatile bool) {
	n := s.root
	for _, t := range path {
		if volatile {
			n.below = true
		}
		k := t.Value
		child := n.children[k]
		if child == nil {
			if n.children == nil {
				n.children = map[ast.Value]*ruleNode{}
			}
			child = &ruleNode{}
			n.children[k] = child
		}
		n = child
	}
	n.ends = true
	if volatile {
		n.volatile, n.below = true, true
	}
}

// stable reports whether a virtual cache key holds a value that does not
// depend on input: a rule's document (data.pkg.rule[key...]) or a function
// call ([data.pkg.f, args...]) of input-independent rules only.
func (s *stableRules) stable(key ast.Ref) bool {
	if len(key) == 0 {
		return false
	}
	path := key
	function := false
	if f, ok := key[0].Value.(ast.Ref); ok {
		path, function = f, true
	} else if !key[0].Equal(ast.DefaultRootDocument) {
		return false
	}
	n := s.root
	for i, t := range path {
		if n.volatile {
			return false
		}
		var child *ruleNode
		switch k := t.Value.(type) {
		case ast.String, ast.Var:
			child = n.children[k]
		}
		if child == nil {
			// The key goes on below a rule's ground path (a partial
			// rule's element): only the rules at this node make it.
			return i > 0 && n.ends && !function && !n.below
		}
		n = child
	}
	return n.ends && !n.below
}

// sharedCache is the topdown.VirtualCache of one evaluation: stable keys
// go to the target's shared cache, the others to this evaluation's own.
// Under `with` (a pushed frame) input, data or functions may be replaced,
// so nothing is shared there.
type sharedCache struct {
	rules  *stableRules
	shared topdown.VirtualCache
	local  topdown.VirtualCache
	depth  int
}

func (c *sharedCache) Push() { c.depth++; c.local.Push() }

func (c *sharedCache) Pop() { c.depth--; c.local.Pop() }

func (c *sharedCache) Get(ref ast.Ref) (*ast.Term, bool) {
	if c.depth == 0 && c.rules.stable(ref) {
		return c.shared.Get(ref)
	}
	return c.local.Get(ref)
}

func (c *sharedCache) Put(ref ast.Ref, value *ast.Term) {
	if c.depth == 0 && c.rules.stable(ref) {
		c.shared.Put(ref, value)
		return
	}
	c.local.Put(ref, value)
}

func (c *sharedCache) Keys() []ast.Ref {
	if c.depth > 0 {
		return c.local.Keys()
	}
	return append(c.local.Keys(), c.shared.Keys()...)
}
