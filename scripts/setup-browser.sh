#!/usr/bin/env bash
# Debian's Chromium for the browser tests (playwright-core drives it; its own browser
# download cannot reach the network here). Idempotent; without root and without Chromium
# it only warns, and the browser tests skip themselves.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium" ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "[setup-browser] no $chromium and cannot apt-get install chromium: browser tests will be skipped" >&2
  exit 0
fi
echo "[setup-browser] apt-get install chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
