package apivalidate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	// The zone database kube-apiserver embeds too: CronJob timeZone
	// verdicts must not depend on the machine's /usr/share/zoneinfo.
	_ "time/tzdata"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/robfig/cron/v3"
)

func labelErrs(m map[string]string, p *field.Path) field.ErrorList {
	return metav1validation.ValidateLabels(m, p)
}

func annotationErrs(m map[string]string, p *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateAnnotations(m, p)
}

func templateLabels(spec map[string]any) map[string]string {
	return stringMap(getMap(spec, "template", "metadata"), "labels")
}

func nonNegative(c *collector, m map[string]any, p *field.Path, keys ...string) {
	for _, k := range keys {
		if v, ok := getInt(m, k); ok && v < 0 {
			c.add(RuleInvalidValue, p.Child(k).String(), fmt.Sprintf("%s %d must be greater than or equal to 0", k, v))
		}
	}
}

func validateAppsWorkload(c *collector, kind string, spec map[string]any, p *field.Path) {
	if spec == nil {
		return
	}
	validateSelectorMatches(c, getMap(spec, "selector"), p.Child("selector"), templateLabels(spec), kind, true)
	nonNegative(c, spec, p, "replicas", "minReadySeconds", "revisionHistoryLimit")
	pc := podCtx{restartPolicies: []string{"Always"}}
	if kind == "StatefulSet" {
		for _, v := range getList(spec, "volumeClaimTemplates") {
			vm, _ := v.(map[string]any)
			if n, _ := getString(getMap(vm, "metadata"), "name"); n != "" {
				pc.claimVolumes = append(pc.claimVolumes, n)
			}
		}
	}
	validatePodTemplate(c, getMap(spec, "template"), p.Child("template"), pc)
	switch kind {
	case "Deployment":
		st := getMap(spec, "strategy")
		t, _ := getString(st, "type")
		ru := getMap(st, "rollingUpdate")
		if t == "Recreate" && ru != nil {
			c.add(RuleInvalidValue, p.Child("strategy", "rollingUpdate").String(), "rollingUpdate may not be specified when strategy type is Recreate")
		}
		if t != "" && t != "Recreate" && t != "RollingUpdate" {
			c.add(RuleInvalidValue, p.Child("strategy", "type").String(), fmt.Sprintf("strategy type %q is not supported: use Recreate or RollingUpdate", t))
		}
		if ru != nil {
			validateRollingUpdate(c, ru, p.Child("strategy", "rollingUpdate"), true)
		}
		if pd, ok := getInt(spec, "progressDeadlineSeconds"); ok {
			mr, _ := getInt(spec, "minReadySeconds")
			if pd <= mr {
				c.add(RuleInvalidValue, p.Child("progressDeadlineSeconds").String(), fmt.Sprintf("progressDeadlineSeconds %d must be greater than minReadySeconds %d", pd, mr))
			}
		}
	case "DaemonSet":
		if ru := getMap(spec, "updateStrategy", "rollingUpdate"); ru != nil {
			validateRollingUpdate(c, ru, p.Child("updateStrategy", "rollingUpdate"), true)
		}
	case "StatefulSet":
		if pmp, ok := getString(spec, "podManagementPolicy"); ok && pmp != "" && pmp != "OrderedReady" && pmp != "Parallel" {
			c.add(RuleInvalidValue, p.Child("podManagementPolicy").String(), fmt.Sprintf("podManagementPolicy %q is not supported: use OrderedReady or Parallel", pmp))
		}
		for i, v := range getList(spec, "volumeClaimTemplates") {
			vm, _ := v.(map[string]any)
			ip := p.Child("volumeClaimTemplates").Index(i)
			if n, _ := getString(getMap(vm, "metadata"), "name"); n != "" {
				for _, msg := range validation.IsDNS1123Subdomain(n) {
					c.add(RuleInvalidName, ip.Child("metadata", "name").String(), fmt.Sprintf("volumeClaimTemplate name %q: %s", n, msg))
				}
			}
			validatePVC(c, getMap(vm, "spec"), ip.Child("spec"))
		}
	}
}

// validateRollingUpdate checks maxSurge and maxUnavailable.
func validateRollingUpdate(c *collector, ru map[string]any, p *field.Path, needOneNonZero bool) {
	zero := 0
	for _, k := range []string{"maxUnavailable", "maxSurge"} {
		v, present := ru[k]
		if !present || v == nil {
			continue
		}
		var is intstr.IntOrString
		switch x := v.(type) {
		case string:
			is = intstr.FromString(x)
			if !strings.HasSuffix(x, "%") {
				c.add(RuleInvalidValue, p.Child(k).String(), fmt.Sprintf("%s %q must be an integer or a percentage such as 25%%", k, x))
				continue
			}
			for _, msg := range validation.IsValidPercent(x) {
				c.add(RuleInvalidValue, p.Child(k).String(), fmt.Sprintf("%s %q: %s", k, x, msg))
			}
		default:
			n, ok := toInt(x)
			if !ok {
				continue
			}
			is = intstr.FromInt(int(n))
		}
		n, err := intstr.GetScaledValueFromIntOrPercent(&is, 100, true)
		if err != nil {
			continue
		}
		if n < 0 {
			c.add(RuleInvalidValue, p.Child(k).String(), fmt.Sprintf("%s must be greater than or equal to 0", k))
		}
		if k == "maxUnavailable" && is.Type == intstr.String && n > 100 {
			c.add(RuleInvalidValue, p.Child(k).String(), fmt.Sprintf("%s %s must not be greater than 100%%", k, is.String()))
		}
		if n == 0 {
			zero++
		}
	}
	_, hasU := ru["maxUnavailable"]
	_, hasS := ru["maxSurge"]
	if needOneNonZero && zero == 2 && hasU && hasS {
		c.add(RuleInvalidValue, p.Child("maxUnavailable").String(), "maxUnavailable may not be 0 when maxSurge is 0")
	}
}

func validateReplicationController(c *collector, spec map[string]any, p *field.Path) {
	if spec == nil {
		return
	}
	nonNegative(c, spec, p, "replicas", "minReadySeconds")
	sel := stringMap(spec, "selector")
	validateLabelsAt(c, sel, p.Child("selector"))
	tl := templateLabels(spec)
	if len(sel) > 0 && !labelsSet(sel).AsSelector().Matches(labelsSet(tl)) {
		c.add(RuleSelectorMismatch, "spec.template.metadata.labels", fmt.Sprintf("selector %q does not match template labels %q", labelsSet(sel).String(), labelsSet(tl).String()))
	}
	validatePodTemplate(c, getMap(spec, "template"), p.Child("template"), podCtx{restartPolicies: []string{"Always"}})
}

// validateJobSpec follows validateJobSpec of k8s.io/kubernetes
// pkg/apis/batch/validation; template is true for a CronJob's jobTemplate
// (ValidateJobTemplateSpec), whose selector is always generated.
func validateJobSpec(c *collector, spec map[string]any, p *field.Path, template bool) {
	if spec == nil {
		return
	}
	// activeDeadlineSeconds too is only non-negative for a Job (a Pod's
	// must be positive).
	nonNegative(c, spec, p, "parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished", "activeDeadlineSeconds")
	validateJobModes(c, spec, p, template)
	manual, _ := getBool(spec, "manualSelector")
	if template {
		validateJobTemplateSelector(c, spec, p)
	} else if sel := getMap(spec, "selector"); sel != nil {
		if !manual {
			c.add(RuleSelectorMismatch, p.Child("selector").String(), "a Job's selector is generated by the server: remove spec.selector or set spec.manualSelector: true")
		} else {
			validateSelectorMatches(c, sel, p.Child("selector"), templateLabels(spec), "Job", true)
		}
	} else if manual {
		c.add(RuleSelectorMismatch, p.Child("selector").String(), "spec.manualSelector is true but spec.selector is not set")
	}
	validatePodTemplate(c, getMap(spec, "template"), p.Child("template"), podCtx{restartPolicies: []string{"OnFailure", "Never"}})
}

// validTimeZonePart is the API server's check of each "/"-separated part of
// a CronJob timeZone (k8s.io/kubernetes pkg/apis/batch/validation), made
// before it loads the zone.
var validTimeZonePart = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)

// validateTimeZone mirrors the API server's validateTimeZone: a non-empty
// IANA name, no "."/".." or leading "-" parts, not "Local", and one that
// time.LoadLocation finds. kvet embeds the zone database (time/tzdata, as
// kube-apiserver does), so the verdict does not depend on the machine.
func validateTimeZone(c *collector, tz string, p *field.Path) {
	if tz == "" {
		c.add(RuleInvalidTimeZone, p.String(), "timeZone must not be empty")
		return
	}
	for _, part := range strings.Split(tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !validTimeZonePart.MatchString(part) {
			c.add(RuleInvalidTimeZone, p.String(), fmt.Sprintf("timeZone %q is not a time zone name", tz))
			return
		}
	}
	if strings.EqualFold(tz, "Local") {
		c.add(RuleInvalidTimeZone, p.String(), fmt.Sprintf("timeZone %q is not accepted: the API server wants an explicit zone", tz))
		return
	}
	if _, err := time.LoadLocation(tz); err != nil {
		c.add(RuleInvalidTimeZone, p.String(), fmt.Sprintf("timeZone %q is not in the IANA time zone database", tz))
	}
}

func validateCronJob(c *collector, obj, spec map[string]any, p *field.Path) {
	if name, _ := getString(getMap(obj, "metadata"), "name"); len(name) > 52 {
		c.add(RuleInvalidName, "metadata.name", fmt.Sprintf("CronJob name %q is %d characters long: it must be no more than 52 characters", name, len(name)))
	}
	if spec == nil {
		return
	}
	if sched, ok := getString(spec, "schedule"); ok {
		if strings.Contains(sched, "TZ") {
			c.add(RuleInvalidSchedule, p.Child("schedule").String(), fmt.Sprintf("schedule %q: TZ and CRON_TZ are not supported in the schedule, use the timeZone field", sched))
		} else if _, err := cron.ParseStandard(sched); err != nil {
			c.add(RuleInvalidSchedule, p.Child("schedule").String(), fmt.Sprintf("schedule %q is not a valid cron expression: %v", sched, err))
		}
	}
	if tz, ok := getString(spec, "timeZone"); ok {
		validateTimeZone(c, tz, p.Child("timeZone"))
	}
	if cp, ok := getString(spec, "concurrencyPolicy"); ok && cp != "" && cp != "Allow" && cp != "Forbid" && cp != "Replace" {
		c.add(RuleInvalidValue, p.Child("concurrencyPolicy").String(), fmt.Sprintf("concurrencyPolicy %q is not supported: use Allow, Forbid or Replace", cp))
	}
	nonNegative(c, spec, p, "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit")
	jt := getMap(spec, "jobTemplate")
	if jt != nil {
		jp := p.Child("jobTemplate")
		if meta := getMap(jt, "metadata"); meta != nil {
			validateLabelsAt(c, stringMap(meta, "labels"), jp.Child("metadata", "labels"))
			validateAnnotationsAt(c, stringMap(meta, "annotations"), jp.Child("metadata", "annotations"))
		}
		validateJobSpec(c, getMap(jt, "spec"), jp.Child("spec"), true)
	}
}

// validatePVC follows ValidatePersistentVolumeClaimSpec (k8s.io/kubernetes
// pkg/apis/core/validation), which also checks StatefulSet
// volumeClaimTemplates.
func validatePVC(c *collector, spec map[string]any, p *field.Path) {
	if spec == nil {
		return
	}
	modes := getList(spec, "accessModes")
	if len(modes) == 0 {
		c.add(RuleRequiredField, p.Child("accessModes").String(), "at least one access mode is required")
	}
	rwop, other := false, false
	for i, m := range modes {
		s, _ := m.(string)
		if !slices.Contains([]string{"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"}, s) {
			c.add(RuleInvalidValue, p.Child("accessModes").Index(i).String(), fmt.Sprintf("access mode %q is not supported: use ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod", s))
			continue
		}
		if s == "ReadWriteOncePod" {
			rwop = true
		} else {
			other = true
		}
	}
	if rwop && other {
		c.add(RuleInvalidValue, p.Child("accessModes").String(), "ReadWriteOncePod may not be combined with other access modes")
	}
	subdomainField(c, spec, "storageClassName", p, RuleInvalidValue)
	// VolumeAttributesClass is on from 1.34 (locked from 1.36).
	subdomainField(c, spec, "volumeAttributesClassName", p, RuleInvalidValue)
	if vm, ok := getString(spec, "volumeMode"); ok && vm != "Filesystem" && vm != "Block" {
		c.add(RuleInvalidValue, p.Child("volumeMode").String(), fmt.Sprintf("volumeMode %q is not supported: use Filesystem or Block", vm))
	}
	validatePVCDataSources(c, spec, p)
	res := getMap(spec, "resources")
	req := validateResourceList(c, getMap(res, "requests"), p.Child("resources", "requests"), false)
	validateResourceList(c, getMap(res, "limits"), p.Child("resources", "limits"), false)
	if _, ok := req["storage"]; !ok {
		c.add(RuleRequiredField, p.Child("resources", "requests").Key("storage").String(), "a PersistentVolumeClaim needs resources.requests.storage")
	} else if q := req["storage"]; q.IsZero() {
		c.add(RuleInvalidQuantity, p.Child("resources", "requests").Key("storage").String(), "storage request must be greater than zero")
	}
	validateLabelSelectorOnly(c, getMap(spec, "selector"), p.Child("selector"))
}

// validatePVCDataSources follows validateDataSource and validateDataSourceRef.
// dataSourceRef.namespace needs the alpha CrossNamespaceVolumeDataSource gate
// (the API server drops it otherwise) and is not checked.
func validatePVCDataSources(c *collector, spec map[string]any, p *field.Path) {
	ds, ref := getMap(spec, "dataSource"), getMap(spec, "dataSourceRef")
	if ds != nil && ref == nil && !isPVCOrSnapshot(ds) {
		// EnforceDataSourceBackwardsCompatibility (k8s.io/kubernetes
		// pkg/api/persistentvolumeclaim) silently drops such a dataSource of
		// a claim. StatefulSet claim templates are validated as written, so
		// there this is the lenient reading: a miss, never a false error.
		ds = nil
	}
	for _, src := range []struct {
		key string
		m   map[string]any
	}{{"dataSource", ds}, {"dataSourceRef", ref}} {
		if src.m == nil {
			continue
		}
		sp := p.Child(src.key)
		for _, k := range []string{"name", "kind"} {
			if v, _ := getString(src.m, k); v == "" {
				c.add(RuleRequiredField, sp.Child(k).String(), fmt.Sprintf("%s needs %s", src.key, k))
			}
		}
		group, _ := getString(src.m, "apiGroup")
		if kind, _ := getString(src.m, "kind"); group == "" && kind != "" && kind != "PersistentVolumeClaim" {
			c.add(RuleInvalidValue, sp.Child("apiGroup").String(), fmt.Sprintf("%s kind %q needs its apiGroup (such as snapshot.storage.k8s.io for a VolumeSnapshot): without one only PersistentVolumeClaim is allowed", src.key, kind))
		}
		if group != "" {
			for _, msg := range validation.IsDNS1123Subdomain(group) {
				c.add(RuleInvalidValue, sp.Child("apiGroup").String(), fmt.Sprintf("apiGroup %q: %s", group, msg))
			}
		}
	}
	if ds != nil && ref != nil {
		if ns, _ := getString(ref, "namespace"); ns == "" {
			g1, _ := getString(ds, "apiGroup")
			g2, _ := getString(ref, "apiGroup")
			k1, _ := getString(ds, "kind")
			k2, _ := getString(ref, "kind")
			n1, _ := getString(ds, "name")
			n2, _ := getString(ref, "name")
			// isDataSourceEqualDataSourceRef; an absent and an empty apiGroup
			// are taken as equal here, the lenient reading.
			if g1 != g2 || k1 != k2 || n1 != n2 {
				c.add(RuleInvalidValue, p.Child("dataSource").String(), "dataSource must match dataSourceRef when both are set: set only dataSourceRef")
			}
		}
	}
}

// isPVCOrSnapshot is dataSourceIsPvcOrSnapshot: the two dataSource kinds
// the API server keeps when dataSourceRef is not set.
func isPVCOrSnapshot(ds map[string]any) bool {
	group, _ := getString(ds, "apiGroup")
	kind, _ := getString(ds, "kind")
	return (kind == "PersistentVolumeClaim" && group == "") || (kind == "VolumeSnapshot" && group == "snapshot.storage.k8s.io")
}
