#!/usr/bin/env bash
# The Python suite, set-up included: a fresh virtual environment, the wheel built from this
# checkout (release, reusing the workspace's target directory), then pytest. Exits non-zero
# on any failure, and when pytest runs no test (its exit code 5).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
venv="$here/.venv-test"
python="${PYTHON:-python3}"

rm -rf "$venv" "$here/dist"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
# onnx builds the small test graphs; the rest is what the suite and the Dask example import
"$venv/bin/python" -m pip install --quiet maturin numpy pytest onnxruntime onnx \
  "dask[distributed]" matplotlib

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
"$venv/bin/maturin" build --release --manifest-path "$here/Cargo.toml" \
  --interpreter "$venv/bin/python" --out "$here/dist"
"$venv/bin/python" -m pip install --quiet "$here"/dist/nngrad-*.whl

cd "$here"
"$venv/bin/python" -m pytest tests -p no:cacheprovider
