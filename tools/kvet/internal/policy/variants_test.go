package policy

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKindQueriesFindWhatEveryRuleFinds evaluates every fixture target
// twice, with the per-kind queries and with every rule on every object:
// the findings are the same, and the per-kind queries left rules out.
func TestKindQueriesFindWhatEveryRuleFinds(t *testing.T) {
	files, err := filepath.Glob("testdata/targets/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	optionSets := map[string]Options{
		"defaults": {},
		"configured": {
			PodSpecPaths:      map[string]string{"argoproj.io/Rollout": "spec.template.spec", "Widget": "spec.pod"},
			AllowedRegistries: []string{"ghcr.io/example"},
			RepositoryDirs:    []string{".", "apps"},
		},
	}
	for name, opts := range optionSets {
		fast, slow := newEngine(t, opts), newEngine(t, opts)
		slow.queries.everyRule = true
		for _, f := range files {
			objs := loadObjects(t, f)
			for _, cluster := range []*Inventory{nil, mustInventory(t, objs)} {
				tgt := Target{Path: "apps/x", Environment: "production", Cluster: cluster}
				want, err := slow.Evaluate(context.Background(), tgt, objs)
				require.NoError(t, err)
				got, err := fast.Evaluate(context.Background(), tgt, objs)
				require.NoError(t, err)
				assert.Equal(t, want, got, "%s %s", name, f)
			}
		}
		all := len(fast.outputs)
		left := 0
		for _, q := range fast.queries.byKind {
			if q != fast.queries.byMask[strings.Repeat("1", all)] {
				left++
			}
		}
		assert.Positive(t, left, "%s: some kind evaluates fewer rules", name)
	}
}

func mustInventory(t *testing.T, objs []Object) *Inventory {
	t.Helper()
	inv, err := NewInventory(objs)
	require.NoError(t, err)
	return inv
}

// TestKindAnalysis pins which rules the analysis leaves out: kind tests
// the rule index sees, through helpers and functions; the pod spec of the
// default library; and never a negation, a default, a `with`, or an
// expression that evaluates a rule before the undefined term.
func TestKindAnalysis(t *testing.T) {
	const src = `package t

import data.kvet.lib

service if input.kind == "Service"

ports contains p if {
	input.kind == "Service"
	some p in input.spec.ports
}

is_kind(k) if input.kind == k

default defaulted := false

defaulted if input.kind == "Service"

deny_direct contains "x" if input.kind == "Service"

deny_helper contains "x" if service

deny_element contains p if some p in ports

deny_whole_set contains "x" if count(ports) == 0

deny_negated contains "x" if not service

deny_default contains "x" if defaulted

deny_with contains "x" if service with input as {"kind": "Service"}

deny_comprehension contains "x" if [p | some p in ports]

deny_function_args contains "x" if is_kind("Service")

deny_pod contains c.name if some c in lib.containers

deny_pod_spec contains "x" if lib.pod_spec.hostNetwork

deny_second contains "x" if {
	input.metadata.name
	service
}

value := 1

deny_rule_first contains "x" if value == lib.pod_spec.hostPID

deny_rule_after contains "x" if lib.pod_spec.hostPID == value
`
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t.rego"), []byte(src), 0o600))
	e := newEngine(t, Options{Dirs: []string{dir}})
	left := func(apiVersion, kind string) []string {
		q, err := e.queries.forInput(context.Background(), ast.MustInterfaceToValue(map[string]any{"apiVersion": apiVersion, "kind": kind}))
		require.NoError(t, err)
		var mask string
		for m, v := range e.queries.byMask {
			if v == q {
				mask = m
			}
		}
		var out []string
		for i, o := range e.outputs {
			if mask[i] == '0' && strings.HasPrefix(o.info.Ref, "data.t.") {
				out = append(out, o.info.Ref)
			}
		}
		return out
	}
	assert.Equal(t, []string{
		"data.t.deny_direct", "data.t.deny_element", "data.t.deny_helper", "data.t.deny_pod", "data.t.deny_pod_spec",
		"data.t.deny_rule_after", // deny_rule_first reads a rule first, whose errors would show
	}, sortedStrings(left("v1", "ConfigMap")))
	assert.Equal(t, []string{"data.t.deny_pod", "data.t.deny_pod_spec", "data.t.deny_rule_after"}, sortedStrings(left("v1", "Service")))
	assert.Equal(t, []string{"data.t.deny_direct", "data.t.deny_element", "data.t.deny_helper"}, sortedStrings(left("apps/v1", "Deployment")))
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	slices.Sort(out)
	return out
}

// TestKindAnalysisOwnLibrary: a user library under data.kvet.lib is not
// the default one, so its pod spec helpers gate nothing.
func TestKindAnalysisOwnLibrary(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lib.rego"), []byte(`package kvet.lib

containers := [{"name": "everywhere"}]
`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t.rego"), []byte(`package t

import data.kvet.lib

deny contains c.name if some c in lib.containers
`), 0o600))
	e := newEngine(t, Options{Dirs: []string{dir}, NoDefaults: true})
	fs, err := e.Evaluate(context.Background(), Target{Path: "x"}, loadObjects(t, "testdata/targets/compliant.yaml"))
	require.NoError(t, err)
	assert.Len(t, fs, 8, "every object, pod spec or not")
}
