package runner

import (
	"encoding/json"
	"path"
	"strings"
)

// fluxOperatorGroup is the API group of the Flux Operator (FluxInstance,
// ResourceSet, ResourceSetInputProvider, FluxReport).
const fluxOperatorGroup = "fluxcd.controlplane.io"

// fluxOperatorCharts are the operator's Helm charts: flux-operator installs
// the operator, flux-instance a FluxInstance from its values.
var fluxOperatorCharts = map[string]bool{"flux-operator": true, "flux-instance": true}

// usesFluxOperator reports whether the repository installs Flux with the
// Flux Operator: it renders an object or a CRD of the operator's API group,
// or a HelmRelease of the operator's charts (by chart name, or through an
// OCIRepository of that chart). The notification CRDs are then checked as
// the operator patches them (schema/fluxoperator.go).
func usesFluxOperator(results []built) bool {
	for _, b := range results {
		if b.result == nil || b.result.Err != nil {
			continue
		}
		for k, o := range b.result.Objects {
			group, _, _ := strings.Cut(o.Resource.APIVersion, "/")
			switch {
			case group == fluxOperatorGroup:
				return true
			case o.Resource.Kind == crdKind, o.Resource.Kind == "HelmRelease" && group == "helm.toolkit.fluxcd.io",
				o.Resource.Kind == "OCIRepository" && group == "source.toolkit.fluxcd.io":
			default:
				continue
			}
			js, err := b.json(k)
			if err != nil {
				continue
			}
			var obj struct {
				Spec struct {
					Group string `json:"group"`
					URL   string `json:"url"`
					Chart struct {
						Spec struct {
							Chart string `json:"chart"`
						} `json:"spec"`
					} `json:"chart"`
				} `json:"spec"`
			}
			if json.Unmarshal(js, &obj) != nil {
				continue
			}
			switch o.Resource.Kind {
			case crdKind:
				if obj.Spec.Group == fluxOperatorGroup {
					return true
				}
			case "HelmRelease":
				if fluxOperatorCharts[path.Base(obj.Spec.Chart.Spec.Chart)] {
					return true
				}
			case "OCIRepository":
				if strings.HasPrefix(obj.Spec.URL, "oci://") && fluxOperatorCharts[path.Base(obj.Spec.URL)] {
					return true
				}
			}
		}
	}
	return false
}
