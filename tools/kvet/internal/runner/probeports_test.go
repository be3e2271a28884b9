package runner_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestProbePortLines: the API server's probe-port findings point at the
// port an overlay patch sets, not at the probe or the container, and an
// invalid port name is one finding however many naming rules it breaks.
func TestProbePortLines(t *testing.T) {
	t.Parallel()
	rep := run(t, fixture(t, "probe-ports"), nil)
	var ports []got
	for _, f := range rep.Findings {
		if f.Rule == "invalid-port" {
			ports = append(ports, project(f))
		}
	}
	deploy := res("apps/v1", "Deployment", "web")
	c := "spec.template.spec.containers[web]"
	assert.ElementsMatch(t, []got{
		{"overlay", E, "schema", "invalid-port", deploy, c + ".readinessProbe.httpGet.port", "overlay/probes.yaml:13"},
		{"overlay", E, "schema", "invalid-port", deploy, c + ".livenessProbe.tcpSocket.port", "overlay/probes.yaml:16"},
		{"overlay", E, "schema", "invalid-port", deploy, c + ".startupProbe.grpc.port", "overlay/probes.yaml:19"},
	}, ports, dump(rep))
}
