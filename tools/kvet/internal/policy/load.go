package policy

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/example/gitops-go-stack/policy"
	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// defaultPrefix names the embedded library's files in errors and RuleInfo.
const defaultPrefix = "policy/"

// moduleSet is the parsed policy modules, keyed by file name.
type moduleSet struct {
	modules  map[string]*ast.Module
	defaults map[string]bool // file name -> embedded library
}

// Which parts of the embedded library loadModules includes.
type defaultsMode int

const (
	noDefaults        defaultsMode = iota
	defaultRules                   // the library without its tests
	defaultRulesTests              // the library and its *_test.rego files
)

// loadModules parses the default library (per mode) and every .rego file
// under dirs (their *_test.rego files only when userTests). A package defined in dirs replaces the default library's
// modules of the same package, so pointing --policy at a copy of policy/
// (or overriding one default package) never defines a rule twice.
//
// Every file is read through the guard: a directory inside root (the
// repository: kvet.yaml's policy.dirs, a --policy under it) may not lead
// out of it by a symlink; any file is bounded by the limits.
func loadModules(dirs []string, mode defaultsMode, userTests bool, root string, limits guard.Limits) (*moduleSet, error) {
	set := &moduleSet{modules: map[string]*ast.Module{}, defaults: map[string]bool{}}
	userPkgs := map[string]bool{}
	err := readSources(dirs, mode, userTests, root, limits, func(name string, src []byte, isDefault bool) error {
		m, err := parseModule(name, src)
		if err != nil {
			return err
		}
		if !isDefault {
			set.modules[name] = m
			userPkgs[m.Package.Path.String()] = true
			return nil
		}
		if userPkgs[m.Package.Path.String()] || userPkgs[strings.TrimSuffix(m.Package.Path.String(), "_test")] {
			return nil
		}
		set.modules[name] = m
		set.defaults[name] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return set, nil
}

// readSources calls fn with every policy file loadModules reads, in the
// order it reads them: the files under dirs first, then the embedded
// library's (isDefault).
func readSources(dirs []string, mode defaultsMode, userTests bool, root string, limits guard.Limits, fn func(name string, src []byte, isDefault bool) error) error {
	for _, dir := range dirs {
		guardRoot := ""
		if root != "" && guard.Within(root, absPath(dir)) {
			guardRoot = root
		}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !isPolicyFile(d.Name(), userTests) {
				return nil
			}
			src, v, err := guard.ReadFile(guardRoot, p, limits)
			if v != nil {
				return fmt.Errorf("%s: %s", moduleName(root, p), v.Message)
			}
			if err != nil {
				return err
			}
			return fn(moduleName(root, p), src, false)
		})
		if err != nil {
			return fmt.Errorf("load policies from %s: %w", moduleName(root, dir), err)
		}
	}
	if mode == noDefaults {
		return nil
	}
	lib := policy.FS()
	entries, err := fs.ReadDir(lib, ".")
	if err != nil {
		return fmt.Errorf("read default policies: %w", err)
	}
	for _, ent := range entries {
		if ent.IsDir() || !isPolicyFile(ent.Name(), mode == defaultRulesTests) {
			continue
		}
		src, err := fs.ReadFile(lib, ent.Name())
		if err != nil {
			return fmt.Errorf("read default policy %s: %w", ent.Name(), err)
		}
		if err := fn(defaultPrefix+ent.Name(), src, true); err != nil {
			return err
		}
	}
	return nil
}

func isPolicyFile(name string, withTests bool) bool {
	if !strings.HasSuffix(name, ".rego") {
		return false
	}
	return withTests || !strings.HasSuffix(name, "_test.rego")
}

// parseModule parses Rego v1 with METADATA annotations; the error carries
// file:line.
func parseModule(name string, src []byte) (*ast.Module, error) {
	m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{
		ProcessAnnotation: true,
		RegoVersion:       ast.RegoV1,
	})
	if err != nil {
		return nil, fmt.Errorf("parse policy (Rego v1): %w", err)
	}
	return m, nil
}

// newCompiler is the compiler every policy goes through, with the
// built-ins policies may call (see capabilities) and kvet's own (bs).
func newCompiler(allowUnsafe bool, bs []builtin) *ast.Compiler {
	c := capabilities(allowUnsafe)
	c.Builtins = append(c.Builtins, builtinDecls(bs)...)
	return ast.NewCompiler().
		WithCapabilities(c).
		WithEnablePrintStatements(false).
		WithDefaultRegoVersion(ast.RegoV1)
}

// compile type-checks the modules together.
func compile(modules map[string]*ast.Module, allowUnsafe bool, bs []builtin) (*ast.Compiler, error) {
	c := newCompiler(allowUnsafe, bs)
	c.Compile(modules)
	if c.Failed() {
		return nil, compileError(c.Errors)
	}
	return c, nil
}

// capabilities are OPA's built-ins less, unless allowUnsafe, those OPA
// itself marks non-deterministic: the network (http.send), DNS
// (net.lookup_ip_addr), the runtime environment (opa.runtime: environment
// variables, CI secrets among them), the clock (time.now_ns) and
// randomness, plus the JSON-schema built-ins that may fetch a remote $ref.
// Policies come from the repository under test: with these gone they can
// neither reach the network nor read kvet's environment, and the same
// tree always gives the same verdict. Pure built-ins (net.cidr_*, ...) stay.
func capabilities(allowUnsafe bool) *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	if !allowUnsafe {
		c.Builtins = slices.DeleteFunc(c.Builtins, func(b *ast.Builtin) bool { return b.IsNondeterministic() })
		// And no host to reach, should a built-in that honours allow_net
		// ever be kept.
		c.AllowNet = []string{}
	}
	return c
}

// RemovedBuiltins lists the built-ins policies cannot call unless
// --allow-unsafe-builtins is given (docs, tests).
func RemovedBuiltins() []string {
	var out []string
	for _, b := range ast.CapabilitiesForThisVersion().Builtins {
		if b.IsNondeterministic() {
			out = append(out, b.Name)
		}
	}
	return out
}

// compileError explains an undefined function that kvet removed.
func compileError(errs ast.Errors) error {
	removed := RemovedBuiltins()
	for _, e := range errs {
		for _, name := range removed {
			if strings.Contains(e.Message, "undefined function "+name) {
				return fmt.Errorf("compile policies: %w\n%s is not available to policies: kvet removes network, DNS, clock, randomness and runtime built-ins (%s) so that a policy from the repository can neither reach the network nor read the environment; pass --allow-unsafe-builtins to allow them for trusted policies",
					errs, name, strings.Join(removed, ", "))
			}
		}
	}
	return fmt.Errorf("compile policies: %w", errs)
}

// moduleName names a policy file in errors, rule sources and reports:
// relative to the repository root when it is inside it, so no absolute
// machine path reaches any output.
func moduleName(root, p string) string {
	if root != "" {
		if r, err := filepath.Rel(root, absPath(p)); err == nil && filepath.IsLocal(r) {
			return filepath.ToSlash(r)
		}
	}
	return filepath.ToSlash(p)
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// ruleKind returns the conftest kind of a rule name: deny, deny_x -> deny.
// warn rules produce warnings unless their metadata says otherwise.
func ruleKind(name string) (kind, suffix string, ok bool) {
	for _, k := range [...]string{"deny", "violation", "warn"} {
		if name == k {
			return k, "", true
		}
		if s, found := strings.CutPrefix(name, k+"_"); found && s != "" {
			return k, s, true
		}
	}
	return "", "", false
}

// collectOutputs finds every rule the engine reports on, in file order,
// with its metadata.
func collectOutputs(c *ast.Compiler, mods *moduleSet) ([]output, error) {
	names := make([]string, 0, len(mods.modules))
	for name := range mods.modules {
		names = append(names, name)
	}
	slices.Sort(names)
	annotations := c.GetAnnotationSet()
	seen := map[string]int{} // rule ref -> index in outs
	var outs []output
	for _, name := range names {
		m := c.Modules[name]
		for _, r := range m.Rules {
			head := r.Head.Ref()
			if len(head) != 1 || len(r.Head.Args) > 0 || r.Head.RuleKind() != ast.MultiValue {
				continue
			}
			ruleName := r.Head.Name.String()
			if ruleName == "" {
				ruleName = head[0].Value.String()
			}
			kind, suffix, ok := ruleKind(ruleName)
			if !ok {
				continue
			}
			ref := r.Ref().String()
			idx, dup := seen[ref]
			if !dup {
				idx = len(outs)
				seen[ref] = idx
				pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
				info := RuleInfo{
					ID:       derivedID(pkg, suffix),
					Severity: report.SeverityError,
					Source:   name,
					Line:     r.Location.Row,
					Ref:      ref,
					Default:  mods.defaults[name],
				}
				if kind == "warn" {
					info.Severity = report.SeverityWarning
				}
				outs = append(outs, output{binding: fmt.Sprintf("out%d", idx), ref: r.Ref(), info: info})
			}
			applyAnnotations(&outs[idx].info, annotations.Chain(r))
		}
	}
	for _, o := range outs {
		if o.info.Severity != report.SeverityError && o.info.Severity != report.SeverityWarning {
			return nil, fmt.Errorf("%s:%d: rule %s: custom.severity %q must be error or warning",
				o.info.Source, o.info.Line, o.info.ID, o.info.Severity)
		}
	}
	slices.SortStableFunc(outs, func(a, b output) int {
		return strings.Compare(a.info.ID+"\x00"+a.info.Ref, b.info.ID+"\x00"+b.info.Ref)
	})
	return outs, nil
}

// applyAnnotations fills info from the most specific annotation that
// carries custom.id (rule, document, package, subpackages). Titles and
// descriptions without an id are ignored: a package title describes the
// file, not each rule.
func applyAnnotations(info *RuleInfo, chain ast.AnnotationsRefSet) {
	for _, ar := range chain {
		a := ar.Annotations
		if a == nil {
			continue
		}
		id, _ := a.Custom["id"].(string)
		if id == "" {
			continue
		}
		info.ID = id
		info.Title = a.Title
		info.Description = strings.TrimSpace(a.Description)
		if sev, ok := a.Custom["severity"].(string); ok && sev != "" {
			info.Severity = report.Severity(strings.ToLower(sev))
		}
		if rem, ok := a.Custom["remediation"].(string); ok {
			info.Remediation = strings.TrimSpace(rem)
		}
		return
	}
}

// derivedID makes a kebab-case id from a package and rule suffix.
func derivedID(pkg, suffix string) string {
	s := pkg
	if suffix != "" {
		s += "-" + suffix
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsLower(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	id := b.String()
	for strings.Contains(id, "--") {
		id = strings.ReplaceAll(id, "--", "-")
	}
	return strings.Trim(id, "-")
}
