"""End to end in a real browser: ``streamlit run app.py`` driven by headless Chromium.

A synthetic single-leg squat clip (known number of reps) is uploaded through the file
input, analysed, and the results page is checked: the rep count, a rating, and an
annotated ``<video>`` the browser can decode. A full-page screenshot is saved and its
path printed (``pytest -s`` shows it).

Needs Debian's ``chromium`` at ``/usr/bin/chromium``; without it the test skips,
unless ``HIPCHECK_REQUIRE_BROWSER=1`` (CI), where it fails.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPS = 3
#: analysis of a ~10 s clip takes seconds; generous for a loaded 2-core CI box
RESULT_TIMEOUT_MS = 240_000

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _require_browser() -> bool:
    return os.environ.get("HIPCHECK_REQUIRE_BROWSER", "") not in ("", "0")


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Path of Debian's Chromium; skip (or fail under CI) when it is missing."""
    if not CHROMIUM.is_file():
        msg = f"{CHROMIUM} not found (apt-get install chromium)"
        if _require_browser():
            pytest.fail(msg + " (HIPCHECK_REQUIRE_BROWSER=1)")
        pytest.skip(msg)
    return CHROMIUM


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic left single-leg squat clip: 3 reps with 15 deg of valgus, 360x480."""
    from hipcheck.synth import ClipSpec, generate_clip

    path = tmp_path_factory.mktemp("browser") / "synthetic_sls_left.mp4"
    spec = ClipSpec(task="single_leg_squat", side="left", reps=REPS, fppa_deg=15.0, size=(360, 480))
    generate_clip(path, spec, seed=7)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout_s} s")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free loopback port; stop it afterwards."""
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
        "STREAMLIT_SERVER_HEADLESS": "true",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(f"{url}/_stcore/health", proc)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        print(f"streamlit log: {log}")


def _screenshot_whole_app(page: Any, path: Path) -> None:
    """Screenshot the whole results page (Streamlit scrolls an inner container)."""
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 16_000)})
    page.wait_for_timeout(1500)  # let images re-layout at the new size
    page.screenshot(path=str(path), full_page=True)


def test_upload_analyse_and_play(
    chromium: Path, clip: Path, app_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from playwright.sync_api import expect, sync_playwright

    shot = tmp_path_factory.mktemp("screenshots") / "results_page.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(app_url)
            expect(page.get_by_role("heading", name="hipcheck")).to_be_visible(timeout=60_000)
            page.set_input_files('input[type="file"]', str(clip))
            analyse = page.get_by_role("button", name="Analyse")
            expect(analyse).to_be_enabled(timeout=60_000)
            analyse.click()
            results = page.get_by_role("heading", name=re.compile("Results:"))
            expect(results).to_be_visible(timeout=RESULT_TIMEOUT_MS)
            # the page streams in; the downloads come last
            downloads = page.get_by_role("heading", name="Downloads")
            expect(downloads).to_be_visible(timeout=60_000)
            body = page.locator("section.main, [data-testid='stMain']").first
            text = body.inner_text()
            assert f"{REPS} repetitions" in text
            assert re.search(r"\b(good|fair|poor)\b", text)
            assert "Exercise program" in text
            video = page.locator("video").first
            video.scroll_into_view_if_needed()
            # metadata first (Streamlit's player may preload only that) ...
            page.wait_for_function(
                "() => { const v = document.querySelector('video');"
                " return v !== null && v.readyState >= 1 && v.duration > 0; }",
                timeout=60_000,
            )
            assert video.evaluate("v => v.duration") > 1.0
            # ... then the browser must decode and play frames
            video.evaluate("v => { v.muted = true; return v.play(); }")
            page.wait_for_function(
                "() => { const v = document.querySelector('video');"
                " return v.readyState >= 2 && v.currentTime > 0.3 && v.error === null; }",
                timeout=60_000,
            )
            video.evaluate("v => { v.pause(); v.currentTime = 0; }")
            _screenshot_whole_app(page, shot)
        finally:
            browser.close()
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000
