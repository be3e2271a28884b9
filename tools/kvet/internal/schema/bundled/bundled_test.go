package bundled

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/yannh/kubeconform/pkg/resource"
	"github.com/yannh/kubeconform/pkg/validator"
)

func TestKubernetesVersions(t *testing.T) {
	assert.Equal(t, []string{"1.35", "1.36", "1.37"}, KubernetesVersions())
	assert.Equal(t, "1.37", DefaultKubernetesVersion())
}

func TestKubernetesLoadsEveryVersion(t *testing.T) {
	for _, minor := range KubernetesVersions() {
		t.Run(minor, func(t *testing.T) {
			s, err := Kubernetes(minor)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(s.Version, minor+"."), "version %s", s.Version)
			assert.Contains(t, s.Source, "k8s.io/kubernetes@v"+s.Version)
			// The published OpenAPI documents of a release hold ~95-105 served
			// kinds once List kinds and meta/v1 envelopes are left out.
			assert.Greater(t, len(s.Schemas), 90)
			for _, key := range []string{
				"apps/v1/Deployment", "v1/Service", "v1/ConfigMap", "v1/Pod",
				"apiextensions.k8s.io/v1/CustomResourceDefinition",
				"autoscaling/v2/HorizontalPodAutoscaler", "batch/v1/CronJob",
				"networking.k8s.io/v1/Ingress",
			} {
				assert.Contains(t, s.Schemas, key)
			}
			for key := range s.Schemas {
				assert.NotContains(t, key, "List", "List kinds are expanded by kvet, not validated whole")
			}
		})
	}
}

func TestKubernetesVersionArgument(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "1.37", want: "1.37.2"},
		{in: "1.37.2", want: "1.37.2"},
		{in: "v1.36", want: "1.36.3"},
		{in: "1.37.0", want: "1.37.2"}, // any patch maps to the bundled one
		{in: "1.34", wantErr: `kubernetes version "1.34" is not bundled: supported versions are 1.35, 1.36, 1.37`},
		{in: "latest", wantErr: "supported versions are 1.35, 1.36, 1.37"},
		{in: "1", wantErr: "not bundled"},
		{in: "", wantErr: "not bundled"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Kubernetes(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, s.Version)
		})
	}
}

func TestSchemaFile(t *testing.T) {
	tests := []struct{ apiVersion, kind, want string }{
		{"apps/v1", "Deployment", "apps/v1/deployment.json"},
		{"v1", "Pod", "v1/v1/pod.json"},
		{"networking.k8s.io/v1", "Gateway", "networking.k8s.io/v1/gateway.json"},
		{"networking.istio.io/v1", "Gateway", "networking.istio.io/v1/gateway.json"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, SchemaFile(tt.apiVersion, tt.kind))
	}
}

func TestLoadCatalog(t *testing.T) {
	c, err := LoadCatalog()
	require.NoError(t, err)
	require.NotEmpty(t, c.Sources)
	for _, s := range c.Sources {
		assert.NotEmpty(t, s.Module)
		assert.True(t, strings.HasPrefix(s.Version, "v"), "%s version %s", s.Module, s.Version)
		assert.NotEmpty(t, s.Paths)
	}

	var names []string
	var previous string
	for _, raw := range c.CRDs {
		var crd struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Spec struct {
				Group    string `json:"group"`
				Scope    string `json:"scope"`
				Versions []struct {
					Name   string `json:"name"`
					Schema struct {
						OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		require.NoError(t, json.Unmarshal(raw, &crd))
		assert.Equal(t, "CustomResourceDefinition", crd.Kind)
		assert.NotEmpty(t, crd.Spec.Group, crd.Metadata.Name)
		assert.NotEmpty(t, crd.Spec.Scope, crd.Metadata.Name)
		require.NotEmpty(t, crd.Spec.Versions, crd.Metadata.Name)
		for _, v := range crd.Spec.Versions {
			assert.NotContains(t, v.Schema.OpenAPIV3Schema, "description", "%s %s", crd.Metadata.Name, v.Name)
		}
		assert.NotContains(t, string(raw), `"description":"`+"A", "descriptions are stripped")
		key := crd.Spec.Group + " " + crd.Metadata.Name
		assert.Less(t, previous, key, "CRDs are sorted by group, then name")
		previous = key
		names = append(names, crd.Metadata.Name)
	}
	for _, want := range []string{
		"gitrepositories.source.toolkit.fluxcd.io", "ocirepositories.source.toolkit.fluxcd.io",
		"kustomizations.kustomize.toolkit.fluxcd.io", "helmreleases.helm.toolkit.fluxcd.io",
		"alerts.notification.toolkit.fluxcd.io", "providers.notification.toolkit.fluxcd.io",
		"receivers.notification.toolkit.fluxcd.io", "imagerepositories.image.toolkit.fluxcd.io",
		"imagepolicies.image.toolkit.fluxcd.io", "imageupdateautomations.image.toolkit.fluxcd.io",
		"applications.argoproj.io", "applicationsets.argoproj.io", "appprojects.argoproj.io",
		"virtualservices.networking.istio.io", "gateways.networking.istio.io",
		"authorizationpolicies.security.istio.io", "telemetries.telemetry.istio.io",
		"servicemonitors.monitoring.coreos.com", "podmonitors.monitoring.coreos.com",
		"prometheusrules.monitoring.coreos.com", "probes.monitoring.coreos.com",
		"sealedsecrets.bitnami.com", "externalsecrets.external-secrets.io",
		"fluxinstances.fluxcd.controlplane.io", "resourcesets.fluxcd.controlplane.io",
		"certificates.cert-manager.io", "httproutes.gateway.networking.k8s.io",
		"subscriptions.operators.coreos.com", "grafanadashboards.grafana.integreatly.org",
		"ciliumnetworkpolicies.cilium.io", "routes.route.openshift.io", "consoleplugins.console.openshift.io",
	} {
		assert.Contains(t, names, want)
	}
}

// The index describes exactly what the group files hold, so that kvet can
// know every kind without decompressing a schema.
func TestCatalogIndexMatchesGroups(t *testing.T) {
	idx, err := LoadCatalogIndex()
	require.NoError(t, err)
	require.True(t, slices.IsSortedFunc(idx.Groups, func(a, b CatalogGroup) int { return strings.Compare(a.Group, b.Group) }))
	for _, g := range idx.Groups {
		crds, err := GroupCRDs(g.Group)
		require.NoError(t, err, g.Group)
		require.Len(t, crds, len(g.CRDs), g.Group)
		for i, e := range g.CRDs {
			spec, _ := crds[i]["spec"].(map[string]any)
			assert.Equal(t, g.Group, spec["group"], e.Name)
			assert.Equal(t, e.Name, crds[i]["metadata"].(map[string]any)["name"])
			assert.Less(t, e.Source, len(idx.Sources), e.Name)
			versions, _ := spec["versions"].([]any)
			assert.Len(t, e.Versions, len(versions), e.Name)
		}
		schemas, err := GroupSchemas(g.Group)
		require.NoError(t, err, g.Group)
		require.Len(t, schemas, len(g.Schemas), g.Group)
		for _, sc := range g.Schemas {
			assert.Contains(t, schemas, g.Group+"/"+sc.Version+"/"+sc.Kind)
		}
		assert.Same(t, &idx.Groups[slices.IndexFunc(idx.Groups, func(x CatalogGroup) bool { return x.Group == g.Group })], idx.Group(g.Group))
	}
	assert.Nil(t, idx.Group("no.such.group"))
	none, err := GroupCRDs("no.such.group")
	require.NoError(t, err)
	assert.Empty(t, none)

	removed := map[string]RemovedVersion{}
	for _, r := range idx.Removed {
		removed[r.Group+"/"+r.Version+"/"+r.Kind] = r
	}
	hr := removed["helm.toolkit.fluxcd.io/v2beta1/HelmRelease"]
	assert.Equal(t, "Flux", hr.Project)
	assert.Equal(t, "helm.toolkit.fluxcd.io/v2", hr.Use)
	assert.Regexp(t, `^v2\.\d+\.\d+$`, hr.RemovedIn)
	assert.Contains(t, removed, "source.toolkit.fluxcd.io/v1beta2/HelmRepository")

	apps := idx.Group("apps.openshift.io")
	require.NotNil(t, apps, "OpenShift's own API server kinds are bundled from its OpenAPI document")
	assert.Contains(t, apps.Schemas, CatalogSchema{Version: "v1", Kind: "DeploymentConfig", Source: apps.Schemas[0].Source})
}

// newValidator writes the schemas of one release in the documented layout
// and returns a kubeconform validator over them, as kvet uses it.
func newValidator(t *testing.T, minor string) (validator.Validator, string) {
	t.Helper()
	s, err := Kubernetes(minor)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, s.WriteFiles(dir))
	v, err := validator.New([]string{filepath.ToSlash(dir) + "/" + SchemaLocationTemplate},
		validator.Opts{Strict: true, KubernetesVersion: s.Version})
	require.NoError(t, err)
	return v, dir
}

func validate(v validator.Validator, doc string) validator.Result {
	return v.ValidateResource(resource.Resource{Path: "test.yaml", Bytes: []byte(strings.TrimLeft(doc, "\n"))})
}

// Every schema must compile: kubeconform turns a schema it cannot compile
// into "could not find schema", which would hide the bug as a missing kind.
func TestEverySchemaCompiles(t *testing.T) {
	for _, minor := range KubernetesVersions() {
		t.Run(minor, func(t *testing.T) {
			v, _ := newValidator(t, minor)
			s, err := Kubernetes(minor)
			require.NoError(t, err)
			for key := range s.Schemas {
				i := strings.LastIndex(key, "/")
				doc := "apiVersion: " + key[:i] + "\nkind: " + key[i+1:] + "\nmetadata:\n  name: x\n"
				res := validate(v, doc)
				assert.NotEqual(t, validator.Error, res.Status, "%s: %v", key, res.Err)
			}
		})
	}
}

const validDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  creationTimestamp: null
  labels: {app: web}
  annotations: null
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 1
  template:
    metadata:
      creationTimestamp: null
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 8080
          name: http
        resources:
          requests: {cpu: 500m, memory: 1Gi}
          limits: {cpu: 1, memory: 1.5Gi, ephemeral-storage: 2e9}
        readinessProbe:
          httpGet: {path: /healthz, port: http}
        livenessProbe:
          tcpSocket: {port: 8080}
        securityContext:
          runAsNonRoot: true
        env:
        - name: A
          value: "1"
        - name: B
          valueFrom:
            fieldRef: {fieldPath: metadata.name}
status: {}
`

func TestValidation(t *testing.T) {
	v, dir := newValidator(t, "1.37")

	tests := []struct {
		name string
		doc  string
		want validator.Status
		// msg is a fragment of one validation error, for invalid documents.
		msg string
	}{
		{name: "valid deployment with nulls, int-or-string and quantities", doc: validDeployment, want: validator.Valid},
		{name: "maxSurge as integer", want: validator.Valid,
			doc: strings.Replace(validDeployment, "maxSurge: 25%", "maxSurge: 1", 1)},
		{name: "unknown field in container", want: validator.Invalid, msg: "imagePullPolicyy",
			doc: strings.Replace(validDeployment, "image: nginx:1.27", "image: nginx:1.27\n        imagePullPolicyy: Always", 1)},
		{name: "unknown field in spec", want: validator.Invalid, msg: "replica",
			doc: strings.Replace(validDeployment, "replicas: 2", "replica: 2", 1)},
		{name: "unknown top-level field", want: validator.Invalid, msg: "extra",
			doc: validDeployment + "extra: true\n"},
		{name: "wrong type replicas", want: validator.Invalid, msg: "got string",
			doc: strings.Replace(validDeployment, "replicas: 2", `replicas: "2"`, 1)},
		{name: "int32 overflow", want: validator.Invalid, msg: "maximum",
			doc: strings.Replace(validDeployment, "replicas: 2", "replicas: 3000000000", 1)},
		{name: "maxSurge wrong type", want: validator.Invalid, msg: "maxSurge",
			doc: strings.Replace(validDeployment, "maxSurge: 25%", "maxSurge: true", 1)},
		{name: "malformed quantity", want: validator.Invalid, msg: "500x",
			doc: strings.Replace(validDeployment, "cpu: 500m", "cpu: 500x", 1)},
		{name: "quantity with unknown suffix", want: validator.Invalid, msg: "1GB",
			doc: strings.Replace(validDeployment, "memory: 1Gi", "memory: 1GB", 1)},
		{name: "malformed timestamp", want: validator.Invalid, msg: "date-time",
			doc: strings.Replace(validDeployment, "  creationTimestamp: null\n  labels", "  creationTimestamp: yesterday\n  labels", 1)},
		{name: "container without name", want: validator.Invalid, msg: "missing property 'name'",
			doc: strings.Replace(validDeployment, "- name: web\n        image:", "- image:", 1)},
		{name: "container name null", want: validator.Invalid, msg: "null",
			doc: strings.Replace(validDeployment, "- name: web\n", "- name: null\n", 1)},
		{name: "deployment without selector", want: validator.Invalid, msg: "missing property 'selector'",
			doc: strings.Replace(validDeployment, "  selector:\n    matchLabels: {app: web}\n", "", 1)},
		{name: "deployment without template", want: validator.Invalid, msg: "missing property 'template'",
			doc: validDeployment[:strings.Index(validDeployment, "  template:")] + "status: {}\n"},
		{name: "removed apiVersion has no schema", want: validator.Error,
			doc: strings.Replace(validDeployment, "apps/v1", "extensions/v1beta1", 1)},
		{name: "kind of another group has no schema", want: validator.Error,
			doc: strings.Replace(validDeployment, "kind: Deployment", "kind: CronJob", 1)},
		{name: "service with named and numbered target ports", want: validator.Valid, doc: `
apiVersion: v1
kind: Service
metadata: {name: web, creationTimestamp: null}
spec:
  type: ClusterIP
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http, protocol: TCP}
  - {name: metrics, port: 9090, targetPort: 9090}
`},
		{name: "service port as string", want: validator.Invalid, msg: "port", doc: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports:
  - {name: http, port: "80"}
`},
		{name: "service target port boolean", want: validator.Invalid, msg: "targetPort", doc: `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports:
  - {name: http, port: 80, targetPort: true}
`},
		{name: "configmap", want: validator.Valid, doc: `
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, creationTimestamp: null}
data:
  app.properties: |
    a=b
binaryData:
  blob: aGVsbG8=
`},
		{name: "configmap with number value", want: validator.Invalid, msg: "want string", doc: `
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  replicas: 3
`},
		{name: "cronjob", want: validator.Valid, doc: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, creationTimestamp: null}
spec:
  schedule: "0 3 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    metadata: {creationTimestamp: null}
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: job
            image: busybox
            command: [sh, -c, date]
`},
		{name: "cronjob without jobTemplate", want: validator.Invalid, msg: "missing property 'jobTemplate'", doc: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
`},
		{name: "hpa with quantity target", want: validator.Valid, doc: `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: memory
      target: {type: AverageValue, averageValue: 500Mi}
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 80}
`},
		{name: "custom resource definition", want: validator.Valid, doc: `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com, creationTimestamp: null}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    schema:
      openAPIV3Schema:
        type: object
        required: [spec]
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
              size:
                x-kubernetes-int-or-string: true
                anyOf: [{type: integer}, {type: string}]
              mode:
                type: string
                enum: [fast, slow]
                default: fast
              config:
                type: object
                additionalProperties: {type: string}
              items:
                type: array
                items: {type: object, properties: {name: {type: string}}}
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
              extra:
                x-kubernetes-embedded-resource: true
                type: object
                nullable: true
            x-kubernetes-validations:
            - rule: "self.size != 0"
              message: size must not be zero
`},
		{name: "custom resource definition with unknown schema keyword", want: validator.Invalid, msg: "typo", doc: `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            typo: object
`},
		{name: "custom resource definition without names", want: validator.Invalid, msg: "missing property 'names'", doc: `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  versions: []
`},
		{name: "pod with raw extension free fields and null optional object", want: validator.Valid, doc: `
apiVersion: v1
kind: Pod
metadata:
  name: p
  managedFields:
  - manager: kubectl
    fieldsType: FieldsV1
    fieldsV1: {"f:metadata": {"f:labels": {}}}
spec:
  securityContext: null
  containers:
  - name: c
    image: busybox
    resources: null
`},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := validate(v, tt.doc)
			require.Equal(t, tt.want, res.Status, "err: %v, validation errors: %+v", res.Err, res.ValidationErrors)
			if tt.msg != "" {
				assert.Contains(t, res.Err.Error()+fmtErrors(res.ValidationErrors), tt.msg)
			}
		})
	}

	// The apiVersion and kind are pinned by the schema itself, not only by
	// where kubeconform looked it up: point a validator at the Deployment
	// schema whatever the object says.
	fixed, err := validator.New([]string{filepath.ToSlash(dir) + "/apps/v1/deployment.json"},
		validator.Opts{Strict: true, KubernetesVersion: "1.37.2"})
	require.NoError(t, err)
	for _, tt := range []struct{ name, from, to, msg string }{
		{name: "other kind", from: "kind: Deployment", to: "kind: StatefulSet", msg: "Deployment"},
		{name: "other apiVersion", from: "apiVersion: apps/v1", to: "apiVersion: apps/v1beta2", msg: "apps/v1"},
	} {
		t.Run("pinned "+tt.name, func(t *testing.T) {
			res := validate(fixed, strings.Replace(validDeployment, tt.from, tt.to, 1))
			require.Equal(t, validator.Invalid, res.Status, "err: %v", res.Err)
			assert.Contains(t, fmtErrors(res.ValidationErrors), tt.msg)
		})
	}
	assert.Equal(t, validator.Valid, validate(fixed, validDeployment).Status)
}

func fmtErrors(errs []validator.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(e.Path + ": " + e.Msg + "\n")
	}
	return b.String()
}
