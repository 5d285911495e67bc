#!/usr/bin/env bash
# Runs the app: installs what is missing, makes a release build and serves it
# on 127.0.0.1:3000. Flags go to the server, e.g.
#   scripts/serve.sh --addr 0.0.0.0:8080 --policy random-drop
# (see `target/release/ephemeral_p2p --help`, and Leptos.toml for the defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo leptos build --release --precompress --split
export LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD
exec target/release/ephemeral_p2p "$@"
