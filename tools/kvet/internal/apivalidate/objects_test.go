package apivalidate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Objects of the kinds whose validation follows k8s.io/kubernetes
// pkg/apis/{batch,networking,core,autoscaling,policy,rbac}/validation:
// each rule has a valid object near its edge and an invalid one. The same
// cases, with the API server's verdict, are in tools/e2e/corpus.

const (
	jobHead  = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n"
	jobPod   = "  template: {spec: {restartPolicy: Never, containers: [{name: w, image: busybox}]}}\n"
	cronHead = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n"
	cronPod  = "      template: {spec: {restartPolicy: Never, containers: [{name: w, image: busybox}]}}\n"
	svcHead  = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n"
	pvcHead  = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: p}\nspec:\n  resources: {requests: {storage: 1Gi}}\n"
	hpaHead  = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 4\n"
	pdbHead  = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec:\n  selector: {matchLabels: {app: web}}\n"
	npHead   = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\nspec:\n  podSelector: {}\n"
	ingHead  = "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
	rbacV1   = "apiVersion: rbac.authorization.k8s.io/v1\n"
)

type objectCase struct {
	name string
	yaml string
	// want is "rule path" of the one expected issue; empty means valid.
	want string
}

func runObjectCases(t *testing.T, cases []objectCase, opts Options) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			issues := Validate(mustYAML(t, tc.yaml), opts)
			if tc.want == "" {
				assert.Empty(t, rules(issues))
				return
			}
			require.Contains(t, rules(issues), tc.want)
		})
	}
}

func TestJobRules(t *testing.T) {
	runObjectCases(t, []objectCase{
		{"indexed with per-index backoff, policies", jobHead + `  completionMode: Indexed
  completions: 3
  parallelism: 2
  backoffLimitPerIndex: 1
  maxFailedIndexes: 1
  podReplacementPolicy: Failed
  podFailurePolicy:
    rules:
    - {action: FailIndex, onExitCodes: {containerName: w, operator: In, values: [3, 4]}}
    - {action: Ignore, onPodConditions: [{type: DisruptionTarget}]}
  successPolicy: {rules: [{succeededIndexes: "0-1", succeededCount: 1}]}
` + jobPod, ""},
		{"indexed defaults completions when parallelism is unset", jobHead + "  completionMode: Indexed\n" + jobPod, ""},
		{"activeDeadlineSeconds 0", jobHead + "  activeDeadlineSeconds: 0\n" + jobPod, ""},
		{"activeDeadlineSeconds negative", jobHead + "  activeDeadlineSeconds: -1\n" + jobPod, "invalid-value spec.activeDeadlineSeconds"},
		{"indexed without completions", jobHead + "  completionMode: Indexed\n  parallelism: 2\n" + jobPod, "required-field spec.completions"},
		{"completionMode unsupported", jobHead + "  completionMode: indexed\n" + jobPod, "invalid-value spec.completionMode"},
		{"indexed parallelism too high", jobHead + "  completionMode: Indexed\n  completions: 5\n  parallelism: 100001\n" + jobPod, "invalid-value spec.parallelism"},
		{"backoffLimitPerIndex not indexed", jobHead + "  backoffLimitPerIndex: 1\n" + jobPod, "invalid-value spec.backoffLimitPerIndex"},
		{"maxFailedIndexes without backoffLimitPerIndex", jobHead + "  completionMode: Indexed\n  completions: 3\n  maxFailedIndexes: 1\n" + jobPod, "required-field spec.backoffLimitPerIndex"},
		{"maxFailedIndexes above completions", jobHead + "  completionMode: Indexed\n  completions: 3\n  backoffLimitPerIndex: 1\n  maxFailedIndexes: 4\n" + jobPod, "invalid-value spec.maxFailedIndexes"},
		{"podFailurePolicy with OnFailure", jobHead + "  podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {operator: In, values: [1]}}]}\n  template: {spec: {restartPolicy: OnFailure, containers: [{name: w, image: busybox}]}}\n", "invalid-restart-policy spec.template.spec.restartPolicy"},
		{"exit code 0 with In", jobHead + "  podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {operator: In, values: [0, 1]}}]}\n" + jobPod, "invalid-value spec.podFailurePolicy.rules[0].onExitCodes.values[0]"},
		{"exit codes unordered", jobHead + "  podFailurePolicy: {rules: [{action: Count, onExitCodes: {operator: NotIn, values: [5, 1]}}]}\n" + jobPod, "invalid-value spec.podFailurePolicy.rules[0].onExitCodes.values"},
		{"exit code twice", jobHead + "  podFailurePolicy: {rules: [{action: Count, onExitCodes: {operator: NotIn, values: [1, 1]}}]}\n" + jobPod, "invalid-value spec.podFailurePolicy.rules[0].onExitCodes.values[1]"},
		{"exit codes empty", jobHead + "  podFailurePolicy: {rules: [{action: Count, onExitCodes: {operator: NotIn, values: []}}]}\n" + jobPod, "required-field spec.podFailurePolicy.rules[0].onExitCodes.values"},
		{"exit code operator", jobHead + "  podFailurePolicy: {rules: [{action: Count, onExitCodes: {operator: Equals, values: [1]}}]}\n" + jobPod, "invalid-value spec.podFailurePolicy.rules[0].onExitCodes.operator"},
		{"unknown containerName", jobHead + "  podFailurePolicy: {rules: [{action: FailJob, onExitCodes: {containerName: main, operator: In, values: [1]}}]}\n" + jobPod, "invalid-value spec.podFailurePolicy.rules[0].onExitCodes.containerName"},
		{"action unsupported", jobHead + "  podFailurePolicy: {rules: [{action: Retry, onExitCodes: {operator: In, values: [1]}}]}\n" + jobPod, "invalid-value spec.podFailurePolicy.rules[0].action"},
		{"FailIndex without backoffLimitPerIndex", jobHead + "  completionMode: Indexed\n  completions: 2\n  podFailurePolicy: {rules: [{action: FailIndex, onExitCodes: {operator: In, values: [1]}}]}\n" + jobPod, "invalid-value spec.podFailurePolicy.rules[0].action"},
		{"rule without requirement", jobHead + "  podFailurePolicy: {rules: [{action: Ignore}]}\n" + jobPod, "required-field spec.podFailurePolicy.rules[0]"},
		{"rule with both requirements", jobHead + "  podFailurePolicy: {rules: [{action: Ignore, onExitCodes: {operator: In, values: [1]}, onPodConditions: [{type: DisruptionTarget}]}]}\n" + jobPod, "invalid-value spec.podFailurePolicy.rules[0]"},
		{"condition status", jobHead + "  podFailurePolicy: {rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget, status: Maybe}]}]}\n" + jobPod, "invalid-value spec.podFailurePolicy.rules[0].onPodConditions[0].status"},
		{"podReplacementPolicy with podFailurePolicy", jobHead + "  podReplacementPolicy: TerminatingOrFailed\n  podFailurePolicy: {rules: [{action: Ignore, onPodConditions: [{type: DisruptionTarget}]}]}\n" + jobPod, "invalid-value spec.podReplacementPolicy"},
		{"podReplacementPolicy unsupported", jobHead + "  podReplacementPolicy: Always\n" + jobPod, "invalid-value spec.podReplacementPolicy"},
		{"successPolicy not indexed", jobHead + "  successPolicy: {rules: [{succeededCount: 1}]}\n" + jobPod, "invalid-value spec.successPolicy"},
		{"successPolicy without rules", jobHead + "  completionMode: Indexed\n  completions: 2\n  successPolicy: {rules: []}\n" + jobPod, "required-field spec.successPolicy.rules"},
		{"successPolicy rule empty", jobHead + "  completionMode: Indexed\n  completions: 2\n  successPolicy: {rules: [{}]}\n" + jobPod, "required-field spec.successPolicy.rules[0]"},
		{"succeededCount above completions", jobHead + "  completionMode: Indexed\n  completions: 2\n  successPolicy: {rules: [{succeededCount: 3}]}\n" + jobPod, "invalid-value spec.successPolicy.rules[0].succeededCount"},
		{"succeededCount above indexes", jobHead + "  completionMode: Indexed\n  completions: 5\n  successPolicy: {rules: [{succeededIndexes: '0,2', succeededCount: 3}]}\n" + jobPod, "invalid-value spec.successPolicy.rules[0].succeededCount"},
		{"succeededIndexes beyond completions", jobHead + "  completionMode: Indexed\n  completions: 2\n  successPolicy: {rules: [{succeededIndexes: '0-2'}]}\n" + jobPod, "invalid-value spec.successPolicy.rules[0].succeededIndexes"},
		{"succeededIndexes decreasing", jobHead + "  completionMode: Indexed\n  completions: 9\n  successPolicy: {rules: [{succeededIndexes: '3,1'}]}\n" + jobPod, "invalid-value spec.successPolicy.rules[0].succeededIndexes"},
		{"indexed name leaves no room for the index", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: indexed-job-name-that-leaves-no-room-for-the-pod-index-suffix1}\nspec:\n  completionMode: Indexed\n  completions: 10\n" + jobPod, "invalid-name metadata.name"},
		{"indexed name with room for the index", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: indexed-job-name-that-leaves-just-room-for-the-pod-index-s}\nspec:\n  completionMode: Indexed\n  completions: 10\n" + jobPod, ""},
		{"managedBy domain-prefixed", jobHead + "  managedBy: kueue.x-k8s.io/multikueue\n" + jobPod, ""},
		{"managedBy without domain", jobHead + "  managedBy: kueue\n" + jobPod, "invalid-value spec.managedBy"},
		{"indexed name with defaulted completions", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: indexed-job-name-that-leaves-no-room-for-the-pod-index-suffix1}\nspec:\n  completionMode: Indexed\n" + jobPod, "invalid-name metadata.name"},
		{"cronjob indexed template", cronHead + "      completionMode: Indexed\n      completions: 2\n" + cronPod, ""},
		{"cronjob indexed template without completions", cronHead + "      completionMode: Indexed\n" + cronPod, "required-field spec.jobTemplate.spec.completions"},
		{"cronjob template selector", cronHead + "      selector: {matchLabels: {a: b}}\n" + cronPod, "selector-mismatch spec.jobTemplate.spec.selector"},
		{"cronjob template manualSelector", cronHead + "      manualSelector: true\n" + cronPod, "selector-mismatch spec.jobTemplate.spec.manualSelector"},
	}, Options{})
}

func TestCountIndexes(t *testing.T) {
	n, err := countIndexes("0,2-4,7", 8)
	require.NoError(t, err)
	assert.Equal(t, int64(5), n)
	for _, bad := range []string{"0-", "a", "1-2-3", "4-2", "3,3", "8"} {
		_, err := countIndexes(bad, 8)
		assert.Error(t, err, bad)
	}
}

func TestIngressAndNetworkPolicyRules(t *testing.T) {
	strict := Options{FeatureGates: map[string]bool{GateStrictIPCIDRValidation: true}}
	runObjectCases(t, []objectCase{
		{"class annotation agrees", ingHead + "metadata: {name: i, annotations: {kubernetes.io/ingress.class: nginx}}\nspec: {ingressClassName: nginx, defaultBackend: {service: {name: web, port: {number: 80}}}}", ""},
		{"class annotation differs", ingHead + "metadata: {name: i, annotations: {kubernetes.io/ingress.class: nginx}}\nspec: {ingressClassName: traefik, defaultBackend: {service: {name: web, port: {number: 80}}}}", "invalid-ingress metadata.annotations[kubernetes.io/ingress.class]"},
		{"http without paths", ingHead + "metadata: {name: i}\nspec: {rules: [{host: a.example.com, http: {paths: []}}]}", "required-field spec.rules[0].http.paths"},
		{"resource backend", ingHead + "metadata: {name: i}\nspec: {defaultBackend: {resource: {kind: Bucket, name: assets}}}", ""},
		{"resource backend name with slash", ingHead + "metadata: {name: i}\nspec: {defaultBackend: {resource: {kind: Bucket, name: a/b}}}", "invalid-ingress spec.defaultBackend.resource.name"},
		{"resource backend apiGroup", ingHead + "metadata: {name: i}\nspec: {defaultBackend: {resource: {apiGroup: Storage_Example, kind: Bucket, name: a}}}", "invalid-ingress spec.defaultBackend.resource.apiGroup"},
		{"except inside cidr", npHead + "  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]", ""},
		{"except outside cidr", npHead + "  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]}]", "invalid-value spec.egress[0].to[0].ipBlock.except[0]"},
		{"except equal to cidr", npHead + "  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/16]}}]}]", "invalid-value spec.egress[0].to[0].ipBlock.except[0]"},
		{"empty cidr", npHead + "  egress: [{to: [{ipBlock: {cidr: ''}}]}]", "required-field spec.egress[0].to[0].ipBlock.cidr"},
		{"endPort above 65535", npHead + "  egress: [{ports: [{port: 80, endPort: 70000}]}]", "invalid-port spec.egress[0].ports[0].endPort"},
		{"three policyTypes", npHead + "  policyTypes: [Ingress, Egress, Ingress]", "invalid-value spec.policyTypes"},
	}, strict)
	hostBits := npHead + "  egress: [{to: [{ipBlock: {cidr: 10.0.0.1/16}}]}]"
	runObjectCases(t, []objectCase{{"host bits with StrictIPCIDRValidation", hostBits, "invalid-value spec.egress[0].to[0].ipBlock.cidr"}}, strict)
	runObjectCases(t, []objectCase{{"host bits without StrictIPCIDRValidation", hostBits, ""}}, Options{})
}

func TestServiceRules(t *testing.T) {
	strict := Options{FeatureGates: map[string]bool{GateStrictIPCIDRValidation: true}}
	runObjectCases(t, []objectCase{
		{"load balancer options", svcHead + `  type: LoadBalancer
  loadBalancerClass: example.com/internal
  loadBalancerSourceRanges: [203.0.113.0/24]
  allocateLoadBalancerNodePorts: false
  externalTrafficPolicy: Local
  healthCheckNodePort: 30999
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 86400}}
  ipFamilyPolicy: PreferDualStack
  ipFamilies: [IPv4, IPv6]
  ports: [{name: http, port: 80, nodePort: 30080, appProtocol: kubernetes.io/h2c}, {name: dns, port: 53, protocol: UDP, nodePort: 30080}]`, ""},
		{"externalIPs make a ClusterIP Service external", svcHead + "  externalIPs: [192.0.2.10]\n  externalTrafficPolicy: Local\n  ports: [{port: 80}]", ""},
		{"affinity config dropped with None", svcHead + "  sessionAffinityConfig: {clientIP: {timeoutSeconds: 100000}}\n  ports: [{port: 80}]", ""},
		{"cluster IPs", svcHead + "  clusterIP: 10.96.0.10\n  clusterIPs: [10.96.0.10, 'fd00::10']\n  ipFamilies: [IPv4, IPv6]\n  ports: [{port: 80}]", ""},
		{"trafficDistribution", svcHead + "  trafficDistribution: PreferSameZone\n  ports: [{port: 80}]", ""},
		{"trafficDistribution unsupported", svcHead + "  trafficDistribution: Nearest\n  ports: [{port: 80}]", "invalid-service spec.trafficDistribution"},
		{"ExternalName with clusterIP None", svcHead + "  type: ExternalName\n  externalName: db.example.com\n  clusterIP: None", "invalid-service spec.clusterIP"},
		{"externalTrafficPolicy on ClusterIP", svcHead + "  externalTrafficPolicy: Local\n  ports: [{port: 80}]", "invalid-service spec.externalTrafficPolicy"},
		{"externalTrafficPolicy value", svcHead + "  type: NodePort\n  externalTrafficPolicy: local\n  ports: [{port: 80}]", "invalid-service spec.externalTrafficPolicy"},
		{"affinity timeout", svcHead + "  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 100000}}\n  ports: [{port: 80}]", "invalid-service spec.sessionAffinityConfig.clientIP.timeoutSeconds"},
		{"affinity unsupported", svcHead + "  sessionAffinity: Cookie\n  ports: [{port: 80}]", "invalid-service spec.sessionAffinity"},
		{"source ranges on ClusterIP", svcHead + "  loadBalancerSourceRanges: [10.0.0.0/8]\n  ports: [{port: 80}]", "invalid-service spec.loadBalancerSourceRanges"},
		{"source range invalid", svcHead + "  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0]\n  ports: [{port: 80}]", "invalid-service spec.loadBalancerSourceRanges[0]"},
		{"source range annotation on ClusterIP", "apiVersion: v1\nkind: Service\nmetadata: {name: s, annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: 10.0.0.0/8}}\nspec: {ports: [{port: 80}]}", "invalid-service metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]"},
		{"loadBalancerClass on NodePort", svcHead + "  type: NodePort\n  loadBalancerClass: example.com/lb\n  ports: [{port: 80}]", "invalid-service spec.loadBalancerClass"},
		{"allocateLoadBalancerNodePorts on ClusterIP", svcHead + "  allocateLoadBalancerNodePorts: false\n  ports: [{port: 80}]", "invalid-service spec.allocateLoadBalancerNodePorts"},
		{"duplicate nodePort", svcHead + "  type: NodePort\n  ports: [{name: a, port: 80, nodePort: 30080}, {name: b, port: 81, nodePort: 30080}]", "duplicate-name spec.ports[1].nodePort"},
		{"healthCheckNodePort on ClusterIP", svcHead + "  healthCheckNodePort: 30000\n  ports: [{port: 80}]", "invalid-service spec.healthCheckNodePort"},
		{"healthCheckNodePort with Cluster policy", svcHead + "  type: LoadBalancer\n  healthCheckNodePort: 30000\n  ports: [{port: 80}]", "invalid-service spec.healthCheckNodePort"},
		{"internalTrafficPolicy value", svcHead + "  internalTrafficPolicy: Node\n  ports: [{port: 80}]", "invalid-service spec.internalTrafficPolicy"},
		{"ExternalName with ipFamilyPolicy", svcHead + "  type: ExternalName\n  externalName: db.example.com\n  ipFamilyPolicy: SingleStack", "invalid-service spec.ipFamilyPolicy"},
		{"ExternalName with clusterIPs", svcHead + "  type: ExternalName\n  externalName: db.example.com\n  clusterIPs: [10.96.0.10]", "invalid-service spec.clusterIPs"},
		{"externalIP loopback", svcHead + "  externalIPs: [127.0.0.1]\n  ports: [{port: 80}]", "invalid-service spec.externalIPs[0]"},
		{"externalIP not an IP", svcHead + "  externalIPs: [lb.example.com]\n  ports: [{port: 80}]", "invalid-service spec.externalIPs[0]"},
		{"appProtocol", svcHead + "  ports: [{port: 80, appProtocol: 'http 2'}]", "invalid-service spec.ports[0].appProtocol"},
		{"ipFamilies twice", svcHead + "  ipFamilies: [IPv4, IPv4]\n  ports: [{port: 80}]", "invalid-service spec.ipFamilies[1]"},
		{"ipFamily unsupported", svcHead + "  ipFamilies: [IPv5]\n  ports: [{port: 80}]", "invalid-service spec.ipFamilies[0]"},
		{"ipFamilyPolicy unsupported", svcHead + "  ipFamilyPolicy: DualStack\n  ports: [{port: 80}]", "invalid-service spec.ipFamilyPolicy"},
		{"clusterIPs disagree with clusterIP", svcHead + "  clusterIP: 10.96.0.10\n  clusterIPs: [10.96.0.11]\n  ports: [{port: 80}]", "invalid-service spec.clusterIPs"},
		{"clusterIPs same family twice", svcHead + "  clusterIPs: [10.96.0.10, 10.96.0.11]\n  ports: [{port: 80}]", "invalid-service spec.clusterIPs"},
		{"clusterIP of the wrong family", svcHead + "  clusterIPs: ['fd00::10']\n  ipFamilies: [IPv4]\n  ports: [{port: 80}]", "invalid-service spec.clusterIPs[0]"},
	}, strict)
}

func TestPVCRules(t *testing.T) {
	runObjectCases(t, []objectCase{
		{"snapshot source", pvcHead + "  accessModes: [ReadWriteOncePod]\n  volumeMode: Block\n  storageClassName: fast.ssd\n  dataSourceRef: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: nightly}", ""},
		{"legacy dataSource dropped", pvcHead + "  accessModes: [ReadWriteOnce]\n  dataSource: {kind: VolumeSnapshot, name: nightly}", ""},
		{"matching dataSource and dataSourceRef", pvcHead + "  accessModes: [ReadWriteOnce]\n  dataSource: {kind: PersistentVolumeClaim, name: a}\n  dataSourceRef: {kind: PersistentVolumeClaim, name: a}", ""},
		{"volumeAttributesClassName", pvcHead + "  accessModes: [ReadWriteOnce]\n  volumeAttributesClassName: gold", ""},
		{"volumeAttributesClassName invalid", pvcHead + "  accessModes: [ReadWriteOnce]\n  volumeAttributesClassName: Gold_Class", "invalid-value spec.volumeAttributesClassName"},
		{"accessModes missing with dataSourceRef", pvcHead + "  dataSourceRef: {kind: PersistentVolumeClaim, name: a}", "required-field spec.accessModes"},
		{"ReadWriteOncePod mixed", pvcHead + "  accessModes: [ReadWriteOncePod, ReadWriteOnce]", "invalid-value spec.accessModes"},
		{"storageClassName", pvcHead + "  accessModes: [ReadWriteOnce]\n  storageClassName: gp3_encrypted", "invalid-value spec.storageClassName"},
		{"volumeMode", pvcHead + "  accessModes: [ReadWriteOnce]\n  volumeMode: block", "invalid-value spec.volumeMode"},
		{"dataSourceRef without apiGroup", pvcHead + "  accessModes: [ReadWriteOnce]\n  dataSourceRef: {kind: VolumeSnapshot, name: nightly}", "invalid-value spec.dataSourceRef.apiGroup"},
		{"dataSourceRef without name", pvcHead + "  accessModes: [ReadWriteOnce]\n  dataSourceRef: {kind: PersistentVolumeClaim, name: ''}", "required-field spec.dataSourceRef.name"},
		{"dataSource differs from dataSourceRef", pvcHead + "  accessModes: [ReadWriteOnce]\n  dataSource: {kind: PersistentVolumeClaim, name: a}\n  dataSourceRef: {kind: PersistentVolumeClaim, name: b}", "invalid-value spec.dataSource"},
		{"statefulset claim template", "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec: {serviceName: db, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: db, image: postgres}]}}, volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], storageClassName: Fast_SSD, resources: {requests: {storage: 1Gi}}}}]}", "invalid-value spec.volumeClaimTemplates[0].spec.storageClassName"},
	}, Options{})
}

func TestHPAAndPDBRules(t *testing.T) {
	runObjectCases(t, []objectCase{
		{"behavior at its limits", hpaHead + "  behavior:\n    scaleDown:\n      stabilizationWindowSeconds: 3600\n      selectPolicy: Disabled\n      tolerance: '0.05'\n      policies: [{type: Pods, value: 1, periodSeconds: 1800}]", ""},
		{"Utilization type with averageValue", hpaHead + "  metrics: [{type: Resource, resource: {name: memory, target: {type: Utilization, averageValue: 500Mi}}}]", ""},
		{"Pods metric", hpaHead + "  metrics: [{type: Pods, pods: {metric: {name: queue_depth}, target: {type: AverageValue, averageValue: 10}}}]", ""},
		{"Object metric with averageValue", hpaHead + "  metrics: [{type: Object, object: {describedObject: {apiVersion: v1, kind: Service, name: web}, metric: {name: rps}, target: {type: AverageValue, averageValue: 10}}}]", ""},
		{"behavior with default policies", hpaHead + "  behavior: {scaleUp: {stabilizationWindowSeconds: 0}}", ""},
		{"behavior with empty policies", hpaHead + "  behavior: {scaleUp: {policies: []}}", "required-field spec.behavior.scaleUp.policies"},
		{"periodSeconds above 1800", hpaHead + "  behavior: {scaleDown: {policies: [{type: Pods, value: 1, periodSeconds: 3600}]}}", "invalid-value spec.behavior.scaleDown.policies[0].periodSeconds"},
		{"window above 3600", hpaHead + "  behavior: {scaleUp: {stabilizationWindowSeconds: 7200}}", "invalid-value spec.behavior.scaleUp.stabilizationWindowSeconds"},
		{"policy value 0", hpaHead + "  behavior: {scaleUp: {policies: [{type: Percent, value: 0, periodSeconds: 60}]}}", "invalid-value spec.behavior.scaleUp.policies[0].value"},
		{"policy type", hpaHead + "  behavior: {scaleUp: {policies: [{type: Replicas, value: 1, periodSeconds: 60}]}}", "invalid-value spec.behavior.scaleUp.policies[0].type"},
		{"selectPolicy", hpaHead + "  behavior: {scaleUp: {selectPolicy: Maximum}}", "invalid-value spec.behavior.scaleUp.selectPolicy"},
		{"negative tolerance", hpaHead + "  behavior: {scaleUp: {tolerance: '-0.1'}}", "invalid-quantity spec.behavior.scaleUp.tolerance"},
		{"two sources", hpaHead + "  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}, pods: {metric: {name: q}, target: {type: AverageValue, averageValue: 1}}}]", "invalid-value spec.metrics[0].pods"},
		{"resource with both targets", hpaHead + "  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50, averageValue: 500m}}}]", "invalid-value spec.metrics[0].resource.target.averageValue"},
		{"Pods metric without averageValue", hpaHead + "  metrics: [{type: Pods, pods: {metric: {name: q}, target: {type: Value, value: 1}}}]", "required-field spec.metrics[0].pods.target.averageValue"},
		{"External with value and averageValue", hpaHead + "  metrics: [{type: External, external: {metric: {name: q}, target: {type: Value, value: 1, averageValue: 1}}}]", "invalid-value spec.metrics[0].external.target.value"},
		{"target type", hpaHead + "  metrics: [{type: Resource, resource: {name: cpu, target: {type: Percent, averageUtilization: 50}}}]", "invalid-value spec.metrics[0].resource.target.type"},
		{"metric name with slash", hpaHead + "  metrics: [{type: Pods, pods: {metric: {name: a/b}, target: {type: AverageValue, averageValue: 1}}}]", "invalid-value spec.metrics[0].pods.metric.name"},
		{"container resource container name", hpaHead + "  metrics: [{type: ContainerResource, containerResource: {name: cpu, container: Web_App, target: {type: Utilization, averageUtilization: 50}}}]", "invalid-value spec.metrics[0].containerResource.container"},
		{"ReplicationController target without group", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {maxReplicas: 3, scaleTargetRef: {apiVersion: v1, kind: ReplicationController, name: rc}}", ""},
		{"scaleTargetRef without apiVersion", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {maxReplicas: 3, scaleTargetRef: {kind: Deployment, name: web}}", "invalid-value spec.scaleTargetRef.apiVersion"},
		{"scaleTargetRef core group for a Deployment", "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {maxReplicas: 3, scaleTargetRef: {apiVersion: v1, kind: Deployment, name: web}}", "invalid-value spec.scaleTargetRef.apiVersion"},
		{"scaleTargetRef apiVersion malformed", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {maxReplicas: 3, scaleTargetRef: {apiVersion: apps/v1/deployments, kind: Deployment, name: web}}", "invalid-value spec.scaleTargetRef.apiVersion"},
		{"scaleTargetRef name with slash", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {maxReplicas: 3, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: a/b}}", "invalid-value spec.scaleTargetRef.name"},
		{"describedObject apiVersion malformed", hpaHead + "  metrics: [{type: Object, object: {describedObject: {apiVersion: a/b/c, kind: Service, name: web}, metric: {name: rps}, target: {type: Value, value: 10}}}]", "invalid-value spec.metrics[0].object.describedObject.apiVersion"},
		{"pdb 100% and AlwaysAllow", pdbHead + "  maxUnavailable: 100%\n  unhealthyPodEvictionPolicy: AlwaysAllow", ""},
		{"pdb above 100%", pdbHead + "  minAvailable: 150%", "invalid-value spec.minAvailable"},
		{"pdb eviction policy", pdbHead + "  minAvailable: 1\n  unhealthyPodEvictionPolicy: Always", "invalid-value spec.unhealthyPodEvictionPolicy"},
	}, Options{})
}

func TestRBACRules(t *testing.T) {
	role := rbacV1 + "kind: Role\nmetadata: {name: r, namespace: ns}\n"
	cr := rbacV1 + "kind: ClusterRole\nmetadata: {name: r}\n"
	rb := rbacV1 + "kind: RoleBinding\nmetadata: {name: b, namespace: ns}\n"
	crb := rbacV1 + "kind: ClusterRoleBinding\nmetadata: {name: b}\n"
	ref := "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n"
	runObjectCases(t, []objectCase{
		{"role", role + "rules: [{apiGroups: [''], resources: [pods], verbs: [get]}]", ""},
		{"empty role", role + "rules: []", ""},
		{"cluster role with non-resource URLs", cr + "rules: [{nonResourceURLs: [/metrics], verbs: [get]}]", ""},
		{"aggregated cluster role", cr + "aggregationRule: {clusterRoleSelectors: [{matchLabels: {a: b}}]}", ""},
		{"binding with defaulted api groups", rb + "roleRef: {apiGroup: '', kind: Role, name: r}\nsubjects: [{kind: User, name: alice, apiGroup: ''}, {kind: Group, name: devs}, {kind: ServiceAccount, name: web}]", ""},
		{"cluster binding with namespaced service account", crb + ref + "subjects: [{kind: ServiceAccount, name: web, namespace: ns}]", ""},
		{"resource rule without apiGroups", role + "rules: [{resources: [pods], verbs: [get]}]", "invalid-rbac rules[0].apiGroups"},
		{"resource rule without resources", role + "rules: [{apiGroups: [''], verbs: [get]}]", "invalid-rbac rules[0].resources"},
		{"empty verbs", cr + "rules: [{apiGroups: [''], resources: [pods], verbs: []}]", "invalid-rbac rules[0].verbs"},
		{"non-resource URLs in a Role", role + "rules: [{nonResourceURLs: [/healthz], verbs: [get]}]", "invalid-rbac rules[0].nonResourceURLs"},
		{"resources and non-resource URLs", cr + "rules: [{apiGroups: [''], resources: [pods], nonResourceURLs: [/healthz], verbs: [get]}]", "invalid-rbac rules[0].nonResourceURLs"},
		{"aggregation without selectors", cr + "aggregationRule: {clusterRoleSelectors: []}", "invalid-rbac aggregationRule.clusterRoleSelectors"},
		{"cluster binding of a Role", crb + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}", "invalid-rbac roleRef.kind"},
		{"roleRef kind", rb + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ServiceAccount, name: r}", "invalid-rbac roleRef.kind"},
		{"roleRef apiGroup with version", rb + "roleRef: {apiGroup: rbac.authorization.k8s.io/v1, kind: Role, name: r}", "invalid-rbac roleRef.apiGroup"},
		{"roleRef name with slash", rb + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: a/b}", "invalid-rbac roleRef.name"},
		{"roleRef name empty", rb + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ''}", "required-field roleRef.name"},
		{"service account without namespace", crb + ref + "subjects: [{kind: ServiceAccount, name: web}]", "required-field subjects[0].namespace"},
		{"service account with apiGroup", rb + ref + "subjects: [{kind: ServiceAccount, name: web, apiGroup: rbac.authorization.k8s.io}]", "invalid-rbac subjects[0].apiGroup"},
		{"service account name", rb + ref + "subjects: [{kind: ServiceAccount, name: Web_SA}]", "invalid-rbac subjects[0].name"},
		{"user with another apiGroup", rb + ref + "subjects: [{kind: User, name: alice, apiGroup: example.com}]", "invalid-rbac subjects[0].apiGroup"},
		{"subject kind", rb + ref + "subjects: [{kind: serviceaccount, name: web}]", "invalid-rbac subjects[0].kind"},
		{"subject name empty", rb + ref + "subjects: [{kind: User, name: ''}]", "required-field subjects[0].name"},
	}, Options{})
}
