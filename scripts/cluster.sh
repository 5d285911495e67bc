#!/usr/bin/env bash
# Runs a site of N relay nodes on this machine, for trying the cluster:
# Debian's redis-server on 127.0.0.1:${REDIS_PORT:-6390} (no persistence),
# and N servers (default 3) on 127.0.0.1:3000, 3001, … all on that Redis.
# Open any of them: a page hosted on one is served on every other.
# Ctrl-C stops everything.
#
#   scripts/cluster.sh 3
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-3}
redis_port=${REDIS_PORT:-6390}
scripts/setup.sh --redis
export PATH="$HOME/.cargo/bin:$PATH"
cargo leptos build --release --precompress --split

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
  --loglevel warning &
pids+=($!)

export LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_ENV=PROD LEPTOS_OUTPUT_NAME=ephemeral_p2p
for ((i = 0; i < nodes; i++)); do
  target/release/ephemeral_p2p --addr "127.0.0.1:$((3000 + i))" --redis "redis://127.0.0.1:$redis_port" &
  pids+=($!)
done
printf '\n%s nodes on Redis 127.0.0.1:%s: http://127.0.0.1:3000 … http://127.0.0.1:%s (Ctrl-C stops them)\n\n' \
  "$nodes" "$redis_port" "$((3000 + nodes - 1))"
wait -n
