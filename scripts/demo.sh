#!/usr/bin/env bash
# One command: install, then run the main job on the shipped sample organisation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/attn-team demo "$@"
