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
