package policy

import (
	"context"
	"fmt"
	"os"
	"testing"

	"sigs.k8s.io/yaml"
	"github.com/example/gitops-go-stack/tools/kvet/internal/report"
)

func TestSmoke(t *testing.T) {
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile("testdata/objects/deployment-bad.yaml")
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	fs, err := e.Evaluate(context.Background(), Target{Path: "x"}, []Object{{Resource: report.Resource{Kind: "Deployment", Namespace: "shop", Name: "web"}, Body: m}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		fmt.Println(f.Rule, f.Severity, f.Path, f.Message)
	}
}
