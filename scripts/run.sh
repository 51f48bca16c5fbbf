#!/usr/bin/env bash
# Builds Tether (release) and runs it at http://127.0.0.1:3000 on its embedded defaults:
# SQLite under ./data, the sandbox networks, mail to ./data/outbox.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh build
scripts/build-release.sh
# The demo: emulated networks on, and their controls may move the clock. Sessions follow
# the instance's clock, so the demo keeps them for a year of moved time.
TETHER_SANDBOX="${TETHER_SANDBOX:-demo}" TETHER_GOOGLE_APP_STATUS="${TETHER_GOOGLE_APP_STATUS:-testing}" \
  TETHER_SESSION_IDLE_MINUTES="${TETHER_SESSION_IDLE_MINUTES:-525600}" \
  TETHER_SESSION_HOURS="${TETHER_SESSION_HOURS:-8760}" \
  LEPTOS_SITE_ROOT=target/site exec target/release/tether serve
