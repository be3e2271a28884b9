package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
)

// kubernetesModule is the module whose releases ship the published OpenAPI
// documents of every API group (api/openapi-spec).
const kubernetesModule = "k8s.io/kubernetes"

// kubernetesReleases are the bundled releases: the newest patch the module
// proxy serves of each of the three newest minors, oldest first.
func kubernetesReleases() []string {
	return []string{"1.35.4", "1.36.3", "1.37.2"}
}

// kubernetesBundle is the layout of kubernetes-<minor>.json.gz.
type kubernetesBundle struct {
	KubernetesVersion string         `json:"kubernetesVersion"`
	Source            string         `json:"source"`
	Schemas           map[string]any `json:"schemas"`
}

func minorOf(version string) string {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return version
	}
	return parts[0] + "." + parts[1]
}

func kubernetesFileName(version string) string {
	return "kubernetes-" + minorOf(version) + ".json.gz"
}

// buildKubernetes converts the OpenAPI documents of one release in moduleDir.
func buildKubernetes(module fs.FS, version string) (*kubernetesBundle, error) {
	defs, source, err := loadOpenAPI(module)
	if err != nil {
		return nil, err
	}
	conv, err := NewConverter(defs)
	if err != nil {
		return nil, err
	}
	kinds, err := conv.Kinds()
	if err != nil {
		return nil, err
	}
	schemas := make(map[string]any, len(kinds))
	for gvk, defName := range kinds {
		s, err := conv.KindSchema(defName, gvk)
		if err != nil {
			return nil, err
		}
		schemas[gvk.Key()] = s
	}
	return &kubernetesBundle{
		KubernetesVersion: version,
		Source:            kubernetesModule + "@v" + version + " " + source,
		Schemas:           schemas,
	}, nil
}

// loadOpenAPI reads the OpenAPI v3 documents (one per group-version, which
// carry the most detail) and falls back to the single v2 swagger.json of
// older layouts. It returns the merged definitions and which input it used.
func loadOpenAPI(module fs.FS) (map[string]map[string]any, string, error) {
	const v3Dir, v2File = "api/openapi-spec/v3", "api/openapi-spec/swagger.json"

	files, err := fs.Glob(module, v3Dir+"/*.json")
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", v3Dir, err)
	}
	slices.Sort(files) // merge order must not depend on the file system
	defs := map[string]map[string]any{}
	if len(files) > 0 {
		for _, f := range files {
			var doc struct {
				Components struct {
					Schemas map[string]map[string]any `json:"schemas"`
				} `json:"components"`
			}
			if err := readJSONFile(module, f, &doc); err != nil {
				return nil, "", err
			}
			for name, def := range doc.Components.Schemas {
				if err := mergeDefinition(defs, name, def); err != nil {
					return nil, "", fmt.Errorf("%s: %w", f, err)
				}
			}
		}
		return defs, v3Dir, nil
	}

	var doc struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := readJSONFile(module, v2File, &doc); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("neither %s nor %s found", v3Dir, v2File)
		}
		return nil, "", err
	}
	return doc.Definitions, v2File, nil
}

func readJSONFile(module fs.FS, path string, v any) error {
	data, err := fs.ReadFile(module, path)
	if err != nil {
		return fmt.Errorf("read OpenAPI document: %w", err)
	}
	if err := decodeJSON(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// generateKubernetes downloads one release and writes its bundle into out.
func generateKubernetes(ctx context.Context, out, version string) (string, int, error) {
	module, err := openModule(ctx, kubernetesModule, "v"+version)
	if err != nil {
		return "", 0, err
	}
	defer module.Close()
	bundle, err := buildKubernetes(module, version)
	if err != nil {
		return "", 0, fmt.Errorf("kubernetes %s: %w", version, err)
	}
	name := kubernetesFileName(version)
	size, err := writeGzipJSON(filepath.Join(out, name), bundle)
	if err != nil {
		return "", 0, err
	}
	return fmt.Sprintf("%s: %d schemas, %d bytes", name, len(bundle.Schemas), size), size, nil
}
