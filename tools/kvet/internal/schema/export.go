package schema

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

// Exported says what Export wrote.
type Exported struct {
	// KubernetesVersion is the release of the built-in schemas.
	KubernetesVersion string
	// BuiltIn, Catalog and Repository count the schema files written for
	// the built-in kinds, the bundled CRD catalog and the CRDs passed in.
	BuiltIn, Catalog, Repository int
}

// Export writes every schema a Validator built with the same options
// checks objects against (the built-in kinds of the release, the bundled
// CRD catalog and opts.CRDs, converted) into dir, in kubeconform's
// layout: run kubeconform with
//
//	-schema-location 'DIR/{{ .Group }}/{{ .ResourceAPIVersion }}/{{ .ResourceKind }}.json'
//
// (bundled.SchemaLocationTemplate). Schemas kvet validates in Go only
// (removed APIs, the API server's Go-side rules, CEL) have no file.
// A CRD that cannot be converted comes back as an invalid-crd finding.
func Export(dir string, opts Options) (Exported, []report.Finding, error) {
	var out Exported
	minor := opts.KubernetesVersion
	if minor == "" {
		minor = bundled.DefaultKubernetesVersion()
	}
	ks, err := bundled.Kubernetes(minor)
	if err != nil {
		return out, nil, err
	}
	out.KubernetesVersion = ks.Version
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return out, nil, fmt.Errorf("schema directory: %w", err)
	}
	if err := ks.WriteFiles(dir); err != nil {
		return out, nil, fmt.Errorf("write bundled schemas: %w", err)
	}
	out.BuiltIn = len(ks.Schemas)
	objectMeta, err := metadataSchema(ks)
	if err != nil {
		return out, nil, err
	}
	cat, err := bundled.LoadCatalog()
	if err != nil {
		return out, nil, fmt.Errorf("load CRD catalog: %w", err)
	}
	idx, err := bundled.LoadCatalogIndex()
	if err != nil {
		return out, nil, fmt.Errorf("load CRD catalog: %w", err)
	}
	for _, g := range idx.Groups {
		schemas, err := bundled.GroupSchemas(g.Group)
		if err != nil {
			return out, nil, fmt.Errorf("load CRD catalog: %w", err)
		}
		for key, raw := range schemas {
			i := strings.LastIndex(key, "/")
			p := filepath.Join(dir, filepath.FromSlash(bundled.SchemaFile(key[:i], key[i+1:])))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return out, nil, err
			}
			if err := os.WriteFile(p, raw, 0o644); err != nil {
				return out, nil, err
			}
			out.Catalog++
		}
	}
	for _, raw := range cat.CRDs {
		var crd map[string]any
		if err := json.Unmarshal(raw, &crd); err != nil {
			return out, nil, fmt.Errorf("bundled CRD catalog: %w", err)
		}
		n, err := writeCRD(dir, crd, objectMeta)
		if err != nil {
			return out, nil, fmt.Errorf("bundled CRD catalog: %w", err)
		}
		out.Catalog += n
	}
	var findings []report.Finding
	for _, c := range opts.CRDs {
		n, err := writeCRD(dir, c.Object, objectMeta)
		if err != nil {
			findings = append(findings, report.Finding{
				Severity: report.SeverityError, Check: report.CheckSchema, Rule: "invalid-crd",
				Resource: report.Resource{APIVersion: "apiextensions.k8s.io/v1", Kind: crdKind, Name: str(get(c.Object, "metadata", "name"))},
				Message:  fmt.Sprintf("cannot use CustomResourceDefinition from %s: %v", c.Origin, err),
			})
			continue
		}
		out.Repository += n
	}
	return out, findings, nil
}

const crdKind = "CustomResourceDefinition"

// writeCRD converts crd and writes one schema file per served version.
func writeCRD(dir string, crd, objectMeta map[string]any) (int, error) {
	versions, err := ConvertCRD(crd, objectMeta)
	if err != nil {
		return 0, err
	}
	for _, cv := range versions {
		b, err := json.Marshal(cv.Schema)
		if err != nil {
			return 0, fmt.Errorf("encode schema of %s %s: %w", cv.APIVersion, cv.Kind, err)
		}
		p := filepath.Join(dir, filepath.FromSlash(bundled.SchemaFile(cv.APIVersion, cv.Kind)))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return 0, err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return 0, err
		}
	}
	return len(versions), nil
}
