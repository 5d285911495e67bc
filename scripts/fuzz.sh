#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer through cargo-fuzz) of the frame
# decoder, the binary frame decoder and the hub, SECONDS per target
# (default 60). Crashes land in fuzz/artifacts/<target>/; turn each into a
# regression test. The bounded, random form of each runs in the ordinary
# test suite.
#
# cargo-fuzz needs nightly-only compiler flags; this machine has stable
# only, so RUSTC_BOOTSTRAP=1 lets the stable compiler accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
for target in frame binary hub; do
  printf '\n==> fuzzing %s for %ss\n' "$target" "$seconds"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds"
done
