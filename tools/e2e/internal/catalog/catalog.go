// Package catalog installs the CRDs of kvet's bundled catalog into the test
// API server, so that the server knows every kind kvet has a schema for.
package catalog

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// Dir is the bundled catalog, one gzip file per API group, relative to the
// repository root.
const Dir = "tools/kvet/internal/schema/bundled/data/catalog"

// CRDGVR is the resource of CustomResourceDefinitions.
var CRDGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// CRDs reads the catalog's CRDs of the API groups used says yes to
// (installing all of them would only slow a run); none when the repository
// has no catalog.
func CRDs(repo string, used func(group string) bool) ([]map[string]any, error) {
	files, err := filepath.Glob(filepath.Join(repo, Dir, "*.json.gz"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []map[string]any
	for _, file := range files {
		group := strings.TrimSuffix(filepath.Base(file), ".json.gz")
		if group == "index" || !used(group) {
			continue
		}
		crds, err := readGroup(file)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", group, err)
		}
		out = append(out, crds...)
	}
	return out, nil
}

func readGroup(file string) ([]map[string]any, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var cat struct {
		CRDs []map[string]any `json:"crds"`
	}
	if err := json.NewDecoder(zr).Decode(&cat); err != nil {
		return nil, err
	}
	return cat.CRDs, nil
}

// Install creates every catalog CRD (made installable again by Untrim) and
// returns the names created and one problem per CRD the server refused.
func Install(ctx context.Context, dyn dynamic.Interface, crds []map[string]any) (names, problems []string) {
	for _, c := range crds {
		u := &unstructured.Unstructured{Object: Untrim(c)}
		_, err := dyn.Resource(CRDGVR).Create(ctx, u, metav1.CreateOptions{FieldValidation: "Strict"})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			problems = append(problems, fmt.Sprintf("catalog CRD %s rejected by the server: %v", u.GetName(), err))
			continue
		}
		names = append(names, u.GetName())
	}
	return names, problems
}

// Untrim makes a catalog CRD installable again: the bundled catalog keeps
// only served versions and drops the storage flags, and the API server needs
// exactly one storage version.
func Untrim(c map[string]any) map[string]any {
	c = DeepCopy(c)
	versions, _, _ := unstructured.NestedSlice(c, "spec", "versions")
	storage := -1
	for i, v := range versions {
		vm, _ := v.(map[string]any)
		if s, _ := vm["storage"].(bool); s {
			storage = i
		}
	}
	if storage < 0 && len(versions) > 0 {
		// Prefer a version without "alpha"/"beta" in its name, else the first.
		storage = 0
		for i, v := range versions {
			vm, _ := v.(map[string]any)
			name, _ := vm["name"].(string)
			if !strings.Contains(name, "alpha") && !strings.Contains(name, "beta") {
				storage = i
				break
			}
		}
		for i, v := range versions {
			vm, _ := v.(map[string]any)
			vm["storage"] = i == storage
		}
		_ = unstructured.SetNestedSlice(c, versions, "spec", "versions")
	}
	return c
}

// WaitEstablished waits up to a minute until every named CRD is Established.
func WaitEstablished(ctx context.Context, dyn dynamic.Interface, names []string) error {
	deadline := time.Now().Add(60 * time.Second)
	for _, n := range names {
		for {
			u, err := dyn.Resource(CRDGVR).Get(ctx, n, metav1.GetOptions{})
			if err == nil && established(u) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("CRD %s not established after 60s", n)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

func established(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if cm["type"] == "Established" && cm["status"] == "True" {
			return true
		}
	}
	return false
}

// DeepCopy copies a JSON-shaped map.
func DeepCopy(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}
