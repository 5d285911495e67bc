#!/usr/bin/env bash
# Runs the benchmark (see BENCHMARKS.md): release builds of the server and
# the load generator, then every scenario under each routing policy in one
# run. Prints one table and writes it to target/bench.md, and draws the
# charts BENCHMARKS.md embeds into docs/bench/ (a --smoke or --only run
# draws into target/bench-charts/ instead). Loopback only;
# about 20 minutes on 2 cores, most of it the
# random-drop policy's 2 s retries. `scripts/bench.sh --smoke` is the seconds-long
# version the test suite runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo leptos build --release --precompress --split
cargo build --release -p ep2p-bench
charts=docs/bench
for arg in "$@"; do
  [[ $arg == --smoke || $arg == --only* ]] && charts=target/bench-charts
done
exec target/release/ep2p-bench --markdown target/bench.md --charts "$charts" "$@"
