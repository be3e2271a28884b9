package config

import (
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
)

// Guard returns the limits kvet enforces: the configured ones, defaults
// for what is not set. Parse has already checked them.
func (l Limits) Guard() guard.Limits {
	g := guard.Limits{
		MaxFileBytes:      l.MaxFileBytes,
		MaxDocuments:      l.MaxDocumentsPerFile,
		MaxDepth:          l.MaxDepth,
		MaxAliasExpansion: l.MaxAliasExpansion,
		MaxObjects:        l.MaxObjectsPerTarget,
	}
	if d, err := time.ParseDuration(l.TargetTimeout); err == nil {
		g.TargetTimeout = d
	}
	if q, err := resource.ParseQuantity(l.MemoryBudget); err == nil {
		g.MemoryBudget = q.Value()
	}
	return g.WithDefaults()
}

func (l Limits) check(at func(key, format string, args ...any) error) error {
	var errs []error
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"maxFileBytes", l.MaxFileBytes},
		{"maxDocumentsPerFile", int64(l.MaxDocumentsPerFile)},
		{"maxDepth", int64(l.MaxDepth)},
		{"maxAliasExpansion", int64(l.MaxAliasExpansion)},
		{"maxObjectsPerTarget", int64(l.MaxObjectsPerTarget)},
	} {
		if f.v < 0 {
			errs = append(errs, at("limits."+f.name, "must not be negative, got %d", f.v))
		}
	}
	if l.TargetTimeout != "" {
		if d, err := time.ParseDuration(l.TargetTimeout); err != nil {
			errs = append(errs, at("limits.targetTimeout", "%v", err))
		} else if d <= 0 {
			errs = append(errs, at("limits.targetTimeout", "must be positive, got %s", l.TargetTimeout))
		}
	}
	if l.MemoryBudget != "" {
		if q, err := resource.ParseQuantity(l.MemoryBudget); err != nil {
			errs = append(errs, at("limits.memoryBudget", "%q is not a quantity such as 2Gi or 512Mi", l.MemoryBudget))
		} else if q.Sign() <= 0 {
			errs = append(errs, at("limits.memoryBudget", "must be positive, got %s", l.MemoryBudget))
		}
	}
	return errors.Join(errs...)
}
