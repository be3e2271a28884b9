package build

import (
	"fmt"
	"strings"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// kustomize accepts a mapping with the same key twice and passes the object
// on; the API server rejects it, and so does every JSON encoding of it.
// kvet reports it as a YAML problem at the file and line of the duplicate.

// duplicateKey returns the first key that appears twice in a mapping of n
// and the line of its second occurrence.
func duplicateKey(n *kyaml.Node) (string, int, bool) {
	if n == nil {
		return "", 0, false
	}
	if n.Kind == kyaml.MappingNode {
		seen := make(map[string]bool, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if seen[k] {
				return k, n.Content[i].Line, true
			}
			seen[k] = true
		}
	}
	for _, c := range n.Content {
		if k, l, ok := duplicateKey(c); ok {
			return k, l, true
		}
	}
	return "", 0, false
}

// duplicateKeyFinding describes a duplicate key in obj; the line comes
// from the source file when it can be read.
func duplicateKeyFinding(read readFunc, obj Object, key string, line int) report.Finding {
	if obj.Source.File != "" {
		if f, ok := lintYAML(read, obj.Source.File); ok && strings.Contains(f.Message, "already defined") {
			f.Resource = obj.Resource
			return f
		}
	}
	f := finding("yaml-syntax", fmt.Sprintf("invalid YAML: mapping key %q is defined twice: remove or rename the duplicate key", key), obj.Source.File, line)
	f.Resource = obj.Resource
	return f
}
