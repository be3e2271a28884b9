package build

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/yamljson"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/sourcemap"
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
func duplicateKeyFinding(obj Object, key string, line int) report.Finding {
	if obj.Source.File != "" {
		if f, ok := lintYAML(obj.Source.File); ok && strings.Contains(f.Message, "already defined") {
			f.Resource = obj.Resource
			return f
		}
	}
	f := finding("yaml-syntax", fmt.Sprintf("invalid YAML: mapping key %q is defined twice: remove or rename the duplicate key", key), obj.Source.File, line)
	f.Resource = obj.Resource
	return f
}

// unencodable reports an object kustomize renders but cannot print: a
// mapping key that is not a string (`5:`, `true:`) makes kustomize's JSON
// encoding fail, so `kustomize build`, `kubectl apply -k`, Flux and Argo CD
// all fail on the target. Only an object the encoding really refuses is
// reported (the walk just finds the key); the finding points at the key in
// the object's file (dir is the target's kustomization directory).
func unencodable(obj Object, dir string) (report.Finding, bool) {
	if obj.Applier != yamljson.Kustomize || yamljson.NonStringKey(obj.Node.YNode()) == nil {
		return report.Finding{}, false
	}
	_, err := yamljson.Encode(obj.Node, obj.Applier)
	ke, ok := yamljson.IsKeyError(err)
	if !ok {
		return report.Finding{}, false
	}
	f := finding("build-failed", ke.Error(), obj.Source.File, obj.Source.Line)
	f.Resource, f.Path = obj.Resource, ke.Path
	// Locate the key as every other finding is located; the body is read
	// as kubectl would (keys as strings), only to walk to the key.
	var body map[string]any
	if js, err := yamljson.Encode(obj.Node, yamljson.Kubectl); err == nil && json.Unmarshal(js, &body) == nil {
		key := ke.Path + "[" + strconv.Quote(ke.Key) + "]"
		o := sourcemap.Object{Body: body, File: obj.Source.File, Line: obj.Source.Line}
		if src, ok := sourcemap.New(dir).Locate(o, key); ok {
			f.Source = src
		}
	}
	return f, true
}
