package schema

import (
	"slices"

	"k8s.io/apimachinery/pkg/runtime"
)

// The Flux Operator installs Flux's notification-controller CRDs patched so
// that an Alert or a Receiver may name the operator's own kinds
// (github.com/controlplaneio-fluxcd/flux-operator v0.59.0,
// internal/builder/templates.go, notificationPatchTmpl: JSON6902 adds to the
// enum of spec.eventSources[].kind of alerts.notification.toolkit.fluxcd.io
// and of spec.resources[].kind of receivers.notification.toolkit.fluxcd.io,
// in every served version). A repository whose Flux comes from the operator
// validates against the CRDs as the operator installs them.

// fluxOperatorEventSourceKinds are the kinds the operator adds.
var fluxOperatorEventSourceKinds = []string{"FluxInstance", "ResourceSet", "ResourceSetInputProvider"}

const notificationGroup = "notification.toolkit.fluxcd.io"

// fluxOperatorCRD returns crd as the Flux Operator installs it: for the
// notification Alert and Receiver, a copy whose event source kind enums
// also list the operator's kinds; any other CRD unchanged. The catalog's
// CRDs are shared, so the patched one is a copy.
func fluxOperatorCRD(crd map[string]any) map[string]any {
	if str(get(crd, "spec", "group")) != notificationGroup {
		return crd
	}
	var field string
	switch str(get(crd, "spec", "names", "kind")) {
	case "Alert":
		field = "eventSources"
	case "Receiver":
		field = "resources"
	default:
		return crd
	}
	out := runtime.DeepCopyJSON(crd) // decoded from JSON: JSON types only
	versions, _ := get(out, "spec", "versions").([]any)
	for _, ver := range versions {
		items, _ := get(ver, "schema", "openAPIV3Schema", "properties", "spec", "properties", field, "items", "properties", "kind").(map[string]any)
		enum, ok := items["enum"].([]any)
		if !ok {
			continue
		}
		for _, k := range fluxOperatorEventSourceKinds {
			if !slices.Contains(enum, any(k)) {
				enum = append(enum, k)
			}
		}
		items["enum"] = enum
	}
	return out
}
