#!/usr/bin/env bash
# Runs every test: installs what is missing (toolchain, Chromium, Playwright),
# checks formatting and lints for both builds, runs the Rust unit and
# integration tests, builds the release site and runs Playwright against it.
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

say "cargo fmt --check"
cargo fmt --all --check

say "the module graph of every crate has no circle (scripts/check-modules.py, and its own tests)"
python3 scripts/test_check_modules.py
python3 scripts/check-modules.py --max-lines 600

say "clippy (ssr)"
cargo clippy --workspace --all-targets --features ssr -- -D warnings
say "clippy (hydrate, wasm32)"
cargo clippy --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings

say "release build (server + WASM)"
cargo leptos build --release --precompress --split

say "Rust unit and integration tests"
cargo test --workspace --features ssr

say "release builds of the load generator and the mirror"
cargo build --release -p ep2p-bench -p ep2p-mirror

say "benchmark smoke run (every scenario, seconds)"
target/release/ep2p-bench --smoke

say "Playwright end-to-end tests (Debian's Chromium)"
(cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npx playwright test)

say "direct connections (WebRTC) in a network namespace of their own (scripts/netns.sh, as root)"
(cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 ../scripts/netns.sh npx playwright test -c direct.config.ts)

say "open-link measurement, one visit each (so the harness cannot rot; figures: BENCHMARKS.md §9)"
(cd end2end && RUNS=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npx playwright test -c measure.config.ts)
