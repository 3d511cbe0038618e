"""hipcheck's Streamlit app: ``streamlit run app.py``.

A thin entry point: the page lives in :mod:`hipcheck.app.main`. Everything runs on this
machine (``.streamlit/config.toml`` turns usage statistics off).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if (ROOT / "src" / "hipcheck").is_dir() and str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))  # a checkout that was not pip-installed

import streamlit as st  # noqa: E402

from hipcheck.app import live_page, main  # noqa: E402


def analyse_clip() -> None:
    """Page: upload a clip (or pick a sample) and see the analysis."""
    main.run(samples_dir=ROOT / "sample_videos")


def live_webcam() -> None:
    """Page: live webcam mode (skeleton, angles, reps and cues in real time)."""
    live_page.run()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    st.set_page_config(page_title="hipcheck", layout="wide")
    page = st.navigation(
        [
            st.Page(analyse_clip, title="Analyse a clip", icon=":material/movie:", default=True),
            st.Page(live_webcam, title="Live webcam", icon=":material/videocam:"),
        ]
    )
    page.run()
