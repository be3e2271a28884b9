package apivalidate

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHPAScaleToZero follows the API server: minReplicas 0 is refused
// while HPAScaleToZero is off; with it on, it needs an Object or External
// metric; negative values are refused either way.
func TestHPAScaleToZero(t *testing.T) {
	const (
		external = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {minReplicas: 0, maxReplicas: 3, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, metrics: [{type: External, external: {metric: {name: queue}, target: {type: AverageValue, averageValue: 10}}}]}"
		object   = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {minReplicas: 0, maxReplicas: 3, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, metrics: [{type: Object, object: {describedObject: {apiVersion: v1, kind: Service, name: web}, metric: {name: rps}, target: {type: Value, value: 10}}}]}"
		cpuOnly  = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {minReplicas: 0, maxReplicas: 3, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]}"
		negative = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {minReplicas: -1, maxReplicas: 3, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}}"
		v1Zero   = "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {minReplicas: 0, maxReplicas: 3, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}}"
	)
	on := Options{FeatureGates: map[string]bool{GateHPAScaleToZero: true}}
	tests := []struct {
		name string
		yaml string
		opts Options
		want []string
	}{
		{"external metric, gate on", external, on, nil},
		{"object metric, gate on", object, on, nil},
		{"external metric, gate off", external, Options{}, []string{"invalid-value spec.minReplicas"}},
		{"only a resource metric, gate on", cpuOnly, on, []string{"invalid-value spec.metrics"}},
		{"negative, gate on", negative, on, []string{"invalid-value spec.minReplicas"}},
		{"autoscaling/v1 has no metric to wake up from zero", v1Zero, on, []string{"invalid-value spec.metrics"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, rules(Validate(mustYAML(t, tt.yaml), tt.opts)))
		})
	}
	msg := Validate(mustYAML(t, external), Options{})[0].Message
	assert.Contains(t, msg, "HPAScaleToZero")
	assert.Contains(t, msg, "featureGates")
}
