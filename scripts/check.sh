#!/usr/bin/env bash
# One command that checks everything before a commit (and in CI): formatting, lints and
# types of both languages. Tests are `npm test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check
step "cargo clippy (native, all targets)"
cargo clippy --quiet --workspace --all-targets --all-features -- -D warnings
if rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
  step "cargo clippy (wasm32 + simd128: the SIMD kernels)"
  RUSTFLAGS="-C target-feature=+simd128" CARGO_TARGET_DIR=target/clippy-wasm \
    cargo clippy --quiet --target wasm32-unknown-unknown -p diabolo-wasm --all-features -- -D warnings
fi
[ -f ts/src/wasm/glue.d.ts ] || { step "build:wasm (tsc needs the glue's types)"; npm run --silent build:wasm; }
step "import cycles (ts/src: files and folders form a DAG; Rust modules too)"
node scripts/check-cycles.mjs
node scripts/check-rust-cycles.mjs
step "tsc --noEmit (strict)"
npx tsc --noEmit -p tsconfig.json
step "biome check (lint + format)"
npx biome check --error-on-warnings .
step "typedoc (the API reference; any warning fails)"
npm run --silent docs
printf '\ncheck: all clean\n'
