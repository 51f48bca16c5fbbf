#!/usr/bin/env bash
# The sweep benchmark (server/benches/sweep.rs): 100,000 due connections renewed against a
# sandbox provider in its own process, on SQLite (one Tether) and on a durable Postgres
# started here (three Tethers). Release build. Sizes: TETHER_BENCH_CONNECTIONS,
# TETHER_BENCH_WORKERS. Then the dashboard benchmark (server/benches/dashboard.rs): the
# first screen's size, latency and rate with 1,000 and 10,000 channels
# (TETHER_BENCH_DASHBOARD_SIZES). Then the reminder benchmark (server/benches/reminders.rs):
# the minute's notify sweep with 1,000 and 100,000 channels (TETHER_BENCH_REMINDER_SIZES).
# TETHER_BENCH=dashboard or TETHER_BENCH=reminders runs only that one.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

pg_dir="$PWD/target/bench-postgres"
trap 'scripts/postgres.sh stop "$pg_dir"' EXIT
TETHER_BENCH_POSTGRES_URL=$(PG_FSYNC=on scripts/postgres.sh start "$pg_dir" "${TETHER_BENCH_POSTGRES_PORT:-54339}")
export TETHER_BENCH_POSTGRES_URL
TETHER_BENCH_PGBENCH="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pgbench"
export TETHER_BENCH_PGBENCH
bench="${TETHER_BENCH:-all}"
if [ "$bench" = all ]; then
  cargo bench -p server --bench sweep
fi
if [ "$bench" = all ] || [ "$bench" = dashboard ]; then
  cargo bench -p server --bench dashboard
fi
if [ "$bench" = all ] || [ "$bench" = reminders ]; then
  cargo bench -p server --bench reminders
fi
