package gitops

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	yaml3 "go.yaml.in/yaml/v3"

	"github.com/example/gitops-go-stack/tools/kvet/internal/paths"
	"github.com/example/gitops-go-stack/tools/kvet/internal/schema/bundled"
	"github.com/example/gitops-go-stack/tools/kvet/internal/yamljson"
)

// Repo indexes what entry points look up in the repository: the
// ConfigMaps and Secrets postBuild.substituteFrom names, and the scope
// (namespaced or cluster) of custom resources. It reads the tree once, on
// first use, and is safe for concurrent use.
type Repo struct {
	root     string
	maxBytes int64
	excluded func(rel string) bool

	once    sync.Once
	objects map[string][]valueSource  // "Kind/name"
	flux    []fluxObject              // Kustomizations and HelmReleases, for dependsOn
	scopes  map[string]bool           // "group/Kind" -> cluster-scoped
	sources map[string][]sourceObject // Flux sources "Kind/name" (helm.go)

	// repoURLs are the URLs of this repository (git remotes, kvet.yaml);
	// urls holds them normalised (origin.go).
	repoURLs []string
	urlOnce  sync.Once
	urls     map[string]bool
	// branches the bootstrap sources of the tree track (origin.go).
	bootBranches []string
	// checkoutBranches, when set, replace those read from root's .git
	// (kvet diff renders an exported revision without one).
	checkoutBranches []string
	// artifacts of the tree's ArtifactGenerators, "namespace/name" (artifact.go).
	artifacts map[string][]artifactSpec
	// filters of the repository's GitRepository artifacts (artifactignore.go).
	filters ArtifactFilters
	// read reads a manifest (os.ReadFile unless WithReader says otherwise).
	read func(string) ([]byte, error)
}

// WithReader makes the Repo read manifests with read (contents another
// pass already read). Call it before the Repo is used.
func (r *Repo) WithReader(read func(string) ([]byte, error)) *Repo {
	r.read = read
	return r
}

func (r *Repo) readFile(file string) ([]byte, error) {
	if r == nil || r.read == nil {
		return os.ReadFile(file)
	}
	return r.read(file)
}

type valueSource struct {
	namespace string
	source    Source
	values    map[string]string
	raw       map[string]string // values as written (HelmRelease valuesFrom)
}

// NewRepo returns an index of the tree under root; excluded (may be nil)
// skips repository-relative paths, maxBytes bounds the files read.
func NewRepo(root string, excluded func(string) bool, maxBytes int64) *Repo {
	if excluded == nil {
		excluded = func(string) bool { return false }
	}
	if maxBytes <= 0 {
		maxBytes = 8 << 20
	}
	return &Repo{root: root, excluded: excluded, maxBytes: maxBytes}
}

// WithRepositoryURLs sets the URLs of this repository (its git remotes and
// kvet.yaml repositoryURLs), which decide which sources are this
// repository (origin.go). Call it before the Repo is used.
func (r *Repo) WithRepositoryURLs(urls []string) *Repo {
	r.repoURLs = urls
	return r
}

// Load reads the repository's manifests now rather than on first use (a
// caller can read them while it does other work); it is safe to call from
// several goroutines and more than once.
func (r *Repo) Load() { r.load() }

func (r *Repo) load() {
	r.once.Do(func() {
		r.objects = map[string][]valueSource{}
		r.scopes = map[string]bool{}
		for k, v := range catalogScopes() {
			r.scopes[k] = v
		}
		_ = filepath.WalkDir(r.root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			rp := paths.Rel(r.root, p)
			if d.IsDir() {
				if p != r.root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || r.excluded(rp)) {
					return filepath.SkipDir
				}
				return nil
			}
			if ext := strings.ToLower(filepath.Ext(p)); (ext != ".yaml" && ext != ".yml") || !d.Type().IsRegular() || r.excluded(rp) {
				return nil
			}
			if fi, err := d.Info(); err != nil || fi.Size() > r.maxBytes {
				return nil
			}
			r.scan(p, rp)
			return nil
		})
	})
}

// catalogScopes are the scopes of the bundled CRD catalog's kinds.
var catalogScopes = sync.OnceValue(func() map[string]bool {
	scopes := map[string]bool{}
	// The index holds every CRD's scope: no schema is decompressed.
	if idx, err := bundled.LoadCatalogIndex(); err == nil {
		for _, g := range idx.Groups {
			for _, c := range g.CRDs {
				scopes[g.Group+"/"+c.Kind] = c.Scope == "Cluster"
			}
		}
	}
	return scopes
})

func (r *Repo) addCRD(raw []byte) {
	var crd struct {
		Spec struct {
			Group string `json:"group"`
			Scope string `json:"scope"`
			Names struct {
				Kind string `json:"kind"`
			} `json:"names"`
		} `json:"spec"`
	}
	if json.Unmarshal(raw, &crd) == nil && crd.Spec.Names.Kind != "" {
		r.scopes[crd.Spec.Group+"/"+crd.Spec.Names.Kind] = crd.Spec.Scope == "Cluster"
	}
}

var sopsRE = regexp.MustCompile(`^ENC\[[A-Za-z0-9_]+,data:.*,type:([a-z]+)\]$`)

// placeholder stands for a SOPS-encrypted value: kvet cannot decrypt it,
// so it substitutes an opaque value of the encrypted value's type.
func placeholder(v string) (string, bool) {
	m := sopsRE.FindStringSubmatch(v)
	if m == nil {
		return v, false
	}
	switch m[1] {
	case "int":
		return "1", true
	case "float":
		return "1.0", true
	case "bool":
		return "true", true
	}
	return "sops-encrypted", true
}

func (r *Repo) scan(file, relFile string) {
	b, err := r.readFile(file)
	if err != nil || (!bytes.Contains(b, []byte("ConfigMap")) && !bytes.Contains(b, []byte("Secret")) && !bytes.Contains(b, []byte("CustomResourceDefinition")) && !bytes.Contains(b, []byte("toolkit.fluxcd.io")) && !bytes.Contains(b, []byte("fluxcd.controlplane.io")) && !bytes.Contains(b, []byte("extensions.fluxcd.io"))) {
		return
	}
	dec := yaml3.NewDecoder(bytes.NewReader(b))
	for {
		var node yaml3.Node
		if err := dec.Decode(&node); err != nil {
			if err != io.EOF {
				return
			}
			return
		}
		var obj struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
			Metadata   struct {
				Name      string `yaml:"name"`
				Namespace string `yaml:"namespace"`
			} `yaml:"metadata"`
			Data       map[string]string `yaml:"data"`
			StringData map[string]string `yaml:"stringData"`
		}
		if node.Decode(&obj) != nil {
			continue
		}
		group, _, _ := strings.Cut(obj.APIVersion, "/")
		switch {
		case (group == fluxKustomizeGroup && obj.Kind == "Kustomization") || (group == "helm.toolkit.fluxcd.io" && obj.Kind == "HelmRelease"):
			r.addFlux(&node, relFile, obj.Kind, obj.Metadata.Namespace, obj.Metadata.Name)
		case group == fluxSourceGroup:
			r.addSource(&node, relFile, obj.Kind, obj.Metadata.Namespace, obj.Metadata.Name)
		case group == "fluxcd.controlplane.io" && obj.Kind == "FluxInstance":
			r.addFluxInstance(&node)
		case group == "source.extensions.fluxcd.io" && obj.Kind == "ArtifactGenerator":
			r.addArtifactGenerator(&node, relFile, obj.Metadata.Namespace)
		case obj.Kind == "CustomResourceDefinition" && strings.HasPrefix(obj.APIVersion, "apiextensions.k8s.io/"):
			// Read as kubectl applies a CRD file, so a non-string key in a
			// default or an example does not drop the CRD.
			if raw, err := yamljson.FromNode(&node, yamljson.Kubectl); err == nil {
				r.addCRD(raw)
			}
		case obj.APIVersion == "v1" && (obj.Kind == "ConfigMap" || obj.Kind == "Secret"):
			values := map[string]string{}
			for k, v := range obj.Data {
				if p, enc := placeholder(v); enc {
					values[k] = p
				} else if obj.Kind == "Secret" {
					dec, err := base64.StdEncoding.DecodeString(v)
					if err != nil {
						continue
					}
					values[k] = string(dec)
				} else {
					values[k] = v
				}
			}
			if obj.Kind == "Secret" {
				for k, v := range obj.StringData {
					values[k], _ = placeholder(v)
				}
			}
			raw := maps.Clone(values)
			for k, v := range values {
				values[k] = strings.ReplaceAll(v, "\n", "")
			}
			line := node.Line
			if k := lookup(&node, "kind"); k != nil {
				line = k.Line
			}
			key := obj.Kind + "/" + obj.Metadata.Name
			r.objects[key] = append(r.objects[key], valueSource{namespace: obj.Metadata.Namespace,
				source: Source{File: relFile, Line: line}, values: values, raw: raw})
		}
	}
}

// lookup finds the ConfigMap or Secret kind/name in namespace in the
// repository. An object written without a namespace (its kustomization
// sets it) matches when no object names the namespace explicitly.
func (r *Repo) lookup(kind, namespace, name string) (*valueSource, bool) {
	if r == nil {
		return nil, false
	}
	r.load()
	var loose *valueSource
	for i, o := range r.objects[kind+"/"+name] {
		if o.namespace == namespace {
			return &r.objects[kind+"/"+name][i], true
		}
		if o.namespace == "" && loose == nil {
			loose = &r.objects[kind+"/"+name][i]
		}
	}
	return loose, loose != nil
}

// values returns the data of that object as substitution values.
func (r *Repo) values(kind, namespace, name string) (map[string]string, bool) {
	o, ok := r.lookup(kind, namespace, name)
	if !ok {
		return nil, false
	}
	return o.values, true
}

// clusterScoped reports whether objects of group/kind are cluster-scoped;
// known is false for a kind neither Kubernetes nor a CRD kvet knows
// defines (Argo CD treats those as namespaced).
func (r *Repo) clusterScoped(group, kind string) (cluster, known bool) {
	if c, ok := builtinClusterScoped[group+"/"+kind]; ok {
		return c, true
	}
	if r == nil {
		return false, false
	}
	r.load()
	c, ok := r.scopes[group+"/"+kind]
	return c, ok
}

// builtinClusterScoped lists the cluster-scoped kinds of Kubernetes'
// built-in API groups (false: namespaced built-ins that are easy to confuse).
var builtinClusterScoped = map[string]bool{
	"/Namespace": true, "/Node": true, "/PersistentVolume": true, "/ComponentStatus": true,
	"rbac.authorization.k8s.io/ClusterRole": true, "rbac.authorization.k8s.io/ClusterRoleBinding": true,
	"rbac.authorization.k8s.io/Role": false, "rbac.authorization.k8s.io/RoleBinding": false,
	"apiextensions.k8s.io/CustomResourceDefinition":                 true,
	"admissionregistration.k8s.io/MutatingWebhookConfiguration":     true,
	"admissionregistration.k8s.io/ValidatingWebhookConfiguration":   true,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicy":        true,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding": true,
	"admissionregistration.k8s.io/MutatingAdmissionPolicy":          true,
	"admissionregistration.k8s.io/MutatingAdmissionPolicyBinding":   true,
	"apiregistration.k8s.io/APIService":                             true,
	"storage.k8s.io/StorageClass":                                   true,
	"storage.k8s.io/CSIDriver":                                      true,
	"storage.k8s.io/CSINode":                                        true,
	"storage.k8s.io/VolumeAttachment":                               true,
	"storage.k8s.io/VolumeAttributesClass":                          true,
	"storage.k8s.io/CSIStorageCapacity":                             false,
	"scheduling.k8s.io/PriorityClass":                               true,
	"node.k8s.io/RuntimeClass":                                      true,
	"networking.k8s.io/IngressClass":                                true,
	"networking.k8s.io/IPAddress":                                   true,
	"networking.k8s.io/ServiceCIDR":                                 true,
	"policy/PodSecurityPolicy":                                      true,
	"certificates.k8s.io/CertificateSigningRequest":                 true,
	"certificates.k8s.io/ClusterTrustBundle":                        true,
	"flowcontrol.apiserver.k8s.io/FlowSchema":                       true,
	"flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration":       true,
	"resource.k8s.io/DeviceClass":                                   true,
	"resource.k8s.io/ResourceSlice":                                 true,
	"authentication.k8s.io/TokenReview":                             true,
	"authentication.k8s.io/SelfSubjectReview":                       true,
	"authorization.k8s.io/SubjectAccessReview":                      true,
	"authorization.k8s.io/SelfSubjectAccessReview":                  true,
	"authorization.k8s.io/SelfSubjectRulesReview":                   true,
	"internal.apiserver.k8s.io/StorageVersion":                      true,
	"storagemigration.k8s.io/StorageVersionMigration":               true,
}
