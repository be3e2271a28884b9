// Package yamljson is kvet's one conversion of a YAML object into the JSON
// the API server receives. Every check reads that JSON (schema, apivalidate,
// policies, sourcemap), so an object reaches them exactly as it reaches the
// cluster: never as a Go map an encoder cannot handle.
//
// Two clients write YAML objects to a cluster, and they do not agree, so the
// caller names the client that applies the object:
//
//   - Kustomize: what `kustomize build` prints, and what `kubectl apply -k`,
//     Flux's kustomize-controller and Argo CD apply. kustomize encodes each
//     rendered object with kyaml's RNode.MarshalJSON (go-yaml v3: `yes` and
//     `on` stay strings, `0777` and `0x1F` are integers, timestamps become
//     RFC 3339 strings, merge keys are expanded). A mapping key that is not a
//     string (`5:`, `3.14:`, `true:`) makes that encoding, and so the whole
//     `kustomize build`, fail: Encode returns a *KeyError naming it.
//   - Kubectl: `kubectl apply -f` and Helm's kube client (helm-controller):
//     sigs.k8s.io/yaml (go-yaml v2, YAML 1.1: `yes`, `on`, `y`, `n` are
//     booleans, also as keys; non-string keys become the strings "5",
//     "3.14", "true"; timestamps stay strings).
package yamljson

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// Applier is the client that turns the YAML into JSON for the API server.
type Applier int

const (
	// Kustomize is kustomize's printing of rendered objects (the zero value:
	// most of kvet's objects come out of a kustomize build).
	Kustomize Applier = iota
	// Kubectl is sigs.k8s.io/yaml, as kubectl and Helm read manifests.
	Kubectl
)

// KeyError is a mapping key kustomize cannot encode as JSON, so `kustomize
// build` fails on the object.
type KeyError struct {
	// Path is the mapping holding the key, as field names from the object's
	// root ("data", "spec.nested"); list items are "[i]", names holding a
	// dot ["a.b"].
	Path string
	// Key is the key as written; Tag its YAML type (!!int, !!bool, ...).
	Key, Tag string
	// Line is the key's line in the file the node was parsed from (0 when
	// unknown).
	Line int
	// Err is kustomize's own error.
	Err error
}

func (e *KeyError) Error() string {
	where := "at the top level"
	if e.Path != "" {
		where = "in " + e.Path
	}
	return fmt.Sprintf("kustomize cannot encode this object as JSON (%v): the key %s %s is a YAML %s, not a string; quote it (%q) so that kustomize build, Flux and Argo CD can apply the object",
		e.Err, e.Key, where, strings.TrimPrefix(e.Tag, "!!"), e.Key)
}

func (e *KeyError) Unwrap() error { return e.Err }

// Encode returns the JSON the API server receives for the object n when a
// applies it. For Kustomize it is RNode.MarshalJSON's bytes, written straight
// from the node where that is certain (direct.go) and by MarshalJSON
// elsewhere.
func Encode(n *kyaml.RNode, a Applier) ([]byte, error) {
	if n == nil || n.YNode() == nil {
		return []byte("null"), nil
	}
	if a == Kubectl {
		s, err := n.String()
		if err != nil {
			return nil, fmt.Errorf("print object: %w", err)
		}
		return KubectlText([]byte(s))
	}
	if doc := n.Document(); doc.Kind != kyaml.DocumentNode || len(doc.Content) == 1 {
		if js, ok := encodeDirect(n.YNode()); ok {
			return js, nil
		}
	}
	js, err := n.MarshalJSON()
	if err != nil {
		if ke := NonStringKey(n.YNode()); ke != nil {
			ke.Err = err
			return nil, ke
		}
		return nil, fmt.Errorf("encode object as kustomize does: %w", err)
	}
	return js, nil
}

// KubectlText converts one YAML document as kubectl reads it (and as Flux
// reads an object back after postBuild substitution).
func KubectlText(y []byte) ([]byte, error) {
	js, err := sigsyaml.YAMLToJSON(y)
	if err != nil {
		return nil, fmt.Errorf("convert YAML to JSON as kubectl does: %w", err)
	}
	return js, nil
}

// FromNode is Encode for a go-yaml v3 node read from a repository file.
func FromNode(n *kyaml.Node, a Applier) ([]byte, error) {
	if n != nil && n.Kind == kyaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	return Encode(kyaml.NewRNode(n), a)
}

// NonStringKey returns the first mapping key below n that go-yaml v3 decodes
// as something other than a string, or nil. Merge keys (<<) are not keys of
// the result and are skipped; their values are still walked.
func NonStringKey(n *kyaml.Node) *KeyError {
	return nonStringKey(n, nil)
}

func nonStringKey(n *kyaml.Node, path []string) *KeyError {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case kyaml.DocumentNode:
		for _, c := range n.Content {
			if e := nonStringKey(c, path); e != nil {
				return e
			}
		}
	case kyaml.SequenceNode:
		for i, c := range n.Content {
			if e := nonStringKey(c, append(path, fmt.Sprintf("[%d]", i))); e != nil {
				return e
			}
		}
	case kyaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			tag := k.ShortTag()
			if k.Kind != kyaml.ScalarNode || (tag != "!!str" && tag != "!!merge") {
				return &KeyError{Path: join(path), Key: keyText(k), Tag: tag, Line: k.Line}
			}
			if e := nonStringKey(v, append(path, k.Value)); e != nil {
				return e
			}
		}
	}
	// An alias is not followed: its anchor was walked where it is defined
	// (and following aliases would let a small alias bomb cost exponential time).
	return nil
}

func keyText(k *kyaml.Node) string {
	if k.Kind == kyaml.ScalarNode {
		return k.Value
	}
	return "(a " + map[kyaml.Kind]string{kyaml.MappingNode: "mapping", kyaml.SequenceNode: "list"}[k.Kind] + ")"
}

func join(path []string) string {
	var b strings.Builder
	for _, p := range path {
		switch {
		case strings.HasPrefix(p, "["):
		case strings.ContainsAny(p, ".[]"):
			p = "[" + strconv.Quote(p) + "]"
		case b.Len() > 0:
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// IsKeyError reports whether err is a *KeyError and returns it.
func IsKeyError(err error) (*KeyError, bool) {
	var ke *KeyError
	ok := errors.As(err, &ke)
	return ke, ok
}
