package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Fingerprint names, without compiling anything, everything besides a
// target (its path, environment, objects and cluster) that the findings
// of an Engine made from opts depend on: every policy source New would
// read, the options (data.kvet.config, data.kvet.repository, exceptions,
// severity overrides) and which exceptions have expired now. Equal
// fingerprints give equal findings for equal targets, so a cache may keep
// them. ok is false when no two runs can be trusted to agree: with
// --allow-unsafe-builtins a policy may read the clock, the network or the
// environment. The options are validated as New validates them.
func Fingerprint(opts Options) (fp string, ok bool, err error) {
	if opts.AllowUnsafeBuiltins {
		return "", false, nil
	}
	exceptions, err := compileExceptions(opts.Exceptions)
	if err != nil {
		return "", false, err
	}
	if _, err := compileOverrides(opts.Severities); err != nil {
		return "", false, err
	}
	if _, err := configValue(opts); err != nil {
		return "", false, err
	}
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	field("kvet policy fingerprint")
	b, err := json.Marshal(opts) // Now is not encoded
	if err != nil {
		return "", false, fmt.Errorf("policy fingerprint: %w", err)
	}
	field(string(b))
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	for _, x := range exceptions {
		field(fmt.Sprint(x.expired(now)))
	}
	mode := defaultRules
	if opts.NoDefaults {
		mode = noDefaults
	}
	err = readSources(opts.Dirs, mode, false, opts.Root, opts.Limits, func(name string, src []byte, isDefault bool) error {
		field(fmt.Sprint(name, isDefault))
		field(string(src))
		return nil
	})
	if err != nil {
		return "", false, err
	}
	return hex.EncodeToString(h.Sum(nil)), true, nil
}
