"""hipcheck's Streamlit app in a checkout: ``streamlit run app.py``.

A thin entry point: the pages live in :mod:`hipcheck.app.pages`. Prefer ``hipcheck app``,
which starts the same pages (through :mod:`hipcheck.app.entry`) with the privacy settings
(local address only, no usage statistics, no external lookups) passed on the command
line, so they hold from any folder; ``.streamlit/config.toml`` carries the same settings
for ``streamlit run`` from this folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if (ROOT / "src" / "hipcheck").is_dir() and str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))  # a checkout that was not pip-installed

from hipcheck.app.entry import run_app  # noqa: E402

if __name__ == "__main__":
    run_app(samples_dir=ROOT / "sample_videos")
