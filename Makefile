# The README's commands. Every target installs what it needs first (scripts/setup.sh is
# idempotent and takes seconds once everything is there).
SHELL := /bin/bash
ENV := source scripts/env.sh &&
FUZZ_SECONDS ?= 15
JS_SOURCES := pkg/src scripts www tests/node tests/browser tests/types bench examples

.PHONY: all setup build demo test lint test-rust test-wasm test-node fuzz bench clean

all: build

setup:
	@bash scripts/setup.sh

build: setup
	@$(ENV) node scripts/build.mjs

demo: build
	@$(ENV) node www/server/main.mjs

lint: setup
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -q -- -D warnings
	npx --no-install prettier --check --log-level warn --no-error-on-unmatched-pattern $(JS_SOURCES)

test-rust: setup
	cargo test --workspace -q

test-wasm: build
	$(ENV) PATH="$$OSSUP_WASM_PATH" CARGO_TARGET_DIR=target/wasm wasm-pack --log-level warn test --headless --chrome 2>&1 | grep -vE "^(\s*Compiling|\s*Finished|\s*Running|\s*Blocking|running 0 tests|test result: ok. 0 passed|no tests to run|\s*$$)"; test $${PIPESTATUS[0]} -eq 0

fuzz: setup
	$(ENV) FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

# A test that hangs fails after 10 minutes (a cold framework build takes about 5) instead of
# holding CI until its limit.
test-node: build
	node --test --test-concurrency=2 --test-timeout=600000 tests/node/

# Node's test runner last: its summary is the closing line of the run.
test: lint test-rust test-wasm fuzz test-node

bench: build
	@bash scripts/setup.sh --bench
	@$(ENV) node bench/run.mjs

clean:
	rm -rf target pkg/dist fuzz/target test-output
