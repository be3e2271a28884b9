package kvetcli

import "testing"

func TestDecodeObjects(t *testing.T) {
	in := []byte(`apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: shop}
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Secret, metadata: {name: b}}
---
`)
	objs, err := DecodeObjects(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || Str(objs[0], "metadata", "namespace") != "shop" || Str(objs[1], "kind") != "Secret" {
		t.Errorf("got %v", objs)
	}
	if Str(objs[0], "metadata", "missing", "deeper") != "" {
		t.Error("a missing path is not empty")
	}
}
