package apivalidate

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

const deploymentYAML = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
  annotations: {example.com/owner: team-a}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 1000}
      volumes:
      - name: cache
        emptyDir: {sizeLimit: 1Gi}
      containers:
      - name: web
        image: example.com/web:1.0
        ports:
        - {name: http, containerPort: 8080, protocol: TCP}
        env:
        - {name: LOG_LEVEL, value: info}
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: "1", memory: 256Mi}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true}
        readinessProbe:
          httpGet: {path: /healthz, port: http}
        livenessProbe:
          tcpSocket: {port: 8080}
          successThreshold: 1
        volumeMounts:
        - {name: cache, mountPath: /cache}
`

func mustYAML(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(s), &m))
	return m
}

// set assigns v at a dotted path; numeric parts index lists; a nil v deletes.
func set(t *testing.T, obj map[string]any, path string, v any) {
	t.Helper()
	parts := strings.Split(path, ".")
	var cur any = obj
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if v == nil {
					delete(c, p)
				} else {
					c[p] = v
				}
				return
			}
			if _, ok := c[p]; !ok {
				c[p] = map[string]any{}
			}
			cur = c[p]
		case []any:
			n, err := strconv.Atoi(p)
			require.NoError(t, err, path)
			if last {
				c[n] = v
				return
			}
			cur = c[n]
		default:
			t.Fatalf("cannot set %s at %s", path, p)
		}
	}
}

type change struct {
	path string
	v    any
}

func rules(issues []Issue) []string {
	var out []string
	for _, i := range issues {
		out = append(out, i.Rule+" "+i.Path)
	}
	return out
}

func TestValidDeploymentHasNoIssues(t *testing.T) {
	assert.Empty(t, Validate(mustYAML(t, deploymentYAML), Options{}))
}

func TestDeploymentRules(t *testing.T) {
	c0 := "spec.template.spec.containers.0."
	cp := "spec.template.spec.containers[web]."
	tests := []struct {
		name     string
		changes  []change
		rule     string
		path     string
		contains string
	}{
		{"name not a subdomain", []change{{"metadata.name", "Web_App"}}, RuleInvalidName, "metadata.name", `"Web_App"`},
		{"name too long", []change{{"metadata.name", strings.Repeat("a", 254)}}, RuleInvalidName, "metadata.name", "253"},
		{"generateName invalid", []change{{"metadata.name", nil}, {"metadata.generateName", "Web-"}}, RuleInvalidName, "metadata.generateName", `"Web-"`},
		{"namespace invalid", []change{{"metadata.namespace", "Shop.Prod"}}, RuleInvalidNamespace, "metadata.namespace", `"Shop.Prod"`},
		{"label key invalid", []change{{"metadata.labels", map[string]any{"app/": "web"}}}, RuleInvalidLabel, "metadata.labels", "app/"},
		{"label value invalid", []change{{"metadata.labels", map[string]any{"app": "web app"}}}, RuleInvalidLabel, "metadata.labels", "web app"},
		{"label value too long", []change{{"metadata.labels", map[string]any{"app": strings.Repeat("x", 64)}}}, RuleInvalidLabel, "metadata.labels", "63"},
		{"template label invalid", []change{{"spec.template.metadata.labels", map[string]any{"app": "web", "bad key": "x"}}}, RuleInvalidLabel, "spec.template.metadata.labels", "bad key"},
		{"annotation key invalid", []change{{"metadata.annotations", map[string]any{"example.com/owner key": "x"}}}, RuleInvalidAnnotation, "metadata.annotations", "owner key"},
		{"annotations too large", []change{{"metadata.annotations", map[string]any{"big": strings.Repeat("x", 262145)}}}, RuleInvalidAnnotation, "metadata.annotations", "262144"},
		{"finalizer invalid", []change{{"metadata.finalizers", []any{"bad finalizer"}}}, RuleInvalidMetadata, "metadata.finalizers", "bad finalizer"},
		{"selector does not match", []change{{"spec.selector.matchLabels", map[string]any{"app": "api"}}}, RuleSelectorMismatch, "spec.template.metadata.labels", "app=api"},
		{"selector missing", []change{{"spec.selector", nil}}, RuleSelectorMismatch, "spec.selector", "required"},
		{"selector empty", []change{{"spec.selector", map[string]any{}}}, RuleSelectorMismatch, "spec.selector", "empty selector"},
		{"selector bad operator", []change{{"spec.selector", map[string]any{"matchExpressions": []any{map[string]any{"key": "app", "operator": "Has", "values": []any{"web"}}}}}}, RuleInvalidSelector, "spec.selector.matchExpressions[0].operator", "Has"},
		{"privileged without escalation", []change{{c0 + "securityContext.privileged", true}}, RuleInvalidSecurityCtx, cp + "securityContext", "privileged"},
		{"sys admin without escalation", []change{{c0 + "securityContext.capabilities", map[string]any{"add": []any{"CAP_SYS_ADMIN"}}}}, RuleInvalidSecurityCtx, cp + "securityContext", "CAP_SYS_ADMIN"},
		{"negative runAsUser", []change{{c0 + "securityContext.runAsUser", -1}}, RuleInvalidSecurityCtx, cp + "securityContext.runAsUser", "-1"},
		{"pod fsGroup out of range", []change{{"spec.template.spec.securityContext.fsGroup", 4294967296}}, RuleInvalidSecurityCtx, "spec.template.spec.securityContext.fsGroup", "4294967296"},
		{"seccomp localhost without profile", []change{{c0 + "securityContext.seccompProfile", map[string]any{"type": "Localhost"}}}, RuleInvalidSecurityCtx, cp + "securityContext.seccompProfile.localhostProfile", "Localhost"},
		{"procMount unsupported", []change{{c0 + "securityContext.procMount", "Masked"}}, RuleInvalidSecurityCtx, cp + "securityContext.procMount", "Masked"},
		{"containerPort too large", []change{{c0 + "ports.0.containerPort", 70000}}, RuleInvalidPort, cp + "ports[0].containerPort", "70000"},
		{"containerPort missing", []change{{c0 + "ports.0.containerPort", nil}}, RuleRequiredField, cp + "ports[0].containerPort", "containerPort"},
		{"hostPort out of range", []change{{c0 + "ports.0.hostPort", 65536}}, RuleInvalidPort, cp + "ports[0].hostPort", "65536"},
		{"port name too long", []change{{c0 + "ports.0.name", "http-metrics-port"}}, RuleInvalidPort, cp + "ports[0].name", "http-metrics-port"},
		{"protocol unsupported", []change{{c0 + "ports.0.protocol", "HTTP"}}, RuleInvalidPort, cp + "ports[0].protocol", "HTTP"},
		{"probe port name invalid", []change{{c0 + "readinessProbe.httpGet.port", "HTTP_PORT"}}, RuleInvalidPort, cp + "readinessProbe.httpGet.port", "HTTP_PORT"},
		{"hostNetwork port mismatch", []change{{"spec.template.spec.hostNetwork", true}, {c0 + "ports.0.hostPort", 80}}, RuleInvalidPort, cp + "ports[0].hostPort", "must match"},
		{"duplicate port name", []change{{c0 + "ports", []any{map[string]any{"name": "http", "containerPort": 80}, map[string]any{"name": "http", "containerPort": 81}}}}, RuleDuplicateName, cp + "ports[1].name", `"http"`},
		{"quantity malformed", []change{{c0 + "resources.requests.memory", "128MB"}}, RuleInvalidQuantity, cp + "resources.requests[memory]", "128MB"},
		{"quantity negative", []change{{c0 + "resources.requests.cpu", "-1"}}, RuleInvalidQuantity, cp + "resources.requests[cpu]", "-1"},
		{"request above limit", []change{{c0 + "resources.requests.memory", "1Gi"}}, RuleInvalidQuantity, cp + "resources.requests[memory]", "256Mi"},
		{"extended resource not integer", []change{{c0 + "resources.limits", map[string]any{"example.com/gpu": "500m"}}, {c0 + "resources.requests", map[string]any{"example.com/gpu": "500m"}}}, RuleInvalidQuantity, cp + "resources.limits[example.com/gpu]", "whole number"},
		{"extended resource without limit", []change{{c0 + "resources.requests", map[string]any{"example.com/gpu": "1"}}}, RuleInvalidQuantity, cp + "resources.limits[example.com/gpu]", "non-overcommitable"},
		{"emptyDir sizeLimit malformed", []change{{"spec.template.spec.volumes.0.emptyDir.sizeLimit", "1 GB"}}, RuleInvalidQuantity, "spec.template.spec.volumes[cache].emptyDir.sizeLimit", "1 GB"},
		{"resource name typo", []change{{c0 + "resources.requests", map[string]any{"memroy": "1Gi"}}}, RuleInvalidResourceName, cp + "resources.requests[memroy]", "memroy"},
		{"duplicate container", []change{{"spec.template.spec.initContainers", []any{map[string]any{"name": "web", "image": "busybox"}}}}, RuleDuplicateName, cp + "name", `"web"`},
		{"duplicate volume", []change{{"spec.template.spec.volumes", []any{map[string]any{"name": "cache", "emptyDir": map[string]any{}}, map[string]any{"name": "cache", "emptyDir": map[string]any{}}}}}, RuleDuplicateName, "spec.template.spec.volumes[cache].name", `"cache"`},
		{"container name invalid", []change{{c0 + "name", "Web"}}, RuleInvalidName, "spec.template.spec.containers[Web].name", `"Web"`},
		{"env name with equals", []change{{c0 + "env.0.name", "LOG=LEVEL"}}, RuleInvalidEnvName, cp + "env[0].name", "LOG=LEVEL"},
		{"env value and valueFrom", []change{{c0 + "env.1.value", "x"}}, RuleInvalidEnv, cp + "env[1].valueFrom", "POD_NAME"},
		{"env fieldPath unsupported", []change{{c0 + "env.1.valueFrom.fieldRef.fieldPath", "spec.hostname"}}, RuleInvalidEnv, cp + "env[1].valueFrom.fieldRef.fieldPath", "spec.hostname"},
		{"secretKeyRef name not a subdomain", []change{{c0 + "env.1.valueFrom", map[string]any{"secretKeyRef": map[string]any{"name": "DB_Credentials", "key": "password"}}}}, RuleInvalidName, cp + "env[1].valueFrom.secretKeyRef.name", "DB_Credentials"},
		{"envFrom configMapRef name not a subdomain", []change{{c0 + "envFrom", []any{map[string]any{"configMapRef": map[string]any{"name": "web_env"}}}}}, RuleInvalidName, cp + "envFrom[0].configMapRef.name", "web_env"},
		{"envFrom secretRef without name", []change{{c0 + "envFrom", []any{map[string]any{"secretRef": map[string]any{"optional": true}}}}}, RuleRequiredField, cp + "envFrom[0].secretRef.name", "required"},
		{"image missing", []change{{c0 + "image", nil}}, RuleRequiredField, cp + "image", "image"},
		{"no containers", []change{{"spec.template.spec.containers", []any{}}}, RuleRequiredField, "spec.template.spec.containers", "at least one"},
		{"mount of unknown volume", []change{{c0 + "volumeMounts.0.name", "data"}}, RuleInvalidVolume, cp + "volumeMounts[0].name", `"data"`},
		{"volume without source", []change{{"spec.template.spec.volumes.0", map[string]any{"name": "cache"}}}, RuleInvalidVolume, "spec.template.spec.volumes[cache]", "volume type"},
		{"duplicate mountPath", []change{{c0 + "volumeMounts", []any{map[string]any{"name": "cache", "mountPath": "/c"}, map[string]any{"name": "cache", "mountPath": "/c"}}}}, RuleInvalidVolume, cp + "volumeMounts[1].mountPath", "/c"},
		{"probe without handler", []change{{c0 + "readinessProbe", map[string]any{"periodSeconds": 5}}}, RuleInvalidProbe, cp + "readinessProbe", "handler"},
		{"liveness successThreshold", []change{{c0 + "livenessProbe.successThreshold", 3}}, RuleInvalidProbe, cp + "livenessProbe.successThreshold", "3"},
		{"restartPolicy Never in Deployment", []change{{"spec.template.spec.restartPolicy", "Never"}}, RuleInvalidRestartPolicy, "spec.template.spec.restartPolicy", "Never"},
		{"negative replicas", []change{{"spec.replicas", -1}}, RuleInvalidValue, "spec.replicas", "-1"},
		{"recreate with rollingUpdate", []change{{"spec.strategy", map[string]any{"type": "Recreate", "rollingUpdate": map[string]any{"maxSurge": 1}}}}, RuleInvalidValue, "spec.strategy.rollingUpdate", "Recreate"},
		{"both rolling values zero", []change{{"spec.strategy", map[string]any{"rollingUpdate": map[string]any{"maxSurge": 0, "maxUnavailable": "0%"}}}}, RuleInvalidValue, "spec.strategy.rollingUpdate.maxUnavailable", "maxSurge is 0"},
		{"progressDeadline not above minReady", []change{{"spec.minReadySeconds", 30}, {"spec.progressDeadlineSeconds", 30}}, RuleInvalidValue, "spec.progressDeadlineSeconds", "minReadySeconds"},
		{"serviceAccountName invalid", []change{{"spec.template.spec.serviceAccountName", "Web_SA"}}, RuleInvalidName, "spec.template.spec.serviceAccountName", "Web_SA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := mustYAML(t, deploymentYAML)
			for _, ch := range tc.changes {
				set(t, obj, ch.path, ch.v)
			}
			issues := Validate(obj, Options{})
			var found *Issue
			for i := range issues {
				if issues[i].Rule == tc.rule && issues[i].Path == tc.path {
					found = &issues[i]
					break
				}
			}
			require.NotNil(t, found, "want %s at %s, got %v", tc.rule, tc.path, rules(issues))
			assert.Contains(t, found.Message, tc.contains)
		})
	}
}

func TestOtherKinds(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		rule string
		path string
	}{
		{"namespace name not a label", "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop.prod}", RuleInvalidName, "metadata.name"},
		{"service name with dot", "apiVersion: v1\nkind: Service\nmetadata: {name: web.v1}\nspec: {ports: [{port: 80}]}", RuleInvalidName, "metadata.name"},
		{"statefulset name with dot", "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db.v1}\nspec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: db, image: db}]}}}", RuleInvalidName, "metadata.name"},
		{"role name with slash", "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: a/b}", RuleInvalidName, "metadata.name"},
		{"crd name not plural.group", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widget.example.com}\nspec: {group: example.com, names: {plural: widgets, kind: Widget}}", RuleInvalidName, "metadata.name"},
		{"service without ports", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}}", RuleInvalidService, "spec.ports"},
		{"service port out of range", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 0}]}", RuleInvalidPort, "spec.ports[0].port"},
		{"service targetPort name", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80, targetPort: Http_Port}]}", RuleInvalidPort, "spec.ports[0].targetPort"},
		{"service unnamed ports", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}, {port: 443}]}", RuleRequiredField, "spec.ports[0].name"},
		{"service duplicate port names", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{name: http, port: 80}, {name: http, port: 81}]}", RuleDuplicateName, "spec.ports[1].name"},
		{"service duplicate port", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{name: a, port: 80}, {name: b, port: 80}]}", RuleDuplicateName, "spec.ports[1]"},
		{"service nodePort on ClusterIP", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80, nodePort: 30080}]}", RuleInvalidService, "spec.ports[0].nodePort"},
		{"service selector label invalid", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: 'a b'}, ports: [{port: 80}]}", RuleInvalidLabel, "spec.selector"},
		{"externalName missing", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: ExternalName}", RuleRequiredField, "spec.externalName"},
		{"ingress path not absolute", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {rules: [{host: a.example.com, http: {paths: [{path: api, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]}", RuleInvalidIngress, "spec.rules[0].http.paths[0].path"},
		{"ingress host is IP", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {rules: [{host: 10.0.0.1}]}", RuleInvalidIngress, "spec.rules[0].host"},
		{"ingress pathType missing", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {rules: [{http: {paths: [{path: /, backend: {service: {name: web, port: {number: 80}}}}]}}]}", RuleRequiredField, "spec.rules[0].http.paths[0].pathType"},
		{"ingress backend port both", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {defaultBackend: {service: {name: web, port: {number: 80, name: http}}}}", RuleInvalidIngress, "spec.defaultBackend.service.port"},
		{"configmap key invalid", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {'a b': x}", RuleInvalidDataKey, "data[a b]"},
		{"configmap key in data and binaryData", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: x}\nbinaryData: {a: eA==}", RuleInvalidDataKey, "binaryData[a]"},
		{"tls secret without key", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\ndata: {tls.crt: eA==}", RuleInvalidSecret, "data"},
		{"dockerconfigjson not json", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/dockerconfigjson\nstringData: {.dockerconfigjson: '{'}", RuleInvalidSecret, "data[.dockerconfigjson]"},
		{"job restartPolicy defaults to Always", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {template: {spec: {containers: [{name: j, image: busybox}]}}}", RuleInvalidRestartPolicy, "spec.template.spec.restartPolicy"},
		{"job selector without manualSelector", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {restartPolicy: Never, containers: [{name: j, image: busybox}]}}}", RuleSelectorMismatch, "spec.selector"},
		{"cronjob schedule invalid", "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '61 * * * *', jobTemplate: {spec: {template: {spec: {restartPolicy: OnFailure, containers: [{name: c, image: busybox}]}}}}}", RuleInvalidSchedule, "spec.schedule"},
		{"cronjob name too long", "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: " + strings.Repeat("c", 53) + "}\nspec: {schedule: '@daily', jobTemplate: {spec: {template: {spec: {restartPolicy: OnFailure, containers: [{name: c, image: busybox}]}}}}}", RuleInvalidName, "metadata.name"},
		{"cronjob container port", "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '@daily', jobTemplate: {spec: {template: {spec: {restartPolicy: OnFailure, containers: [{name: c, image: busybox, ports: [{containerPort: 0}]}]}}}}}", RuleRequiredField, "spec.jobTemplate.spec.template.spec.containers[c].ports[0].containerPort"},
		{"replicationcontroller selector mismatch", "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\nspec: {selector: {app: a}, template: {metadata: {labels: {app: b}}, spec: {containers: [{name: c, image: busybox}]}}}", RuleSelectorMismatch, "spec.template.metadata.labels"},
		{"pod env name", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox, env: [{name: ''}]}]}", RuleRequiredField, "spec.containers[c].env[0].name"},
		{"pvc without storage", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: p}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {}}}", RuleRequiredField, "spec.resources.requests[storage]"},
		{"pvc access mode", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: p}\nspec: {accessModes: [ReadWrite], resources: {requests: {storage: 1Gi}}}", RuleInvalidValue, "spec.accessModes[0]"},
		{"pdb both set", "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec: {minAvailable: 1, maxUnavailable: 1, selector: {matchLabels: {a: b}}}", RuleInvalidValue, "spec"},
		{"hpa max below min", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {minReplicas: 3, maxReplicas: 2, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}}", RuleInvalidValue, "spec.maxReplicas"},
		{"hpa utilization missing", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {maxReplicas: 2, scaleTargetRef: {kind: Deployment, name: web}, metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization}}}]}", RuleRequiredField, "spec.metrics[0].resource.target.averageUtilization"},
		{"networkpolicy bad cidr", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0}}]}]}", RuleInvalidValue, "spec.ingress[0].from[0].ipBlock.cidr"},
		{"networkpolicy endPort below port", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n}\nspec: {podSelector: {}, egress: [{ports: [{port: 100, endPort: 90}]}]}", RuleInvalidPort, "spec.egress[0].ports[0].endPort"},
		{"resourcequota quantity", "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q}\nspec: {hard: {pods: ten}}", RuleInvalidQuantity, "spec.hard[pods]"},
		{"name missing", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}", RuleRequiredField, "metadata.name"},
		{"custom resource name", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: Widget_1}", RuleInvalidName, "metadata.name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			issues := Validate(mustYAML(t, tc.yaml), Options{})
			assert.Contains(t, rules(issues), tc.rule+" "+tc.path)
		})
	}
}

func TestValidObjectsOfOtherKinds(t *testing.T) {
	for _, y := range []string{
		"apiVersion: v1\nkind: Service\nmetadata: {name: 1web}\nspec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}, {name: https, port: 443, targetPort: 8443}]}",
		"apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {clusterIP: None, selector: {app: db}}",
		"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: 'system:controller:web'}",
		"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '*/5 * * * *', jobTemplate: {spec: {template: {spec: {restartPolicy: OnFailure, containers: [{name: c, image: busybox}]}}}}}",
		"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {tls: [{hosts: ['*.example.com'], secretName: tls}], rules: [{host: '*.example.com', http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}]}}]}",
		"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/tls\ndata: {tls.crt: eA==, tls.key: eA==}",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox, env: [{name: 'my.var-1', value: x}], resources: {limits: {example.com/gpu: 1}}}]}",
		// envFrom names are checked as prefixes (a trailing dash passes), key refs' are not.
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox, envFrom: [{configMapRef: {name: web-env-}}, {prefix: DB_, secretRef: {name: db.credentials}}], env: [{name: A, valueFrom: {configMapKeyRef: {name: web-env.v1, key: a}}}]}]}",
		// volumeMounts may name a StatefulSet's volumeClaimTemplates.
		"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec: {serviceName: db, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: db, image: postgres, volumeMounts: [{name: data, mountPath: /var/lib/postgresql}]}]}}, volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]}",
	} {
		assert.Empty(t, Validate(mustYAML(t, y), Options{}), y)
	}
}

// TestCronJobTimeZone follows the API server's validateTimeZone
// (k8s.io/kubernetes pkg/apis/batch/validation): IANA names from the
// embedded zone database, and the forms it rejects before loading one.
func TestCronJobTimeZone(t *testing.T) {
	tests := []struct {
		tz    string
		valid bool
	}{
		{"Etc/UTC", true},
		{"UTC", true},
		{"Europe/Berlin", true},
		{"America/Argentina/Buenos_Aires", true},
		{"America/Port-au-Prince", true},
		{"Etc/GMT+5", true},
		{"Mars/Olympus_Mons", false},
		{"Europe/Berln", false},
		{"CEST", false},
		{"", false},
		{"Local", false},
		{"local", false},
		{"../etc/passwd", false},
		{"Europe//Berlin", false},
		{"Europe/Berlin ", false},
		{"-Europe/Berlin", false},
	}
	for _, tc := range tests {
		t.Run(tc.tz, func(t *testing.T) {
			y := "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: '@daily', timeZone: " + strconv.Quote(tc.tz) + ", jobTemplate: {spec: {template: {spec: {restartPolicy: OnFailure, containers: [{name: c, image: busybox}]}}}}}"
			issues := Validate(mustYAML(t, y), Options{})
			if tc.valid {
				assert.Empty(t, issues)
				return
			}
			require.Len(t, issues, 1)
			assert.Equal(t, RuleInvalidTimeZone+" spec.timeZone", rules(issues)[0])
		})
	}
}
