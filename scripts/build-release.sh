#!/usr/bin/env bash
# The release build: server binary, size-optimised WASM, CSS. Prints the WASM's size.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cargo leptos build --release
wasm=target/site/pkg/tether.wasm
raw=$(wc -c <"$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
budget=$((250 * 1024))
printf 'WASM size: %d KB raw, %d KB gzip (budget %d KB gzip)\n' $((raw / 1024)) $((gz / 1024)) $((budget / 1024))
if [ "$gz" -gt "$budget" ]; then
  echo "The WASM is over its size budget." >&2
  exit 1
fi
