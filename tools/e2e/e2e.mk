# make e2e: kvet against a real kube-apiserver (see docs/conformance.md).
#
# Builds kube-apiserver v1.37.2 and etcd v3.7.0 from source in their own Go
# module (tools/e2e, never the tool's module) into $(E2E_CACHE)/bin, once:
# the binaries are rebuilt only when tools/e2e/go.mod or go.sum change
# (about 4-9 minutes cold on 2 cores, nothing warm). Then it starts etcd and
# kube-apiserver on 127.0.0.1 with generated certificates, installs every
# CRD of the bundled catalog and of the rendered objects, server-side
# dry-runs every object of every target of the repository and of the
# conformance corpus (tools/e2e/corpus), and compares the server's verdict
# with kvet's schema verdict. Fails on any object the server rejects and
# kvet accepts, and on any corpus object whose declared expectation is wrong.
#
# Then it builds the real Flux kustomize-controller (pinned in
# tools/e2e/kustomize-controller), reconciles every Flux entry point of the
# repository (clusters/*) and of the Flux corpus (tools/e2e/flux-corpus) with
# it, and compares Ready and status.inventory with kvet's verdict and render
# (tools/e2e/cmd/flux). Fails on any disagreement.

GO        ?= go
E2E_CACHE ?= .cache/e2e
E2E_BIN   := $(E2E_CACHE)/bin
E2E_K8S   := v1.37.2
E2E_FLUX_KC := $(shell awk '$$1 == "github.com/fluxcd/kustomize-controller" { print $$2 }' tools/e2e/kustomize-controller/go.mod)
E2E_LDFLAGS := -X k8s.io/component-base/version.gitVersion=$(E2E_K8S) \
	-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 \
	-X k8s.io/component-base/version.gitTreeState=clean

.PHONY: e2e e2e-bins e2e-test

e2e: build e2e-bins
	cd tools/e2e && $(GO) build -o ../../$(E2E_BIN)/conformance ./cmd/conformance
	./$(E2E_BIN)/conformance -repo . -kvet $(BIN) -bin $(E2E_BIN)
	cd tools/e2e && $(GO) build -o ../../$(E2E_BIN)/flux-conformance ./cmd/flux
	./$(E2E_BIN)/flux-conformance -repo . -kvet $(BIN) -bin $(E2E_BIN) \
		-controller-crds "$$(cd tools/e2e/kustomize-controller && $(GO) list -m -f '{{.Dir}}' github.com/fluxcd/kustomize-controller)/config/crd/bases"

e2e-bins: $(E2E_BIN)/kube-apiserver $(E2E_BIN)/etcd $(E2E_BIN)/kustomize-controller

$(E2E_BIN)/kube-apiserver: tools/e2e/go.mod tools/e2e/go.sum
	@mkdir -p $(E2E_BIN)
	@echo "building kube-apiserver $(E2E_K8S) from source (minutes when cold)"
	cd tools/e2e && $(GO) build -trimpath -ldflags "$(E2E_LDFLAGS)" -o ../../$@.tmp k8s.io/kubernetes/cmd/kube-apiserver
	mv $@.tmp $@

$(E2E_BIN)/etcd: tools/e2e/go.mod tools/e2e/go.sum
	@mkdir -p $(E2E_BIN)
	cd tools/e2e && $(GO) build -trimpath -o ../../$@.tmp go.etcd.io/etcd/server/v3
	mv $@.tmp $@

# The real Flux kustomize-controller, pinned in its own module
# (tools/e2e/kustomize-controller: v1.9.6 and the controller's own replace
# directives, go.sum checked in), rebuilt only when that pin changes (about
# 4-8 minutes cold on 2 cores, nothing warm).
$(E2E_BIN)/kustomize-controller: tools/e2e/kustomize-controller/go.mod tools/e2e/kustomize-controller/go.sum
	@mkdir -p $(E2E_BIN)
	@echo "building kustomize-controller $(E2E_FLUX_KC) from source (minutes when cold)"
	cd tools/e2e/kustomize-controller && $(GO) build -trimpath -o ../../../$@.tmp github.com/fluxcd/kustomize-controller
	mv $@.tmp $@

# The harness's own tests (starts the cluster once).
e2e-test: e2e-bins
	cd tools/e2e && KVET_E2E_BIN=$(CURDIR)/$(E2E_BIN) $(GO) test -count=1 ./...
