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


def run_app(samples_dir: Path | None = None, log_level: str = "INFO") -> None:
    """Configure logging and run the page the user picked (:mod:`hipcheck.app.pages`)."""
    from hipcheck.app.pages import run_pages

    logging.basicConfig(
        level=getattr(logging, log_level.upper(), logging.INFO),
        format="%(asctime)s %(name)s %(message)s",
    )
    run_pages(samples_dir=samples_dir)


def _arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hipcheck app (script)")
    parser.add_argument("--samples", type=Path, default=None)
    parser.add_argument("--log-level", default="INFO")
    args, _unknown = parser.parse_known_args(argv)
    return args


if __name__ == "__main__":
    _args = _arguments()
    run_app(_args.samples, _args.log_level)
