package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
	"github.com/example/gitops-go-stack/tools/kvet/internal/runner"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
)

var schemasListHelp = helpDoc{
	usage: "kvet schemas list [flags] [PATH...]",
	description: `Lists every group/version/kind kvet has a schema for and where it comes from:
the Kubernetes release, the bundled CRD catalog (project, release and the Go
module it was generated from) or the repository's CRDs (--crds, kvet.yaml crds).
With a PATH, kvet also renders PATH as "kvet validate" does and lists the kinds
it uses that have no schema (kinds in kvet.yaml externalKinds excepted), with
how many objects and the first file:line: what to add with --crds,
--schema-location or externalKinds.`,
	exit: `0  listed
2  kvet could not run: bad flag, missing PATH, invalid kvet.yaml`,
	examples: `kvet schemas list -o json | jq -r '.schemas[].kind'
kvet schemas list .            # the kinds this repository uses without a schema`,
}

// listOutput is the JSON form of "kvet schemas list".
type listOutput struct {
	KubernetesVersion string          `json:"kubernetesVersion"`
	Schemas           []schema.Listed `json:"schemas"`
	// Missing is set when PATHs were given: kinds used without a schema.
	Missing []missingKind `json:"missing,omitempty"`
}

type missingKind struct {
	APIVersion string        `json:"apiVersion"`
	Kind       string        `json:"kind"`
	Objects    int           `json:"objects"`
	First      report.Source `json:"first"`
}

func schemasList(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("schemas list", stdout, schemasListHelp)
	output := fs.StringP("output", "o", "text", "output format: text or json")
	k8s := fs.String("kubernetes-version", "", "Kubernetes release of the built-in schemas ("+strings.Join(bundled.KubernetesVersions(), ", ")+"; default: kvet.yaml, else the newest)")
	crds := fs.StringArray("crds", nil, "directory of CustomResourceDefinitions (repeatable)")
	locations := fs.StringArray("schema-location", nil, "local JSON schemas in kubeconform's -schema-location convention, used when rendering PATH (repeatable)")
	cfgPath := fs.String("config", "", "configuration file (default: kvet.yaml at the repository root)")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if *output != "text" && *output != "json" {
		return ExitUsage, fmt.Errorf("unknown output format %q (want text or json)", *output)
	}
	root, cfg, version, err := repoConfig(*cfgPath, *k8s)
	if err != nil {
		return ExitUsage, err
	}
	opts := schema.Options{KubernetesVersion: version}
	dirs := append(absPaths(*crds), absAll(root, cfg.CRDs)...)
	if opts.CRDs, err = crdsOfDirs(root, dirs, cfg.Limits.Guard(), stderr); err != nil {
		return ExitUsage, err
	}
	listed, err := schema.List(opts)
	if err != nil {
		return ExitUsage, err
	}
	ks, err := bundled.Kubernetes(firstNonEmpty(version, bundled.DefaultKubernetesVersion()))
	if err != nil {
		return ExitUsage, err
	}
	out := listOutput{KubernetesVersion: ks.Version, Schemas: listed}
	if fs.NArg() > 0 {
		for _, p := range fs.Args() {
			if _, err := os.Stat(p); err != nil {
				return ExitUsage, fmt.Errorf("path %s does not exist", p)
			}
		}
		var locs []string
		for _, l := range *locations {
			if _, err := schema.ParseSchemaLocation(l); err != nil {
				return ExitUsage, err
			}
			locs = append(locs, absPaths([]string{l})...)
		}
		rep, err := runner.Run(ctx, runner.Options{Root: root, Paths: fs.Args(), Config: cfg, KubernetesVersion: *k8s,
			CRDDirs: absPaths(*crds), SchemaLocations: locs})
		if err != nil {
			return ExitUsage, err
		}
		out.Missing = missingKinds(rep.Findings)
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return ExitOK, enc.Encode(out)
	}
	return ExitOK, writeList(stdout, out, fs.NArg() > 0)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// missingKinds groups the no-schema findings by kind.
func missingKinds(findings []report.Finding) []missingKind {
	byKey := map[string]*missingKind{}
	for _, f := range findings {
		if f.Rule != "no-schema" {
			continue
		}
		key := f.Resource.APIVersion + "/" + f.Resource.Kind
		m, ok := byKey[key]
		if !ok {
			m = &missingKind{APIVersion: f.Resource.APIVersion, Kind: f.Resource.Kind, First: f.Source}
			byKey[key] = m
		}
		m.Objects++
		if f.Source.File < m.First.File || (f.Source.File == m.First.File && f.Source.Line < m.First.Line) {
			m.First = f.Source
		}
	}
	out := []missingKind{}
	for _, m := range byKey {
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b missingKind) int {
		if a.Objects != b.Objects {
			return b.Objects - a.Objects
		}
		return strings.Compare(a.APIVersion+"/"+a.Kind, b.APIVersion+"/"+b.Kind)
	})
	return out
}

func writeList(w io.Writer, out listOutput, withPaths bool) error {
	counts := map[string]int{}
	for _, l := range out.Schemas {
		switch {
		case l.Module != "":
			counts["catalog"]++
		case strings.HasPrefix(l.Source, "Kubernetes "):
			counts["builtin"]++
		default:
			counts["repository"]++
		}
	}
	fmt.Fprintf(w, "%d kinds with a schema: %d built into Kubernetes %s, %d from the bundled CRD catalog, %d from the repository's CRDs\n\n",
		len(out.Schemas), counts["builtin"], out.KubernetesVersion, counts["catalog"], counts["repository"])
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "API VERSION\tKIND\tSOURCE")
	for _, l := range out.Schemas {
		src := l.Source
		if l.Module != "" {
			src += " (" + l.Module + ")"
		}
		if l.Deprecated {
			src += ", deprecated"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", l.APIVersion(), l.Kind, src)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !withPaths {
		return nil
	}
	if len(out.Missing) == 0 {
		_, err := fmt.Fprintln(w, "\nEvery kind the paths use has a schema.")
		return err
	}
	fmt.Fprintf(w, "\n%d kinds used without a schema (add their CRDs with --crds, point --schema-location at their schemas, or list them in kvet.yaml externalKinds):\n", len(out.Missing))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "API VERSION\tKIND\tOBJECTS\tFIRST")
	for _, m := range out.Missing {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s:%d\n", m.APIVersion, m.Kind, m.Objects, m.First.File, m.First.Line)
	}
	return tw.Flush()
}
