"""The app's pages and its logging: what the entry script runs.

:func:`run_pages` sets up quiet logging and the three pages (analyse a clip, history,
live webcam). Page entries have no icons: Streamlit fetches ``:material/...`` page
icons from a web font host, and the app must not contact any host but its own.
"""

from __future__ import annotations

import logging
from pathlib import Path

#: Loggers of the WebRTC stack that print ICE candidates (with this machine's IP
#: addresses) and connection chatter at INFO: kept at WARNING.
NOISY_LOGGERS: tuple[str, ...] = ("aioice", "aiortc", "streamlit_webrtc")
#: Loggers that print set-up chatter at INFO (the history database's migration plugins).
CHATTY_LOGGERS: tuple[str, ...] = ("alembic.runtime.plugins", "alembic.runtime.migration")


def quiet_network_logs() -> None:
    """Keep the WebRTC stack's INFO messages (ICE candidates, IP addresses) out of the log."""
    for name in (*NOISY_LOGGERS, *CHATTY_LOGGERS):
        logging.getLogger(name).setLevel(logging.WARNING)


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
