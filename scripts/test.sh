#!/usr/bin/env bash
# One command: install everything the tests need (Debian's Chromium for the browser
# tests, the package with its test extra), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "warning: could not install chromium; browser tests will skip" >&2
  else
    echo "warning: /usr/bin/chromium missing and not root; browser tests will skip" >&2
  fi
fi
bash scripts/setup.sh
# front-end unit tests of the render core (vitest; node_modules come from the build hook's npm install)
(cd extension && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test --silent)
exec .venv/bin/python -m pytest "$@"
