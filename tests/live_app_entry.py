"""Streamlit entry for the browser test: only the live webcam page."""

from hipcheck.app.live_page import run

run()
