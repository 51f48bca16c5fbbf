#!/usr/bin/env bash
# Builds Tether (release) and runs it at http://127.0.0.1:3000 on its embedded defaults:
# SQLite under ./data, the sandbox networks, mail to ./data/outbox.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh build
scripts/build-release.sh
# The demo: emulated networks on, and their controls may move the clock.
TETHER_SANDBOX="${TETHER_SANDBOX:-demo}" TETHER_GOOGLE_APP_STATUS="${TETHER_GOOGLE_APP_STATUS:-testing}" \
  LEPTOS_SITE_ROOT=target/site exec target/release/tether serve
