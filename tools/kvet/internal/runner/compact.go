package runner

import "github.com/example/gitops-go-stack/tools/kvet/internal/yamljson"

// A rendered object as kustomize's tree (kyaml RNode) takes ten times the
// memory of its JSON encoding, and every target is built before any is
// checked (the schemas need the CRDs of the whole run). So each build is
// compacted as soon as it finishes: its objects are encoded once, the
// trees are released, and the checks decode the JSON. Peak memory then
// grows with the JSON of the repository, not with kustomize's trees, and
// the collector has a small live heap to scan. The encoding is the JSON the
// API server receives (yamljson), as the object's applier produces it.

type encodedObject struct {
	json []byte
	err  error
}

// compact encodes the objects of b's build and drops their trees.
func compact(b built) built {
	if b.result == nil || b.result.Err != nil {
		return b
	}
	b.encoded = make([]encodedObject, len(b.result.Objects))
	for k := range b.result.Objects {
		o := &b.result.Objects[k]
		if o.Node == nil {
			continue
		}
		js, err := yamljson.Encode(o.Node, o.Applier)
		b.encoded[k] = encodedObject{json: js, err: err}
		o.Node = nil
	}
	return b
}

// json returns object k of b's build as JSON.
func (b built) json(k int) ([]byte, error) {
	if k < len(b.encoded) && (b.encoded[k].json != nil || b.encoded[k].err != nil) {
		return b.encoded[k].json, b.encoded[k].err
	}
	o := b.result.Objects[k]
	return yamljson.Encode(o.Node, o.Applier)
}
