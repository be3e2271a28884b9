package apivalidate

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// podCtx carries what the owning controller requires of its pod template.
type podCtx struct {
	// restartPolicies lists the restartPolicy values the owner accepts after
	// defaulting (an empty restartPolicy is defaulted to Always); nil: any.
	restartPolicies []string
	// claimVolumes are volumes the controller adds to every pod: a
	// StatefulSet's volumeClaimTemplates, which volumeMounts may name.
	claimVolumes []string
}

func validatePodTemplate(c *collector, tmpl map[string]any, p *field.Path, pc podCtx) {
	if tmpl == nil {
		return
	}
	meta := getMap(tmpl, "metadata")
	mp := p.Child("metadata")
	if meta != nil {
		validateLabelsAt(c, stringMap(meta, "labels"), mp.Child("labels"))
		validateAnnotationsAt(c, stringMap(meta, "annotations"), mp.Child("annotations"))
	}
	validatePodSpec(c, getMap(tmpl, "spec"), p.Child("spec"), pc)
}

var (
	supportedPortProtocols = sets.New("TCP", "UDP", "SCTP")
	validRestartPolicies   = []string{"Always", "OnFailure", "Never"}
	standardContainerRes   = sets.New("cpu", "memory", "ephemeral-storage")
)

func validatePodSpec(c *collector, spec map[string]any, p *field.Path, pc podCtx) {
	if spec == nil {
		return
	}
	// Volumes.
	volumes := map[string]map[string]any{}
	for _, n := range pc.claimVolumes {
		volumes[n] = map[string]any{"name": n, "persistentVolumeClaim": map[string]any{"claimName": n}}
	}
	vp := p.Child("volumes")
	for i, v := range getList(spec, "volumes") {
		vm, _ := v.(map[string]any)
		if vm == nil {
			continue
		}
		ip := itemPath(vp, vm, i)
		name, _ := getString(vm, "name")
		switch {
		case name == "":
			c.add(RuleRequiredField, ip.Child("name").String(), "volume name is required")
		default:
			for _, msg := range validation.IsDNS1123Label(name) {
				c.add(RuleInvalidName, ip.Child("name").String(), fmt.Sprintf("volume name %q: %s", name, msg))
			}
			if _, dup := volumes[name]; dup {
				c.add(RuleDuplicateName, ip.Child("name").String(), fmt.Sprintf("volume name %q is used twice", name))
			}
			volumes[name] = vm
		}
		sources := 0
		for k := range vm {
			if k != "name" {
				sources++
			}
		}
		if sources == 0 {
			c.add(RuleInvalidVolume, ip.String(), fmt.Sprintf("volume %q must specify a volume type", name))
		} else if sources > 1 {
			c.add(RuleInvalidVolume, ip.String(), fmt.Sprintf("volume %q may not specify more than 1 volume type", name))
		}
		for _, src := range []string{"configMap", "secret", "projected", "downwardAPI"} {
			if sm := getMap(vm, src); sm != nil {
				if mode, ok := getInt(sm, "defaultMode"); ok && (mode < 0 || mode > 0777) {
					c.add(RuleInvalidVolume, ip.Child(src, "defaultMode").String(), fmt.Sprintf("defaultMode %d must be a file mode between 0 and 0777 (octal), both inclusive", mode))
				}
				for j, it := range getList(sm, "items") {
					im, _ := it.(map[string]any)
					if key, ok := getString(im, "key"); ok && src != "downwardAPI" {
						for _, msg := range validation.IsConfigMapKey(key) {
							c.add(RuleInvalidDataKey, ip.Child(src, "items").Index(j).Child("key").String(), fmt.Sprintf("key %q: %s", key, msg))
						}
					}
					if pth, ok := getString(im, "path"); ok {
						validateLocalPath(c, pth, ip.Child(src, "items").Index(j).Child("path"))
					}
				}
			}
		}
		if pvc := getMap(vm, "persistentVolumeClaim"); pvc != nil {
			if cn, _ := getString(pvc, "claimName"); cn == "" {
				c.add(RuleRequiredField, ip.Child("persistentVolumeClaim", "claimName").String(), "persistentVolumeClaim.claimName is required")
			}
		}
		if ed := getMap(vm, "emptyDir"); ed != nil {
			validateQuantityField(c, ed["sizeLimit"], ip.Child("emptyDir", "sizeLimit"))
		}
	}

	// Containers of all kinds share the name space.
	names := map[string]bool{}
	containers := getList(spec, "containers")
	if len(containers) == 0 {
		c.add(RuleRequiredField, p.Child("containers").String(), "a pod needs at least one container in containers")
	}
	for _, list := range []string{"initContainers", "containers", "ephemeralContainers"} {
		lp := p.Child(list)
		for i, ct := range getList(spec, list) {
			cm, _ := ct.(map[string]any)
			if cm == nil {
				continue
			}
			validateContainer(c, cm, itemPath(lp, cm, i), volumes, names, list)
		}
	}

	if rp, ok := getString(spec, "restartPolicy"); ok && rp != "" {
		if !slices.Contains(validRestartPolicies, rp) {
			c.add(RuleInvalidRestartPolicy, p.Child("restartPolicy").String(), fmt.Sprintf("restartPolicy %q is not supported: use Always, OnFailure or Never", rp))
		} else if pc.restartPolicies != nil && !slices.Contains(pc.restartPolicies, rp) {
			c.add(RuleInvalidRestartPolicy, p.Child("restartPolicy").String(), fmt.Sprintf("restartPolicy %q is not supported here: use %s", rp, strings.Join(pc.restartPolicies, " or ")))
		}
	} else if pc.restartPolicies != nil && !slices.Contains(pc.restartPolicies, "Always") {
		c.add(RuleInvalidRestartPolicy, p.Child("restartPolicy").String(), fmt.Sprintf("restartPolicy defaults to Always, which is not supported here: set restartPolicy to %s", strings.Join(pc.restartPolicies, " or ")))
	}

	for _, k := range []string{"terminationGracePeriodSeconds", "activeDeadlineSeconds"} {
		if v, ok := getInt(spec, k); ok {
			if v < 0 || (k == "activeDeadlineSeconds" && v == 0) {
				c.add(RuleInvalidValue, p.Child(k).String(), fmt.Sprintf("%s %d must be a positive integer", k, v))
			}
		}
	}
	subdomainField(c, spec, "serviceAccountName", p, RuleInvalidName)
	subdomainField(c, spec, "priorityClassName", p, RuleInvalidName)
	if ns := getMap(spec, "nodeSelector"); ns != nil {
		validateLabelsAt(c, stringMap(spec, "nodeSelector"), p.Child("nodeSelector"))
	}
	if psc := getMap(spec, "securityContext"); psc != nil {
		sp := p.Child("securityContext")
		for _, k := range []string{"runAsUser", "runAsGroup", "fsGroup"} {
			if v, ok := getInt(psc, k); ok {
				for _, msg := range validation.IsValidUserID(v) {
					c.add(RuleInvalidSecurityCtx, sp.Child(k).String(), fmt.Sprintf("%s %d: %s", k, v, msg))
				}
			}
		}
		for i, g := range getList(psc, "supplementalGroups") {
			if v, ok := toInt(g); ok {
				for _, msg := range validation.IsValidGroupID(v) {
					c.add(RuleInvalidSecurityCtx, sp.Child("supplementalGroups").Index(i).String(), fmt.Sprintf("supplemental group %d: %s", v, msg))
				}
			}
		}
		validateSeccomp(c, getMap(psc, "seccompProfile"), sp.Child("seccompProfile"))
	}
	if hostNet, _ := getBool(spec, "hostNetwork"); hostNet {
		// With hostNetwork, containerPort and hostPort must be equal.
		for _, list := range []string{"initContainers", "containers"} {
			for i, ct := range getList(spec, list) {
				cm, _ := ct.(map[string]any)
				cp := itemPath(p.Child(list), cm, i)
				for j, pt := range getList(cm, "ports") {
					pm, _ := pt.(map[string]any)
					cport, _ := getInt(pm, "containerPort")
					hport, ok := getInt(pm, "hostPort")
					if ok && hport != 0 && hport != cport {
						c.add(RuleInvalidPort, cp.Child("ports").Index(j).Child("hostPort").String(), fmt.Sprintf("hostPort %d must match containerPort %d when hostNetwork is true", hport, cport))
					}
				}
			}
		}
	}
}

func validateContainer(c *collector, cm map[string]any, cp *field.Path, volumes map[string]map[string]any, names map[string]bool, list string) {
	name, _ := getString(cm, "name")
	if name == "" {
		c.add(RuleRequiredField, cp.Child("name").String(), "container name is required")
	} else {
		for _, msg := range validation.IsDNS1123Label(name) {
			c.add(RuleInvalidName, cp.Child("name").String(), fmt.Sprintf("container name %q: %s", name, msg))
		}
		if names[name] {
			c.add(RuleDuplicateName, cp.Child("name").String(), fmt.Sprintf("container name %q is used by another container of the pod", name))
		}
		names[name] = true
	}
	if img, _ := getString(cm, "image"); img == "" && list != "ephemeralContainers" {
		c.add(RuleRequiredField, cp.Child("image").String(), fmt.Sprintf("container %q needs an image", name))
	} else if img != strings.TrimSpace(img) {
		c.add(RuleInvalidValue, cp.Child("image").String(), fmt.Sprintf("image %q must not have leading or trailing whitespace", img))
	}
	if pp, ok := getString(cm, "imagePullPolicy"); ok && pp != "" && !slices.Contains([]string{"Always", "IfNotPresent", "Never"}, pp) {
		c.add(RuleInvalidValue, cp.Child("imagePullPolicy").String(), fmt.Sprintf("imagePullPolicy %q is not supported: use Always, IfNotPresent or Never", pp))
	}

	// Ports.
	portNames := map[string]bool{}
	for i, pt := range getList(cm, "ports") {
		pm, _ := pt.(map[string]any)
		if pm == nil {
			continue
		}
		ip := cp.Child("ports").Index(i)
		if pn, ok := getString(pm, "name"); ok && pn != "" {
			if msg := portNameProblem(pn); msg != "" {
				c.add(RuleInvalidPort, ip.Child("name").String(), msg)
			} else if portNames[pn] {
				c.add(RuleDuplicateName, ip.Child("name").String(), fmt.Sprintf("port name %q is used twice in container %q", pn, name))
			}
			portNames[pn] = true
		}
		if v, ok := getInt(pm, "containerPort"); !ok || v == 0 {
			if _, present := pm["containerPort"]; !present || ok {
				c.add(RuleRequiredField, ip.Child("containerPort").String(), "containerPort is required")
			}
		} else {
			for _, msg := range validation.IsValidPortNum(int(v)) {
				c.add(RuleInvalidPort, ip.Child("containerPort").String(), fmt.Sprintf("containerPort %d: %s", v, msg))
			}
		}
		if v, ok := getInt(pm, "hostPort"); ok && v != 0 {
			for _, msg := range validation.IsValidPortNum(int(v)) {
				c.add(RuleInvalidPort, ip.Child("hostPort").String(), fmt.Sprintf("hostPort %d: %s", v, msg))
			}
		}
		if proto, ok := getString(pm, "protocol"); ok && proto != "" && !supportedPortProtocols.Has(proto) {
			c.add(RuleInvalidPort, ip.Child("protocol").String(), fmt.Sprintf("protocol %q is not supported: use TCP, UDP or SCTP", proto))
		}
	}

	// Environment.
	for i, e := range getList(cm, "env") {
		em, _ := e.(map[string]any)
		if em == nil {
			continue
		}
		validateEnvVar(c, em, cp.Child("env").Index(i))
	}
	for i, e := range getList(cm, "envFrom") {
		em, _ := e.(map[string]any)
		ip := cp.Child("envFrom").Index(i)
		if prefix, ok := getString(em, "prefix"); ok && prefix != "" {
			for _, msg := range validation.IsRelaxedEnvVarName(prefix) {
				c.add(RuleInvalidEnvName, ip.Child("prefix").String(), fmt.Sprintf("envFrom prefix %q: %s", prefix, msg))
			}
		}
		n := 0
		for _, k := range []string{"configMapRef", "secretRef"} {
			if _, ok := em[k]; ok {
				n++
			}
			if ref := getMap(em, k); ref != nil {
				if rn, _ := getString(ref, "name"); rn == "" {
					c.add(RuleRequiredField, ip.Child(k, "name").String(), fmt.Sprintf("envFrom %s.name is required", k))
				} else {
					validateRefName(c, rn, ip.Child(k, "name"), "envFrom "+k, true)
				}
			}
		}
		if n != 1 {
			c.add(RuleInvalidEnv, ip.String(), "envFrom needs exactly one of configMapRef or secretRef")
		}
	}

	// Volume mounts.
	mountPaths := map[string]bool{}
	for i, v := range getList(cm, "volumeMounts") {
		vm, _ := v.(map[string]any)
		if vm == nil {
			continue
		}
		ip := cp.Child("volumeMounts").Index(i)
		vn, _ := getString(vm, "name")
		if vn == "" {
			c.add(RuleRequiredField, ip.Child("name").String(), "volumeMount name is required")
		} else if _, ok := volumes[vn]; !ok {
			c.add(RuleInvalidVolume, ip.Child("name").String(), fmt.Sprintf("volumeMount %q refers to no volume of the pod", vn))
		}
		mp, _ := getString(vm, "mountPath")
		if mp == "" {
			c.add(RuleRequiredField, ip.Child("mountPath").String(), "mountPath is required")
		} else if mountPaths[mp] {
			c.add(RuleInvalidVolume, ip.Child("mountPath").String(), fmt.Sprintf("mountPath %q must be unique within the container", mp))
		}
		mountPaths[mp] = true
		if sp, ok := getString(vm, "subPath"); ok && sp != "" {
			validateLocalPath(c, sp, ip.Child("subPath"))
		}
	}

	validateResources(c, getMap(cm, "resources"), cp.Child("resources"))
	validateSecurityContext(c, getMap(cm, "securityContext"), cp.Child("securityContext"))

	for _, pr := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
		if pm := getMap(cm, pr); pm != nil {
			validateProbe(c, pm, cp.Child(pr), pr != "readinessProbe")
		}
	}
}

var validEnvFieldPaths = sets.New("metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
	"spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs")

func validateEnvVar(c *collector, em map[string]any, ip *field.Path) {
	name, _ := getString(em, "name")
	if name == "" {
		c.add(RuleRequiredField, ip.Child("name").String(), "env var name is required")
	} else {
		// RelaxedEnvironmentVariableValidation is GA and locked on since 1.34.
		for _, msg := range validation.IsRelaxedEnvVarName(name) {
			c.add(RuleInvalidEnvName, ip.Child("name").String(), fmt.Sprintf("env var name %q: %s", name, msg))
		}
	}
	vf := getMap(em, "valueFrom")
	if vf == nil {
		return
	}
	if v, _ := getString(em, "value"); v != "" {
		c.add(RuleInvalidEnv, ip.Child("valueFrom").String(), fmt.Sprintf("env var %q: valueFrom may not be specified when value is not empty", name))
	}
	n := 0
	for _, k := range []string{"fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef"} {
		if _, ok := vf[k]; ok {
			n++
		}
	}
	if n != 1 {
		c.add(RuleInvalidEnv, ip.Child("valueFrom").String(), fmt.Sprintf("env var %q: valueFrom needs exactly one of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef or fileKeyRef (has %d)", name, n))
	}
	for _, k := range []string{"configMapKeyRef", "secretKeyRef"} {
		if ref := getMap(vf, k); ref != nil {
			key, _ := getString(ref, "key")
			if key == "" {
				c.add(RuleRequiredField, ip.Child("valueFrom", k, "key").String(), fmt.Sprintf("env var %q: %s.key is required", name, k))
			} else {
				for _, msg := range validation.IsConfigMapKey(key) {
					c.add(RuleInvalidDataKey, ip.Child("valueFrom", k, "key").String(), fmt.Sprintf("key %q: %s", key, msg))
				}
			}
			if rn, _ := getString(ref, "name"); rn == "" {
				c.add(RuleRequiredField, ip.Child("valueFrom", k, "name").String(), fmt.Sprintf("env var %q: %s.name is required", name, k))
			} else {
				validateRefName(c, rn, ip.Child("valueFrom", k, "name"), fmt.Sprintf("env var %q: %s", name, k), false)
			}
		}
	}
	if ref := getMap(vf, "fieldRef"); ref != nil {
		fp, _ := getString(ref, "fieldPath")
		if !validEnvFieldPaths.Has(fp) && !isLabelOrAnnotationPath(fp) {
			c.add(RuleInvalidEnv, ip.Child("valueFrom", "fieldRef", "fieldPath").String(), fmt.Sprintf("fieldPath %q is not supported: use metadata.name, metadata.namespace, metadata.uid, metadata.labels['KEY'], metadata.annotations['KEY'], spec.nodeName, spec.serviceAccountName, status.hostIP(s) or status.podIP(s)", fp))
		}
	}
}

// validateRefName checks the name of the ConfigMap or Secret an env
// source names as the API server does (ValidateConfigMapName and
// ValidateSecretName: a DNS subdomain; prefix allows a trailing dash, as
// the server's envFrom check does).
func validateRefName(c *collector, name string, p *field.Path, what string, prefix bool) {
	for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(name, prefix) {
		c.add(RuleInvalidName, p.String(), fmt.Sprintf("%s name %q: %s", what, name, msg))
	}
}

func isLabelOrAnnotationPath(fp string) bool {
	for _, prefix := range []string{"metadata.labels['", "metadata.annotations['"} {
		if strings.HasPrefix(fp, prefix) && strings.HasSuffix(fp, "']") && len(fp) > len(prefix)+2 {
			return true
		}
	}
	return false
}

func validateLocalPath(c *collector, p string, fp *field.Path) {
	if strings.HasPrefix(p, "/") {
		c.add(RuleInvalidVolume, fp.String(), fmt.Sprintf("path %q must be relative", p))
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			c.add(RuleInvalidVolume, fp.String(), fmt.Sprintf("path %q must not contain '..'", p))
			break
		}
	}
}

func validateSecurityContext(c *collector, sc map[string]any, p *field.Path) {
	if sc == nil {
		return
	}
	for _, k := range []string{"runAsUser", "runAsGroup"} {
		if v, ok := getInt(sc, k); ok {
			for _, msg := range validation.IsValidUserID(v) {
				c.add(RuleInvalidSecurityCtx, p.Child(k).String(), fmt.Sprintf("%s %d: %s", k, v, msg))
			}
		}
	}
	if pm, ok := getString(sc, "procMount"); ok && pm != "" && pm != "Default" && pm != "Unmasked" {
		c.add(RuleInvalidSecurityCtx, p.Child("procMount").String(), fmt.Sprintf("procMount %q is not supported: use Default or Unmasked", pm))
	}
	validateSeccomp(c, getMap(sc, "seccompProfile"), p.Child("seccompProfile"))
	if ape, ok := getBool(sc, "allowPrivilegeEscalation"); ok && !ape {
		if priv, _ := getBool(sc, "privileged"); priv {
			c.add(RuleInvalidSecurityCtx, p.String(), "cannot set allowPrivilegeEscalation to false and privileged to true: drop privileged or allow privilege escalation")
		}
		for _, cp := range getList(getMap(sc, "capabilities"), "add") {
			if s, _ := cp.(string); s == "CAP_SYS_ADMIN" {
				c.add(RuleInvalidSecurityCtx, p.String(), "cannot set allowPrivilegeEscalation to false and capabilities.add CAP_SYS_ADMIN: drop the capability or allow privilege escalation")
			}
		}
	}
}

func validateSeccomp(c *collector, sp map[string]any, p *field.Path) {
	if sp == nil {
		return
	}
	t, _ := getString(sp, "type")
	lp, hasLP := getString(sp, "localhostProfile")
	switch t {
	case "Localhost":
		if lp == "" {
			c.add(RuleInvalidSecurityCtx, p.Child("localhostProfile").String(), "seccompProfile type Localhost needs localhostProfile")
		}
	case "RuntimeDefault", "Unconfined":
		if hasLP && lp != "" {
			c.add(RuleInvalidSecurityCtx, p.Child("localhostProfile").String(), fmt.Sprintf("localhostProfile can only be set with type Localhost, not %s", t))
		}
	case "":
	default:
		c.add(RuleInvalidSecurityCtx, p.Child("type").String(), fmt.Sprintf("seccompProfile type %q is not supported: use RuntimeDefault, Localhost or Unconfined", t))
	}
}

func validateProbe(c *collector, pm map[string]any, p *field.Path, successMustBeOne bool) {
	handlers := 0
	for _, h := range []string{"exec", "httpGet", "tcpSocket", "grpc"} {
		if _, ok := pm[h]; ok {
			handlers++
		}
	}
	if handlers == 0 {
		c.add(RuleInvalidProbe, p.String(), "probe must specify a handler: one of exec, httpGet, tcpSocket or grpc")
	} else if handlers > 1 {
		c.add(RuleInvalidProbe, p.String(), "probe may not specify more than one handler type")
	}
	for _, k := range []string{"initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"} {
		if v, ok := getInt(pm, k); ok && v < 0 {
			c.add(RuleInvalidProbe, p.Child(k).String(), fmt.Sprintf("%s %d must be greater than or equal to 0", k, v))
		}
	}
	if v, ok := getInt(pm, "terminationGracePeriodSeconds"); ok && v <= 0 {
		c.add(RuleInvalidProbe, p.Child("terminationGracePeriodSeconds").String(), fmt.Sprintf("terminationGracePeriodSeconds %d must be greater than 0", v))
	}
	if v, ok := getInt(pm, "successThreshold"); ok && successMustBeOne && v != 1 {
		c.add(RuleInvalidProbe, p.Child("successThreshold").String(), fmt.Sprintf("successThreshold %d must be 1 for liveness and startup probes", v))
	}
	for _, h := range []string{"httpGet", "tcpSocket"} {
		if hm := getMap(pm, h); hm != nil {
			validatePortNumOrName(c, hm["port"], p.Child(h, "port"), true)
		}
	}
	if g := getMap(pm, "grpc"); g != nil {
		if v, ok := getInt(g, "port"); ok {
			for _, msg := range validation.IsValidPortNum(int(v)) {
				c.add(RuleInvalidPort, p.Child("grpc", "port").String(), fmt.Sprintf("grpc port %d: %s", v, msg))
			}
		}
	}
	if hm := getMap(pm, "httpGet"); hm != nil {
		if s, ok := getString(hm, "scheme"); ok && s != "" && s != "HTTP" && s != "HTTPS" {
			c.add(RuleInvalidProbe, p.Child("httpGet", "scheme").String(), fmt.Sprintf("scheme %q is not supported: use HTTP or HTTPS", s))
		}
		for i, h := range getList(hm, "httpHeaders") {
			hh, _ := h.(map[string]any)
			if n, ok := getString(hh, "name"); ok {
				for _, msg := range validation.IsHTTPHeaderName(n) {
					c.add(RuleInvalidProbe, p.Child("httpGet", "httpHeaders").Index(i).Child("name").String(), fmt.Sprintf("header name %q: %s", n, msg))
				}
			}
		}
	}
}

// validatePortNumOrName checks an int-or-string port reference.
func validatePortNumOrName(c *collector, v any, p *field.Path, required bool) {
	if v == nil {
		if required {
			c.add(RuleRequiredField, p.String(), "port is required")
		}
		return
	}
	if n, ok := toInt(v); ok {
		for _, msg := range validation.IsValidPortNum(int(n)) {
			c.add(RuleInvalidPort, p.String(), fmt.Sprintf("port %d: %s", n, msg))
		}
		return
	}
	if s, ok := v.(string); ok {
		if s == "" {
			if required {
				c.add(RuleRequiredField, p.String(), "port is required")
			}
			return
		}
		if msg := portNameProblem(s); msg != "" {
			c.add(RuleInvalidPort, p.String(), msg)
		}
	}
}

// portNameProblem says what is wrong with a port name, every reason in one
// message (one defect, one finding); "" when the name is valid.
func portNameProblem(name string) string {
	msgs := validation.IsValidPortName(name)
	if len(msgs) == 0 {
		return ""
	}
	return fmt.Sprintf("port name %q: %s", name, strings.Join(msgs, "; "))
}

// --- resources -----------------------------------------------------------

func validateResources(c *collector, rm map[string]any, p *field.Path) {
	if rm == nil {
		return
	}
	limits := validateResourceList(c, getMap(rm, "limits"), p.Child("limits"), true)
	requests := validateResourceList(c, getMap(rm, "requests"), p.Child("requests"), true)
	for name, req := range requests {
		lim, ok := limits[name]
		if ok {
			if !isOvercommitAllowed(name) && req.Cmp(lim) != 0 {
				c.add(RuleInvalidQuantity, p.Child("requests").Key(name).String(), fmt.Sprintf("%s request %s must be equal to its limit %s", name, req.String(), lim.String()))
			} else if req.Cmp(lim) > 0 {
				c.add(RuleInvalidQuantity, p.Child("requests").Key(name).String(), fmt.Sprintf("%s request %s must be less than or equal to the %s limit of %s", name, req.String(), name, lim.String()))
			}
		} else if !isOvercommitAllowed(name) {
			c.add(RuleInvalidQuantity, p.Child("limits").Key(name).String(), fmt.Sprintf("a limit must be set for the non-overcommitable resource %s", name))
		}
	}
}

// validateResourceList parses the quantities of a resource list; container
// selects the container resource-name rules.
func validateResourceList(c *collector, m map[string]any, p *field.Path, container bool) map[string]resource.Quantity {
	out := map[string]resource.Quantity{}
	for name, v := range m {
		ip := p.Key(name)
		validateResourceName(c, name, ip, container)
		q, ok := validateQuantityField(c, v, ip)
		if !ok {
			continue
		}
		if isIntegerResource(name) && q.MilliValue()%1000 != 0 {
			c.add(RuleInvalidQuantity, ip.String(), fmt.Sprintf("%s quantity %s must be a whole number", name, q.String()))
		}
		out[name] = q
	}
	return out
}

// validateQuantityField parses a quantity (string or number) and checks it
// is not negative.
func validateQuantityField(c *collector, v any, p *field.Path) (resource.Quantity, bool) {
	var s string
	switch x := v.(type) {
	case nil:
		return resource.Quantity{}, false
	case string:
		s = x
	case float64, int, int64:
		s = fmt.Sprint(x)
	default:
		return resource.Quantity{}, false
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		c.add(RuleInvalidQuantity, p.String(), fmt.Sprintf("quantity %q is invalid: %v", s, err))
		return q, false
	}
	if q.Sign() < 0 {
		c.add(RuleInvalidQuantity, p.String(), fmt.Sprintf("quantity %q must be greater than or equal to 0", s))
		return q, false
	}
	return q, true
}

func validateResourceName(c *collector, name string, p *field.Path, container bool) {
	for _, msg := range validation.IsQualifiedName(name) {
		c.add(RuleInvalidResourceName, p.String(), fmt.Sprintf("resource name %q: %s", name, msg))
		return
	}
	if !container {
		return
	}
	if !strings.Contains(name, "/") {
		if !standardContainerRes.Has(name) && !strings.HasPrefix(name, "hugepages-") {
			c.add(RuleInvalidResourceName, p.String(), fmt.Sprintf("resource name %q must be a standard resource for containers", name))
		}
		return
	}
	if !isNativeResource(name) && strings.HasPrefix(name, "requests.") {
		c.add(RuleInvalidResourceName, p.String(), fmt.Sprintf("resource name %q doesn't follow the extended resource name standard", name))
	}
}

func isNativeResource(name string) bool {
	return !strings.Contains(name, "/") || strings.Contains(name, "kubernetes.io/")
}

func isOvercommitAllowed(name string) bool {
	return isNativeResource(name) && !strings.HasPrefix(name, "hugepages-")
}

func isIntegerResource(name string) bool {
	return !isNativeResource(name) && !strings.HasPrefix(name, "requests.")
}

// --- labels and annotations at other places -----------------------------

func validateLabelsAt(c *collector, m map[string]string, p *field.Path) {
	for _, e := range labelErrs(m, p) {
		c.add(RuleInvalidLabel, e.Field, "label "+e.ErrorBody())
	}
}

func validateAnnotationsAt(c *collector, m map[string]string, p *field.Path) {
	for _, e := range annotationErrs(m, p) {
		c.add(RuleInvalidAnnotation, e.Field, "annotation "+e.ErrorBody())
	}
}

// subdomainField checks an optional name field that must be a DNS-1123
// subdomain (a class, service account or priority class name).
func subdomainField(c *collector, m map[string]any, key string, p *field.Path, rule string) {
	v, ok := getString(m, key)
	if !ok || v == "" {
		return
	}
	for _, msg := range validation.IsDNS1123Subdomain(v) {
		c.add(rule, p.Child(key).String(), fmt.Sprintf("%s %q: %s", key, v, msg))
	}
}
