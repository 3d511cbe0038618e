"""The app in a real browser (headless Chromium via Playwright), as a clinician uses it.

One Streamlit server (``streamlit run app.py``, a fresh history database) serves the
whole module, and the tests are the steps of one clinician's path, in file order, on
one browser page:

1. a new patient's two-leg clip (synthetic: two left-leg then two right-leg single-leg
   squats) is uploaded and analysed; every request the page made is to the app's own
   host; the annotated video plays;
2. the left-vs-right view shows both legs side by side with the asymmetry, its plot
   and the two bottom key frames;
3. the session is saved to the history, and the HTML report (downloaded from the page)
   carries the person, the date and the protocol and fits a phone screen;
4. the same results, opened by their link in the dark theme, have a rep table whose
   every text reaches 4.5:1 contrast (computed from the browser's colours), and in a
   phone viewport (390x844) show the options and a table that fits the screen;
5. a page reload keeps the results;
6. changing an option and uploading a new clip each hide the results behind "Options
   changed: analyse again";
7. the new clip (the re-test) is analysed and saved as a second session, and the
   history page re-opens the sessions with the re-test comparison.

Screenshots go to a temporary folder (their paths are printed; ``pytest -s``).
Needs ``/usr/bin/chromium``; skipped without it unless ``HIPCHECK_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from app_clips import one_leg_clip, two_leg_clip
from browser_support import (
    CHROMIUM_ARGS,
    CONTRAST_JS,
    choose,
    full_page_screenshot,
    require_chromium,
    set_date,
    streamlit_server,
    wait_idle,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

#: analysing an ~18 s 360x480 clip takes under a minute; generous for a loaded CI box
RESULT_TIMEOUT_MS = 300_000
PERSON = "P-007"
FIRST_DATE, RETEST_DATE = "2026/01/10", "2026/02/21"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The first session's two-leg clip and the re-test's left-leg clip."""
    folder = tmp_path_factory.mktemp("clips")
    return {
        "first": two_leg_clip(folder / "first_visit.mp4", fppa_left=18.0, fppa_right=4.0),
        "retest": one_leg_clip(folder / "retest_left.mp4", "left", reps=2, fppa=0.0, seed=11),
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app on a free loopback port, with its own empty history database."""
    folder = tmp_path_factory.mktemp("server")
    db = folder / "history.sqlite"
    with streamlit_server("app.py", folder / "streamlit.log", {"HIPCHECK_DB": str(db)}) as url:
        yield url, db


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots")
    print(f"screenshots: {folder}")
    return folder


class Desk:
    """The clinician's desktop page, shared by the steps, and every URL it requested."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1440, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.run_url = ""


@pytest.fixture(scope="module")
def desk(browser: Any, server: tuple[str, Path]) -> Iterator[Desk]:
    d = Desk(browser)
    yield d
    d.context.close()


def _results(page: Any) -> Any:
    return page.get_by_role("heading", name="Results", exact=True)


def _analyse(page: Any) -> None:
    from playwright.sync_api import expect

    button = page.get_by_role("button", name="Analyse")
    expect(button).to_be_enabled(timeout=60_000)
    button.click()
    expect(_results(page)).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Downloads")).to_be_visible(timeout=60_000)
    wait_idle(page)


def _main_text(page: Any) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


# --- 1. a new patient's first session ----------------------------------------------------


def test_first_session_analysed_with_no_request_to_another_host(
    desk: Desk, server: tuple[str, Path], clips: dict[str, Path], shots: Path
) -> None:
    from playwright.sync_api import expect

    url, _db = server
    page = desk.page
    page.goto(url)
    expect(page.get_by_role("heading", name="hipcheck")).to_be_visible(timeout=60_000)
    # the safety screen comes before the clip input
    safety = page.get_by_role("heading", name="1. Safety screen before testing")
    upload = page.locator('input[type="file"]')
    assert safety.bounding_box()["y"] < upload.first.evaluate(  # type: ignore[index]
        "e => e.closest('[data-testid=stFileUploader]').getBoundingClientRect().top"
    )
    page.get_by_role("textbox", name="Patient / athlete identifier (optional)").fill(PERSON)
    page.keyboard.press("Tab")
    set_date(page, FIRST_DATE)
    wait_idle(page)
    upload.set_input_files(str(clips["first"]))
    _analyse(page)
    desk.run_url = page.url
    assert "run=" in desk.run_url
    text = _main_text(page)
    assert "4 repetitions (2 left, 2 right)" in text
    video = page.locator("video").first
    page.get_by_text("Annotated video").first.click()
    video.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return v !== null && v.readyState >= 1 && v.duration > 0; }",
        timeout=60_000,
    )
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return v.readyState >= 2 && v.currentTime > 0.3 && v.error === null; }",
        timeout=60_000,
    )
    video.evaluate("v => v.pause()")
    own = urlparse(url).netloc
    others = sorted({urlparse(u).netloc for u in desk.requests if urlparse(u).netloc} - {own})
    assert others == [], f"requests to other hosts: {others}"
    assert any(urlparse(u).path.startswith("/_stcore/upload_file") for u in desk.requests)
    full_page_screenshot(page, shots / "desktop_results.png", 1440)
    page.set_viewport_size({"width": 1440, "height": 900})


# --- 2. left vs right --------------------------------------------------------------------


def test_left_right_view_on_the_two_leg_clip(desk: Desk) -> None:
    page = desk.page
    heading = page.get_by_role("heading", name="Left vs right")
    heading.scroll_into_view_if_needed()
    table = page.locator("table.hc-table", has=page.locator("caption", has_text="Left vs right"))
    table = table.filter(visible=True).first
    headers = table.locator("thead th").all_inner_texts()
    assert headers[:4] == ["Measure", "Left leg", "Right leg", "Difference (L - R)"]
    row = table.locator("tr", has=page.locator("th", has_text="Knee valgus (FPPA)"))
    cells = row.locator("td").all_inner_texts()
    left, right, diff = (float(re.search(r"[+-]?\d+\.\d", c).group()) for c in cells[:3])  # type: ignore[union-attr]
    assert left > right + 5  # the left leg squatted with 18 deg of valgus, the right 4 deg
    assert diff == pytest.approx(left - right, abs=0.11)
    assert re.search(r"\b(good|fair|poor)\b", cells[0]) and re.search(
        r"\b(good|fair|poor)\b", cells[1]
    )
    meaning = cells[-1]
    assert "more on the left leg" in meaning
    section = page.locator("[data-testid='stMain']")
    alts = section.locator("img").evaluate_all("els => els.map(e => e.alt)")
    assert any(a.startswith("Bar chart of the mean of each measure") for a in alts)
    frames = [a for a in alts if a.startswith("Video frame at the deepest point")]
    assert len(frames) == 2
    assert "standing on the left leg" in frames[0] and "standing on the right leg" in frames[1]
    images = page.locator(".hc-frames img")
    boxes = [images.nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["x"] < boxes[1]["x"] and abs(boxes[0]["y"] - boxes[1]["y"]) < 5  # type: ignore[index]
    assert "0" not in alts  # no image is labelled "0"


# --- 3. saving the session ---------------------------------------------------------------


def test_first_session_saved(desk: Desk, server: tuple[str, Path]) -> None:
    from playwright.sync_api import expect

    from hipcheck.history.db import HistoryStore

    page = desk.page
    _url, db = server
    assert not db.exists()  # nothing saved without asking
    page.get_by_role("button", name="Save this session").click()
    expect(page.get_by_text(f"Saved as session 1 of {PERSON}")).to_be_visible(timeout=60_000)
    wait_idle(page)
    with HistoryStore(db) as store:
        (info,) = store.list_sessions(PERSON)
        saved = store.get_assessment(info.id)
    assert info.date.isoformat() == FIRST_DATE.replace("/", "-")
    assert sorted({r.side for r in saved.reps}) == ["left", "right"]


def test_report_carries_the_session_and_fits_a_phone(
    browser: Any, desk: Desk, shots: Path, tmp_path: Path
) -> None:
    page = desk.page
    wait_idle(page)  # the page reran after the save: click the current button
    button = page.get_by_role("button", name="Report (HTML)")
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as download:
        button.click()
    report = tmp_path / "report.html"
    download.value.save_as(report)
    assert download.value.suggested_filename.startswith(f"{PERSON}_2026-01-10_")
    html = report.read_text(encoding="utf-8")
    assert f"<dd>{PERSON}</dd>" in html and "<dd>2026-01-10</dd>" in html
    assert "Protocol.</strong> Stand on one leg" in html
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    try:
        phone = context.new_page()
        phone.goto(report.as_uri())
        phone.wait_for_load_state("load")
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        cell = phone.locator("table.reps td[data-label='Rep']").first
        assert cell.evaluate("e => getComputedStyle(e, '::before').content") == '"Rep: "'
        phone.screenshot(path=str(shots / "report_phone.png"), full_page=True)
    finally:
        context.close()


# --- 4. dark theme and phone ---------------------------------------------------------------


def _rep_table(page: Any) -> Any:
    caption = page.locator("caption", has_text=re.compile("^Repetitions$"))
    return page.locator("table.hc-table", has=caption)


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_rep_table_contrast(browser: Any, desk: Desk, shots: Path, scheme: str) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1440, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(desk.run_url)
        expect(_results(page)).to_be_visible(timeout=60_000)
        wait_idle(page)
        background = page.locator("[data-testid='stApp']").evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        level = sum(int(v) for v in re.findall(r"\d+", background)[:3]) / 3
        assert (level < 60) if scheme == "dark" else (level > 200), background
        table = _rep_table(page).filter(visible=True).first
        table.scroll_into_view_if_needed()
        measured = table.evaluate(CONTRAST_JS)
        assert len(measured) > 20  # headers, values, rating words
        assert any(m["text"] in ("good", "fair", "poor") for m in measured)
        low = [m for m in measured if m["ratio"] < 4.5]
        assert not low, f"text below 4.5:1 in the {scheme} theme: {low[:5]}"
        table.screenshot(path=str(shots / f"rep_table_{scheme}.png"))
    finally:
        context.close()


def test_phone_shows_the_options_and_a_readable_table(
    browser: Any, desk: Desk, shots: Path
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.goto(desk.run_url)
        expect(_results(page)).to_be_visible(timeout=60_000)
        wait_idle(page)
        task = page.get_by_role("combobox", name="Task")
        task.scroll_into_view_if_needed()
        expect(task).to_be_visible()
        box = task.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        expect(page.get_by_role("button", name="Analyse")).to_be_visible()
        table = _rep_table(page).filter(visible=True).first
        table.scroll_into_view_if_needed()
        expect(table).to_be_visible()
        # every table shown fits the screen (the left/right one and the rep table);
        # tables inside a closed <details> are laid out by Chromium but not shown
        widths = page.evaluate(
            "() => [...document.querySelectorAll('table.hc-table')]"
            ".filter(t => t.getClientRects().length && !t.closest('details:not([open])'))"
            ".map(t => t.getBoundingClientRect().right)"
        )
        assert len(widths) == 2 and max(widths) <= PHONE["width"], widths
        headers = table.locator("thead th").all_inner_texts()
        assert headers[:2] == ["Rep", "Side"] and "Knee valgus (FPPA)" in headers
        assert "Notes" not in headers  # the rest is behind "All columns"
        font = table.locator("td").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert font >= 13
        more = page.get_by_text("All columns (depth, notes)").filter(visible=True).first
        more.click()
        expect(page.locator("details[open] table.hc-table").first).to_be_visible()
        plot = page.locator("img[alt^='Line plots over time']").first
        plot.scroll_into_view_if_needed()
        assert plot.bounding_box()["width"] >= 300  # type: ignore[index]
        # the page itself never scrolls sideways
        width = page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth"
        )
        assert width <= PHONE["width"]
        full_page_screenshot(page, shots / "phone_results.png", PHONE["width"])
    finally:
        context.close()


# --- 5. reload ----------------------------------------------------------------------------


def test_results_survive_a_reload(desk: Desk) -> None:
    from playwright.sync_api import expect

    page = desk.page
    page.reload()
    expect(_results(page)).to_be_visible(timeout=60_000)
    wait_idle(page)
    expect(page.get_by_text("Results restored after the page was reloaded")).to_be_visible()
    assert "4 repetitions (2 left, 2 right)" in _main_text(page)


# --- 6. stale results ------------------------------------------------------------------------


def test_changing_an_option_hides_the_results(desk: Desk, clips: dict[str, Path]) -> None:
    from playwright.sync_api import expect

    page = desk.page
    page.locator('input[type="file"]').set_input_files(str(clips["first"]))
    wait_idle(page)
    expect(_results(page)).to_be_visible()  # the same clip and options: still shown
    choose(page, re.compile("^Sex"), "Male")
    wait_idle(page)
    expect(page.get_by_text("Options changed: analyse again.")).to_be_visible()
    expect(_results(page)).to_have_count(0)
    assert "repetitions (2 left, 2 right)" not in _main_text(page)
    choose(page, re.compile("^Sex"), "Not given (female reference bands)")
    wait_idle(page)
    expect(_results(page)).to_be_visible()  # back to the inputs that made them


def test_a_new_upload_hides_the_results(desk: Desk, clips: dict[str, Path], shots: Path) -> None:
    from playwright.sync_api import expect

    page = desk.page
    page.locator('input[type="file"]').set_input_files(str(clips["retest"]))
    wait_idle(page)
    banner = page.get_by_text("Options changed: analyse again.")
    expect(banner).to_be_visible()
    expect(page.get_by_text("The clip changed since the last analysis")).to_be_visible()
    expect(_results(page)).to_have_count(0)
    banner.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "stale_banner.png"))


# --- 7. the re-test and the history --------------------------------------------------------


def test_retest_saved_and_compared_in_the_history(
    desk: Desk, server: tuple[str, Path], shots: Path
) -> None:
    from playwright.sync_api import expect

    from hipcheck.history.compare import compare_sessions
    from hipcheck.history.db import HistoryStore

    page = desk.page
    _url, db = server
    set_date(page, RETEST_DATE)
    wait_idle(page)
    _analyse(page)
    assert "2 repetitions" in _main_text(page)
    page.get_by_role("button", name="Save this session").click()
    expect(page.get_by_text(f"Saved as session 2 of {PERSON}")).to_be_visible(timeout=60_000)
    with HistoryStore(db) as store:
        expected = compare_sessions(store.get_assessment(1), store.get_assessment(2))
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="History")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name=f"Sessions of {PERSON}")).to_be_visible()
    wait_idle(page)
    text = _main_text(page)
    assert FIRST_DATE.replace("/", "-") in text and RETEST_DATE.replace("/", "-") in text
    # the re-opened session (the latest) with its findings and tables
    expect(page.get_by_text("Session 2", exact=False).first).to_be_visible()
    # the comparison, against the minimum detectable change
    table = page.locator("table.hc-table", has=page.locator("caption", has_text="Re-test"))
    table = table.filter(visible=True).first
    table.scroll_into_view_if_needed()
    change = expected.get("knee_valgus_deg", "left")
    row = table.locator("tr", has=page.locator("th", has_text="Knee valgus (FPPA)")).filter(
        has_text="left"
    )
    cells = row.first.locator("td").all_inner_texts()
    assert f"{change.change:+.1f}°" in cells
    assert change.verdict in cells
    # true valgus 18 deg, then 0 deg (the model reads about 0.7 of it): beyond the 8 deg MDC
    assert change.verdict == "improved"
    expect(page.get_by_text(expected.suggestion.text, exact=False).first).to_be_visible()
    alt = page.locator("img[alt^='Trend of each measure']")
    expect(alt).to_have_count(1)
    full_page_screenshot(page, shots / "history_comparison.png", 1440)
