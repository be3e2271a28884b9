package bundled

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The quantity pattern must accept exactly what the API server decodes: a
// stricter one gives false errors, a looser one misses typos like "1GB".
func TestQuantityPatternMatchesParseQuantity(t *testing.T) {
	s, err := Kubernetes(DefaultKubernetesVersion())
	require.NoError(t, err)
	var pod struct {
		Properties struct {
			Spec struct {
				Properties struct {
					Overhead struct {
						AdditionalProperties struct {
							Pattern   string `json:"pattern"`
							MinLength int    `json:"minLength"`
						} `json:"additionalProperties"`
					} `json:"overhead"`
				} `json:"properties"`
			} `json:"spec"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(s.Schemas["v1/Pod"], &pod))
	q := pod.Properties.Spec.Properties.Overhead.AdditionalProperties
	require.NotEmpty(t, q.Pattern, "v1/Pod spec.overhead values are quantities")
	re := regexp.MustCompile(q.Pattern)

	for _, in := range []string{
		"1", "0", "500m", "1Gi", "1.5Gi", "2e9", "2E9", "1e-3", "1e+3", "1.5e3", "1.", ".5", "+1", "-1",
		"1Ki", "1Mi", "1Ti", "1Pi", "1Ei", "1k", "1M", "1G", "1T", "1P", "1E", "1n", "1u", "1m", "0.1m",
		"9999999999999999999999", "1.0001",
		// Degenerate forms the parser accepts as well.
		".", "m", "Ki", "+", "e3", ".e3", "+.",
		// Rejected.
		"", "1K", "1ki", "1GB", "1e", "1ei", "1mi", "1M1", "1..", "1e3.5", " 1", "1 ", "0x10", "1_000", "1µ", "..",
	} {
		_, parseErr := resource.ParseQuantity(in)
		matches := re.MatchString(in) && len(in) >= q.MinLength
		assert.Equal(t, parseErr == nil, matches, "%q: ParseQuantity error %v", in, parseErr)
	}
}
