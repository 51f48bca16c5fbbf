#!/usr/bin/env bash
# Installs what building and testing Tether needs, each piece only when it is missing.
# Usage: scripts/install-tools.sh build   (Rust WASM target, cargo-leptos, wasm-bindgen, wasm-opt)
#        scripts/install-tools.sh test    (the above, plus Chromium, Postgres, Playwright, oidc-provider, smtp-server)
# Nothing here downloads a binary outside the package registries; see ../shared/toolchain.md.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs a newer rustc than this machine has
# The wasm-bindgen CLI must be exactly the version of the crate pinned in Cargo.toml.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml)

say() { printf '\n==> %s\n' "$*"; }

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    sudo_if_needed apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "$@"
}

build_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    say "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes, once)"
    # --locked fails on a dependency the index no longer has; the plain install works.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  if [ ! -x tools/node_modules/.bin/wasm-opt ]; then
    say "Installing wasm-opt (npm binaryen; Debian's version breaks hydration)"
    (cd tools && npm ci --no-audit --no-fund)
  fi
}

test_tools() {
  build_tools
  if [ ! -x /usr/bin/chromium ]; then
    say "Installing Debian's Chromium for Playwright"
    apt_install chromium
  fi
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    say "Installing Debian's PostgreSQL for the Postgres tests"
    apt_install postgresql
  fi
  if [ ! -x end2end/node_modules/.bin/playwright ] \
    || [ ! -d end2end/node_modules/@axe-core/playwright ]; then
    say "Installing Playwright and axe-core (no browser download: it drives Debian's Chromium)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
  if [ ! -d server/tests/oidc/node_modules/oidc-provider ]; then
    say "Installing oidc-provider, the real authorization server the generic network is tested against"
    (cd server/tests/oidc && npm ci --no-audit --no-fund)
  fi
  if [ ! -d server/tests/smtp/node_modules/smtp-server ]; then
    say "Installing smtp-server, the real SMTP server the mail tests send to"
    (cd server/tests/smtp && npm ci --no-audit --no-fund)
  fi
}

case "${1:-}" in
  build) build_tools ;;
  test) test_tools ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
