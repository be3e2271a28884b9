package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRepositoryURLsAndProducers(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(`
repositoryURLs: [https://git.example.com/mirror/fleet.git]
policy:
  producers:
    - {kind: example.com/Database, makes: [Secret, Service], nameFrom: spec.secretName}
    - {kind: Service, makes: [Secret], namespaceFrom: spec.targetNamespace}
`))
	require.NoError(t, err)
	assert.Equal(t, []string{"https://git.example.com/mirror/fleet.git"}, c.RepositoryURLs)
	require.Len(t, c.Policy.Producers, 2)
	assert.Equal(t, Producer{Kind: "example.com/Database", Makes: []string{"Secret", "Service"}, NameFrom: "spec.secretName"}, c.Policy.Producers[0])

	for _, bad := range []string{
		"policy: {producers: [{kind: example.com/Database}]}",         // makes nothing
		"policy: {producers: [{makes: [Secret]}]}",                    // no kind
		"policy: {producers: [{kind: a/b/c, makes: [Secret]}]}",       // not group/Kind
		"policy: {producers: [{kind: x/Y, makes: [Secret], nme: a}]}", // typo: strict
		"repositoryURL: [https://x]",                                  // typo: strict
	} {
		_, err := Parse([]byte(bad))
		assert.Error(t, err, bad)
	}
}
