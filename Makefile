# One Makefile for the whole project: the deploy build (`sam build` calls the
# build-<LogicalId> targets), the local stack, the tests and the benchmarks.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
GOARCH    ?= arm64
GOFLAGS_LAMBDA := -tags lambda.norpc -trimpath -ldflags='-s -w'

.PHONY: help
help: ## list the targets
	@grep -E '^[a-zA-Z_%-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

# --------------------------------------------------------------------- build
# sam build (BuildMethod: makefile) runs `make build-IntakeFunction
# ARTIFACTS_DIR=...`; the function's folder is the logical id without the
# "Function" suffix, lower-cased: IntakeFunction -> functions/intake.
build-%Function:
	CGO_ENABLED=0 GOOS=linux GOARCH=$(GOARCH) $(GO) build $(GOFLAGS_LAMBDA) \
		-o $(ARTIFACTS_DIR)/bootstrap ./functions/$(shell echo $* | tr '[:upper:]' '[:lower:]')

# --------------------------------------------------------------- local stack
# Pinned emulators and tools live in .cache/ (see docs/ARCHITECTURE.md);
# cmd/devstack installs, starts, stops and provisions them.
DEVSTACK := $(GO) run ./cmd/devstack

.PHONY: tools stack-up stack-down
tools: poppler ## install the pinned DynamoDB Local, moto, SAM CLI and checkov into .cache/
	$(DEVSTACK) install

# The invoice tests read the PDFs back with pdftotext and pdftoppm
# (poppler-utils); CI runs as root, a workstation through sudo.
.PHONY: poppler
poppler: ## install poppler-utils (pdftotext, pdftoppm) unless present
	@command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq poppler-utils; }

stack-up: ## start DynamoDB Local and moto (if needed) and provision template.yaml
	$(DEVSTACK) up

stack-down: ## stop the emulators this checkout started
	$(DEVSTACK) down

# ------------------------------------------------------------- local runtime
# cmd/samlocal runs template.yaml's functions as Lambda would (Runtime API,
# HTTP API with the JWT authorizer, SQS and stream pollers, schedules). It is
# built first and run directly so that Ctrl-C reaches it without a `go run`
# in between: it then stops every function process, and the emulators if it
# started them.
SAMLOCAL := .cache/samlocal/bin/samlocal

.PHONY: dev sam-build
dev: ## start the stack if needed, build every function, serve 127.0.0.1:3000, print a dev token (Ctrl-C stops all)
	$(GO) build -o $(SAMLOCAL) ./cmd/samlocal
	$(SAMLOCAL) up --stack

# --build-in-source: the makefile builder would otherwise copy the whole
# repository, .cache/ included, once per function.
sam-build: tools ## sam build (BuildMethod: makefile, no Docker) into .aws-sam/build
	SAM_CLI_TELEMETRY=0 $(SAM) build --build-in-source --template template.yaml

# -------------------------------------------------------------------- checks
SAM     := .cache/venv-sam/bin/sam
CFNLINT := .cache/venv-sam/bin/cfn-lint
# checkov scans template.yaml for IAM and security misconfigurations (pinned
# in cmd/devstack); each check it must not apply is skipped on its resource,
# with the reason, under Metadata: checkov: skip.
CHECKOV := .cache/venv-checkov/bin/checkov
# cfn-lint-serverless rules that misread this template: ES6000 asks the
# dead-letter queues themselves for a redrive policy, WS1004 does not see
# log groups attached through LoggingConfig.LogGroup, ES7000 asks the alarm
# e-mail subscription for a dead-letter queue (whose depth alarm would go
# out through the very subscription that failed).
SERVERLESS_IGNORE := ES6000,WS1004,ES7000

.PHONY: lint
lint: tools ## sam validate --lint, serverless rules, checkov, go vet, staticcheck (all run; fails if one does)
	@rc=0; \
	echo "lint: sam validate --lint"; \
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --template template.yaml --region eu-west-3 || rc=1; \
	echo "lint: cfn-lint with cfn-lint-serverless rules"; \
	$(CFNLINT) --regions eu-west-3 --append-rules cfn_lint_serverless.rules --ignore-checks $(SERVERLESS_IGNORE) -- template.yaml || rc=1; \
	echo "lint: checkov"; \
	$(CHECKOV) --file template.yaml --framework cloudformation --quiet --compact --skip-download || rc=1; \
	echo "lint: go vet"; \
	$(GO) vet ./... || rc=1; \
	echo "lint: staticcheck"; \
	$(GO) tool staticcheck ./... || rc=1; \
	exit $$rc

# GOTEST_FLAGS applies to the whole suite, unit and integration tests alike:
# the integration tests need the stack and fail when it is down.
GOTEST_FLAGS ?= -race -count=1 -timeout 30m

# test runs lint, the tests and the fuzzing even when an earlier step fails,
# so that one run reports every problem; it fails if any step did.
.PHONY: test
test: tools stack-up ## everything, from a fresh machine: tools, stack, lint, sam build, all tests, short fuzzing
	@rc=0; \
	$(MAKE) --no-print-directory lint || rc=1; \
	$(MAKE) --no-print-directory sam-build || rc=1; \
	$(GO) test $(GOTEST_FLAGS) ./... || rc=1; \
	$(MAKE) --no-print-directory fuzz || rc=1; \
	if [[ $$rc != 0 ]]; then echo "make test: FAILED (see above)"; fi; \
	exit $$rc

# FUZZ lists the fuzz targets as package:FuzzName; left empty, it is every
# Fuzz* function `go test -list` finds, so a new one runs without editing
# this file. FUZZTIME is the budget of each target. A run that ends in a
# bare "context deadline exceeded" without a failing input is Go's own
# -fuzztime race (go.dev/issue/75804, fixed in Go 1.27), not a finding; any
# failing input, panic or test failure still fails the target.
FUZZ     ?=
FUZZTIME ?= 10s

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (FUZZ=pkg:FuzzName... to choose)
	@set -euo pipefail; \
	targets="$(FUZZ)"; \
	if [[ -z "$$targets" ]]; then \
		targets=$$($(GO) test -list '^Fuzz' ./... | awk '/^Fuzz/ { names = names " " $$1 } \
			/^(ok|\?)/ { n = split(names, f, " "); for (i = 1; i <= n; i++) print $$2 ":" f[i]; names = "" }'); \
	fi; \
	if [[ -z "$$targets" ]]; then echo "fuzz: no fuzz targets"; exit 0; fi; \
	for t in $$targets; do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		log=$$(mktemp); rc=0; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" > "$$log" 2>&1 || rc=$$?; \
		grep -v '^fuzz: elapsed' "$$log" || true; \
		if [[ $$rc -ne 0 ]]; then \
			if grep -q 'context deadline exceeded' "$$log" && ! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:' "$$log"; then \
				echo "fuzz: $$name: Go's -fuzztime shutdown race (go.dev/issue/75804, fixed in Go 1.27), no failing input: not a finding"; \
			else rm -f "$$log"; exit $$rc; fi; \
		fi; \
		rm -f "$$log"; \
	done

# BENCH selects benchmarks (a -bench pattern); the raw output is kept in
# .cache/bench/latest.txt for benchstat. cmd/costreport then prints the
# list-price cost of 1,000 orders from what the benchmarks measured (and
# says so when this run lacks a benchmark it needs). BenchmarkColdStart
# fails the run when a function's init or size is over twice hello-world's.
BENCH     ?= .
BENCHTIME ?= 1s

.PHONY: bench
bench: ## run every benchmark once, one package at a time (-p 1: no package's benchmark shares the CPU with another's), print a short report and the cost per 1,000 orders
	@set -euo pipefail; mkdir -p .cache/bench; out=.cache/bench/latest.txt; \
	$(GO) test -p 1 -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem ./... > $$out || { cat $$out; exit 1; }; \
	awk '/^pkg:/ { pkg = $$2 } \
		/^Benchmark/ { if (pkg != last) { print pkg; last = pkg }; \
			line = sprintf("  %-48s", $$1); \
			for (i = 3; i < NF; i += 2) line = line sprintf(" %12s %s", $$i, $$(i+1)); \
			print line; n++ } \
		END { if (n == 0) print "bench: no benchmarks found"; else printf "%d benchmarks; raw output in %s\n", n, "'$$out'" }' $$out; \
	$(GO) run ./cmd/costreport -bench $$out -template template.yaml
