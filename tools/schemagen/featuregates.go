package main

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
)

// featureGatesFileName is the bundle of the API server's feature gate
// defaults per release, which kvet's Go-side API rules follow.
const featureGatesFileName = "featuregates.json.gz"

// kubeFeaturesFile declares every feature gate of a release with its
// versioned defaults (defaultVersionedKubernetesFeatureGates).
const kubeFeaturesFile = "pkg/features/kube_features.go"

// featureGate is a gate as a release's API server starts with it.
type featureGate struct {
	Default       bool   `json:"default"`
	PreRelease    string `json:"preRelease"`
	LockToDefault bool   `json:"lockToDefault,omitempty"`
}

type featureGatesBundle struct {
	Source string `json:"source"`
	// Releases maps a minor ("1.37") to its gates by name.
	Releases map[string]map[string]featureGate `json:"releases"`
}

// generateFeatureGates reads the versioned feature gates of every bundled
// release from its own source, rather than a hand-copied table.
func generateFeatureGates(ctx context.Context, out string) (string, error) {
	bundle := featureGatesBundle{Releases: map[string]map[string]featureGate{}}
	var sources []string
	for _, version := range kubernetesReleases() {
		module, err := openModule(ctx, kubernetesModule, "v"+version)
		if err != nil {
			return "", err
		}
		src, err := fs.ReadFile(module, kubeFeaturesFile)
		module.Close()
		if err != nil {
			return "", fmt.Errorf("kubernetes %s: %w", version, err)
		}
		gates, err := parseFeatureGates(src, minorOf(version))
		if err != nil {
			return "", fmt.Errorf("kubernetes %s: %s: %w", version, kubeFeaturesFile, err)
		}
		bundle.Releases[minorOf(version)] = gates
		sources = append(sources, "v"+version)
	}
	bundle.Source = kubernetesModule + "@{" + strings.Join(sources, ",") + "} " + kubeFeaturesFile
	size, err := writeGzipJSON(filepath.Join(out, featureGatesFileName), bundle)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: %d releases, %d bytes", featureGatesFileName, len(bundle.Releases), size), nil
}

// parseFeatureGates evaluates defaultVersionedKubernetesFeatureGates at
// release minor: for each gate, the last spec whose version is not newer
// than the release, as the API server's versioned feature gate does.
func parseFeatureGates(src []byte, minor string) (map[string]featureGate, error) {
	release, err := parseMinor(minor)
	if err != nil {
		return nil, err
	}
	file, err := parser.ParseFile(token.NewFileSet(), kubeFeaturesFile, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var table *ast.CompositeLit
	ast.Inspect(file, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "defaultVersionedKubernetesFeatureGates" || len(vs.Values) != 1 {
			return true
		}
		table, _ = vs.Values[0].(*ast.CompositeLit)
		return false
	})
	if table == nil {
		return nil, fmt.Errorf("defaultVersionedKubernetesFeatureGates not found")
	}
	gates := map[string]featureGate{}
	for _, elt := range table.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			return nil, fmt.Errorf("unexpected entry %T", elt)
		}
		// Gate constants are named as their value ("HPAScaleToZero"),
		// also those of other packages (genericfeatures.APIServerTracing).
		var name string
		switch k := kv.Key.(type) {
		case *ast.Ident:
			name = k.Name
		case *ast.SelectorExpr:
			name = k.Sel.Name
		default:
			return nil, fmt.Errorf("unexpected key %T", kv.Key)
		}
		specs, ok := kv.Value.(*ast.CompositeLit)
		if !ok {
			return nil, fmt.Errorf("%s: unexpected specs %T", name, kv.Value)
		}
		var best *featureGate
		bestVersion := [2]int{-1, -1}
		for _, s := range specs.Elts {
			spec, ok := s.(*ast.CompositeLit)
			if !ok {
				return nil, fmt.Errorf("%s: unexpected spec %T", name, s)
			}
			v, g, err := parseSpec(spec)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if !newer(v, release) && !newer(bestVersion, v) {
				bestVersion, best = v, &g
			}
		}
		if best != nil {
			gates[name] = *best
		}
	}
	return gates, nil
}

// parseSpec reads {Version: version.MustParse("1.16"), Default: false,
// PreRelease: featuregate.Alpha, LockToDefault: true}.
func parseSpec(spec *ast.CompositeLit) ([2]int, featureGate, error) {
	var g featureGate
	v := [2]int{-1, -1}
	for _, f := range spec.Elts {
		kv, ok := f.(*ast.KeyValueExpr)
		if !ok {
			return v, g, fmt.Errorf("unexpected field %T", f)
		}
		key, _ := kv.Key.(*ast.Ident)
		if key == nil {
			return v, g, fmt.Errorf("unexpected field key %T", kv.Key)
		}
		switch key.Name {
		case "Version":
			call, ok := kv.Value.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return v, g, fmt.Errorf("unexpected Version %T", kv.Value)
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok {
				return v, g, fmt.Errorf("unexpected Version argument %T", call.Args[0])
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return v, g, err
			}
			if v, err = parseMinor(s); err != nil {
				return v, g, err
			}
		case "Default", "LockToDefault":
			id, ok := kv.Value.(*ast.Ident)
			if !ok || (id.Name != "true" && id.Name != "false") {
				return v, g, fmt.Errorf("unexpected %s %T", key.Name, kv.Value)
			}
			if key.Name == "Default" {
				g.Default = id.Name == "true"
			} else {
				g.LockToDefault = id.Name == "true"
			}
		case "PreRelease":
			sel, ok := kv.Value.(*ast.SelectorExpr)
			if !ok {
				return v, g, fmt.Errorf("unexpected PreRelease %T", kv.Value)
			}
			g.PreRelease = sel.Sel.Name
		}
	}
	if v[0] < 0 {
		return v, g, fmt.Errorf("spec without Version")
	}
	return v, g, nil
}

func parseMinor(s string) ([2]int, error) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return [2]int{}, fmt.Errorf("version %q: want MAJOR.MINOR", s)
	}
	major, err := strconv.Atoi(parts[0])
	if err != nil {
		return [2]int{}, fmt.Errorf("version %q: %w", s, err)
	}
	minor, err := strconv.Atoi(parts[1])
	if err != nil {
		return [2]int{}, fmt.Errorf("version %q: %w", s, err)
	}
	return [2]int{major, minor}, nil
}

func newer(a, b [2]int) bool { return a[0] > b[0] || (a[0] == b[0] && a[1] > b[1]) }
