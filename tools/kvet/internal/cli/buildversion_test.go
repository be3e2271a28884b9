package cli

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestKvetVersion(t *testing.T) {
	main := func(v string) *debug.BuildInfo { return &debug.BuildInfo{Main: debug.Module{Version: v}} }
	for _, tc := range []struct {
		name, stamped string
		bi            *debug.BuildInfo
		want          string
	}{
		{"ldflags win over build info", "v1.2.3", main("v1.2.2"), "v1.2.3"},
		{"go install module@version", "dev", main("v1.2.3"), "v1.2.3"},
		{"build in a checkout at no tag", "dev", main("v0.0.0-20261201120000-abcdef123456"), "v0.0.0-20261201120000-abcdef123456"},
		{"build without version control information", "dev", main("(devel)"), "dev"},
		{"no build information", "dev", nil, "dev"},
		{"empty stamp", "", main(""), "dev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, kvetVersion(tc.stamped, tc.bi))
		})
	}
}
