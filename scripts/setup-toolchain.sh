#!/usr/bin/env bash
# Provision what building diabolo needs: a Rust toolchain with the wasm32-unknown-unknown
# target, wasm-bindgen-cli at exactly the version of the wasm-bindgen crate, and wasm-pack.
# Idempotent: with everything in place it only checks, in a few seconds.
#
# Where `rustup target add wasm32-unknown-unknown` works (an ordinary machine), that is all
# it does for the target. Where it cannot (no access to rustup's servers), it falls back to
# Debian's Rust (rustc-web, same major toolchain, with its standard-library sources) and
# builds the wasm32 standard library from those sources once, offline, into Debian's
# sysroot (/usr/lib/rustlib). scripts/wasm-env.sh then picks whichever toolchain has the
# target. DIABOLO_FORCE_DEBIAN_STD=1 takes the fallback even when rustup would work.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '[setup-toolchain] %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

WASM_TARGET=wasm32-unknown-unknown
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' "$here/crates/diabolo-wasm/Cargo.toml")"
WASM_PACK_VERSION=0.15.1
[ -n "$WASM_BINDGEN_VERSION" ] || { log "cannot read the pinned wasm-bindgen version from crates/diabolo-wasm/Cargo.toml"; exit 1; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || { log "need Debian packages ${missing[*]} but apt-get is absent"; exit 1; }
  log "apt-get install ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# --- 1. a host Rust toolchain -------------------------------------------------------------
if ! command -v cargo >/dev/null; then
  log "no cargo on PATH: installing Debian's Rust"
  apt_install rustc-web cargo-web
fi

# --- 2. the wasm32 target ----------------------------------------------------------------
has_target() { # $1 = rustc binary
  local sysroot; sysroot="$("$1" --print sysroot 2>/dev/null)" || return 1
  compgen -G "$sysroot/lib/rustlib/$WASM_TARGET/lib/libstd-*.rlib" >/dev/null
}

debian_std() {
  apt_install rustc-web cargo-web rust-web-src lld-22
  if has_target /usr/bin/rustc; then log "wasm32 std already in Debian's sysroot"; return 0; fi
  local ver src work dest
  ver="$(/usr/bin/rustc --version | awk '{print $2}')"
  src="/usr/src/rustc-$ver/library"
  [ -d "$src/vendor" ] || { log "expected Rust $ver library sources in $src (package rust-web-src)"; exit 1; }
  work="$(mktemp -d)"; dest="$(/usr/bin/rustc --print sysroot)/lib/rustlib/$WASM_TARGET/lib"
  log "building the wasm32 standard library from $src (about a minute, once)"
  mkdir -p "$work/stdbuild/src" "$work/stdbuild/.cargo"
  printf '[package]\nname = "stdbuild"\nversion = "0.0.0"\nedition = "2021"\n[lib]\ncrate-type = ["rlib"]\n[workspace]\n' >"$work/stdbuild/Cargo.toml"
  echo '#![no_std]' >"$work/stdbuild/src/lib.rs"
  printf '[source.crates-io]\nreplace-with = "vendored-std"\n[source.vendored-std]\ndirectory = "%s"\n' "$src/vendor" >"$work/stdbuild/.cargo/config.toml"
  (cd "$work/stdbuild" && PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 \
    RUSTFLAGS="-C embed-bitcode=yes" \
    cargo build --release --offline --target "$WASM_TARGET" -Zbuild-std=std,panic_abort >"$work/build.log" 2>&1) \
    || { tail -30 "$work/build.log"; log "building std for wasm32 failed"; exit 1; }
  mkdir -p "$dest"
  find "$work/stdbuild/target/$WASM_TARGET/release/deps" -name '*.rlib' ! -name 'libstdbuild-*' -exec cp {} "$dest/" \;
  rm -rf "$work"
  has_target /usr/bin/rustc || { log "std rlibs were copied to $dest but rustc still lacks the target"; exit 1; }
  log "wasm32 std installed in $dest"
}

if [ "${DIABOLO_FORCE_DEBIAN_STD:-0}" = 1 ]; then
  debian_std
elif has_target rustc; then
  log "rustc $(rustc --version | awk '{print $2}') has $WASM_TARGET"
elif command -v rustup >/dev/null && timeout 120 rustup target add "$WASM_TARGET" >/dev/null 2>&1 && has_target rustc; then
  log "added $WASM_TARGET with rustup"
elif has_target /usr/bin/rustc; then
  log "using Debian's Rust, which has $WASM_TARGET"
else
  log "rustup cannot add $WASM_TARGET here: falling back to Debian's Rust sources"
  debian_std
fi

# --- 3. wasm-bindgen-cli (exact version) and wasm-pack -----------------------------------
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (several minutes, once)"
  # Its lock file can name crate versions the registry no longer serves; fall back to a fresh resolve.
  cargo install -q wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --locked 2>/dev/null \
    || cargo install -q wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --force
fi
log "wasm-bindgen $(wasm-bindgen --version | awk '{print $2}')"

if ! command -v wasm-pack >/dev/null; then
  log "cargo install wasm-pack $WASM_PACK_VERSION (several minutes, once)"
  cargo install -q wasm-pack --version "=$WASM_PACK_VERSION" --locked 2>/dev/null \
    || cargo install -q wasm-pack --version "=$WASM_PACK_VERSION" --force
fi
log "wasm-pack $(wasm-pack --version | awk '{print $2}')"

# wasm-objdump (wabt) lets the build prove the binary contains SIMD instructions.
command -v wasm-objdump >/dev/null || apt_install wabt
log "ready"
