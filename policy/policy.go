// Package policy embeds kvet's default Rego policy library. The .rego files
// beside this file are the library; the *_test.rego files are its tests
// (run with `kvet policy test`). The engine that evaluates them lives in
// tools/kvet/internal/policy.
package policy

import (
	"embed"
	"io/fs"
)

// files is the embedded library. go:embed only works on package-level
// variables; it is unexported and never mutated.
//
//go:embed *.rego
var files embed.FS

// FS returns the default library: every .rego file of this directory,
// tests included, at the root of the file system.
func FS() fs.FS { return files }
