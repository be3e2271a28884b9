package build

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/yamljson"

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

// unencodable reports an object kustomize renders but cannot print: a
// mapping key that is not a string (`5:`, `true:`) makes kustomize's JSON
// encoding fail, so `kustomize build`, `kubectl apply -k`, Flux and Argo CD
// all fail on the target. Only an object the encoding really refuses is
// reported (the walk just finds the key). The finding points at the key
// when the object's file holds it (a patch may have written it: then at the
// object).
func unencodable(obj Object) (report.Finding, bool) {
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
	if line, ok := keyLine(obj.Source.File, obj.Source.Line, ke); ok {
		f.Source.Line = line
	}
	return f, true
}

// keyLine finds ke in the document of file that starts at line start (the
// object's own document): go-yaml reads the whole file, so node lines are
// file lines.
func keyLine(file string, start int, ke *yamljson.KeyError) (int, bool) {
	if file == "" {
		return 0, false
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	dec := yaml3.NewDecoder(bytes.NewReader(b))
	var prev *yaml3.Node
	for {
		var doc yaml3.Node
		if dec.Decode(&doc) != nil {
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		if doc.Content[0].Line > start {
			break
		}
		prev = &doc
	}
	if prev == nil {
		return 0, false
	}
	k := yamljson.NonStringKey(prev)
	if k == nil || k.Path != ke.Path || k.Key != ke.Key {
		return 0, false
	}
	return k.Line, true
}
