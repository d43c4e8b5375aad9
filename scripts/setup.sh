#!/usr/bin/env bash
# Installs what building and serving the playground needs, skipping what is already there:
# the wasm32 target, trunk 0.21.x, wasm-bindgen-cli at exactly the version pinned in
# Cargo.toml, and wasm-opt (npm's binaryen, into .tools/). Trunk itself never downloads.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml)
BINARYEN_VERSION=132.0.0
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "setup: cannot read the pinned wasm-bindgen version from Cargo.toml" >&2; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.'; then
  echo "setup: installing trunk 0.21.x (a few minutes)"
  cargo install trunk --version '~0.21' --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  echo "setup: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes)"
  # No --locked: the registry mirror can lag the CLI's own lock file.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! [ -x .tools/node_modules/.bin/wasm-opt ]; then
  echo "setup: installing wasm-opt (npm binaryen $BINARYEN_VERSION) into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
fi

# trunk runs with offline = true (Trunk.toml), which makes cargo offline too: fetch first.
cargo fetch --locked
