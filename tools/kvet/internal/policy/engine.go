// Package policy is kvet's Rego policy engine. It compiles the default
// library (github.com/example/gitops-go-stack/policy) and the user's policy
// directories once, then evaluates every rendered object of a target
// against them, concurrently across targets.
//
// # Rule contract
//
// A rule is any multi-value (set) rule whose name is deny, violation or warn,
// or starts with deny_, violation_ or warn_, in any package: the conftest
// conventions. Its identity comes from METADATA annotations:
//
//	# METADATA
//	# title: Containers must run as non-root
//	# description: ...
//	# custom:
//	#   id: run-as-non-root        (kebab-case, stable)
//	#   severity: error            (error | warning)
//	#   remediation: set runAsNonRoot: true ...
//	deny_run_as_non_root contains {"msg": msg, "path": path} if { ... }
//
// The annotation is looked up on the rule (rule or document scope), then on
// its package (package or subpackages scope). Without custom.id the id is
// derived from the package and rule name (package main, deny -> "main";
// package k8s.security, deny_latest -> "k8s-security-latest"). Without
// custom.severity, warn rules give warnings and the others errors.
//
// Each value of a rule is a string (the message) or an object with "msg"
// and optionally "path" (the field in the object, containers named in
// brackets: spec.template.spec.containers[web].securityContext).
//
// # Data
//
// input is one rendered object. data.kvet holds:
//
//	data.kvet.target     = {"path": "overlays/production", "environment": "production"}
//	data.kvet.inventory  = {KIND: {NAMESPACE: {NAME: object}}}  (cluster-scoped under "")
//	data.kvet.cluster    = the same shape, every object of the target's cluster: the
//	                       targets linked to it by the GitOps entry points they render
//	data.kvet.config     = {"allowed_registries": [..], "pod_spec_paths": {"group/Kind": ["spec", ...]},
//	                        "external": ["Kind/namespace/name" globs]}
//	data.kvet.repository = {"known": bool, "dirs": {"overlays/production": true, ...}, "urls": [..], "branches": [..]}
//
// Rules are written in Rego v1 (conftest's default since v0.56); files with
// `import rego.v1` are accepted too. Rego v0 syntax is rejected with the file
// and line of the first error.
package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/resolver"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// Rule ids the engine itself reports (not Rego rules).
const (
	RuleExpiredException = "expired-exception"
	RuleIgnoreAnnotation = "ignore-annotation"
	RulePolicyError      = "policy-error"
)

// SeverityNote marks a finding a rule downgraded to a note ("note": true
// in its value): the runner reports it among the target's notes, never as
// an error or a warning.
const SeverityNote report.Severity = "note"

// IgnoreAnnotation is the object annotation that suppresses named rules:
// "rule-id: reason" entries separated by commas or newlines.
const IgnoreAnnotation = "kvet.dev/ignore"

// Options configure an Engine. Field comments say where the value comes from.
type Options struct {
	// Dirs are user policy directories (--policy DIR, repeatable), searched
	// recursively for *.rego files; *_test.rego files are skipped. A package
	// defined both there and in the default library replaces the default one.
	Dirs []string
	// NoDefaults drops the embedded default library (--no-default-policies).
	NoDefaults bool
	// PodSpecPaths declares where custom kinds keep their pod spec (kvet.yaml):
	// key "group/Kind" (e.g. "argoproj.io/Rollout") or a bare "Kind" for any
	// group; value a dotted path such as "spec.template.spec". Declarations
	// override the built-in kinds.
	PodSpecPaths map[string]string
	// AllowedRegistries restricts image registries (kvet.yaml); empty allows
	// any. An entry is a registry host ("ghcr.io") or a repository prefix
	// ("ghcr.io/example"); Docker Hub images count as "docker.io".
	AllowedRegistries []string
	// ExternalResources are objects that exist in the cluster but are not
	// rendered by the target (kvet.yaml), as "Kind/namespace/name" globs
	// (cluster-scoped: "Kind//name"); missing-reference accepts them.
	ExternalResources []string
	// Producers extend the open-world producers table of the library
	// (kvet.yaml policy.producers), served as data.kvet.config.producers.
	Producers []Producer
	// RepositoryDirs lists every directory of the repository, relative to its
	// root with "/" separators (caller: walk the repo once). Nil disables the
	// gitops-path rule, which cannot know what exists.
	RepositoryDirs []string
	// RepositoryURLs are the URLs of this repository; when set, gitops-path
	// only checks Argo CD Applications whose repoURL is one of them.
	RepositoryURLs []string
	// RepositoryBranches are the branches this checkout stands for; a
	// GitRepository of this repository's URL on another branch is not
	// this checkout (gitops-path does not check its paths).
	RepositoryBranches []string
	// Exceptions waive rules per target path and object (kvet.yaml).
	Exceptions []Exception
	// Severities override rule severities per environment (kvet.yaml).
	Severities []SeverityOverride
	// AllowUnsafeBuiltins lets policies call the network, DNS, clock,
	// randomness and runtime built-ins (--allow-unsafe-builtins; never
	// kvet.yaml, which is part of the repository under test).
	AllowUnsafeBuiltins bool
	// Root is the repository root: policy files under it may not lead out
	// of it by a symlink. Limits bound every policy file read.
	Root   string
	Limits guard.Limits
	// Now returns the current time (exception expiry); nil means time.Now.
	Now func() time.Time `json:"-"`
}

// Producer is one entry of the open-world producers table: objects of Kind
// ("group/Kind", or "Kind" for the core group) make objects of the Makes
// kinds ("*": any) in their namespace, or in the namespace NamespaceFrom
// (a dotted field) names; NameFrom (a dotted field) restricts them to one name.
type Producer struct {
	Kind, NameFrom, NamespaceFrom string
	Makes                         []string
}

// Target is what Evaluate checks: one built kustomization.
type Target struct {
	// Path of the target relative to the repository root, e.g. overlays/production.
	Path string
	// Environment name derived by the caller, e.g. production.
	Environment string
	// Cluster is data.kvet.cluster, every object of the target's cluster
	// (NewInventory); nil serves the target's own objects.
	Cluster *Inventory
}

// Inventory is a prebuilt data.kvet.cluster document, shared by the
// targets of one cluster so that it is converted once.
type Inventory struct{ v ast.Value }

// NewInventory converts the objects of a cluster for data.kvet.cluster.
func NewInventory(objs []Object) (*Inventory, error) {
	_, v, err := inventoryValue(objs)
	if err != nil {
		return nil, err
	}
	return &Inventory{v: v}, nil
}

// Object is one rendered object of a target.
type Object struct {
	Resource report.Resource
	// Body is the rendered object, JSON-decoded (map[string]any, []any,
	// string, float64/int64/json.Number, bool, nil).
	Body map[string]any
}

// RuleInfo describes one rule for documentation and SARIF.
type RuleInfo struct {
	ID          string          `json:"id"`
	Title       string          `json:"title,omitempty"`
	Description string          `json:"description,omitempty"`
	Severity    report.Severity `json:"severity"`
	Remediation string          `json:"remediation,omitempty"`
	// Source is the .rego file that defines the rule ("policy/pss.rego" for
	// the default library, the path under a --policy dir otherwise) and Line
	// its first definition.
	Source string `json:"source"`
	Line   int    `json:"line"`
	// Ref is the Rego reference, e.g. data.kvet.pss.deny_run_as_non_root.
	Ref string `json:"ref"`
	// Default is true for rules of the embedded library.
	Default bool `json:"default"`
}

// output is one rule reference the prepared query collects.
type output struct {
	binding string
	ref     ast.Ref
	info    RuleInfo
}

// Engine evaluates rendered objects. It is immutable after New and safe for
// concurrent use.
type Engine struct {
	queries    *variants
	stable     *stableRules
	outputs    []output
	config     ast.Value
	repository ast.Value
	exceptions []exception
	overrides  []severityOverride
	now        func() time.Time
}

// Rules returns every rule the engine evaluates, ordered by id then ref.
func (e *Engine) Rules() []RuleInfo {
	out := make([]RuleInfo, 0, len(e.outputs))
	for _, o := range e.outputs {
		out = append(out, o.info)
	}
	return out
}

// New loads, compiles and prepares the policies once. Errors name the .rego
// file and line.
func New(ctx context.Context, opts Options) (*Engine, error) {
	e := &Engine{now: opts.Now}
	if e.now == nil {
		e.now = time.Now
	}
	var err error
	if e.exceptions, err = compileExceptions(opts.Exceptions); err != nil {
		return nil, err
	}
	if e.overrides, err = compileOverrides(opts.Severities); err != nil {
		return nil, err
	}
	if e.config, err = configValue(opts); err != nil {
		return nil, err
	}
	e.repository = repositoryValue(opts.RepositoryDirs, opts.RepositoryURLs, opts.RepositoryBranches)

	mode := defaultRules
	if opts.NoDefaults {
		mode = noDefaults
	}
	mods, err := loadModules(opts.Dirs, mode, false, opts.Root, opts.Limits)
	if err != nil {
		return nil, err
	}
	builtins := kvetBuiltins()
	compiler, err := compile(mods.modules, opts.AllowUnsafeBuiltins, builtins)
	if err != nil {
		return nil, err
	}
	if e.outputs, err = collectOutputs(compiler, mods); err != nil {
		return nil, err
	}
	if len(e.outputs) == 0 {
		return e, nil
	}
	if e.queries, err = newVariants(ctx, compiler, builtins, e.outputs, mods, e.config); err != nil {
		return nil, err
	}
	e.stable = newStableRules(compiler)
	return e, nil
}

// Evaluate checks every object of one target and returns its policy
// findings (Check "policy", Target t.Path, Source empty). Findings carry the
// object index through report.Finding.WithOrder.
func (e *Engine) Evaluate(ctx context.Context, t Target, objs []Object) ([]report.Finding, error) {
	var findings []report.Finding
	for _, x := range e.expiredExceptions(t) {
		findings = append(findings, x.WithOrder(-1))
	}
	if e.queries == nil {
		return e.finish(t, findings), nil
	}

	inputs, inventory, err := inventoryValue(objs)
	if err != nil {
		return nil, err
	}
	// The per-target documents are served by resolvers: one set of options
	// per target, shared by every object's evaluation, with no store writes
	// (so targets evaluate concurrently on one prepared query).
	targetDoc := ast.NewObject(
		[2]*ast.Term{ast.StringTerm("path"), ast.StringTerm(t.Path)},
		[2]*ast.Term{ast.StringTerm("environment"), ast.StringTerm(t.Environment)},
	)
	cluster := inventory
	if t.Cluster != nil {
		cluster = t.Cluster.v
	}
	base := []rego.EvalOption{
		rego.EvalResolver(dataRef("inventory"), constResolver{inventory}),
		rego.EvalResolver(dataRef("cluster"), constResolver{cluster}),
		rego.EvalResolver(dataRef("target"), constResolver{targetDoc}),
		rego.EvalResolver(dataRef("config"), constResolver{e.config}),
		rego.EvalResolver(dataRef("repository"), constResolver{e.repository}),
	}
	// One cancellation per target: without it every evaluation starts a
	// goroutine to watch ctx.
	cancel := topdown.NewCancel()
	defer context.AfterFunc(ctx, cancel.Cancel)()
	base = append(base, rego.EvalExternalCancel(cancel))
	shared := topdown.NewVirtualCache()
	evalOpts := make([]rego.EvalOption, len(base)+2)
	copy(evalOpts, base)
	for i, obj := range objs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("evaluate policies for %s: %w", t.Path, err)
		}
		evalOpts[len(base)] = rego.EvalParsedInput(inputs[i])
		evalOpts[len(base)+1] = rego.EvalVirtualCache(&sharedCache{rules: e.stable, shared: shared, local: topdown.NewVirtualCache()})
		q, err := e.queries.forInput(ctx, inputs[i])
		if err != nil {
			return nil, fmt.Errorf("evaluate policies for %s: %w", t.Path, err)
		}
		rs, err := q.query.Eval(ctx, evalOpts...)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, fmt.Errorf("evaluate policies for %s: %w", t.Path, ctxErr)
			}
			// A runtime error in one policy (conflicting values, a failing
			// builtin in strict mode) must not hide the other targets.
			findings = append(findings, report.Finding{
				Severity: report.SeverityError, Check: report.CheckPolicy, Rule: RulePolicyError,
				Resource: obj.Resource,
				Message:  fmt.Sprintf("policy evaluation failed: %v: fix the policy or exclude the object", err),
			}.WithOrder(i))
			continue
		}
		objFindings := e.objectFindings(rs, obj)
		objFindings = applySuppressions(objFindings, obj)
		for _, f := range objFindings {
			findings = append(findings, f.WithOrder(i))
		}
	}
	return e.finish(t, findings), nil
}

// finish applies exceptions and severity overrides and stamps the target.
func (e *Engine) finish(t Target, findings []report.Finding) []report.Finding {
	now := e.now()
	out := findings[:0]
	for _, f := range findings {
		if e.excepted(t, f, now) {
			continue
		}
		f.Target = t.Path
		if f.Severity != SeverityNote {
			f.Severity = e.severityFor(t.Environment, f.Rule, f.Severity)
		}
		out = append(out, f)
	}
	return out
}

// objectFindings turns the query bindings into findings.
func (e *Engine) objectFindings(rs rego.ResultSet, obj Object) []report.Finding {
	if len(rs) == 0 {
		return nil
	}
	var out []report.Finding
	for _, o := range e.outputs {
		values, _ := rs[0].Bindings[o.binding].([]any)
		for _, v := range values {
			msg, path, note := decodeValue(v)
			sev := o.info.Severity
			if note {
				// The rule's finding is downgraded for this object: a
				// reference to something an unrendered producer could make.
				sev = SeverityNote
			} else if o.info.Remediation != "" {
				msg = msg + ": " + o.info.Remediation
			}
			out = append(out, report.Finding{
				Severity: sev,
				Check:    report.CheckPolicy,
				Rule:     o.info.ID,
				Resource: obj.Resource,
				Path:     path,
				Message:  msg,
			})
		}
	}
	slices.SortFunc(out, func(a, b report.Finding) int {
		return strings.Compare(a.Rule+"\x00"+a.Path+"\x00"+a.Message, b.Rule+"\x00"+b.Path+"\x00"+b.Message)
	})
	return out
}

// decodeValue reads one rule value: a string, or an object with msg and
// path (conftest's structured results) and "note": true for a note instead
// of a finding. Anything else is printed.
func decodeValue(v any) (msg, path string, note bool) {
	switch x := v.(type) {
	case string:
		return x, "", false
	case map[string]any:
		msg, _ = x["msg"].(string)
		path, _ = x["path"].(string)
		note, _ = x["note"].(bool)
		if msg == "" {
			msg = fmt.Sprint(x)
		}
		return msg, path, note
	default:
		return fmt.Sprint(x), "", false
	}
}

// dataRef returns the reference data.kvet.<doc>.
func dataRef(doc string) ast.Ref {
	return ast.Ref{ast.DefaultRootDocument, ast.StringTerm("kvet"), ast.StringTerm(doc)}
}

// constResolver serves a prebuilt document to every evaluation that reads it.
type constResolver struct{ v ast.Value }

func (r constResolver) Eval(context.Context, resolver.Input) (resolver.Result, error) {
	return resolver.Result{Value: r.v}, nil
}
