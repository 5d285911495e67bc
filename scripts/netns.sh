#!/usr/bin/env bash
# Runs a command inside a network namespace of its own (SPEC §14's tests:
# WebRTC and TURN, never on the machine's own network). Inside: loopback,
# and a veth pair v0 198.18.0.1/24 <-> v1 198.18.0.2/24 (the benchmarking
# range, RFC 2544) with a default route through it that leads nowhere
# outside: Chromium gathers no candidate without a default route. Nothing
# inside can reach anything outside. Needs root (CI runs as root).
#
#   scripts/netns.sh turnserver …      # the command, and its arguments
set -euo pipefail
[[ $# -gt 0 ]] || { echo "usage: $0 COMMAND [ARG…]" >&2; exit 2; }
exec unshare -n bash -c '
  set -euo pipefail
  ip link set lo up
  ip link add v0 type veth peer name v1
  ip addr add 198.18.0.1/24 dev v0
  ip addr add 198.18.0.2/24 dev v1
  ip link set v0 up
  ip link set v1 up
  ip route add default via 198.18.0.2 dev v0
  exec "$@"' netns "$@"
