// Package kvetcli runs the kvet binary for the conformance harnesses and
// reads what it prints.
package kvetcli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Run runs kvet in the repository root. Exit status 1 of `kvet validate`
// means findings, not failure.
func Run(kvet, repo string, args ...string) ([]byte, error) {
	cmd := exec.Command(kvet, args...)
	cmd.Dir = repo
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 && len(args) > 0 && args[0] == "validate" {
		err = nil // findings
	}
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", kvet, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// DecodeObjects reads a YAML (or JSON) stream of objects; the items of a
// *List are objects of their own.
func DecodeObjects(data []byte) ([]map[string]any, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []map[string]any
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
		if m == nil {
			continue
		}
		if items, ok := m["items"].([]any); ok && strings.HasSuffix(fmt.Sprint(m["kind"]), "List") {
			for _, it := range items {
				if im, ok := it.(map[string]any); ok {
					out = append(out, im)
				}
			}
			continue
		}
		out = append(out, m)
	}
}

// Str is the string at a path of nested maps, "" when absent.
func Str(m map[string]any, keys ...string) string {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = mm[k]
	}
	s, _ := cur.(string)
	return s
}
