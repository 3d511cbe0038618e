"""The Streamlit script of the app: page navigation (``hipcheck app`` runs this file).

``hipcheck app`` starts Streamlit on this file with its settings on the command line
(:mod:`hipcheck.cli.serve`); ``streamlit run app.py`` in a checkout runs the same pages
through the thin ``app.py``. Script arguments (after ``--``): ``--samples DIR`` (the demo
clips offered in the page) and ``--log-level LEVEL``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import streamlit as st

from hipcheck.app import live_page, main

_samples: Path | None = None


def analyse_clip() -> None:
    """Page: upload a clip (or pick a sample) and see the analysis."""
    main.run(samples_dir=_samples)


def live_webcam() -> None:
    """Page: live webcam mode (skeleton, angles, reps and cues in real time)."""
    live_page.run()


def run_app(samples_dir: Path | None = None, log_level: str = "INFO") -> None:
    """Configure logging and the page, and run the page the user picked."""
    global _samples
    _samples = samples_dir
    logging.basicConfig(
        level=getattr(logging, log_level.upper(), logging.INFO),
        format="%(asctime)s %(name)s %(message)s",
    )
    st.set_page_config(page_title="hipcheck", layout="wide")
    page = st.navigation(
        [
            st.Page(analyse_clip, title="Analyse a clip", icon=":material/movie:", default=True),
            st.Page(live_webcam, title="Live webcam", icon=":material/videocam:"),
        ]
    )
    page.run()


def _arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hipcheck app (script)")
    parser.add_argument("--samples", type=Path, default=None)
    parser.add_argument("--log-level", default="INFO")
    args, _unknown = parser.parse_known_args(argv)
    return args


if __name__ == "__main__":
    _args = _arguments()
    run_app(_args.samples, _args.log_level)
