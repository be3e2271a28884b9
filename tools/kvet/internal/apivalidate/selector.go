package apivalidate

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// labelSelector decodes and validates a metav1.LabelSelector; ok is false
// when it cannot be used (wrong types or invalid syntax, which is reported).
func labelSelector(c *collector, m map[string]any, p *field.Path) (labels.Selector, bool) {
	var ls metav1.LabelSelector
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &ls); err != nil {
		return nil, false // a type error: the schema check reports it
	}
	errs := metav1validation.ValidateLabelSelector(&ls, metav1validation.LabelSelectorValidationOptions{}, p)
	if len(errs) > 0 {
		for _, e := range errs {
			c.add(RuleInvalidSelector, e.Field, "selector "+e.ErrorBody())
		}
		return nil, false
	}
	sel, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil {
		c.add(RuleInvalidSelector, p.String(), "selector is invalid: "+err.Error())
		return nil, false
	}
	return sel, true
}

func labelsSet(m map[string]string) labels.Set { return labels.Set(m) }

// validateLabelSelectorOnly validates the syntax of an optional selector.
func validateLabelSelectorOnly(c *collector, m map[string]any, p *field.Path) {
	if m == nil {
		return
	}
	labelSelector(c, m, p)
}
