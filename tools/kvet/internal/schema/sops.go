package schema

// withoutSOPS returns obj without the top-level `sops` metadata that SOPS
// adds to the files it encrypts. Flux's kustomize-controller decrypts such
// objects and drops that key before applying them, so the cluster never
// sees it; validating it against the object's schema would be a false
// error on every SOPS-encrypted Secret.
func withoutSOPS(obj Object) Object {
	meta, ok := obj.Body["sops"].(map[string]any)
	if !ok || !isSOPSMetadata(meta) {
		return obj
	}
	body := make(map[string]any, len(obj.Body))
	for k, v := range obj.Body {
		if k != "sops" {
			body[k] = v
		}
	}
	obj.Body = body
	return obj
}

// isSOPSMetadata recognises the metadata block SOPS writes: it always
// carries the MAC and the format version, plus the key groups used.
func isSOPSMetadata(m map[string]any) bool {
	_, mac := m["mac"]
	_, version := m["version"]
	return mac && version
}
