"""Real-browser test of the live webcam page (Debian Chromium, fake camera from a clip).

A synthetic single-leg-squat clip is written as ``.y4m`` and fed to Chromium's fake
camera, which loops it; the page (``tests/live_app_entry.py``) runs under ``streamlit
run`` on localhost with no STUN/TURN server. The athlete's session: open the page (the
pose model loads in the background), press START, watch the reps being counted, press
STOP and read the full analysis.

Checked: START, STOP and the rep counter are on screen without scrolling at 1440x900;
the first repetition of the clip is counted on the clip's first pass (its time in the
stream is within the clip's length: had the baseline come late, the first rep counted
would be on a later pass of the looping camera); no angle is shown before the standing
reference; the page states dropped frames as its own; the log has no ICE candidates.
Skipped when ``/usr/bin/chromium`` is missing, unless ``HIPCHECK_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import CHROMIUM_ARGS, require_chromium, streamlit_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]

REPS = 2
FPS = 30
VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_chromium()


@pytest.fixture(scope="module")
def y4m_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """A 640x480 30 fps synthetic clip: 3 s standing, then two left single-leg squats.

    The fake camera starts the clip when START opens it; the WebRTC connection takes one
    to two seconds on a busy 2-core machine before the first frame reaches the server,
    so the clip stands still for 3 s: as a person does who presses START and then
    stands still, as the page asks. Returns the file and its duration in seconds.
    """
    import av

    from hipcheck.synth import ClipSpec, render_frames

    spec = ClipSpec(side="left", reps=REPS, fppa_deg=12, trunk_lean_deg=8, size=(640, 480),
                    baseline_s=3.0, tempo_s=2.0, end_s=1.0, fps=FPS)  # fmt: skip
    path = tmp_path_factory.mktemp("live_browser") / "clip.y4m"
    n = 0
    with av.open(str(path), "w", format="yuv4mpegpipe") as out:
        stream = out.add_stream("rawvideo", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        for _, image, _ in render_frames(spec, seed=3):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
            for packet in stream.encode(frame):
                out.mux(packet)
            n += 1
        for packet in stream.encode():
            out.mux(packet)
    return path, n / FPS


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    log = tmp_path_factory.mktemp("live_server") / "streamlit.log"
    with streamlit_server("tests/live_app_entry.py", log) as url:
        yield url, log


def _reps_shown(text: str) -> int:
    m = re.search(r"Reps counted: (\d+)", text)
    return int(m.group(1)) if m else 0


def test_live_page_counts_the_first_rep_of_a_fake_camera_clip(
    chromium: Path, y4m_clip: tuple[Path, float], live_server: tuple[str, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    clip, duration = y4m_clip
    url, log = live_server
    args = [*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}"]  # fmt: skip
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True, args=args)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(url, wait_until="domcontentloaded")
            # the pose model loads while the page is shown, before START
            expect(page.get_by_text("Press START below the video")).to_be_visible(timeout=90_000)
            component = page.frame_locator("iframe").first
            start = component.get_by_role("button", name=re.compile("start", re.I))
            start.click(timeout=60_000)
            stop = component.get_by_role("button", name=re.compile("stop", re.I))
            expect(stop).to_be_visible(timeout=60_000)
            texts, deadline, reps = [], time.monotonic() + 90, 0
            while time.monotonic() < deadline and reps < REPS:
                page.wait_for_timeout(500)
                texts.append(page.inner_text("body"))
                reps = _reps_shown(texts[-1])
            page.screenshot(path=str(tmp_path / "live.png"))
            text = texts[-1]
            assert reps >= 1, (
                f"no reps counted; page:\n{text[:2000]}\nlog:\n{log.read_text()[-2000:]}"
            )
            # controls and counter on screen without scrolling
            for element in (stop, page.get_by_text(re.compile(r"Reps counted: \d+"))):
                box = element.bounding_box()
                assert box is not None and box["y"] + box["height"] <= VIEWPORT["height"], box
            # the first rep is the clip's first: counted on the camera's first pass
            first = re.search(r"Rep 1 at (\d+\.\d) s", "\n".join(texts))
            assert first is not None, text[:2000]
            assert float(first.group(1)) < duration, (first.group(0), duration)
            assert "left stance" in text  # the clip's stance side, from the lifted foot
            assert "fps processed" in text
            # before the standing reference: words, no angle
            early = [t for t in texts if "Stand still on both feet: the angles appear" in t]
            assert all(not re.search(r"Knee \(FPPA\) (left|right)\*\*: ", t) for t in early)
            stop.click()
            page.get_by_text("Full analysis of the recording").wait_for(timeout=120_000)
            page.wait_for_timeout(3000)
            page.screenshot(path=str(tmp_path / "live_results.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0
            body = page.inner_text("body")
            assert "The video has only" not in body  # the camera is not blamed for our drops
        finally:
            browser.close()
    print(f"screenshots: {tmp_path}")
    server_log = log.read_text()
    assert not re.search(r"candidate", server_log, re.I), "ICE candidates in the log"
