# make bench: kvet side by side with the per-target shell pipeline
# (kustomize build | kubeconform + conftest) on the generated corpus of N apps
# x 3 environments. Never part of make test. Figures: docs/benchmarks.md.
# First, kvet lsp's edit-to-diagnostics latency on this repository (warm server).
#   make bench            N=300
#   make bench N=1000
N ?= 300
BENCH_DIR   ?= .cache/bench
BENCH_TOOLS := $(CURDIR)/.cache/bin
# Pinned peer CLIs, built from the Go module proxy with the local toolchain.
KUSTOMIZE_MODULE   := sigs.k8s.io/kustomize/kustomize/v5@v5.8.1
KUBECONFORM_MODULE := github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0
CONFTEST_MODULE    := github.com/open-policy-agent/conftest@v0.71.1

.PHONY: bench bench-tools bench-corpus

bench-tools:
	@mkdir -p $(BENCH_TOOLS)
	GOBIN=$(BENCH_TOOLS) $(GO) install $(KUSTOMIZE_MODULE)
	GOBIN=$(BENCH_TOOLS) $(GO) install $(KUBECONFORM_MODULE)
	GOBIN=$(BENCH_TOOLS) $(GO) install $(CONFTEST_MODULE)

bench-corpus:
	$(GO) run ./tools/benchcorpus -n $(N) -out $(BENCH_DIR)/corpus-$(N)

bench: build bench-tools
	KVET_LSP_BENCH=1 $(GO) test -count=1 -run '^TestLSPLatency$$' -v ./tools/kvet/internal/cli | grep '^lsp latency:'
	$(GO) run ./tools/bench -n $(N) -dir $(BENCH_DIR) -tools $(BENCH_TOOLS) -kvet $(BIN)
