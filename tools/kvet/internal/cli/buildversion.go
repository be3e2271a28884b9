package cli

import "runtime/debug"

// kvetVersion is the version kvet reports: the one stamped with -ldflags
// (make build, releases, the container image), else the one the Go
// toolchain recorded for `go install ...@vX.Y.Z` or for a build inside a
// git checkout (pre-commit builds kvet that way: a tag gives vX.Y.Z, another
// commit a pseudo-version), else "dev".
func kvetVersion(stamped string, bi *debug.BuildInfo) string {
	if stamped != "" && stamped != "dev" {
		return stamped
	}
	if bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
