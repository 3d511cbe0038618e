"""The package type-checks: ``mypy`` (configured in pyproject.toml) reports no error."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


# slow: about 40 s of CPU on a fresh checkout (mypy reads numpy, pandas, streamlit ...);
# a second run reuses .mypy_cache and takes about 2 s.
@pytest.mark.slow
def test_mypy_reports_no_error() -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (it is in the test extra)")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # the whole package was checked (pyproject's ``files``), not an empty selection
    checked = re.search(r"Success: no issues found in (\d+) source files", result.stdout)
    assert checked is not None and int(checked.group(1)) >= 100, output
