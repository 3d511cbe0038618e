#!/usr/bin/env bash
# Install everything hipcheck's test suite needs and run it (the README's test command).
#   bash scripts/test.sh            # all tests (slow ones included, as CI runs them)
#   bash scripts/test.sh -m "not slow"   # quick loop while developing
# System packages (headless Chromium for the browser tests, poppler for PDF checks) come
# from Debian when run as root; the Python side goes into a virtual environment; the heavy
# pose model is installed with `hipcheck models install heavy` (see below).
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

# The BlazePose heavy landmark model, for the tests and benchmarks that compare it with the
# bundled full model: the explicit, checksum-verified install step (skipped when a verified
# copy is already in $HIPCHECK_HOME, default the user data folder). It downloads the npm
# package @mediapipe/pose once; HIPCHECK_HEAVY_FROM=FILE installs from a local copy of that
# tarball or of pose_landmark_heavy.tflite instead. Tests run offline afterwards.
if "$VENV/bin/hipcheck" models install heavy ${HIPCHECK_HEAVY_FROM:+--from "$HIPCHECK_HEAVY_FROM"}; then
  export HIPCHECK_REQUIRE_HEAVY=1
elif [ "${HIPCHECK_REQUIRE_SHARED:-0}" != 0 ]; then
  echo "Could not install the heavy pose model (CI needs it)" >&2
  exit 1
else
  echo "The heavy pose model is not installed: its tests will skip" >&2
fi

set +e
"$VENV/bin/python" -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: treating that as a failure" >&2
  exit 1
fi

# CI (a full run with the shared material required): the accuracy and validity
# benchmarks with both pose models, side by side, into the log.
if [ "$rc" -eq 0 ] && [ "$#" -eq 0 ] && [ "${HIPCHECK_REQUIRE_SHARED:-0}" != 0 ]; then
  export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
  "$VENV/bin/python" benchmarks/validity.py --model full heavy || rc=$?
  "$VENV/bin/python" benchmarks/accuracy.py --quick --out "${TMPDIR:-/tmp}/hipcheck-accuracy" \
    --model full heavy || rc=$?
fi
exit "$rc"
