# Precis: `make run` starts the server, `make test` runs every test (CI runs it through .ci/run).
GOBIN := $(shell go env GOPATH)/bin
export PATH := $(GOBIN):$(PATH)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: run build test deps generate check-generated vet compose bench

run:
	go run -ldflags "$(LDFLAGS)" ./cmd/precis serve

# The same script builds the binary in the Dockerfile, so both are built alike.
build:
	bash scripts/build.sh bin/precis $(VERSION)

deps:
	bash scripts/test-deps.sh

generate:
	templ generate

# CI regenerates the templ code and fails when the committed *_templ.go files differ.
check-generated: generate
	@git diff --exit-code -- '*_templ.go' || { echo "templ generate changed files: commit them"; exit 1; }

vet:
	@echo "gofmt -l"; test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...

# There is no Docker engine on the test machines: validate the compose file.
compose:
	docker-compose config -q && echo "docker-compose.yml is valid"

test: deps check-generated vet compose build
	go test -count=1 -timeout 15m ./...

bench:
	bash scripts/bench.sh
