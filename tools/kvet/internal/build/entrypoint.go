package build

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/example/gitops-go-stack/tools/kvet/internal/gitops"
	"github.com/example/gitops-go-stack/tools/kvet/internal/kustfile"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"

	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
)

// A target reached through a GitOps entry point (Spec.Entry) is built the
// way its controller builds it: the directory's kustomization is rewritten
// in memory with the entry point's transformations (or generated, for a
// plain directory), built with krusty, then post-processed (Flux postBuild
// substitution and commonMetadata, Argo CD destination namespace).
// Findings about the rewritten kustomization point back to the line of
// the original file, or of the entry point for what it added.

// entryRoot is the rewritten kustomization of an entry-point target.
type entryRoot struct {
	entry *gitops.EntryPoint
	orig  *kustfile.File // the directory's own kustomization, nil if none
	file  *kustfile.File // what is built
}

// entryRootFile puts the entry point's kustomization into ofs.
func (b *Builder) entryRootFile(ofs *overlayFS, dir string, spec Spec) (*kustfile.File, *entryRoot, error) {
	if !paths.IsDir(dir) {
		return nil, nil, fmt.Errorf("%s is not a directory", dir)
	}
	er := &entryRoot{entry: spec.Entry}
	// Read through the guard before anything reads from disk.
	if spec.flux() {
		if err := guardFluxInputs(ofs, dir); err != nil {
			return nil, nil, err
		}
	}
	path := filepath.Join(dir, "kustomization.yaml")
	var existing []byte
	if p, err := kustfile.Find(dir); err == nil {
		path = p
		if existing, err = os.ReadFile(p); err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", p, err)
		}
		if er.orig, err = kustfile.Parse(dir, p, existing); err != nil {
			return nil, nil, err
		}
	}
	content, err := spec.Entry.Kustomization(dir, existing)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", spec.Entry.Describe(), err)
	}
	if content == nil {
		// Built as it is: its own kustomization, or a generated one.
		f, err := b.rootFile(ofs, dir, Spec{Dir: dir, Generate: true, Recurse: spec.Recurse, Flux: spec.flux()})
		if err != nil {
			return nil, nil, err
		}
		if f == nil {
			f = er.orig
		}
		er.file = f
		return f, er, nil
	}
	ofs.set(path, content)
	f, err := kustfile.Parse(dir, path, content)
	if err != nil {
		return nil, nil, err
	}
	er.file = f
	return f, er, nil
}

// remapFields are the kustomization fields whose entries findings name.
var remapFields = []string{"patches", "patchesJson6902", "patchesStrategicMerge", "replacements", "components",
	"resources", "images", "replicas", "namespace", "namePrefix", "nameSuffix", "commonLabels", "labels", "commonAnnotations"}

// remap points a finding about the rewritten kustomization at the line to
// edit: the original file's entry, or the entry point's.
func (er *entryRoot) remap(f report.Finding) report.Finding {
	if er == nil || er.file == nil || er.file == er.orig {
		return f
	}
	// A line of the rewritten kustomization is no line of a file a person
	// edits: such a related place is left out rather than misplaced.
	f.Related = slices.DeleteFunc(slices.Clone(f.Related), func(r report.Related) bool { return r.File == er.file.Path })
	if f.Source.File != er.file.Path {
		return f
	}
	entryFile, entryLine := er.entry.Source.File, er.entry.Source.Line
	for _, field := range remapFields {
		n := er.file.Node.Field(field)
		if n == nil {
			continue
		}
		items := []*kyaml.RNode{n.Key}
		seq := n.Value.YNode().Kind == kyaml.SequenceNode
		if seq {
			items = nil
			for _, c := range n.Value.YNode().Content {
				items = append(items, kyaml.NewRNode(c))
			}
		}
		for i, it := range items {
			if it.YNode().Line != f.Source.Line || f.Source.Line == 0 {
				continue
			}
			origCount := 0
			if er.orig != nil {
				if on := er.orig.Node.Field(field); on != nil {
					origCount = 1
					if seq {
						origCount = len(on.Value.YNode().Content)
					}
				}
			}
			if i < origCount {
				idx := i
				if !seq {
					idx = -1
				}
				f.Source.Line = er.orig.Line(field, idx)
				return f
			}
			file, line := er.entry.Added(field, i-origCount)
			f.Source.File, f.Source.Line = er.abs(file), line
			f.Message += fmt.Sprintf(" (%s of %s)", field, er.entry.Describe())
			return f
		}
	}
	if er.orig != nil {
		f.Source.Line = 0
		return f
	}
	f.Source.File, f.Source.Line = er.abs(entryFile), entryLine
	return f
}

// postBuild runs the controller's post-build steps over the objects.
func (er *entryRoot) postBuild(res *Result) {
	if er == nil || len(res.Objects) == 0 {
		return
	}
	nodes := make([]*kyaml.RNode, len(res.Objects))
	for i := range res.Objects {
		nodes[i] = res.Objects[i].Node
	}
	issues := er.entry.PostBuild(nodes)
	for i := range res.Objects {
		o := &res.Objects[i]
		o.Resource = report.Resource{APIVersion: o.Node.GetApiVersion(), Kind: o.Node.GetKind(),
			Namespace: o.Node.GetNamespace(), Name: o.Node.GetName()}
	}
	for _, is := range issues {
		f := is.Finding
		f.Source.File = er.abs(f.Source.File)
		if is.Index >= 0 && is.Index < len(res.Objects) {
			o := res.Objects[is.Index]
			f.Resource = o.Resource
			if f.Source.File == "" {
				f.Source = o.Source
			}
		}
		res.Findings = append(res.Findings, f)
	}
}

// abs makes a repository-relative path of the entry point absolute.
func (er *entryRoot) abs(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(er.entry.Root, filepath.FromSlash(p))
}

// renderObjects prints objects as kustomize build does.
func renderObjects(objs []Object) ([]byte, error) {
	var buf bytes.Buffer
	for i, o := range objs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		s, err := o.Node.String()
		if err != nil {
			return nil, err
		}
		buf.WriteString(s)
	}
	return buf.Bytes(), nil
}

// targetRoot is rootFile for a target that may be reached through an
// entry point; er is nil when it is not.
func (b *Builder) targetRoot(ofs *overlayFS, dir string, spec Spec) (*kustfile.File, *entryRoot, error) {
	if spec.Entry == nil {
		f, err := b.rootFile(ofs, dir, spec)
		return f, nil, err
	}
	return b.entryRootFile(ofs, dir, spec)
}

// remapFindings applies remap to every finding of res.
func (er *entryRoot) remapFindings(res *Result) {
	if er == nil {
		return
	}
	for i := range res.Findings {
		res.Findings[i] = er.remap(res.Findings[i])
	}
}

// renderEntry renders an entry-point target: the build plus the
// controller's post-build steps.
func (b *Builder) renderEntry(ctx context.Context, spec Spec) ([]byte, error) {
	res := b.Build(ctx, spec)
	if res.Err != nil {
		return nil, res.Err
	}
	for _, f := range res.Findings {
		// The controller fails on these; an unset variable renders as ""
		// (kvet validate reports it).
		if f.Severity == report.SeverityError && f.Rule == "substitution-failed" {
			return nil, fmt.Errorf("%s:%d: %s", f.Source.File, f.Source.Line, f.Message)
		}
	}
	return renderObjects(res.Objects)
}
