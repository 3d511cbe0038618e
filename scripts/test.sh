#!/usr/bin/env bash
# Install everything hipcheck's test suite needs and run it (the README's test command).
#   bash scripts/test.sh            # all tests (slow ones included, as CI runs them)
#   bash scripts/test.sh -m "not slow"   # quick loop while developing
# System packages (headless Chromium for the browser tests, poppler for PDF checks) come
# from Debian when run as root; the Python side goes into a virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${HIPCHECK_VENV:-.venv}"
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing system packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "Missing system packages: ${need_apt[*]} (install them as root; their tests will skip)" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
"$VENV/bin/pip" install -q -e ".[test]"

set +e
"$VENV/bin/python" -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: treating that as a failure" >&2
  exit 1
fi
exit "$rc"
