package runner_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestProbePortLines: the API server's probe-port findings point at the
// port an overlay patch sets, not at the probe or the container.
func TestProbePortLines(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "probe-ports"), nil)
	var lines []string
	for _, f := range rep.Findings {
		if f.Rule == "invalid-port" {
			lines = append(lines, fmt.Sprintf("%s %s:%d", f.Path, f.Source.File, f.Source.Line))
		}
	}
	c := "spec.template.spec.containers[web]"
	assert.ElementsMatch(t, []string{
		c + ".readinessProbe.httpGet.port overlay/probes.yaml:13",
		c + ".livenessProbe.tcpSocket.port overlay/probes.yaml:16",
		c + ".startupProbe.grpc.port overlay/probes.yaml:19",
	}, lines, dump(rep))
}
