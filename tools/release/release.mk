# Release tooling, included by the repository's Makefile.
#
#   make release-check     `goreleaser check` on .goreleaser.yaml and actionlint
#                          on .github/workflows (part of .ci/run)
#   make release-snapshot  a local release without publishing: dist/ gets the
#                          archives, checksums.txt and the binaries (no image,
#                          no SBOM: those need docker buildx and syft); six
#                          cross-compiles, about 880 CPU-seconds the first time
#
# GoReleaser is run as `go run module@version`: it is built from the module
# proxy into the Go build cache and never enters the root go.mod (its module
# graph is about 20 times kvet's). The first run downloads about 340 MB of
# module zips (1.9 GB unpacked in the module cache) and compiles for about
# 260 CPU-seconds; later runs start in about 3 seconds. The tagged release
# (.github/workflows/release.yml) runs the same version.
# actionlint is a tool of the root module (go.mod `tool`), the version the
# Go test of the workflows (tools/kvet/dist_test.go) uses as a library.
# shellcheck is off so that every machine checks the same (CI has none).

GORELEASER_MODULE ?= github.com/goreleaser/goreleaser/v2@v2.15.1
ACTIONLINT_FLAGS  ?= -shellcheck=

.PHONY: release-check release-snapshot

release-check:
	@echo "== goreleaser check (the first run builds GoReleaser from the module proxy: minutes)"
	$(GO) run $(GORELEASER_MODULE) check
	@echo "== actionlint .github/workflows"
	$(GO) tool actionlint $(ACTIONLINT_FLAGS)

release-snapshot:
	$(GO) run $(GORELEASER_MODULE) release --snapshot --clean --skip=docker,sbom
