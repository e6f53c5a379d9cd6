#!/usr/bin/env bash
# The Python side of `npm run interop` and of the PyTorch column of `npm run bench:train`: a
# venv in .cache/interop-venv with PyTorch, safetensors, NumPy, onnx and onnxruntime from
# PyPI (PyPI's Linux torch wheel brings its CUDA libraries along, a few GB; diabolo only
# uses its CPU side). Idempotent: a venv that imports all of them is kept as it is.
# Exits 3 (and says why) when the packages cannot be installed here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$here/.cache/interop-venv"
check='import torch, safetensors, numpy, onnx, onnxruntime'
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$check" 2>/dev/null; then
  exit 0
fi
echo "[setup-interop] creating $venv with torch, safetensors, numpy, onnx, onnxruntime (PyPI; a few GB, minutes)" >&2
mkdir -p "$here/.cache"
python3 -m venv "$venv"
if ! "$venv/bin/pip" install -q --disable-pip-version-check torch safetensors numpy onnx onnxruntime >&2; then
  echo "[setup-interop] pip could not install the packages (see above)" >&2
  exit 3
fi
"$venv/bin/python" -c "$check"
