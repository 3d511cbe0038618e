"""hipcheck's Streamlit app: ``streamlit run app.py``.

A thin entry point: the pages live in :mod:`hipcheck.app` (:func:`hipcheck.app.pages.run_pages`).
Everything runs on this machine (``.streamlit/config.toml`` turns usage statistics off).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if (ROOT / "src" / "hipcheck").is_dir() and str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))  # a checkout that was not pip-installed

from hipcheck.app.pages import run_pages  # noqa: E402

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_pages(samples_dir=ROOT / "sample_videos")
