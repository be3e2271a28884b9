# The two commands a new user runs:
#   make validate   build kvet, validate every target of this repository
#   make test       the whole test suite (unit, golden, policy, integration)
# Slower suites have their own targets: e2e (real kube-apiserver), bench, fuzz;
# release-check checks the release configuration and the workflows.

GO      ?= go
BIN     := bin/kvet
PKGS    := ./...
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: all build validate test test-go lint fmt

all: build

# A static binary (no cgo: it runs in distroless and on any libc), its
# version from git. Releases are built by GoReleaser (.goreleaser.yaml) the
# same way, stripped.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X github.com/example/gitops-go-stack/tools/kvet/internal/cli.Version=$(VERSION)" -o $(BIN) ./tools/kvet

validate: build
	./$(BIN) validate .

# Everything that must pass: lint, the root module's tests with the race
# detector (kvet, policies, repository coverage), the policy/ Rego tests (their
# coverage printed for CI), and the schema generator's
# tests including the check that regenerating the bundled schemas gives the
# committed bytes (its inputs come from the Go module proxy first, then the
# tests run offline).
# Each phase announces itself; go test prints one line per package as the
# packages finish (in package order).
test: lint test-go schemas-deps
	@echo "== policy/ Rego tests (kvet policy test)"
	$(GO) run ./tools/kvet policy test policy
	@echo "== schema generator tests, offline (tools/schemagen)"
	cd tools/schemagen && GOPROXY=off GOFLAGS=-mod=mod $(GO) test ./...

test-go:
	@echo "== go test -race ./... (a first run compiles everything with the race detector before the first line)"
	$(GO) test -race -count=1 $(PKGS)

lint:
	@echo "== go vet, gofmt (a first run type-checks every dependency: minutes without output)"
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

fmt:
	gofmt -w $$(git ls-files '*.go')

# Go native fuzzing of what kvet reads from an untrusted repository, each
# target for FUZZTIME (make test runs only their committed seed corpora).
# A crasher is written to the package's testdata/fuzz/<Target>/: commit it
# with the fix, it then runs in make test forever.
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	guard:FuzzCheckContent \
	config:FuzzParse \
	kustfile:FuzzParse \
	kustfile:FuzzDecodeNode \
	schema:FuzzConvertCRD \
	policy:FuzzPolicyInput \
	yamljson:FuzzEncodeMatchesMarshalJSON

.PHONY: fuzz
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$fn (tools/kvet/internal/$$pkg) for $(FUZZTIME)"; \
		$(GO) test ./tools/kvet/internal/$$pkg/ -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s; \
	done

include tools/schemagen/schemas.mk
-include tools/e2e/e2e.mk
include tools/bench/bench.mk
include tools/release/release.mk
include tools/mermaidcheck/mermaid.mk
