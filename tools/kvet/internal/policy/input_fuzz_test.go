package policy_test

import (
	"context"
	"encoding/json"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/example/gitops-go-stack/tools/kvet/internal/guard"
	"github.com/example/gitops-go-stack/tools/kvet/internal/policy"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

// FuzzPolicyInput: rendered objects of any shape, encoded the way the
// runner encodes them (kyaml node -> JSON -> map), go through the default
// policy library's input building and evaluation without a panic.
func FuzzPolicyInput(f *testing.F) {
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: web, image: nginx, ports: [{containerPort: 80}]}\n"))
	f.Add([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec: {rules: [{http: {paths: [{backend: {service: {name: web, port: {number: 80}}}}]}}]}\n"))
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: 3, volumes: [{hostPath: null}], securityContext: []}\n"))
	ctx := context.Background()
	e, err := policy.New(ctx, policy.Options{})
	if err != nil {
		f.Fatal(err)
	}
	limits := guard.Limits{MaxFileBytes: 1 << 16, MaxDocuments: 20, MaxDepth: 32, MaxAliasExpansion: 1000}
	f.Fuzz(func(t *testing.T, b []byte) {
		if guard.CheckContent("f.yaml", b, limits, true) != nil {
			return
		}
		nodes, err := kio.FromBytes(b)
		if err != nil {
			return
		}
		var objs []policy.Object
		for _, n := range nodes {
			js, err := n.MarshalJSON()
			if err != nil {
				continue
			}
			var body map[string]any
			if json.Unmarshal(js, &body) != nil {
				continue
			}
			objs = append(objs, policy.Object{
				Resource: report.Resource{APIVersion: n.GetApiVersion(), Kind: n.GetKind(), Namespace: n.GetNamespace(), Name: n.GetName()},
				Body:     body,
			})
		}
		_, _ = e.Evaluate(ctx, policy.Target{Path: "t", Environment: "production"}, objs)
	})
}
