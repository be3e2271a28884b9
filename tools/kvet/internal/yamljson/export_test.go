package yamljson

import kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

// EncodeDirect exposes the direct encoder to the tests, which compare it
// with RNode.MarshalJSON.
func EncodeDirect(n *kyaml.Node) ([]byte, bool) { return encodeDirect(n) }
