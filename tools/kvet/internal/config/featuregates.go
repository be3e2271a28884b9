package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

// checkFeatureGates refuses a gate that no bundled Kubernetes release has:
// a misspelt gate would silently leave the rule as it was.
func (c *Config) checkFeatureGates() error {
	if len(c.FeatureGates) == 0 {
		return nil
	}
	all, err := bundled.LoadFeatureGates()
	if err != nil {
		return err
	}
	known := all.Names()
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(c.FeatureGates)) {
		if _, found := slices.BinarySearch(known, name); found {
			continue
		}
		msg := fmt.Sprintf("%q is not a feature gate of Kubernetes %s", name, strings.Join(bundled.KubernetesVersions(), ", "))
		if s := Suggest(name, known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		errs = append(errs, c.src.at("featureGates["+strconv.Quote(name)+"]", "%s", msg))
	}
	return errors.Join(errs...)
}
