"""The app's pages and its logging: what the entry script runs.

:func:`run_pages` sets up quiet logging and the three pages (analyse a clip, history,
live webcam). Page entries have no icons: Streamlit fetches ``:material/...`` page
icons from a web font host, and the app must not contact any host but its own.
"""

from __future__ import annotations

from pathlib import Path

from hipcheck.app.logs import quiet_network_logs


def run_pages(samples_dir: Path | None = None) -> None:
    """Configure the page and run the page the user picked."""
    import streamlit as st

    from hipcheck.app import history_page, live_page, main

    quiet_network_logs()
    st.set_page_config(page_title="hipcheck", layout="wide")

    def analyse_clip() -> None:
        main.run(samples_dir=samples_dir)

    page = st.navigation(
        [
            st.Page(analyse_clip, title="Analyse a clip", url_path="analyse", default=True),
            st.Page(history_page.run, title="History", url_path="history"),
            st.Page(live_page.run, title="Live webcam", url_path="live"),
        ],
        position="top",
    )
    page.run()
