#!/usr/bin/env bash
# Installs what building (and, with --tests, testing) needs, skipping whatever
# is already there. Everything comes from the package registries (crates.io,
# npm, Debian); nothing downloads a binary or a browser from anywhere else.
#
#   scripts/setup.sh           toolchain for building and serving
#   scripts/setup.sh --redis   also redis-server (scripts/cluster.sh)
#   scripts/setup.sh --tests   also Chromium, redis-server, coturn, the end-to-end test packages,
#                              systemd-analyze and promtool (to check ops/)
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=false
with_redis=false
[[ "${1:-}" == "--tests" ]] && with_tests=true && with_redis=true
[[ "${1:-}" == "--redis" ]] && with_redis=true

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
apt_updated=false
apt_install() {
  if ! $apt_updated; then as_root apt-get update -qq; apt_updated=true; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

export PATH="$HOME/.cargo/bin:$PATH"

# The wasm-bindgen CLI must match the library version pinned in Cargo.lock.
wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 0.3.11 needs a newer rustc; no_downloads makes a missing tool fail loudly
# instead of reaching for the internet.
if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then
  say "installing cargo-leptos 0.3.10 (about 12 minutes on 2 cores)"
  cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $wasm_bindgen_version\$"; then
  say "installing wasm-bindgen-cli $wasm_bindgen_version"
  # Not --locked: one of its pinned dependencies is gone from the registry.
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

# Debian's binaryen (v108) builds WASM that never hydrates; npm's v132 works.
if ! wasm-opt --version 2>/dev/null | grep -q 'version 132'; then
  if dpkg -s binaryen >/dev/null 2>&1; then
    say "removing Debian's binaryen (its wasm-opt breaks hydration)"
    as_root apt-get remove -y -qq binaryen
  fi
  say "installing wasm-opt 132 from npm's binaryen"
  as_root npm install -g --no-fund --no-audit binaryen@132.0.0
fi

if $with_tests; then
  if ! command -v chromium >/dev/null; then
    say "installing Debian's Chromium"
    apt_install chromium
  fi

  # The screenshots of the interface in Japanese (language.spec.ts) show
  # its glyphs, not boxes: Chromium finds no CJK font of its own.
  if ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
    say "installing Debian's Noto CJK fonts (for the Japanese screenshots)"
    apt_install fonts-noto-cjk
  fi

  # ops/ is checked with the tools that read it: systemd-analyze for the
  # service unit, promtool for the alert rules. promtool is taken out of
  # Debian's prometheus package without installing it (no server runs).
  if ! command -v systemd-analyze >/dev/null; then
    say "installing Debian's systemd (for systemd-analyze)"
    apt_install systemd
  fi
  if ! command -v promtool >/dev/null; then
    say "installing promtool from Debian's prometheus package"
    if ! $apt_updated; then as_root apt-get update -qq; apt_updated=true; fi
    deb_dir=$(mktemp -d) && chmod 0755 "$deb_dir"   # readable by apt's _apt user
    (cd "$deb_dir" && apt-get download -q prometheus)
    dpkg-deb --fsys-tarfile "$deb_dir"/prometheus_*.deb | tar -xO ./usr/bin/promtool > "$deb_dir/promtool"
    as_root install -m 0755 "$deb_dir/promtool" /usr/local/bin/promtool
    rm -rf "$deb_dir"
  fi

  # Direct connections' tests run coturn (TURN) inside a network namespace
  # of their own (scripts/netns.sh); installing it starts nothing.
  if ! command -v turnserver >/dev/null; then
    say "installing Debian's coturn"
    apt_install coturn
  fi

  lock_stamp=end2end/node_modules/.package-lock.json
  if [[ ! -f $lock_stamp || end2end/package-lock.json -nt $lock_stamp ]]; then
    say "installing the end-to-end test packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-fund --no-audit)
  fi
fi

# The cluster's tests and scripts/cluster.sh start their own Redis (no
# persistence, loopback); installing it starts none.
if $with_redis && ! command -v redis-server >/dev/null; then
  say "installing Debian's redis-server"
  apt_install redis-server
fi

say "toolchain ready: $(cargo leptos --version), wasm-bindgen $wasm_bindgen_version, $(wasm-opt --version)"
