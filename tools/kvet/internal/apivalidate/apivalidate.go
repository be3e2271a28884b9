// Package apivalidate reproduces the kube-apiserver's Go-side validation
// rules that an OpenAPI schema cannot express: DNS names, label and
// annotation syntax, selectors that must match pod template labels,
// security-context combinations, port ranges and names, quantities and
// resource names, duplicate names, environment variable names, the spec
// rules of workloads, Jobs and CronJobs, Services, Ingresses,
// NetworkPolicies, PersistentVolumeClaims, HPAs, PDBs and RBAC objects, and
// the CEL x-kubernetes-validations rules of CustomResourceDefinitions.
//
// The checks use the libraries the API server itself uses
// (k8s.io/apimachinery/pkg/util/validation, .../api/validation,
// .../apis/meta/v1/validation, .../api/resource, .../labels, and for CRDs
// k8s.io/apiextensions-apiserver's structural schema and CEL validator).
// They work on the rendered object as a generic map, tolerate fields of the
// wrong type (the schema check reports those), and never mutate the object.
package apivalidate

import (
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Issue is one rejection the API server would make.
type Issue struct {
	// Rule is a stable kebab-case rule id, e.g. invalid-name.
	Rule string
	// Path is the field inside the object, e.g.
	// spec.template.spec.containers[web].ports[0].containerPort.
	Path string
	// Message names the offending value and the fix.
	Message string
}

// Rule ids reported by this package.
const (
	RuleInvalidName          = "invalid-name"
	RuleInvalidNamespace     = "invalid-namespace"
	RuleInvalidLabel         = "invalid-label"
	RuleInvalidAnnotation    = "invalid-annotation"
	RuleInvalidMetadata      = "invalid-metadata"
	RuleSelectorMismatch     = "selector-mismatch"
	RuleInvalidSelector      = "invalid-selector"
	RuleInvalidSecurityCtx   = "invalid-security-context"
	RuleInvalidPort          = "invalid-port"
	RuleInvalidQuantity      = "invalid-quantity"
	RuleInvalidResourceName  = "invalid-resource-name"
	RuleDuplicateName        = "duplicate-name"
	RuleInvalidEnvName       = "invalid-env-name"
	RuleInvalidEnv           = "invalid-env"
	RuleRequiredField        = "required-field"
	RuleInvalidVolume        = "invalid-volume"
	RuleInvalidProbe         = "invalid-probe"
	RuleInvalidRestartPolicy = "invalid-restart-policy"
	RuleInvalidService       = "invalid-service"
	RuleInvalidIngress       = "invalid-ingress"
	RuleInvalidRBAC          = "invalid-rbac"
	RuleInvalidDataKey       = "invalid-data-key"
	RuleInvalidSecret        = "invalid-secret"
	RuleInvalidValue         = "invalid-value"
	RuleInvalidSchedule      = "invalid-schedule"
	RuleInvalidTimeZone      = "invalid-time-zone"
	RuleCELValidation        = "cel-validation"
	RuleListUniqueness       = "duplicate-list-item"
)

// hints give the fix for each rule; appended to every message.
var hints = map[string]string{
	RuleInvalidName:          "use lowercase letters, digits and '-' (and '.' where a DNS subdomain is allowed), starting and ending with an alphanumeric character",
	RuleInvalidNamespace:     "use a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters",
	RuleInvalidLabel:         "label keys are [prefix/]name with name at most 63 characters of alphanumerics, '-', '_' or '.'; values at most 63 such characters, beginning and ending with an alphanumeric character",
	RuleInvalidAnnotation:    "annotation keys are [prefix/]name with a DNS-subdomain prefix and a name of at most 63 alphanumerics, '-', '_' or '.'; all annotations together must stay under 256 KiB",
	RuleSelectorMismatch:     "make spec.selector match the labels of spec.template.metadata.labels",
	RuleInvalidSelector:      "fix the label selector syntax",
	RuleInvalidSecurityCtx:   "remove one of the conflicting securityContext settings",
	RuleInvalidPort:          "ports are integers 1-65535; port names are IANA service names (at most 15 lowercase alphanumerics or '-', with at least one letter)",
	RuleInvalidQuantity:      "use a Kubernetes quantity such as 500m, 1, 128Mi or 1Gi, not negative, with requests not above limits",
	RuleInvalidResourceName:  "use cpu, memory, ephemeral-storage, hugepages-<size> or a fully qualified extended resource such as example.com/gpu",
	RuleDuplicateName:        "give every item a unique name",
	RuleInvalidEnvName:       "environment variable names are printable ASCII characters other than '='",
	RuleInvalidEnv:           "set exactly one of value or valueFrom, and exactly one source in valueFrom",
	RuleRequiredField:        "set the required field",
	RuleInvalidVolume:        "every volume needs a unique DNS-1123 label name and exactly one source; every volumeMount must name a volume of the pod and use a unique mountPath",
	RuleInvalidProbe:         "a probe needs exactly one handler, non-negative timings, and successThreshold 1 for liveness and startup probes",
	RuleInvalidRestartPolicy: "use the restartPolicy the controller supports",
	RuleInvalidService:       "fix the Service spec as the message says",
	RuleInvalidIngress:       "fix the Ingress spec as the message says",
	RuleInvalidRBAC:          "fix the RBAC rule, roleRef or subject as the message says",
	RuleInvalidDataKey:       "keys consist of alphanumerics, '-', '_' or '.' and must not be in both data and binaryData",
	RuleInvalidSecret:        "provide the keys the Secret type requires",
	RuleInvalidValue:         "use a value the API server accepts",
	RuleInvalidSchedule:      "use a five-field cron expression or a predefined schedule such as @daily",
	RuleInvalidTimeZone:      "name an IANA time zone such as Europe/Berlin or Etc/UTC, or remove timeZone to use the controller's",
	RuleCELValidation:        "change the object so the CRD's x-kubernetes-validations rule holds",
	RuleListUniqueness:       "remove the duplicate item: the CRD declares this list as a set or a map keyed by its list-map-keys",
	RuleInvalidMetadata:      "fix the metadata field",
}

// collector accumulates issues.
type collector struct {
	issues []Issue
}

func (c *collector) add(rule, path, msg string) {
	c.issues = append(c.issues, Issue{Rule: rule, Path: path, Message: withHint(rule, msg)})
}

func withHint(rule, msg string) string {
	if h, ok := hints[rule]; ok && h != "" {
		return msg + ": " + h
	}
	return msg
}

// addErrs converts field errors of the Kubernetes libraries into issues.
func (c *collector) addErrs(rule string, errs field.ErrorList) {
	for _, e := range errs {
		c.add(rule, e.Field, e.ErrorBody())
	}
}

// sorted returns the issues in a deterministic order.
func sorted(in []Issue) []Issue {
	sort.SliceStable(in, func(i, j int) bool {
		if in[i].Path != in[j].Path {
			return in[i].Path < in[j].Path
		}
		if in[i].Rule != in[j].Rule {
			return in[i].Rule < in[j].Rule
		}
		return in[i].Message < in[j].Message
	})
	return in
}

// --- generic map helpers -------------------------------------------------

func getMap(m map[string]any, keys ...string) map[string]any {
	cur := m
	for _, k := range keys {
		if cur == nil {
			return nil
		}
		next, _ := cur[k].(map[string]any)
		cur = next
	}
	return cur
}

func getList(m map[string]any, key string) []any {
	if m == nil {
		return nil
	}
	l, _ := m[key].([]any)
	return l
}

func getString(m map[string]any, key string) (string, bool) {
	if m == nil {
		return "", false
	}
	s, ok := m[key].(string)
	return s, ok
}

func getBool(m map[string]any, key string) (bool, bool) {
	if m == nil {
		return false, false
	}
	b, ok := m[key].(bool)
	return b, ok
}

// getInt returns an integer field; JSON numbers arrive as float64, int64 or int.
func getInt(m map[string]any, key string) (int64, bool) {
	if m == nil {
		return 0, false
	}
	return toInt(m[key])
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	case uint64:
		return int64(n), true
	}
	return 0, false
}

// stringMap returns the string-valued entries of a map field.
func stringMap(m map[string]any, key string) map[string]string {
	raw := getMap(m, key)
	if raw == nil {
		return nil
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		} else if v == nil {
			out[k] = ""
		}
	}
	return out
}

// itemPath names a list element by its name when it has one:
// containers[web], else containers[0].
func itemPath(base *field.Path, item map[string]any, i int) *field.Path {
	if n, ok := getString(item, "name"); ok && n != "" && !strings.ContainsAny(n, "[]") {
		return base.Key(n)
	}
	return base.Index(i)
}
