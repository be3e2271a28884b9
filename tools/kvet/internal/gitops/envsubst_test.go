package gitops

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSubstitute(t *testing.T) {
	vars := map[string]string{"APP": "web", "EMPTY": "", "REPLICAS": "3", "IMG": "registry.example.com/shop/web:1.2.3", "Mixed": "hello World"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	cases := []struct {
		in, want string
		unset    []string
		err      bool
	}{
		{in: "name: ${APP}", want: "name: web"},
		{in: "replicas: ${REPLICAS}", want: "replicas: 3"},
		{in: "bare $APP stays", want: "bare $APP stays"},
		{in: "escaped $${APP}", want: "escaped ${APP}"},
		{in: "dollars $$ and $", want: "dollars $ and $"},
		{in: "${MISSING:=fallback}", want: "fallback"},
		{in: "${MISSING:-fallback}", want: "fallback"},
		{in: "${MISSING=fallback}", want: "fallback"},
		// The controller's parser has no bare "-" operator: it fails the build.
		{in: "${MISSING-fallback}", err: true},
		{in: "${EMPTY:=fallback}", want: "fallback"},
		{in: "${APP:=fallback}", want: "web"},
		{in: "${MISSING:=${APP}-x}", want: "web-x"},
		{in: "${MISSING:=}", want: ""},
		{in: "a ${MISSING} b ${MISSING} ${OTHER}", want: "a  b  ", unset: []string{"MISSING", "OTHER"}},
		{in: "${EMPTY}", want: ""},
		{in: "${#APP}", want: "3"},
		{in: "${Mixed^^}", want: "HELLO WORLD"},
		{in: "${Mixed,,}", want: "hello world"},
		{in: "${APP^}", want: "Web"},
		{in: "${IMG##*:}", want: "1.2.3"},
		{in: "${IMG%:*}", want: "registry.example.com/shop/web"},
		{in: "${IMG#registry.example.com/}", want: "shop/web:1.2.3"},
		{in: "${APP/e/E}", want: "wEb"},
		{in: "${REPLICAS//3/4}", want: "4"},
		{in: "${APP:1}", want: "eb"},
		{in: "${APP:0:2}", want: "we"},
		{in: "${MISSING:+alt}", want: "alt"},
		{in: "${APP:+alt}", want: "web"},
		{in: "${MISSING:?oops}", want: "oops"},
		{in: "${IMG/#registry.example.com/mirror.local}", want: "mirror.local/shop/web:1.2.3"},
		{in: "${IMG/%1.2.3/2.0.0}", want: "registry.example.com/shop/web:2.0.0"},
		// envsubst's patterns have no bracket classes: [we] is literal.
		{in: "${APP//[we]/x}", want: "web"},
		{in: "$$$${APP}", want: "$${APP}"},
		{in: "${APP:-${MISSING}}", want: "web", unset: []string{"MISSING"}},
		{in: "${ APP }", err: true},
		{in: "${APP", err: true},
		{in: "${}", err: true},
		{in: "${-x}", err: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, unset, err := Substitute(tc.in, lookup)
			if tc.err {
				require.ErrorIs(t, err, ErrBadSubstitution)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.unset, unset)
		})
	}
}
