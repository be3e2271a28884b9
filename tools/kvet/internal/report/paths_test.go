package report

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRelativize(t *testing.T) {
	targets := []Target{{Path: "app", Error: "accumulating resources: '/work/r/repo/app/x.yaml': must build at directory: '/work/r/repo/app'",
		Notes: []string{"chart /work/r/repo/charts/a not rendered"}}}
	findings := []Finding{
		{Message: "security; file '/work/r/outside.yaml' is not in or below '/work/r/repo/app'", Source: Source{File: "/work/r/outside.yaml", Line: 3}},
		{Message: "apiVersion apps/v1 is fine / unchanged", Source: Source{File: "app/x.yaml"}},
		{Message: "see /etc/passwd", Source: Source{File: "/work/r/repo/app/x.yaml"}},
		{Message: "root '/work/r/repo', sibling /work/r/repository/a"},
	}
	Relativize("/work/r/repo", targets, findings)
	assert.Equal(t, "accumulating resources: 'app/x.yaml': must build at directory: 'app'", targets[0].Error)
	assert.Equal(t, "chart charts/a not rendered", targets[0].Notes[0])
	assert.Equal(t, "security; file '../outside.yaml' is not in or below 'app'", findings[0].Message)
	assert.Equal(t, "../outside.yaml", findings[0].Source.File)
	assert.Equal(t, "apiVersion apps/v1 is fine / unchanged", findings[1].Message)
	assert.Equal(t, "see /etc/passwd", findings[2].Message, "paths under no ancestor but / stay as they are")
	assert.Equal(t, "app/x.yaml", findings[2].Source.File)
	assert.Equal(t, "root '../repo', sibling ../repository/a", findings[3].Message)
}
