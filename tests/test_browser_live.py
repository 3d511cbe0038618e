"""Real-browser test of the live webcam page (Debian Chromium, fake camera from a clip).

A synthetic single-leg-squat clip is written as ``.y4m`` and fed to Chromium's fake
camera; the page (``tests/live_app_entry.py``) runs under ``streamlit run`` on
localhost with no STUN/TURN server. The test clicks START, waits until the page shows
repetitions being counted, clicks STOP and waits for the full offline analysis.
Skipped when ``/usr/bin/chromium`` is missing, unless ``HIPCHECK_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
REPS = 2


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.is_file():
        msg = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("HIPCHECK_REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(msg + " (HIPCHECK_REQUIRE_BROWSER=1)")
        pytest.skip(msg)
    pytest.importorskip("playwright.sync_api")
    return CHROMIUM


@pytest.fixture(scope="module")
def y4m_clip(tmp_path_factory) -> Path:
    """A 640x480 30 fps synthetic clip: 1.5 s standing, then two left single-leg squats."""
    import av

    from hipcheck.synth import ClipSpec, render_frames

    spec = ClipSpec(side="left", reps=REPS, fppa_deg=12, trunk_lean_deg=8, size=(640, 480),
                    baseline_s=1.5, tempo_s=2.0, end_s=1.0, fps=30)  # fmt: skip
    path = tmp_path_factory.mktemp("live_browser") / "clip.y4m"
    with av.open(str(path), "w", format="yuv4mpegpipe") as out:
        stream = out.add_stream("rawvideo", rate=30)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        for _, image, _ in render_frames(spec, seed=3):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("live_server") / "streamlit.log"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO / "tests/live_app_entry.py"),
           "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]  # fmt: skip
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail("streamlit did not start:\n" + log.read_text()[-3000:])
                    time.sleep(0.5)
            yield url, log
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _reps_shown(text: str) -> int:
    m = re.search(r"Reps counted: (\d+)", text)
    return int(m.group(1)) if m else 0


def test_live_page_counts_reps_of_a_fake_camera_clip(chromium, y4m_clip, live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, log = live_server
    args = ["--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={y4m_clip}",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run"]  # fmt: skip
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True, args=args)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1600})
            page.goto(url, wait_until="domcontentloaded")
            component = page.frame_locator("iframe").first
            component.get_by_role("button", name=re.compile("start", re.I)).click(timeout=60000)
            # Baseline 1.5 s, foot lift, then a rep every 2.6 s (the fake camera loops the clip).
            deadline, reps = time.monotonic() + 60, 0
            while time.monotonic() < deadline and reps < REPS:
                page.wait_for_timeout(1000)
                reps = _reps_shown(page.inner_text("body"))
            page.screenshot(path=str(tmp_path / "live.png"), full_page=True)
            text = page.inner_text("body")
            assert reps >= 1, (
                f"no reps counted; page:\n{text[:2000]}\nlog:\n{log.read_text()[-2000:]}"
            )
            assert "fps processed" in text
            assert "left stance" in text  # the clip's stance side, from the lifted foot
            component.get_by_role("button", name=re.compile("stop", re.I)).click()
            try:
                page.get_by_text("Full analysis of the recording").wait_for(timeout=90000)
            finally:
                page.screenshot(path=str(tmp_path / "live_stopped.png"), full_page=True)
            page.wait_for_timeout(3000)
            page.screenshot(path=str(tmp_path / "live_results.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            browser.close()
