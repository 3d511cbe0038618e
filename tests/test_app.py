"""Page logic of the Streamlit app, with Streamlit's ``AppTest`` (no browser, no model).

Results are rendered from a run built from the hand-made assessment in
``fixtures_assessment`` (injected into ``session_state``), so the page is tested
without running the pose model. Errors are real: a corrupt upload goes through the
analysis and must come back as a friendly message. The pure helpers (left vs right,
progress estimate, markup, session notes) are tested directly.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from fixtures_assessment import REP_TABLE, make_assessment, make_kinematics
from hipcheck.app import guide, main, markup, progress, session, sides, state, views
from hipcheck.app.session import SessionMeta
from hipcheck.app.state import Options, StoredResult
from hipcheck.model import Assessment
from hipcheck.reports.report_html import image_png

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
TIMEOUT = 60


def _result(name: str = "patient clip.mp4", **kw: object) -> StoredResult:
    assessment = make_assessment(**kw)  # type: ignore[arg-type]
    frame = np.full((64, 48, 3), 200, dtype=np.uint8)
    return StoredResult(
        name=name,
        digest="0" * 64,
        assessment=assessment.to_dict(),
        kinematics=make_kinematics(assessment),
        key_frames={side: image_png(frame) for side in assessment.sides()},
        video_mp4=b"\x00\x00\x00\x18ftypmp42",  # rendering only; the browser test plays one
        notes=[],
    )


def _run(result: StoredResult | None = None, inputs: state.Inputs | None = None) -> state.Run:
    opts = Options()
    inputs = inputs or state.Inputs((), opts.analysis_key(), opts.model)
    return main.make_run(inputs, {"clip": result or _result()}, opts, SessionMeta())


def _app(run: state.Run | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if run is not None:
        at.session_state[state.RUN_KEY] = run
    return at.run()


def _html(at: AppTest) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [w.value for w in (*at.warning, *at.info, *at.error, *at.success)]
    return "\n".join(parts) + "\n" + re.sub(r"<[^>]+>", " ", _html(at))


# --- the page ---------------------------------------------------------------------------


def test_first_load_safety_first_and_options_in_the_page() -> None:
    at = _app()
    assert not at.exception
    headings = [s.value for s in at.subheader]
    assert headings[:3] == [
        "1. Safety screen before testing",
        "2. Patient / athlete and session",
        "3. Film and analyse",
    ]
    assert not at.sidebar.selectbox  # nothing hidden in a sidebar a phone collapses
    values = {w.key: w.value for w in at.selectbox}
    assert values == {"task": "auto", "side": "auto", "sex": "unspecified", "markers": "auto"}
    assert at.radio(key="model").value == "standard"
    assert at.date_input(key="session_date").value == dt.date.today()
    assert at.button(key="analyse").disabled  # nothing chosen yet
    assert "Tripod at pelvis-to-knee height" in _text(at)
    assert len(at.file_uploader) == 1
    from hipcheck.program.safety import par_q, red_flags

    boxes = [c.key for c in at.checkbox]
    assert len([k for k in boxes if k.startswith("rf_")]) == len(red_flags())
    assert len([k for k in boxes if k.startswith("parq_")]) == len(par_q())
    assert not at.error and state.RUN_KEY not in at.session_state


def test_upload_caption_states_the_configured_size_limit() -> None:
    import streamlit as st

    at = _app()
    limit = int(st.get_option("server.maxUploadSize"))
    assert guide.upload_help(limit) in [c.value for c in at.caption]
    assert re.search(r"mp4, mov, avi, webm, mkv", guide.upload_help(limit))


def test_two_clip_mode_asks_for_a_left_and_a_right_clip() -> None:
    at = _app()
    at.radio(key="clip_mode").set_value(main.TWO_CLIPS).run()
    assert not at.exception
    keys = {u.key for u in at.file_uploader}
    assert keys == {"upload_left", "upload_right"}
    assert at.button(key="analyse").disabled
    assert "side" not in {w.key for w in at.selectbox}  # each clip gives its leg


def test_results_render_from_a_stored_run() -> None:
    at = _app(_run())
    assert not at.exception
    assert at.header[0].value == "Results"
    text = _text(at)
    assert "Clip: patient clip.mp4" in text
    assert "6 repetitions (3 left, 3 right)" in text
    # left vs right: each side's mean FPPA from the reps, and the difference
    fppa = {s: np.mean([r[5] for r in REP_TABLE if r[0] == s]) for s in ("left", "right")}
    html = _html(at)
    assert f"+{fppa['left']:.1f}°" in html and f"+{fppa['right']:.1f}°" in html
    assert f"{fppa['left'] - fppa['right']:+.1f}°" in html
    assert "more on the left leg" in text
    # rep table: a header row, 6 reps and a mean row per side, in a real <table>
    table = re.search(r"<caption>Repetitions</caption>(.*?)</table>", html, re.S)
    assert table is not None
    assert table.group(1).count("<tr") == 1 + len(REP_TABLE) + 2
    assert '<th scope="col">Knee valgus (FPPA)</th>' in table.group(1)
    # ratings are words (left FPPA mean 14 deg: fair with the female bands)
    assert re.search(r'class="hc-badge hc-fair">fair<', html)
    # findings, program, downloads
    assert "Knee valgus (FPPA) on the left leg: mean +14.0° over 3 reps (fair)." in text
    assert re.search(r"Phase 1: ", text)
    labels = [b.label for b in at.get("download_button")]
    for wanted in ("assessment.json", "reps.csv", "Annotated video", "Report (PDF)"):
        assert wanted in labels
    assert at.get("video")
    # figures carry alt texts (not Streamlit's "0"); no value is marked up as a heading
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', html)
    assert len(alts) >= 4 and all(len(a) > 20 for a in alts)
    assert not any(re.search(r"[+-]?\d+\.\d°", h.value) for h in (*at.header, *at.subheader))
    assert not re.search(r"<h\d[^>]*>[^<]*\d+\.\d°", html)
    assert not [m for m in at.markdown if m.value.lstrip().startswith("#")]


def test_indicative_and_not_measurable_values() -> None:
    at = _app(_run(_result(pelvic_status="indicative", knee_status="not_measurable")))
    assert not at.exception
    html = _html(at)
    assert 'hc-none">indicative<' in html  # the word, in a grey badge
    assert "~+" in html  # indicative value shown with a tilde
    assert "not measurable" in html
    assert "knee not visible (side view)" in html


def test_nothing_measured_says_what_and_why_and_gives_no_program() -> None:
    base = make_assessment()
    reps = tuple(
        replace(
            r,
            metrics={
                name: {
                    k: type(v).not_measurable("knee not visible (side view)") for k, v in d.items()
                }
                for name, d in r.metrics.items()
            },
        )
        for r in base.reps
    )
    from hipcheck.assessment import assessment_from_reps
    from hipcheck.config import AnalysisConfig

    empty = assessment_from_reps(reps, video=base.video, config=AnalysisConfig())
    assert not empty.coverage.rated
    result = replace(_result(), assessment=empty.to_dict())
    at = _app(_run(result))
    assert not at.exception
    text = _text(at)
    headings = [s.value for s in at.subheader]
    assert "Nothing could be measured" in headings
    assert "What to film instead" in text
    assert "knee not visible (side view)" in text
    for absent in ("Findings", "Exercise program", "Left vs right", "Over time"):
        assert absent not in headings
    assert not at.success  # no green "no findings"
    assert 'class="hc-badge hc-good"' not in _html(at)


def test_program_follows_equipment_and_level() -> None:
    from hipcheck.program import ProgramContext, build_program

    at = _app(_run())
    at.multiselect(key="equipment").set_value(["band"])
    at.selectbox(key="level").set_value("beginner")
    at.run()
    assert not at.exception
    findings = make_assessment().findings
    program = build_program(findings, ProgramContext(equipment={"band"}, level="beginner"))
    names = [item.name for phase in program.phases for item in phase.items]
    assert names
    text = _text(at)
    for name in names:
        assert f"**{name}**" in text


def test_a_red_flag_stops_the_test_and_the_program() -> None:
    at = _app(_run())
    at.checkbox(key="rf_" + _first_flag()).check().run()
    assert not at.exception
    assert any("Do not test or exercise today" in e.value for e in at.error)
    assert at.button(key="analyse").disabled
    assert any("Analysis is off: a red flag is ticked" in c.value for c in at.caption)
    assert not any(s.value.startswith("Phase") for s in at.markdown)
    assert "equipment" not in {w.key for w in at.multiselect}


def _first_flag() -> str:
    from hipcheck.program.safety import red_flags

    return red_flags()[0].id


def test_a_par_q_yes_asks_for_clearance_before_the_program() -> None:
    at = _app(_run())
    at.checkbox(key="parq_0").check().run()
    assert not at.exception
    assert any("medical clearance" in w.value for w in at.warning)
    assert re.search(r"Phase 1: ", _text(at))  # the program is still shown


# --- state that never lies --------------------------------------------------------------


def _upload(at: AppTest, name: str, data: bytes) -> None:
    at.file_uploader(key="upload").set_value((name, data, "video/mp4"))
    at.run()


def test_an_option_change_hides_the_results() -> None:
    at = _app()
    _upload(at, "clip.mp4", b"clip bytes")
    inputs = main.current_inputs(main.ONE_CLIP, _page_clips(at), Options())
    at.session_state[state.RUN_KEY] = _run(inputs=inputs)
    at.run()
    assert at.header and at.header[0].value == "Results"  # the same inputs: shown
    at.selectbox(key="sex").set_value("male").run()
    assert not at.exception
    assert not at.header  # the old numbers are gone
    banner = " ".join(w.value for w in at.warning)
    assert views.STALE_TITLE in banner and "sex" in banner
    at.selectbox(key="sex").set_value("unspecified").run()
    assert at.header and at.header[0].value == "Results"  # back to what produced them


def test_a_new_upload_hides_the_results() -> None:
    at = _app()
    _upload(at, "clip.mp4", b"clip bytes")
    inputs = main.current_inputs(main.ONE_CLIP, _page_clips(at), Options())
    at.session_state[state.RUN_KEY] = _run(inputs=inputs)
    at.run()
    assert at.header
    _upload(at, "clip.mp4", b"clip bytes")  # the same file again: the same clip
    assert at.header
    _upload(at, "other.mp4", b"other clip bytes")
    assert not at.header
    banner = " ".join(w.value for w in at.warning)
    assert views.STALE_TITLE in banner and "clip" in banner


def _page_clips(at: AppTest) -> dict[str, main.Clip]:
    upload = at.file_uploader(key="upload").value
    data = upload.getvalue()
    return {"clip": main.Clip(upload.name, data, main.clip_identity(upload.name, data))}


def test_results_come_back_after_a_reload() -> None:
    run = _run()
    run.options = Options(sex="male", equipment=("band",), level="advanced")
    run.inputs = state.Inputs((), run.options.analysis_key(), "standard")
    run.meta = SessionMeta(person="P-1", date=dt.date(2026, 3, 2), tested="left", notes="n")
    state.run_store().put(run)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params[state.RUN_PARAM] = run.token
    at.run()
    assert not at.exception
    assert at.header and at.header[0].value == "Results"
    assert any(i.value == main.RESTORED_NOTE for i in at.info)
    assert at.selectbox(key="sex").value == "male"
    assert at.multiselect(key="equipment").value == ["band"]
    assert at.text_input(key="person").value == "P-1"
    assert at.date_input(key="session_date").value == dt.date(2026, 3, 2)


def test_an_unknown_run_link_says_the_results_are_gone() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params[state.RUN_PARAM] = "no-such-run"
    at.run()
    assert not at.exception
    assert any(i.value == main.LOST_NOTE for i in at.info)
    assert not at.header


# --- analysing (real errors, fake analysis) ---------------------------------------------


def test_corrupt_upload_is_a_friendly_message() -> None:
    at = _app()
    data = b"this is not a video " * 50
    _upload(at, "broken.mp4", data)
    at.button(key="analyse").click().run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "broken.mp4" in message and "hipcheck-upload" not in message  # no temporary path
    assert "\n\n" in message  # the hint follows the message
    assert state.RUN_KEY not in at.session_state


def test_no_person_in_clip(tmp_path: Path) -> None:
    from hipcheck.io.writer import VideoWriter

    clip = tmp_path / "empty_room.mp4"
    with VideoWriter(clip, 15.0, (96, 128)) as writer:
        for i in range(8):
            writer.write(np.full((128, 96, 3), 120, dtype=np.uint8), i / 15.0)
    at = _app()
    _upload(at, clip.name, clip.read_bytes())
    at.button(key="analyse").click().run()
    assert not at.exception
    assert "No person" in at.error[0].value


def test_unexpected_error_shows_an_apology(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: object, **_kw: object) -> StoredResult:
        raise RuntimeError("a bug")

    monkeypatch.setattr(state, "analyse_upload", boom)
    at = _app()
    _upload(at, "clip.mp4", b"x")
    at.button(key="analyse").click().run()
    assert not at.exception
    assert at.error[0].value == guide.UNEXPECTED_ERROR


def test_analyse_stores_a_run_tied_to_its_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Analyse: the model choice reaches the analysis; without a heavy model, say so."""
    calls: list[dict[str, object]] = []

    def fake(name: str, data: bytes, options: Options, **kw: object) -> StoredResult:
        calls.append({"name": name, **kw})
        return _result(name=name)

    monkeypatch.setattr(state, "analyse_upload", fake)
    monkeypatch.setattr(state, "model_problem", lambda choice: None)
    at = _app()
    _upload(at, "a.mp4", b"abc")
    at.button(key="analyse").click().run()
    assert not at.exception
    run = at.session_state[state.RUN_KEY]
    assert at.query_params[state.RUN_PARAM] == [run.token]
    assert calls[-1]["model"] is None and calls[-1]["side"] is None
    assert run.inputs.clips == (("clip", main.clip_identity("a.mp4", b"abc")),)
    # high accuracy: the heavy model is asked for by name ...
    at.radio(key="model").set_value("high").run()
    assert views.STALE_TITLE in " ".join(w.value for w in at.warning)
    at.button(key="analyse").click().run()
    assert calls[-1]["model"] == state.model_argument("high") == "heavy"
    # ... and when it is not installed, the standard model runs and the page says so
    monkeypatch.setattr(state, "model_problem", lambda choice: "heavy model not installed")
    at.button(key="analyse").click().run()
    assert calls[-1]["model"] is None
    assert any("heavy model not installed" in i.value for i in at.info)


def test_two_clips_are_combined_per_side(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def fake(name: str, data: bytes, options: Options, **kw: object) -> StoredResult:
        calls.append(kw["side"])
        return _result(name=name)

    monkeypatch.setattr(state, "analyse_upload", fake)
    at = _app()
    at.radio(key="clip_mode").set_value(main.TWO_CLIPS).run()
    at.file_uploader(key="upload_left").set_value(("L.mp4", b"left", "video/mp4"))
    at.file_uploader(key="upload_right").set_value(("R.mp4", b"right", "video/mp4"))
    at.run()
    at.button(key="analyse").click().run()
    assert not at.exception
    assert calls == ["left", "right"]  # each clip analysed for its own leg
    run = at.session_state[state.RUN_KEY]
    assert run.sources == {"left": "L.mp4", "right": "R.mp4"}
    text = _text(at)
    assert "Standing on the left leg: from L.mp4" in text
    assert "Standing on the right leg: from R.mp4" in text
    # each clip's other-leg reps are left out, and the page says so
    assert "3 repetitions of L.mp4 did not stand on the left leg" in text


def test_model_problem_names_the_missing_heavy_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without an installed heavy model, "high accuracy" says so and how to install it."""
    monkeypatch.setenv("HIPCHECK_HOME", str(tmp_path))  # an empty model folder
    assert state.model_problem("standard") is None
    problem = state.model_problem("high")
    assert problem is not None and problem.startswith(state.HEAVY_MISSING)
    assert "hipcheck models install heavy" in problem


# --- sessions and history ---------------------------------------------------------------


def test_save_session_and_compare_in_the_history_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hipcheck.history.compare import compare_sessions
    from hipcheck.history.db import HistoryStore

    db = tmp_path / "history.sqlite"
    monkeypatch.setenv("HIPCHECK_DB", str(db))
    at = _app(_run())
    assert at.button(key="save_session").disabled  # no identifier yet
    assert not db.exists()  # nothing is written unless asked
    at.text_input(key="person").input("P-9").run()
    at.date_input(key="session_date").set_value(dt.date(2026, 1, 5)).run()
    at.button(key="save_session").click().run()
    assert not at.exception
    assert any("Saved as session 1 of P-9" in s.value for s in at.success)
    # a re-test six weeks later, all good
    later = _run(_result(findings=False))
    at.session_state[state.RUN_KEY] = later
    at.date_input(key="session_date").set_value(dt.date(2026, 2, 16)).run()
    at.button(key="save_session").click().run()
    with HistoryStore(db) as store:
        sessions = store.list_sessions("P-9")
        assert [s.date for s in sessions] == [dt.date(2026, 1, 5), dt.date(2026, 2, 16)]
        assert sessions[0].notes.startswith(session.NOTES_PREFIX)
        expected = compare_sessions(store.get_assessment(1), store.get_assessment(2))

    def page() -> None:
        from hipcheck.app import history_page

        history_page.run()

    hist = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert not hist.exception
    assert hist.selectbox(key="history_person").value == "P-9"
    html = _html(hist)
    fppa_left = expected.get("knee_valgus_deg", "left")
    assert fppa_left.verdict == "improved"  # 14 deg -> 4.2 deg: beyond the 8 deg MDC
    assert f"{fppa_left.change:+.1f}°" in html
    assert 'hc-good">improved<' in html
    assert any(expected.suggestion.text in i.value for i in hist.info)
    assert 'alt="Trend of each measure' in html


def test_history_page_without_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIPCHECK_DB", str(tmp_path / "none.sqlite"))

    def page() -> None:
        from hipcheck.app import history_page

        history_page.run()

    at = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("No saved sessions yet" in i.value for i in at.info)
    assert not (tmp_path / "none.sqlite").exists()  # reading never creates it


def test_session_notes_and_planned_legs() -> None:
    meta = SessionMeta(person=" P-2 ", tested="both", notes="knee sore")
    assert meta.person_id == "P-2"
    assert meta.session_notes() == "Tested: left and right legs. knee sore"
    one_side = Assessment.from_dict(
        {**make_assessment().to_dict(), "reps": [r for r in make_assessment().to_dict()["reps"]
                                                  if r["side"] == "left"]}
    )  # fmt: skip
    assert session.untested_planned(meta, one_side) == ["right"]
    assert session.untested_planned(replace(meta, tested="left"), one_side) == []


def test_save_needs_an_identifier(tmp_path: Path) -> None:
    from hipcheck.history.db import HistoryError

    with session.open_store(str(tmp_path / "h.sqlite")) as store, pytest.raises(HistoryError):
        session.save_session(store, SessionMeta(), make_assessment())


# --- left vs right ----------------------------------------------------------------------


def test_combine_two_clips_keeps_each_side_from_its_own_clip() -> None:
    from hipcheck.config import AnalysisConfig

    left_clip = make_assessment()
    right_clip = make_assessment(findings=False)  # other values: all good
    combined, notes = sides.combine_clips(
        left_clip, right_clip, left_name="L.mp4", right_name="R.mp4", config=AnalysisConfig()
    )
    assert [r.side for r in combined.reps] == ["left"] * 3 + ["right"] * 3
    assert [r.index for r in combined.reps] == list(range(1, 7))
    for metric in ("knee_valgus_deg", "trunk_lean_deg"):
        assert (
            combined.summary_for(metric, "left").mean == left_clip.summary_for(metric, "left").mean
        )
        assert (
            combined.summary_for(metric, "right").mean
            == right_clip.summary_for(metric, "right").mean
        )
    asym = {a.metric: a for a in combined.asymmetry}["knee_valgus_deg"]
    expected = (
        left_clip.summary_for("knee_valgus_deg", "left").mean
        - right_clip.summary_for("knee_valgus_deg", "right").mean
    )
    assert asym.difference == pytest.approx(expected)
    assert len(notes) == 2 and "L.mp4" in notes[0] and "R.mp4" in notes[1]
    assert combined.video.path == "L.mp4 (left leg) + R.mp4 (right leg)"


def test_side_rows_say_what_a_difference_means() -> None:
    rows = {r.metric: r for r in sides.side_rows(make_assessment())}
    fppa = rows["knee_valgus_deg"]  # 14.0 vs 7.3 deg: asymmetry 6.7 deg, below the 8 deg MDC
    assert fppa.left.rating == "fair" and fppa.right.rating == "good"
    assert fppa.difference == "+6.7°"
    assert fppa.asymmetry_rating == "fair"
    assert "more on the left leg" in fppa.meaning and "may be measurement noise" in fppa.meaning
    indicative = {r.metric: r for r in sides.side_rows(make_assessment(pelvic_status="indicative"))}
    assert indicative["pelvic_drop_deg"].meaning.startswith(
        "Not compared: the values are indicative"
    )
    left_only = Assessment.from_dict(
        {**make_assessment().to_dict(), "reps": [], "summary": [
            s for s in make_assessment().to_dict()["summary"] if s["side"] == "left"]}
    )  # fmt: skip
    row = {r.metric: r for r in sides.side_rows(left_only)}["knee_valgus_deg"]
    assert row.right.text == "not tested"
    assert row.meaning == "Not compared: the right leg was not tested."


# --- helpers without a page -------------------------------------------------------------


def test_job_estimate_covers_every_phase_and_clip() -> None:
    est = progress.JobEstimate(n_clips=2)
    assert est.text(0.0) == "Opening the video..."
    est.update(0, "pose", 0, 100, now=1.0)
    est.update(0, "pose", 50, 100, now=6.0)  # 10 frames/s
    # left: 50 pose frames of clip 1 + 100 of clip 2 at 10/s, and 200 drawn frames at
    # 10/DRAW_COST per s (drawing not measured yet)
    expected = 150 / 10 + 200 * progress.DRAW_COST / 10
    assert est.seconds_left(6.0) == pytest.approx(expected)
    assert est.text(6.0) == (
        "Clip 1 of 2: Finding the pose, frame 50 of 100. About "
        f"{progress.format_duration(expected)} left for the whole analysis"
    )
    est.update(0, "draw", 0, 100, now=6.0)
    est.update(0, "draw", 40, 100, now=8.0)  # drawing measured: 20 frames/s
    assert est.seconds_left(8.0) == pytest.approx(100 / 10 + 60 / 20 + 100 / 20)
    assert est.fraction() == pytest.approx(140 / 400)


def test_job_estimate_waits_before_guessing() -> None:
    est = progress.JobEstimate()
    est.update(0, "pose", 1, 9000, now=0.5)
    assert est.seconds_left(0.5) is None  # too early: start-up dominates
    assert est.text(0.5) == "Finding the pose, frame 1 of 9000"


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
    assert progress.progress_text("Finding the pose", done, total, elapsed) == expected


def test_format_duration() -> None:
    assert progress.format_duration(4.4) == "4 s"
    assert progress.format_duration(125) == "2 min 05 s"


@pytest.mark.parametrize("rating", list(markup.BADGE_COLOURS))
def test_badge_colours_reach_wcag_aa(rating: str) -> None:
    fg, bg = markup.BADGE_COLOURS[rating]
    assert markup.contrast_ratio(fg, bg) >= 4.5


def test_contrast_ratio_known_values() -> None:
    assert markup.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert markup.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_markup_escapes_user_text() -> None:
    html = markup.table(["<b>"], [["<i>x</i>"]], caption="<script>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<th scope="col">&lt;b&gt;</th>' in html
    fig = markup.figure(b"png", 'say "hi"', "<cap>")
    assert 'alt="say &quot;hi&quot;"' in fig and "&lt;cap&gt;" in fig


def test_inputs_changes_in_words() -> None:
    a = state.Inputs((("clip", "a|1|x"),), ("auto", "auto", "unspecified", "auto"), "standard")
    assert a.changes_from(a) == []
    b = replace(a, analysis=("auto", "left", "male", "auto"), model="high")
    assert b.changes_from(a) == ["standing leg", "sex", "model"]
    c = replace(a, clips=(("clip", "b|2|y"),))
    assert c.changes_from(a) == ["clip"]
    assert c.changes_from(a, clips_known=False) == []


def test_check_video_name() -> None:
    from hipcheck.errors import VideoError

    for name in ("a.mp4", "B.MOV", "c.avi", "d.webm", "e.mkv"):
        assert state.check_video_name(name) in guide.VIDEO_TYPES
    with pytest.raises(VideoError, match="not a supported video"):
        state.check_video_name("report.pdf")


def test_cache_by_content_options_and_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same bytes and options: one analysis; other options or model: a new one."""
    calls: list[tuple[Path, object]] = []

    def fake_analyse(path: str, config: object, **_kw: object) -> StoredResult:
        calls.append((Path(path), config))
        assert Path(path).read_bytes() == data
        return _result()

    monkeypatch.setattr(state, "analyse_file", fake_analyse)
    monkeypatch.setattr(state, "backend_for_new_clip", lambda model=None: None)
    state.clear_cache()
    data = b"clip bytes for the cache test"
    first = state.analyse_upload("a.mp4", data, Options())
    second = state.analyse_upload("renamed.mov", data, Options(equipment=("band",)))
    assert len(calls) == 1  # program options are not part of the analysis key
    assert first.digest == second.digest == state.file_digest(data)
    assert (first.name, second.name) == ("a.mp4", "renamed.mov")
    assert second.assessment["video"]["path"] == "renamed.mov"
    state.analyse_upload("a.mp4", data, Options(sex="male"))
    state.analyse_upload("a.mp4", data, Options(), model="heavy")
    state.analyse_upload("a.mp4", data, Options(), side="right")
    assert len(calls) == 4
    assert calls[-1][1].side == "right"  # type: ignore[attr-defined]
    assert not any(p.exists() or p.parent.exists() for p, _ in calls)
    state.clear_cache()


def test_state_and_views_have_no_import_cycle() -> None:
    """``views`` imports ``state``; ``state`` imports neither ``views`` nor ``main``."""
    tree = ast.parse((REPO / "src/hipcheck/app/state.py").read_text())
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    names = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "hipcheck.app"
        for alias in node.names
    }
    assert "hipcheck.app.views" not in imported and "hipcheck.app.main" not in imported
    assert not names & {"views", "main"}


def test_network_loggers_are_quiet() -> None:
    import logging

    from hipcheck.app.logs import NOISY_LOGGERS, quiet_network_logs

    logging.getLogger("aioice").setLevel(logging.INFO)
    quiet_network_logs()
    assert all(logging.getLogger(n).getEffectiveLevel() >= logging.WARNING for n in NOISY_LOGGERS)


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


def test_double_leg_squat_gets_a_per_limb_summary() -> None:
    from hipcheck.pipeline import analyze_landmarks
    from skeleton import Plan, make_series

    series, _ = make_series(Plan(task="double_leg_squat", fppa_deg=10.0, depth=0.2))
    analysis = analyze_landmarks(series)
    a = analysis.assessment
    result = StoredResult("squat.mp4", "1" * 64, a.to_dict(), analysis.kinematics)
    at = _app(_run(result))
    assert not at.exception
    headings = [s.value for s in at.subheader]
    assert "Summary" in headings and "Left vs right" not in headings
    html = _html(at)
    for s in a.summary:
        if s.mean is not None:
            assert spec_format(s.metric, s.mean) in html
    assert "Knee valgus (FPPA), left knee" in html and "Knee valgus (FPPA), right knee" in html


def spec_format(metric: str, value: float) -> str:
    from hipcheck.metrics import spec

    return spec(metric).format(value)


def test_live_recording_results_can_be_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After STOP: the recording's analysis, program and an opt-in save to the history."""
    from hipcheck.history.db import HistoryStore
    from hipcheck.pipeline import analyze_landmarks
    from skeleton import Plan, make_series

    db = tmp_path / "h.sqlite"
    monkeypatch.setenv("HIPCHECK_DB", str(db))
    series, _ = make_series(Plan(fppa_deg=16.0))
    analysis = analyze_landmarks(series)

    def page() -> None:
        import streamlit as st

        from hipcheck.app import live_page

        live_page._show_result(st)

    from hipcheck.app.live_page import RESULT_KEY, LiveOptions

    at = AppTest.from_function(page, default_timeout=TIMEOUT)
    at.session_state[RESULT_KEY] = (analysis, LiveOptions(), "ab" * 32)
    at.run()
    assert not at.exception
    assert at.header and at.header[0].value == "Results"
    assert "4 repetitions" in _text(at)
    assert at.button(key="save_session").disabled  # no name yet: nothing saved
    at.text_input(key="live_person").input("athlete-3").run()
    at.button(key="save_session").click().run()
    assert not at.exception
    assert any("Saved as session 1 of athlete-3" in s.value for s in at.success)
    with HistoryStore(db) as store:
        (info,) = store.list_sessions("athlete-3")
        assert len(store.get_assessment(info.id).reps) == len(analysis.assessment.reps)
