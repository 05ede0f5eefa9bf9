#!/usr/bin/env bash
# Install attn_team and what it needs into ./.venv (idempotent). Used by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# torch is declared as torch>=2.2,<2.14 in pyproject.toml: pip takes the CPU wheel, not a CUDA build.
.venv/bin/python -m pip install --quiet -e ".[test]"
