"""Shared pieces of the real-browser tests: Chromium, one Streamlit server, page helpers.

Needs Debian's ``chromium`` at ``/usr/bin/chromium`` (driven by Playwright with
``executable_path``); without it the tests skip, unless ``HIPCHECK_REQUIRE_BROWSER=1``
(CI), where they fail.
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
from contextlib import contextmanager
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


def require_chromium() -> Path:
    """Return Debian's Chromium; skip (or fail under CI) when it is missing."""
    if not CHROMIUM.is_file():
        msg = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("HIPCHECK_REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(msg + " (HIPCHECK_REQUIRE_BROWSER=1)")
        pytest.skip(msg)
    pytest.importorskip("playwright.sync_api")
    return CHROMIUM


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout_s} s")


@contextmanager
def streamlit_server(script: str, log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``streamlit run SCRIPT`` on a free loopback port; yield its URL; stop it."""
    port = free_port()
    full_env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
        **(env or {}),
    }
    cmd = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=full_env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(f"{url}/_stcore/health", proc, log, 90.0)
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


def choose(page: Any, label: str | re.Pattern[str], option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``."""
    box = page.get_by_role("combobox", name=label)
    for _attempt in range(3):
        box.click()
        item = page.get_by_role("option", name=option, exact=True)
        try:
            item.click(timeout=5_000)
        except Exception:  # noqa: BLE001 - the list closed before the click: open it again
            page.keyboard.press("Escape")
            continue
        if box.input_value() == option:
            return
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def set_date(page: Any, value: str) -> None:
    """Type a date (``YYYY/MM/DD``) into the page's date input and close the calendar."""
    field = page.locator("[data-testid=stDateInputField]")
    field.fill(value)
    field.press("Enter")
    page.keyboard.press("Escape")


def wait_idle(page: Any, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has finished running the page script (the page is complete).

    Streamlit marks its app element with ``data-test-script-state``; a rerun an action
    triggers starts within a few hundred milliseconds.
    """
    page.wait_for_timeout(400)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=timeout_ms,
    )


def full_page_screenshot(page: Any, path: Path, width: int) -> None:
    """Screenshot the whole app (Streamlit scrolls an inner container)."""
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    page.set_viewport_size({"width": width, "height": min(int(height) + 40, 16_000)})
    page.wait_for_timeout(1500)  # let images re-layout at the new size
    page.screenshot(path=str(path), full_page=True)


#: JavaScript: WCAG contrast of every visible text element under ``root`` against its
#: effective background (the first ancestor with an opaque-enough background colour,
#: alpha-blended over the app's background). Returns [{text, fg, bg, ratio}].
CONTRAST_JS = r"""
(root) => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const blend = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1});
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const app = parse(getComputedStyle(document.querySelector('[data-testid="stApp"]')).backgroundColor);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = app;
    for (let i = layers.length - 1; i >= 0; i--) bg = blend(layers[i], bg);
    return bg;
  };
  const out = [];
  for (const el of root.querySelectorAll('th, td, span, caption, summary')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const closed = el.closest('details:not([open])');
    if (closed && !el.closest('summary')) continue;  // laid out, but not shown
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const bg = background(el);
    const fg = blend(parse(style.color), bg);
    const l1 = lum(fg), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    out.push({text: el.textContent.trim().slice(0, 40), fg: style.color,
              bg: `rgb(${bg.r|0}, ${bg.g|0}, ${bg.b|0})`, ratio});
  }
  return out;
}
"""
