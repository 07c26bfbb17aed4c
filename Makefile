# Build, test and check contracts. `make test` is what CI runs (see .ci/run).

GO       ?= go
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin/contracts
SHARED   ?= ../shared
# Release binaries: every platform users run CI jobs and terminals on.
DIST            ?= dist
RELEASE_TARGETS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
# The one target make test builds to check the release recipe: a
# cross-compiled one, so the check reads the version out of a binary it
# cannot run.
RELEASE_CHECK_TARGET ?= linux/arm64
# Seconds of fuzzing per target in `make fuzz`.
FUZZTIME ?= 30s

.PHONY: all build test gotest conformance api-compat release release-check bench fuzz lint fetch-bench-data docs clean tour

all: lint test

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/contracts

# The unit, script, store and action tests (the action and README tests use
# bin/contracts), the release recipe on one target, then the shared
# conformance cases when ../shared is there.
test: build gotest api-compat release-check conformance

gotest: build
	$(GO) test -timeout 12m ./...

# The registry server never breaks its own clients unknowingly: its API
# document is checked by contracts itself against the released copy.
api-compat: build
	./$(BIN) diff schemas/registry-api.released.yaml schemas/registry-api.yaml

# Static binaries (CGO_ENABLED=0) for RELEASE_TARGETS with VERSION stamped,
# and SHA256SUMS, into DIST (ignored by git); then each is checked.
release:
	GO=$(GO) scripts/release.sh $(DIST) $(VERSION) $(RELEASE_TARGETS)
	$(GO) run scripts/release-check.go $(DIST) $(VERSION)

# make release's recipe on one cross-compiled target, checked the same way,
# into bin/ so it never mixes with a real release in DIST; and the native
# build's version stamp.
release-check: build
	GO=$(GO) scripts/release.sh bin/release-check $(VERSION) $(RELEASE_CHECK_TARGET)
	$(GO) run scripts/release-check.go bin/release-check $(VERSION)
	@test "$$(./$(BIN) --version)" = "contracts version $(VERSION)" || { echo "$(BIN) --version does not print $(VERSION)"; exit 1; }

# The shared conformance cases: a floor set by ../shared/conformance.
conformance: build
	@if [ -f $(SHARED)/conformance/run.go ]; then \
		echo "$(GO) run $(SHARED)/conformance/run.go -bin ./$(BIN)"; \
		$(GO) run $(SHARED)/conformance/run.go -bin ./$(BIN); \
	else \
		echo "conformance: $(SHARED)/conformance not found; skipped"; \
	fi

# The five-minute tour end to end on the embedded registry: publish two
# services, refuse a breaking change, allow the fix.
tour: build
	examples/tour/run.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Every Fuzz target in the tree, FUZZTIME each (go test -fuzz takes one
# target of one package at a time).
fuzz:
	@set -e; \
	for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
		dir=$$(dirname $$f); \
		for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "$(GO) test -run '^$$' -fuzz '^$$t\$$' -fuzztime $(FUZZTIME) $$dir"; \
			$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) $$dir; \
		done; \
	done

lint:
	@out=$$(find . -name '*.go' -not -path '*/testdata/*' -not -path './.git/*' -not -path './bin/*' | xargs gofmt -l); \
	if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Large real-world documents for the benchmarks, into testdata/external/
# (ignored by git). The scripts are optional.
fetch-bench-data:
	@for s in scripts/fetch-openapi-bench.sh scripts/fetch-proto-bench.sh; do \
		if [ -x $$s ]; then echo "$$s"; ./$$s || exit 1; \
		else echo "$$s: not present; skipped"; fi; \
	done

# Regenerate the CLI reference in docs/cli from the cobra commands.
docs:
	$(GO) run ./cmd/contracts gen-docs docs/cli

clean:
	rm -rf bin $(DIST)
