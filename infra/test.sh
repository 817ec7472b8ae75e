#!/usr/bin/env bash
# The README's test command: install into .venv, start the services the tests need,
# lint, type-check and run the whole suite, then stop what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'

# The portal's browser tests drive Debian's Chromium (Playwright cannot download browsers here).
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
# promtool (Debian's `prometheus` package; its server is not started) checks infra/prometheus.
if ! command -v promtool >/dev/null; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

trap 'bash infra/services.sh stop' EXIT
bash infra/services.sh start

echo "== ruff check"; .venv/bin/ruff check .
echo "== mypy marketplace"; .venv/bin/mypy marketplace
echo "== pytest"; .venv/bin/pytest -n auto "$@"
