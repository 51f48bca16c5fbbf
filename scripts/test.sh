#!/usr/bin/env bash
# Runs every check and test: formatting, clippy (host and wasm32, warnings denied), unit and
# integration tests on SQLite and on a real Postgres started here, then Playwright in
# Debian's Chromium against the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
# A one-off build gains nothing from the incremental cache, which costs gigabytes of disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

scripts/install-tools.sh test

step() { printf '\n==> %s\n' "$*"; }

step "Formatting"
cargo fmt --all -- --check

step "Clippy, server side"
cargo clippy --workspace --exclude frontend --all-targets -- -D warnings
step "Clippy, browser side (wasm32)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

pg_dir="$PWD/target/test-postgres"
trap 'scripts/postgres.sh stop "$pg_dir"' EXIT
step "Starting a test Postgres"
TETHER_TEST_POSTGRES_URL=$(scripts/postgres.sh start "$pg_dir" "${TETHER_TEST_POSTGRES_PORT:-54329}")
export TETHER_TEST_POSTGRES_URL

step "Unit and integration tests (SQLite and Postgres)"
cargo test --workspace --exclude frontend

step "Release build"
scripts/build-release.sh

step "Playwright in Chromium"
(cd end2end && npx playwright test)
