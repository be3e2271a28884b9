package apivalidate

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Limits of k8s.io/kubernetes pkg/apis/batch/validation.
const (
	maxParallelismForIndexedJob          = 100000
	maxFailedIndexesForIndexedJob        = 100000
	maxPodFailurePolicyRules             = 20
	maxPodFailurePolicyOnExitCodesValues = 255
	maxPodFailurePolicyOnPodConditions   = 20
	maxSuccessPolicyRules                = 20
	maxManagedByLength                   = 63
)

// validateJobModes follows validateJobSpec of k8s.io/kubernetes
// pkg/apis/batch/validation: completion mode, the per-index backoff fields,
// podFailurePolicy, successPolicy and podReplacementPolicy. template is true
// for a CronJob's jobTemplate, which the API server does not default (a Job
// with neither completions nor parallelism gets both set to 1 first).
func validateJobModes(c *collector, spec map[string]any, p *field.Path, template bool) {
	nonNegative(c, spec, p, "backoffLimitPerIndex", "maxFailedIndexes")
	completions, hasCompletions := getInt(spec, "completions")
	parallelism, hasParallelism := getInt(spec, "parallelism")
	if !template && !hasCompletions && !hasParallelism {
		completions, hasCompletions = 1, true
	}
	_, hasPerIndex := spec["backoffLimitPerIndex"]
	maxFailed, hasMaxFailed := getInt(spec, "maxFailedIndexes")
	if hasMaxFailed && !hasPerIndex {
		c.add(RuleRequiredField, p.Child("backoffLimitPerIndex").String(), "maxFailedIndexes needs backoffLimitPerIndex")
	}
	if mb, ok := getString(spec, "managedBy"); ok {
		// JobManagedBy is GA and locked on from 1.35.
		for _, e := range validation.IsDomainPrefixedPath(p.Child("managedBy"), mb) {
			c.add(RuleInvalidValue, p.Child("managedBy").String(), fmt.Sprintf("managedBy %q: %s", mb, e.Detail))
		}
		if len(mb) > maxManagedByLength {
			c.add(RuleInvalidValue, p.Child("managedBy").String(), fmt.Sprintf("managedBy is %d characters long: at most %d are allowed", len(mb), maxManagedByLength))
		}
	}
	mode, _ := getString(spec, "completionMode")
	switch mode {
	case "", "NonIndexed":
		if hasPerIndex {
			c.add(RuleInvalidValue, p.Child("backoffLimitPerIndex").String(), "backoffLimitPerIndex needs completionMode: Indexed")
		}
		if hasMaxFailed {
			c.add(RuleInvalidValue, p.Child("maxFailedIndexes").String(), "maxFailedIndexes needs completionMode: Indexed")
		}
	case "Indexed":
		if !hasCompletions {
			c.add(RuleRequiredField, p.Child("completions").String(), "completionMode Indexed needs completions")
		}
		if hasParallelism && parallelism > maxParallelismForIndexedJob {
			c.add(RuleInvalidValue, p.Child("parallelism").String(), fmt.Sprintf("parallelism %d must be at most %d when completionMode is Indexed", parallelism, maxParallelismForIndexedJob))
		}
		if hasMaxFailed && hasCompletions && maxFailed > completions {
			c.add(RuleInvalidValue, p.Child("maxFailedIndexes").String(), fmt.Sprintf("maxFailedIndexes %d must be at most completions %d", maxFailed, completions))
		}
		if hasMaxFailed && maxFailed > maxFailedIndexesForIndexedJob {
			c.add(RuleInvalidValue, p.Child("maxFailedIndexes").String(), fmt.Sprintf("maxFailedIndexes %d must be at most %d", maxFailed, maxFailedIndexesForIndexedJob))
		}
	default:
		c.add(RuleInvalidValue, p.Child("completionMode").String(), fmt.Sprintf("completionMode %q is not supported: use NonIndexed or Indexed", mode))
	}

	pfp := getMap(spec, "podFailurePolicy")
	if pfp != nil {
		validatePodFailurePolicy(c, spec, pfp, p.Child("podFailurePolicy"), hasPerIndex)
		if rp, _ := getString(getMap(spec, "template", "spec"), "restartPolicy"); rp == "OnFailure" {
			c.add(RuleInvalidRestartPolicy, p.Child("template", "spec", "restartPolicy").String(), "restartPolicy must be Never when podFailurePolicy is set")
		}
	}
	if rp, ok := getString(spec, "podReplacementPolicy"); ok {
		switch {
		case pfp != nil && rp != "Failed":
			c.add(RuleInvalidValue, p.Child("podReplacementPolicy").String(), fmt.Sprintf("podReplacementPolicy %q is not supported with podFailurePolicy: use Failed", rp))
		case pfp == nil && rp != "Failed" && rp != "TerminatingOrFailed":
			c.add(RuleInvalidValue, p.Child("podReplacementPolicy").String(), fmt.Sprintf("podReplacementPolicy %q is not supported: use TerminatingOrFailed or Failed", rp))
		}
	}
	if sp := getMap(spec, "successPolicy"); sp != nil {
		if mode != "Indexed" {
			c.add(RuleInvalidValue, p.Child("successPolicy").String(), "successPolicy needs completionMode: Indexed")
		} else {
			validateSuccessPolicy(c, sp, p.Child("successPolicy"), completions, hasCompletions)
		}
	}
}

// validatePodFailurePolicy follows validatePodFailurePolicy and its rule
// helpers (k8s.io/kubernetes pkg/apis/batch/validation). An empty
// onPodConditions status is defaulted to True, so it is not required here.
func validatePodFailurePolicy(c *collector, spec, pfp map[string]any, p *field.Path, hasPerIndex bool) {
	rules := getList(pfp, "rules")
	if len(rules) > maxPodFailurePolicyRules {
		c.add(RuleInvalidValue, p.Child("rules").String(), fmt.Sprintf("podFailurePolicy has %d rules: at most %d are allowed", len(rules), maxPodFailurePolicyRules))
	}
	containers := sets.New[string]()
	podSpec := getMap(spec, "template", "spec")
	for _, k := range []string{"containers", "initContainers"} {
		for _, ct := range getList(podSpec, k) {
			if n, ok := getString(asMap(ct), "name"); ok {
				containers.Insert(n)
			}
		}
	}
	for i, r := range rules {
		rm := asMap(r)
		rp := p.Child("rules").Index(i)
		action, _ := getString(rm, "action")
		switch action {
		case "":
			c.add(RuleRequiredField, rp.Child("action").String(), "a podFailurePolicy rule needs an action: FailJob, FailIndex, Ignore or Count")
		case "FailIndex":
			if !hasPerIndex {
				c.add(RuleInvalidValue, rp.Child("action").String(), "action FailIndex needs backoffLimitPerIndex")
			}
		case "FailJob", "Ignore", "Count":
		default:
			c.add(RuleInvalidValue, rp.Child("action").String(), fmt.Sprintf("action %q is not supported: use FailJob, FailIndex, Ignore or Count", action))
		}
		onExit := getMap(rm, "onExitCodes")
		onConds := getList(rm, "onPodConditions")
		switch {
		case onExit != nil && len(onConds) > 0:
			c.add(RuleInvalidValue, rp.String(), "a podFailurePolicy rule may not set both onExitCodes and onPodConditions")
		case onExit == nil && len(onConds) == 0:
			c.add(RuleRequiredField, rp.String(), "a podFailurePolicy rule needs onExitCodes or onPodConditions")
		}
		if onExit != nil {
			validateOnExitCodes(c, onExit, rp.Child("onExitCodes"), containers)
		}
		if len(onConds) > maxPodFailurePolicyOnPodConditions {
			c.add(RuleInvalidValue, rp.Child("onPodConditions").String(), fmt.Sprintf("onPodConditions has %d patterns: at most %d are allowed", len(onConds), maxPodFailurePolicyOnPodConditions))
		}
		for j, pc := range onConds {
			pm := asMap(pc)
			pp := rp.Child("onPodConditions").Index(j)
			t, _ := getString(pm, "type")
			for _, msg := range validation.IsQualifiedName(t) {
				c.add(RuleInvalidValue, pp.Child("type").String(), fmt.Sprintf("condition type %q: %s", t, msg))
			}
			if s, _ := getString(pm, "status"); s != "" && s != "True" && s != "False" && s != "Unknown" {
				c.add(RuleInvalidValue, pp.Child("status").String(), fmt.Sprintf("status %q is not supported: use True, False or Unknown", s))
			}
		}
	}
}

func validateOnExitCodes(c *collector, m map[string]any, p *field.Path, containers sets.Set[string]) {
	op, _ := getString(m, "operator")
	switch op {
	case "":
		c.add(RuleRequiredField, p.Child("operator").String(), "onExitCodes needs an operator: In or NotIn")
	case "In", "NotIn":
	default:
		c.add(RuleInvalidValue, p.Child("operator").String(), fmt.Sprintf("operator %q is not supported: use In or NotIn", op))
	}
	if name, ok := getString(m, "containerName"); ok && !containers.Has(name) {
		c.add(RuleInvalidValue, p.Child("containerName").String(), fmt.Sprintf("containerName %q is not a container or initContainer of the pod template", name))
	}
	values := getList(m, "values")
	vp := p.Child("values")
	switch {
	case len(values) == 0:
		c.add(RuleRequiredField, vp.String(), "onExitCodes needs at least one value")
	case len(values) > maxPodFailurePolicyOnExitCodesValues:
		c.add(RuleInvalidValue, vp.String(), fmt.Sprintf("onExitCodes has %d values: at most %d are allowed", len(values), maxPodFailurePolicyOnExitCodesValues))
	}
	seen := sets.New[int64]()
	ordered := true
	prev := int64(0)
	for j, v := range values {
		n, ok := toInt(v)
		if !ok {
			return // a type error: the schema check reports it
		}
		if op == "In" && n == 0 {
			c.add(RuleInvalidValue, vp.Index(j).String(), "exit code 0 may not be used with the In operator")
		}
		if seen.Has(n) {
			c.add(RuleInvalidValue, vp.Index(j).String(), fmt.Sprintf("exit code %d is listed twice", n))
		}
		seen.Insert(n)
		if j > 0 && prev > n {
			ordered = false
		}
		prev = n
	}
	if !ordered {
		c.add(RuleInvalidValue, vp.String(), "onExitCodes values must be in increasing order")
	}
}

// validateSuccessPolicy follows validateSuccessPolicy and
// validateSuccessPolicyRule (k8s.io/kubernetes pkg/apis/batch/validation).
func validateSuccessPolicy(c *collector, sp map[string]any, p *field.Path, completions int64, hasCompletions bool) {
	rules := getList(sp, "rules")
	switch {
	case len(rules) == 0:
		c.add(RuleRequiredField, p.Child("rules").String(), "successPolicy needs at least one rule")
	case len(rules) > maxSuccessPolicyRules:
		c.add(RuleInvalidValue, p.Child("rules").String(), fmt.Sprintf("successPolicy has %d rules: at most %d are allowed", len(rules), maxSuccessPolicyRules))
	}
	if !hasCompletions {
		return // completions is reported as required
	}
	for i, r := range rules {
		rm := asMap(r)
		rp := p.Child("rules").Index(i)
		indexes, hasIndexes := getString(rm, "succeededIndexes")
		count, hasCount := getInt(rm, "succeededCount")
		if !hasIndexes && !hasCount {
			c.add(RuleRequiredField, rp.String(), "a successPolicy rule needs succeededCount or succeededIndexes")
		}
		total := int64(0)
		if hasIndexes {
			n, err := countIndexes(indexes, completions)
			if err != nil {
				c.add(RuleInvalidValue, rp.Child("succeededIndexes").String(), fmt.Sprintf("succeededIndexes %q: %v", indexes, err))
			}
			total = n
		}
		if hasCount {
			switch {
			case count < 0:
				c.add(RuleInvalidValue, rp.Child("succeededCount").String(), fmt.Sprintf("succeededCount %d must be greater than or equal to 0", count))
			case count > completions:
				c.add(RuleInvalidValue, rp.Child("succeededCount").String(), fmt.Sprintf("succeededCount %d must be at most completions %d", count, completions))
			case hasIndexes && count > total:
				c.add(RuleInvalidValue, rp.Child("succeededCount").String(), fmt.Sprintf("succeededCount %d must be at most the %d indexes of succeededIndexes", count, total))
			}
		}
	}
}

// countIndexes parses "0,2-4,7" as the API server's validateIndexesFormat:
// increasing, non-overlapping intervals of indexes below completions.
func countIndexes(s string, completions int64) (int64, error) {
	if s == "" {
		return 0, nil
	}
	var total int64
	last := int64(-1)
	for _, interval := range strings.Split(s, ",") {
		limits := strings.Split(interval, "-")
		if len(limits) > 2 {
			return 0, fmt.Errorf("interval %q has more than two parts", interval)
		}
		bounds := make([]int64, 0, 2)
		for _, l := range limits {
			n, err := strconv.Atoi(l)
			if err != nil {
				return 0, fmt.Errorf("index %q is not an integer", l)
			}
			if int64(n) >= completions {
				return 0, fmt.Errorf("index %d is not below completions %d", n, completions)
			}
			bounds = append(bounds, int64(n))
		}
		x, y := bounds[0], bounds[len(bounds)-1]
		if len(bounds) == 2 && x >= y {
			return 0, fmt.Errorf("interval %q is not increasing", interval)
		}
		if x <= last {
			return 0, fmt.Errorf("indexes are not in increasing order at %q", interval)
		}
		total += y - x + 1
		last = y
	}
	return total, nil
}

// validateIndexedJobName follows validateNameAllowsCompletions: the pods of
// an Indexed Job are named <job>-<index>, which must be a DNS-1123 label.
func validateIndexedJobName(c *collector, obj, spec map[string]any) {
	name, _ := getString(getMap(obj, "metadata"), "name")
	completions, ok := getInt(spec, "completions")
	if _, hasParallelism := spec["parallelism"]; !ok && !hasParallelism {
		completions, ok = 1, true // SetDefaults_Job
	}
	if mode, _ := getString(spec, "completionMode"); mode != "Indexed" || !ok || completions <= 0 || name == "" {
		return
	}
	host := fmt.Sprintf("%s-%d", name, completions-1)
	if len(validation.IsDNS1123Label(host)) > 0 {
		c.add(RuleInvalidName, "metadata.name", fmt.Sprintf("the Indexed Job's last pod hostname %q is not a DNS-1123 label: use a name without '.' of at most %d characters", host, 62-len(strconv.FormatInt(completions-1, 10))))
	}
}

// validateJobTemplateSelector follows ValidateJobTemplateSpec: the
// selector of a CronJob's Jobs is always generated.
func validateJobTemplateSelector(c *collector, spec map[string]any, p *field.Path) {
	if _, ok := spec["selector"]; ok {
		c.add(RuleSelectorMismatch, p.Child("selector").String(), "a CronJob's jobTemplate may not set selector: it is generated for every Job")
	}
	if manual, _ := getBool(spec, "manualSelector"); manual {
		c.add(RuleSelectorMismatch, p.Child("manualSelector").String(), "a CronJob's jobTemplate may not set manualSelector: true")
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
