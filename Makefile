# The two commands of the README:
#   make serve   serves the playground at http://127.0.0.1:8080
#   make test    runs the whole test suite
# Both install what is missing first (scripts/setup.sh, scripts/setup-browser.sh).

SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: serve test setup setup-browser engine-test lint wasm e2e bench bench-wasm bench-ui build bundle-size

serve: setup
	trunk serve --offline

setup:
	scripts/setup.sh

setup-browser:
	scripts/setup-browser.sh

## Everything: formatting, lints, engine tests, the release wasm build, browser tests.
test: setup setup-browser lint engine-test wasm e2e

lint:
	cargo fmt --all --check
	cargo clippy --locked --workspace --exclude ecs-playground-app --all-targets -- -D warnings
	cargo clippy --locked -p ecs-playground-app --target wasm32-unknown-unknown -- -D warnings

engine-test:
	cargo test --locked -p ecs-engine

## The release build of the static site into dist/.
wasm build:
	trunk build --release --offline

e2e:
	cargo test --locked -p e2e -- --test-threads=1

bench:
	cargo bench -p ecs-engine --bench placement

## The same benchmarks in wasm, in headless Chromium: the benchmark page is not part of the
## playground's bundle, it is built on its own (the app's `bench` feature) into target/bench-dist.
bench-wasm:
	trunk build --release --offline --features bench --dist target/bench-dist
	E2E_DIST=target/bench-dist cargo run --release -p e2e --bin wasm-bench

## UI performance: first render, and frame times with 1,000 instances and 10,000 tasks.
bench-ui:
	cargo run --release -p e2e --bin ui-bench

## What the browser downloads, gzipped (BENCHMARKS.md, "Bundle size"): the playground's wasm,
## js and css in dist/, and the engine alone (engine/wasm-floor) with the same
## profile and wasm-opt level, the floor under any UI.
bundle-size: build
	cargo build -q --locked -p ecs-engine-wasm-floor --profile wasm-release --target wasm32-unknown-unknown
	wasm-opt -Oz --strip-debug --strip-producers target/wasm32-unknown-unknown/wasm-release/ecs_engine_wasm_floor.wasm -o target/wasm_floor.wasm
	@for f in dist/*.wasm dist/*.js dist/*.css target/wasm_floor.wasm; do printf '%9d gzipped  %s\n' "$$(gzip -6 -c $$f | wc -c)" "$$f"; done
