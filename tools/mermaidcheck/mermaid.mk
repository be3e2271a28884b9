# make mermaid-check: render the Mermaid diagrams kvet writes (kvet graph's,
# and the pull-request summary's from validate -o markdown) with Mermaid from
# the npm registry (pinned in tools/mermaidcheck/package-lock.json) in
# headless Debian Chromium, and fail on a Mermaid parse or render error or a
# missing SVG. Needs Node.js >= 20, npm and the network to the npm registry;
# never part of make test (docs/mermaid.md).

CHROMIUM    ?= /usr/bin/chromium
MERMAID_OUT := .cache/mermaid

.PHONY: mermaid-check
mermaid-check: build
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "mermaid-check: installing Debian's chromium"; \
			apt-get install -y chromium || { apt-get update && apt-get install -y chromium; } || exit 1; \
		else \
			echo "mermaid-check: $(CHROMIUM) is missing: sudo apt-get install chromium, or CHROMIUM=/path/to/chromium"; exit 1; \
		fi; \
	fi
	@# Installed under .cache (hidden: neither go ./... nor kvet walks it).
	mkdir -p $(MERMAID_OUT)
	cp tools/mermaidcheck/package.json tools/mermaidcheck/package-lock.json tools/mermaidcheck/check.mjs $(MERMAID_OUT)/
	cd $(MERMAID_OUT) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	./$(BIN) graph -o mermaid . > $(MERMAID_OUT)/graph.mmd
	@# The pull-request summary of a change to every file: every target is
	@# affected (the picture is at its bound). Exit 1 (findings) still wrote it.
	./$(BIN) validate -o markdown --changed-since "$$(git rev-list --max-parents=0 HEAD | tail -n 1)" . > $(MERMAID_OUT)/pr-summary.md || [ $$? -eq 1 ]
	node $(MERMAID_OUT)/check.mjs --chromium $(CHROMIUM) --screenshot $(MERMAID_OUT)/mermaid.png \
		$(MERMAID_OUT)/graph.mmd $(MERMAID_OUT)/pr-summary.md tools/kvet/internal/cli/testdata/golden/markdown/*.md
