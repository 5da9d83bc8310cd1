#!/usr/bin/env bash
# Sets up .venv with a CPU build of torch and Matchmaker. `--test` adds the
# test tools and Debian's chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=".venv/bin/python -m pip --disable-pip-version-check -q"
# torch first and pinned: this machine carries the CPU build of 2.13.0; an
# unpinned torch from sentence-transformers would pull a multi-GB CUDA build.
.venv/bin/python -c "import torch" 2>/dev/null || $PIP install "torch==2.13.0"
if [ "${1:-}" = "--test" ]; then
  $PIP install -e ".[test]"
  if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
      || echo "setup: could not install chromium; browser tests will be skipped" >&2
  fi
  # PostgreSQL (and pgvector) for the tests that run on a real server; without root they are skipped.
  if [ "$(id -u)" = 0 ]; then
    bash .ci/postgres.sh install || echo "setup: PostgreSQL not installed; PostgreSQL tests will be skipped" >&2
  fi
else
  $PIP install -e .
fi
