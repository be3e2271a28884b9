package build

import "github.com/example/gitops-go-stack/tools/kvet/internal/guard"

// readFunc reads a file for kvet's own work around a build (replacement
// files it inlines, the files it lints and scans to explain an error or
// find a line), as opposed to kustomize's reads through the guarded file
// system.
type readFunc func(path string) ([]byte, error)

// read is the Builder's readFunc: through the guard, so these reads obey
// the same rules as kustomize's: inside the repository root with symlinks
// resolved, regular files only, within the limits. A file kustomize named
// outside the repository (a failed build's "../../etc/x.yaml") is never
// opened, so none of its bytes can reach a message.
func (b *Builder) read(path string) ([]byte, error) {
	if b.opts.FS != nil {
		// The same checks over the configured file system (editor buffers).
		return b.guarded().ReadFile(path)
	}
	var data []byte
	var v *guard.Violation
	var err error
	if b.checked != nil {
		data, v, err = b.checked.ReadFile(b.opts.Root, path)
	} else {
		data, v, err = guard.ReadFile(b.opts.Root, path, b.opts.Limits)
	}
	if v != nil {
		return nil, v
	}
	return data, err
}
