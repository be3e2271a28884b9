package gitops

import (
	"errors"
	"fmt"

	"github.com/fluxcd/pkg/envsubst"
	"github.com/fluxcd/pkg/envsubst/parse"
)

// Substitution is kustomize-controller's own: github.com/fluxcd/pkg/envsubst
// (the fork of drone/envsubst the controller runs), in its default
// (non-strict) mode: a variable without a value expands to "".

// Lookup returns a variable's value and whether it is set.
type Lookup func(name string) (string, bool)

// ErrBadSubstitution is a malformed ${...} expression.
var ErrBadSubstitution = errors.New("bad substitution")

// Substitute expands s as the controller does. unset lists, in order of
// first use, the variables referenced without a default operator that
// lookup does not know (the controller substitutes "" for them; its strict
// mode would fail).
func Substitute(s string, lookup Lookup) (out string, unset []string, err error) {
	out, err = envsubst.Eval(s, func(name string) (string, bool) {
		v, _ := lookup(name)
		return v, true
	})
	if err != nil {
		return s, nil, fmt.Errorf("%w: %w", ErrBadSubstitution, err)
	}
	unset, err = Unset(s, lookup)
	return out, unset, err
}

// Unset lists, in order of first use, the variables s references without a
// default operator that lookup does not know.
func Unset(s string, lookup Lookup) (unset []string, err error) {
	tree, err := parse.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSubstitution, err)
	}
	seen := map[string]bool{}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.FuncNode:
			// Arguments are evaluated first, as the template does.
			for _, a := range n.Args {
				walk(a)
			}
			if defaultOp(n.Name) || seen[n.Param] {
				return
			}
			if _, ok := lookup(n.Param); !ok {
				seen[n.Param] = true
				unset = append(unset, n.Param)
			}
		}
	}
	walk(tree.Root)
	return unset, nil
}

// defaultOp is envsubst's set of operators that supply their own value for
// an unset variable (the ones its strict mode lets through).
func defaultOp(name string) bool {
	switch name {
	case "-", "+", "=", "?", ":-", ":+", ":=", ":?":
		return true
	}
	return false
}
