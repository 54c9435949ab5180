# Trợ lý OCOP — the front door. `make help` lists the targets.
GO      ?= go
BIN     ?= bin/ocopbot
PKGS    ?= ./...

.PHONY: help run test build lint fmt bench
.DEFAULT_GOAL := help

help: ## list the targets
	@awk 'BEGIN{FS=":.*## "} /^[a-z-]+:.*## /{printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## start the bot (the console with embedded defaults when TELEGRAM_BOT_TOKEN is empty)
	$(GO) run ./cmd/ocopbot

test: ## run every test with the race detector, against a real Redis (TEST_REDIS_URL)
	./scripts/with-redis.sh $(GO) test -race -count=1 -timeout 15m $(PKGS)

build: ## build the binary into bin/
	$(GO) build -trimpath -o $(BIN) ./cmd/ocopbot

lint: ## gofmt, go vet and staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

bench: ## speed and memory figures into BENCHMARKS.md, 3 rounds, judged on the medians (smaller: make bench BENCH_FLAGS="-repeat 1 -users 100 -open-duration 5s")
	$(GO) run ./bench/cmd/ocopbench -go "$(GO)" $(BENCH_FLAGS)

fmt: ## format the code
	gofmt -w $$(git ls-files '*.go')
