# Agent Console — the two commands a user needs are `make run` and `make test`.
# Every target installs what it is missing first (scripts/setup.sh), so a fresh machine needs nothing else.

SHELL := /bin/bash
export TRUNK_SKIP_VERSION_CHECK := true
export CARGO_TERM_COLOR ?= always

LISTEN ?= 127.0.0.1:7080
ARGS ?=
SERVER := target/release/agent-console

.PHONY: run build app server setup setup-test test test-native test-browser test-e2e bench screenshots clean

## run: install what is missing, build the app and start the console against the embedded backend
run: build
	$(SERVER) serve --listen $(LISTEN) $(ARGS)

## build: release build of the web app (dist/) and of the server
build: setup app server

## app: the web app into dist/ (Trunk runs scripts/build-wasm.mjs as its post_build hook)
app:
	trunk build --release

server:
	cargo build --release --locked -p agent-console-server

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

## test: install what the tests need, then run every level: native, headless browser, end to end
test: setup-test
	@scripts/test.sh all

test-native: setup-test
	@scripts/test.sh native

test-browser: setup-test
	@scripts/test.sh browser

test-e2e: setup-test
	@scripts/test.sh e2e

## screenshots: the README's pictures of every view (desktop and phone)
screenshots: build
	node scripts/screenshots.mjs

## bench: release build, then the performance figures of issue 7 (target/bench/results.json); not part of `make test`
bench: setup-test app server
	node bench/run.mjs

clean:
	rm -rf dist target/bench test-results
