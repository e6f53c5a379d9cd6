#!/usr/bin/env bash
# The bench's own peers: a Python venv with NumPy from PyPI (its wheel carries OpenBLAS) and
# threadpoolctl to report which BLAS kernel runs. TensorFlow.js and brain.js are pinned
# devDependencies (npm ci). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$here/.cache/bench-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import numpy, threadpoolctl' 2>/dev/null; then
  echo "[setup-bench] creating $venv with numpy and threadpoolctl"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q numpy threadpoolctl
fi
# PyTorch's column: the venv of `npm run interop` (a few GB from PyPI the first time). The
# benchmark runs without it, and says why, when it cannot be installed.
bash "$here/scripts/setup-interop.sh" || echo "[setup-bench] no PyTorch: bench:train skips its column" >&2
