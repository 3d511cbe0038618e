"""Page logic of the Streamlit app, with Streamlit's ``AppTest`` (no browser, no model).

Results are rendered from a stored result built from the hand-made assessment in
``fixtures_assessment`` (injected into ``session_state``), so the page is tested
without running the pose model. Errors are real: a corrupt upload goes through the
analysis and must come back as a friendly message.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from fixtures_assessment import REP_TABLE, make_assessment, make_kinematics
from hipcheck.app import guide, state, views
from hipcheck.app.state import Options, StoredResult
from hipcheck.reports.report_html import image_png

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
TIMEOUT = 60


def _result(**kw: object) -> StoredResult:
    assessment = make_assessment(**kw)  # type: ignore[arg-type]
    frame = np.full((64, 48, 3), 200, dtype=np.uint8)
    return StoredResult(
        name="patient clip.mp4",
        digest="0" * 64,
        assessment=assessment.to_dict(),
        kinematics=make_kinematics(assessment),
        key_frames=[image_png(frame)],
        video_mp4=b"\x00\x00\x00\x18ftypmp42",  # rendering only; the browser test plays one
        notes=[],
    )


def _app(result: StoredResult | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if result is not None:
        at.session_state[state.RESULT_KEY] = result
    return at.run()


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def test_first_load_shows_options_with_defaults() -> None:
    at = _app()
    assert not at.exception
    values = {w.key: w.value for w in at.sidebar.selectbox}
    assert values == {
        "task": "auto",
        "side": "auto",
        "sex": "unspecified",
        "markers": "auto",
        "level": "intermediate",
    }
    assert at.multiselect(key="equipment").value == []
    assert at.checkbox(key="lateral_hip_pain").value is False
    assert at.button(key="analyse").disabled  # nothing chosen yet
    assert "Tripod at pelvis-to-knee height" in _markdown(at)
    assert len(at.file_uploader) == 1
    assert not at.error and state.RESULT_KEY not in at.session_state


def test_upload_caption_states_the_configured_size_limit() -> None:
    import streamlit as st

    at = _app()
    limit = int(st.get_option("server.maxUploadSize"))
    assert guide.upload_help(limit) in [c.value for c in at.caption]
    assert re.search(r"mp4, mov, avi, webm, mkv", guide.upload_help(limit))


def test_results_render_from_stored_result() -> None:
    at = _app(_result())
    assert not at.exception
    assert at.header[0].value == "Results: patient clip.mp4"
    text = _markdown(at)
    # summary cards: the mean FPPA of each side, rebuilt from the reps
    for side in ("left", "right"):
        fppa = [row[5] for row in REP_TABLE if row[0] == side]
        assert f"+{np.mean(fppa):.1f}°" in text
    assert "Standing on the left leg (3 repetitions)" in text
    assert ":orange-badge[fair]" in text  # left FPPA mean 14 deg: fair (female bands)
    assert "6 repetitions (3 left, 3 right)" in text
    # per-rep table: 3 reps + a mean row per side
    table = at.dataframe[0].value
    assert len(table) == len(REP_TABLE) + 2
    assert list(table["Rep"]).count("mean") == 2
    # findings, program phases, safety, disclaimer, downloads
    assert "Knee valgus (FPPA) on the left leg: mean +14.0° over 3 reps (fair)." in text
    assert re.search(r"Phase 1: ", text)
    assert any(
        "Red flags" in w.value or "Stop" in w.value or "Recent" in w.value for w in at.warning
    )
    assert any("screen, not a diagnosis" in i.value for i in at.info)
    labels = [b.label for b in at.get("download_button")]
    for wanted in ("assessment.json", "reps.csv", "Annotated video", "Report (PDF)"):
        assert wanted in labels
    assert at.get("video")
    captions = [c for image in at.get("image") for c in image.captions]
    assert any("worst repetition" in c for c in captions)  # the key frame
    assert any("Repetitions shaded" in c for c in captions)  # the time-series plot


def test_indicative_and_not_measurable_cards() -> None:
    at = _app(_result(pelvic_status="indicative", knee_status="not_measurable"))
    assert not at.exception
    text = _markdown(at)
    assert ":gray-badge[indicative, not rated]" in text
    assert "~+" in text  # indicative value shown with a tilde
    assert ":gray-badge[not measurable]" in text
    assert "knee not visible (side view)" in text
    assert guide.FILMING_FIX in text


def test_program_follows_equipment_and_level() -> None:
    from hipcheck.program import ProgramContext, build_program

    at = _app(_result())
    at.multiselect(key="equipment").set_value(["band"])
    at.selectbox(key="level").set_value("beginner")
    at.run()
    assert not at.exception
    findings = make_assessment().findings
    program = build_program(findings, ProgramContext(equipment={"band"}, level="beginner"))
    names = [item.name for phase in program.phases for item in phase.items]
    assert names
    text = _markdown(at)
    for name in names:
        assert f"**{name}**" in text


def test_corrupt_upload_is_a_friendly_message() -> None:
    at = _app()
    data = b"this is not a video " * 50
    at.file_uploader(key="upload").set_value(("broken.mp4", data, "video/mp4"))
    at.run()
    at.button(key="analyse").click().run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "broken.mp4" in message and "hipcheck-upload" not in message  # no temporary path
    assert "\n\n" in message  # the hint follows the message
    assert state.RESULT_KEY not in at.session_state
    # the page keeps working: a stored result renders on the next run
    at.session_state[state.RESULT_KEY] = _result()
    at.session_state[state.ERROR_KEY] = None
    del at.session_state[state.ERROR_KEY]
    at.run()
    assert not at.exception and not at.error
    assert at.header[0].value.startswith("Results:")


def test_no_person_in_clip(tmp_path: Path) -> None:
    from hipcheck.io.writer import VideoWriter

    clip = tmp_path / "empty_room.mp4"
    with VideoWriter(clip, 15.0, (96, 128)) as writer:
        for i in range(8):
            writer.write(np.full((128, 96, 3), 120, dtype=np.uint8), i / 15.0)
    at = _app()
    at.file_uploader(key="upload").set_value((clip.name, clip.read_bytes(), "video/mp4"))
    at.run()
    at.button(key="analyse").click().run()
    assert not at.exception
    assert "No person" in at.error[0].value


def test_unexpected_error_shows_an_apology(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: object, **_kw: object) -> StoredResult:
        raise RuntimeError("a bug")

    monkeypatch.setattr(state, "analyse_upload", boom)
    at = _app()
    at.file_uploader(key="upload").set_value(("clip.mp4", b"x", "video/mp4"))
    at.run()
    at.button(key="analyse").click().run()
    assert not at.exception
    assert at.error[0].value == guide.UNEXPECTED_ERROR


# --- helpers without a page -------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "total", "elapsed", "expected"),
    [
        pytest.param(50, 200, 5.0, "Finding the pose: frame 50 of 200, about 15 s left", id="eta"),
        pytest.param(10, None, 1.0, "Finding the pose: frame 10", id="unknown-total"),
        pytest.param(200, 200, 20.0, "Finding the pose: frame 200 of 200", id="done"),
        pytest.param(1, 9000, 0.1, "Finding the pose: frame 1 of 9000", id="too-early"),
    ],
)
def test_progress_text(done: int, total: int | None, elapsed: float, expected: str) -> None:
    assert views.progress_text("Finding the pose", done, total, elapsed) == expected


def test_format_duration() -> None:
    assert views.format_duration(4.4) == "4 s"
    assert views.format_duration(125) == "2 min 05 s"


def test_check_video_name() -> None:
    from hipcheck.errors import VideoError

    for name in ("a.mp4", "B.MOV", "c.avi", "d.webm", "e.mkv"):
        assert state.check_video_name(name) in guide.VIDEO_TYPES
    with pytest.raises(VideoError, match="not a supported video"):
        state.check_video_name("report.pdf")


def test_cache_by_content_and_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same bytes and options: one analysis; other options: a new one; temp file removed."""
    calls: list[Path] = []

    def fake_analyse(path: str, config: object, **_kw: object) -> StoredResult:
        calls.append(Path(path))
        assert Path(path).read_bytes() == data
        return _result()

    monkeypatch.setattr(state, "analyse_file", fake_analyse)
    monkeypatch.setattr(state, "backend_for_new_clip", lambda model=None: None)
    state.cached_analysis.clear()
    data = b"clip bytes for the cache test"
    first = state.analyse_upload("a.mp4", data, Options())
    second = state.analyse_upload("renamed.mov", data, Options(equipment=("band",)))
    assert len(calls) == 1  # program options are not part of the analysis key
    assert first.digest == second.digest == state.file_digest(data)
    assert (first.name, second.name) == ("a.mp4", "renamed.mov")
    assert second.assessment["video"]["path"] == "renamed.mov"
    state.analyse_upload("a.mp4", data, Options(sex="male"))
    assert len(calls) == 2
    assert not any(p.exists() or p.parent.exists() for p in calls)
    state.cached_analysis.clear()


def test_one_backend_per_session_closed_when_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    import hipcheck.pose

    made: list[object] = []

    class FakeBackend:
        closed = False

        def __init__(self, model: str | None) -> None:
            self.model = model
            made.append(self)

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr(hipcheck.pose, "make_backend", FakeBackend)

    def script() -> None:
        import streamlit as st

        from hipcheck.app.state import session_backend

        a = session_backend()
        b = session_backend()
        c = session_backend("other.task")
        st.session_state["same"] = a is b
        st.session_state["replaced"] = c is not a

    at = AppTest.from_function(script, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.session_state["same"] and at.session_state["replaced"]
    assert len(made) == 2
    assert made[0].closed and not made[1].closed  # type: ignore[attr-defined]


@pytest.mark.parametrize("resettable", [True, False], ids=["reset-and-reuse", "replace"])
def test_backend_for_a_new_clip_has_no_tracking_state(
    monkeypatch: pytest.MonkeyPatch, resettable: bool
) -> None:
    import hipcheck.pose

    made: list[object] = []

    class FakeBackend:
        closed = False
        resets = 0

        def __init__(self, model: str | None) -> None:
            made.append(self)

        def close(self) -> None:
            self.closed = True

    if resettable:

        def reset(self: FakeBackend) -> None:
            self.resets += 1

        FakeBackend.reset = reset  # type: ignore[attr-defined]

    monkeypatch.setattr(hipcheck.pose, "make_backend", FakeBackend)

    def script() -> None:
        import streamlit as st

        from hipcheck.app.state import backend_for_new_clip

        st.session_state["same"] = backend_for_new_clip() is backend_for_new_clip()

    at = AppTest.from_function(script, default_timeout=TIMEOUT).run()
    assert not at.exception
    if resettable:
        assert at.session_state["same"] and len(made) == 1
        assert made[0].resets == 1  # type: ignore[attr-defined]  # fresh, then reset once
    else:
        assert not at.session_state["same"] and len(made) == 2
        assert made[0].closed and not made[1].closed  # type: ignore[attr-defined]
