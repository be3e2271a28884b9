// Package guard is kvet's first line of defence against hostile repository
// content. kustomize parses whatever it is given: a YAML alias bomb of a few
// kilobytes drives it past 4 GB, a self-referencing anchor recurses until
// the stack overflows (a fatal error no recover() catches), a FIFO blocks a
// read forever. guard inspects every file before kustomize sees it and
// refuses what is beyond the configured limits with a Violation that names
// the file and the limit.
package guard

import (
	"fmt"
	"time"
)

// Limits bound what kvet accepts. The zero value of a field means "the
// default"; see Defaults.
type Limits struct {
	// MaxFileBytes is the largest file kvet reads.
	MaxFileBytes int64
	// MaxDocuments is the most YAML documents one file may hold.
	MaxDocuments int
	// MaxDepth is the deepest nesting of mappings and sequences a YAML
	// document may have, aliases expanded.
	MaxDepth int
	// MaxAliasExpansion is how many nodes aliases may add to a file when
	// they are expanded (kustomize expands every alias).
	MaxAliasExpansion int
	// MaxObjects is the most objects one target may render.
	MaxObjects int
	// TargetTimeout bounds the build of one target.
	TargetTimeout time.Duration
	// MemoryBudget is the heap size past which kvet abandons the builds in
	// flight (and the soft limit it gives the Go runtime).
	MemoryBudget int64
}

// Defaults are generous for real repositories and small enough that the
// worst input stays far from exhausting a CI runner.
func Defaults() Limits {
	return Limits{
		MaxFileBytes:      8 << 20,
		MaxDocuments:      10_000,
		MaxDepth:          256,
		MaxAliasExpansion: 100_000,
		MaxObjects:        20_000,
		TargetTimeout:     2 * time.Minute,
		MemoryBudget:      2 << 30,
	}
}

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	d := Defaults()
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = d.MaxFileBytes
	}
	if l.MaxDocuments <= 0 {
		l.MaxDocuments = d.MaxDocuments
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxAliasExpansion <= 0 {
		l.MaxAliasExpansion = d.MaxAliasExpansion
	}
	if l.MaxObjects <= 0 {
		l.MaxObjects = d.MaxObjects
	}
	if l.TargetTimeout <= 0 {
		l.TargetTimeout = d.TargetTimeout
	}
	if l.MemoryBudget <= 0 {
		l.MemoryBudget = d.MemoryBudget
	}
	return l
}

// Rules of the findings a Violation becomes (check "build").
const (
	RuleFileTooLarge     = "file-too-large"
	RuleAliasLimit       = "yaml-alias-limit"
	RuleDepthLimit       = "yaml-depth-limit"
	RuleTooManyDocuments = "too-many-documents"
	RuleTooManyObjects   = "too-many-objects"
	RuleBinaryFile       = "binary-file"
	RuleInvalidUTF8      = "invalid-utf8"
	RuleSymlinkEscape    = "symlink-escape"
	RuleOutsideRepo      = "outside-repository"
	RuleUnreadableFile   = "unreadable-file"
	RuleTargetTimeout    = "target-timeout"
	RuleMemoryBudget     = "memory-budget"
	RuleInternalError    = "internal-error"
)

// Violation is a file kvet refuses to hand to kustomize.
type Violation struct {
	// File is the path as it was asked for (absolute).
	File string
	// Line is the 1-based line the problem is on, 0 when it is the file.
	Line int
	// Rule is one of the Rule constants.
	Rule string
	// Message says what is wrong, the limit and how to fix it.
	Message string
}

func (v *Violation) Error() string {
	if v.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", v.File, v.Line, v.Message)
	}
	return fmt.Sprintf("%s: %s", v.File, v.Message)
}

// Bytes formats a byte count for messages ("8 MiB", "1.5 KiB", "12 B").
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	suffix := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}[exp]
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), suffix)
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}
