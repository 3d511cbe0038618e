"""Quiet logging for the app: no ICE candidates (IP addresses) or set-up chatter at INFO."""

from __future__ import annotations

import logging

#: Loggers of the WebRTC stack that print ICE candidates (with this machine's IP
#: addresses) and connection chatter at INFO: kept at WARNING.
NOISY_LOGGERS: tuple[str, ...] = ("aioice", "aiortc", "streamlit_webrtc")
#: Loggers that print set-up chatter at INFO (the history database's migration plugins).
CHATTY_LOGGERS: tuple[str, ...] = ("alembic.runtime.plugins", "alembic.runtime.migration")


def quiet_network_logs() -> None:
    """Keep the WebRTC stack's INFO messages (ICE candidates, IP addresses) out of the log."""
    for name in (*NOISY_LOGGERS, *CHATTY_LOGGERS):
        logging.getLogger(name).setLevel(logging.WARNING)
