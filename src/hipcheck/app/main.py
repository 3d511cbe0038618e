"""The analysis page, in the order a session runs.

1. **Safety screen** (red flags, PAR-Q): before testing; a red flag stops the test.
2. **Patient / athlete and session**: optional identifier, date (today), tested legs,
   notes; saving to the local history is a button, never automatic.
3. **How to film**, then the **clip(s)** (one clip, or a left-leg and a right-leg clip)
   and the **analysis options** (all in the page, not in a sidebar a phone hides).
4. **Analyse**: the progress bar scrolls into view with one estimate for the whole job.
5. **Results**, shown only while the clip(s) and options on the page are the ones that
   produced them: any change hides them behind "Options changed: analyse again".
6. **Exercise program** (its options live here: they change the program, not the
   numbers), then **downloads**.

The finished run is kept in server memory under a random token in the URL
(``?run=...``), so a page reload shows it again with the options that made it (the
clip itself is not kept: the page says so).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st

from hipcheck.app import guide, session, sides, state, views
from hipcheck.app.session import SessionMeta
from hipcheck.errors import HipcheckError

logger = logging.getLogger(__name__)

TASK_LABELS: dict[str, str] = {
    "auto": "Detect automatically",
    "single_leg_squat": "Single-leg squat",
    "step_down": "Lateral step-down",
    "double_leg_squat": "Double-leg squat",
}
SIDE_LABELS: dict[str, str] = {
    "auto": "Detect automatically",
    "left": "Left leg standing",
    "right": "Right leg standing",
}
SEX_LABELS: dict[str, str] = {
    "unspecified": "Not given (female reference bands)",
    "female": "Female",
    "male": "Male",
}
MARKER_LABELS: dict[str, str] = {
    "auto": "Use skin markers if visible",
    "off": "Ignore skin markers",
    "green": "Green markers",
    "pink": "Pink markers",
    "orange": "Orange markers",
    "blue": "Blue markers",
    "yellow": "Yellow markers",
}
MODEL_LABELS: dict[str, str] = {
    "standard": "Standard (bundled model)",
    "high": "High accuracy (heavy model, slower)",
}
EQUIPMENT_LABELS: dict[str, str] = {
    "band": "Resistance band",
    "dumbbell": "Dumbbells",
    "kettlebell": "Kettlebell",
    "barbell": "Barbell",
    "machine": "Gym machines",
    "step": "Step or box",
    "ankle_weight": "Ankle weights",
}
LEVEL_LABELS: dict[str, str] = {
    "beginner": "Beginner",
    "intermediate": "Intermediate",
    "advanced": "Advanced",
    "athlete": "Athlete (adds landing drills)",
}
ONE_CLIP, TWO_CLIPS = "one", "two"
CLIP_MODES: dict[str, str] = {
    ONE_CLIP: "One clip (one leg or both legs)",
    TWO_CLIPS: "Two clips: a left-leg clip and a right-leg clip",
}
UPLOAD, SAMPLE = "Upload a clip", "Use a sample clip"
RESTORED_NOTE = (
    "Results restored after the page was reloaded. The clip itself is not kept: upload it "
    "again to analyse it with other options."
)
LOST_NOTE = (
    "The results of the link you opened are no longer in this app's memory (it was "
    "restarted, or many analyses ran since). Analyse the clip again."
)


@dataclass(frozen=True)
class Clip:
    """A clip chosen on the page: its name, bytes and cheap identity."""

    name: str
    data: bytes
    identity: str


@dataclass(frozen=True)
class Screen:
    """The safety screen's answers, evaluated by :func:`hipcheck.program.safety.screen`."""

    proceed: bool
    urgent: bool
    red_flag: bool
    par_q_yes: bool
    message: str


# --- 1. safety screen -------------------------------------------------------------------


def safety_screen() -> Screen:
    """Draw the red flags and the PAR-Q as yes/no ticks and evaluate the answers."""
    from hipcheck.program.safety import load_safety, par_q, red_flags, screen

    data = load_safety()
    st.subheader("1. Safety screen before testing")
    # open until there are results; the answers stay (and count) when it is folded
    with st.expander(
        "Red flags and pre-exercise questions", expanded=state.RUN_KEY not in st.session_state
    ):
        st.markdown(f"**{data['red_flags']['title']}.** Tick any that apply today:")
        flags = red_flags()
        answers = {f.id: st.checkbox(f.question, key=f"rf_{f.id}") for f in flags}
        st.markdown(f"**{data['par_q']['title']}.** Tick any that apply:")
        par = [st.checkbox(q, key=f"parq_{i}") for i, q in enumerate(par_q())]
    result = screen(answers, par)
    red = bool(result["red_flags"])
    if red:
        st.error(
            f"**Do not test or exercise today.** {result['message']} "
            "The analysis is switched off while a red flag is ticked."
        )
    elif any(par):
        st.warning(result["message"])
    else:
        st.caption(f"No red flags ticked. {result['message']}")
    return Screen(result["proceed"], result["urgent"], red, any(par), result["message"])


# --- 2. session -------------------------------------------------------------------------


def session_form() -> SessionMeta:
    """Draw the session details; all optional, the date defaults to today."""
    st.subheader("2. Patient / athlete and session")
    with st.container(border=True):
        left, right = st.columns(2)
        person = left.text_input(
            "Patient / athlete identifier (optional)",
            key="person",
            help="Initials or a code; needed only to save the session to the history.",
        )
        st.session_state.setdefault("session_date", dt.date.today())
        date = right.date_input("Session date", key="session_date")
        tested = left.radio(
            "Legs tested",
            list(session.TESTED_LABELS),
            format_func=session.TESTED_LABELS.__getitem__,
            key="tested",
            horizontal=True,
        )
        notes = right.text_area("Notes (optional)", key="notes", height=80)
    day = date if isinstance(date, dt.date) else dt.date.today()
    return SessionMeta(person=person or "", date=day, tested=tested or "both", notes=notes or "")


# --- 3. clips and analysis options ------------------------------------------------------


def sample_clips(samples_dir: Path | None) -> list[Path]:
    """Return the bundled sample clips (``*.mp4`` in ``samples_dir``), sorted by name."""
    if samples_dir is None or not samples_dir.is_dir():
        return []
    return sorted(samples_dir.glob("*.mp4"))


def clip_identity(name: str, data: bytes) -> str:
    """Return a clip's identity for the stale check: its name and the SHA-256 of its bytes.

    The same file uploaded again (after a reload) is the same clip; other bytes or another
    name are another clip.
    """
    return f"{name}|{state.file_digest(data)}"


def _upload(label: str, key: str, max_mb: int) -> Clip | None:
    upload = st.file_uploader(
        label, type=list(guide.VIDEO_TYPES), key=key, help=guide.upload_help(max_mb)
    )
    if upload is None:
        return None
    data = upload.getvalue()
    # hash each upload once, not on every run of the page
    known: dict[str, str] = st.session_state.setdefault("_clip_ids", {})
    if upload.file_id not in known:
        known[upload.file_id] = clip_identity(upload.name, data)
    return Clip(upload.name, data, known[upload.file_id])


def clip_input(samples: list[Path]) -> tuple[str, dict[str, Clip]]:
    """Draw the clip input(s); return the mode and the chosen clips by role."""
    mode = st.radio(
        "Clips", list(CLIP_MODES), format_func=CLIP_MODES.get, key="clip_mode", horizontal=True
    )
    max_mb = int(st.get_option("server.maxUploadSize"))
    clips: dict[str, Clip] = {}
    if mode == TWO_CLIPS:
        left, right = st.columns(2)
        with left:
            clip = _upload("Left-leg clip (standing on the left leg)", "upload_left", max_mb)
        if clip is not None:
            clips["left"] = clip
        with right:
            clip = _upload("Right-leg clip (standing on the right leg)", "upload_right", max_mb)
        if clip is not None:
            clips["right"] = clip
        st.caption(guide.upload_help(max_mb))
        return mode, clips
    source = UPLOAD
    if samples:
        source = st.radio("Clip source", [UPLOAD, SAMPLE], horizontal=True, key="source")
    if source == SAMPLE:
        path = st.selectbox(
            "Sample clip", samples, format_func=lambda p: p.stem.replace("_", " "), key="sample"
        )
        if path is not None:
            data = path.read_bytes()
            clips["clip"] = Clip(path.name, data, clip_identity(path.name, data))
        return mode, clips
    clip = _upload(UPLOAD, "upload", max_mb)
    st.caption(guide.upload_help(max_mb))
    if clip is not None:
        clips["clip"] = clip
    return mode, clips


def analysis_options(mode: str) -> state.Options:
    """Draw the options that change the analysis; return them (program options default)."""
    with st.container(border=True):
        st.markdown("**Analysis options**")
        a, b = st.columns(2)
        task = a.selectbox(
            "Task", list(TASK_LABELS), format_func=TASK_LABELS.__getitem__, key="task"
        )
        if mode == TWO_CLIPS:
            side = "auto"
            b.caption("Standing leg: given by each clip (left clip, right clip).")
        else:
            side = b.selectbox(
                "Standing leg", list(SIDE_LABELS), format_func=SIDE_LABELS.__getitem__, key="side"
            )
        sex = a.selectbox(
            "Sex (for the knee reference values; optional)",
            list(SEX_LABELS),
            format_func=SEX_LABELS.__getitem__,
            key="sex",
        )
        markers = b.selectbox(
            "Skin markers",
            list(MARKER_LABELS),
            format_func=MARKER_LABELS.__getitem__,
            key="markers",
        )
        model = a.radio(
            "Pose model",
            list(MODEL_LABELS),
            format_func=MODEL_LABELS.__getitem__,
            key="model",
            horizontal=True,
            help=(
                "High accuracy reads the knee and trunk angles closer to the truth (knee "
                "valgus error about 3.6 instead of 5.2 deg in our tests) and takes about "
                "twice as long. It places a lifted foot less well: if the stance leg "
                "it reports is wrong, choose the stance leg yourself."
            ),
        )
    return state.Options(
        task=task or "auto", side=side or "auto", sex=sex or "unspecified",
        markers=markers or "auto", model=model or "standard",
    )  # fmt: skip


def program_options(base: state.Options) -> state.Options:
    """Draw the program options (they rebuild the program, not the numbers)."""
    a, b = st.columns(2)
    equipment = a.multiselect(
        "Equipment available",
        list(EQUIPMENT_LABELS),
        format_func=EQUIPMENT_LABELS.__getitem__,
        key="equipment",
        help="Bodyweight exercises are always included.",
    )
    st.session_state.setdefault("level", "intermediate")
    level = b.selectbox(
        "Training level", list(LEVEL_LABELS), format_func=LEVEL_LABELS.__getitem__, key="level"
    )
    pain = b.checkbox("Pain on the side of the hip", key="lateral_hip_pain")
    return replace(
        base, equipment=tuple(sorted(equipment)), level=level or "intermediate",
        lateral_hip_pain=bool(pain),
    )  # fmt: skip


def current_inputs(mode: str, clips: dict[str, Clip], options: state.Options) -> state.Inputs:
    """Return what an analysis would be made from now."""
    roles = ("left", "right") if mode == TWO_CLIPS else ("clip",)
    chosen = tuple((r, clips[r].identity) for r in roles if r in clips)
    return state.Inputs(chosen, options.analysis_key(), options.model)


# --- 4. analysing -----------------------------------------------------------------------


def analyse(mode: str, clips: dict[str, Clip], options: state.Options, meta: SessionMeta) -> None:
    """Analyse the chosen clip(s); store the run (or the user error) in the session."""
    from hipcheck.app.progress import JobProgress

    st.session_state.pop(state.ERROR_KEY, None)
    st.session_state.pop(state.RUN_KEY, None)
    inputs = current_inputs(mode, clips, options)
    model_note = state.model_problem(options.model)
    model = None if model_note else state.model_argument(options.model)
    roles = ["left", "right"] if mode == TWO_CLIPS else ["clip"]
    views.scroll_here()
    bar = JobProgress(n_clips=len(roles))
    try:
        results = {}
        for i, role in enumerate(roles):
            clip = clips[role]
            results[role] = state.analyse_upload(
                clip.name,
                clip.data,
                options,
                side=None if role == "clip" else role,
                model=model,
                progress=functools.partial(bar.callback, i),
            )
        run = make_run(inputs, results, options, meta, model_note)
    except HipcheckError as exc:
        logger.info("user error: %s", exc)
        st.session_state[state.ERROR_KEY] = (inputs, exc)
    except Exception:  # noqa: BLE001 - a bug must not leave the page broken
        logger.exception("analysis failed")
        st.session_state[state.ERROR_KEY] = (inputs, None)
    else:
        st.session_state[state.RUN_KEY] = run
        state.run_store().put(run)
        st.query_params[state.RUN_PARAM] = run.token
        st.session_state["_scroll_to_results"] = True
    finally:
        bar.close()


def make_run(
    inputs: state.Inputs,
    results: dict[str, state.StoredResult],
    options: state.Options,
    meta: SessionMeta,
    model_note: str | None = None,
) -> state.Run:
    """Bundle finished results into a :class:`~hipcheck.app.state.Run`.

    Two clips are combined per side (:func:`hipcheck.app.sides.combine_clips`); the
    run remembers which clip each side came from.
    """
    if set(results) == {"left", "right"}:
        combined, notes = sides.combine_clips(
            results["left"].to_assessment(),
            results["right"].to_assessment(),
            left_name=results["left"].name,
            right_name=results["right"].name,
            config=options.config(),
        )
        for note in notes:
            results["left"].notes.append(note)
        assessment = combined.to_dict()
        sources = {"left": results["left"].name, "right": results["right"].name}
    else:
        result = results["clip"]
        assessment = result.assessment
        clip_sides = dict.fromkeys(r["side"] for r in assessment.get("reps", []))
        sources = {s: result.name for s in clip_sides if s in sides.SIDES}
    return state.Run(
        token=state.new_token(),
        inputs=inputs,
        results=results,
        assessment=assessment,
        sources=sources,
        options=options,
        meta=meta,
        model_note=model_note,
    )


# --- reload ----------------------------------------------------------------------------

#: widget keys restored from a run after a page reload
_OPTION_KEYS = ("task", "side", "sex", "markers", "model")


def restore_from_url() -> None:
    """After a page reload, bring back the run named in the URL and its options."""
    if state.RUN_KEY in st.session_state or "_restore_checked" in st.session_state:
        return
    st.session_state["_restore_checked"] = True
    token = st.query_params.get(state.RUN_PARAM)
    if not token:
        return
    run = state.run_store().get(token)
    if run is None:
        st.session_state["_restore_lost"] = True
        del st.query_params[state.RUN_PARAM]
        return
    st.session_state[state.RUN_KEY] = run
    st.session_state["_restored"] = True
    for key in _OPTION_KEYS:
        st.session_state[key] = getattr(run.options, key)
    st.session_state["equipment"] = list(run.options.equipment)
    st.session_state["level"] = run.options.level
    st.session_state["lateral_hip_pain"] = run.options.lateral_hip_pain
    st.session_state["clip_mode"] = TWO_CLIPS if "left" in run.results else ONE_CLIP
    meta = run.meta
    if isinstance(meta, SessionMeta):
        st.session_state.update(
            person=meta.person, session_date=meta.date, tested=meta.tested, notes=meta.notes
        )


# --- 5-6. results, program, downloads ----------------------------------------------------


def render_stored(
    mode: str, clips: dict[str, Clip], options: state.Options, meta: SessionMeta, screen: Screen
) -> None:
    """Draw the stored error, or the run's results if they match the page's inputs."""
    now = current_inputs(mode, clips, options)
    stored_error = st.session_state.get(state.ERROR_KEY)
    if stored_error is not None:
        inputs, error = stored_error
        if not now.changes_from(inputs):
            if isinstance(error, HipcheckError):
                views.render_error(error)
            else:
                views.render_unexpected_error()
    run: state.Run | None = st.session_state.get(state.RUN_KEY)
    if run is None:
        return
    changes = now.changes_from(run.inputs, clips_known=bool(clips))
    if changes:
        views.render_stale(run, changes)
        return
    if st.session_state.pop("_scroll_to_results", False):
        views.scroll_here()
    if st.session_state.get("_restored"):
        st.info(RESTORED_NOTE)
    assessment = run.to_assessment()
    views.render_results(run, assessment, meta)
    full_options = options
    if assessment.coverage.rated:
        st.subheader("Exercise program")
        if screen.red_flag:
            st.error("No exercise program while a red flag is ticked in the safety screen.")
        else:
            full_options = program_options(options)
    assessment = views.program_assessment(run, full_options)
    if assessment.coverage.rated and not screen.red_flag:
        views.render_program(views.build_report(assessment), screen.par_q_yes)
    render_save(run, assessment, meta)
    views.render_downloads(run, assessment, meta)


def render_save(run: state.Run, assessment: object, meta: SessionMeta) -> None:
    """Return the opt-in save to the local history (a button; nothing is saved otherwise)."""
    st.subheader("Save to the history")
    location = session.store_location()
    if run.saved_session is not None:
        st.success(
            f"Saved as session {run.saved_session} of {meta.person_id or 'this person'} "
            f"in {location}. Open **History** to compare it with earlier sessions."
        )
        return
    st.caption(
        f"Optional. Saves the results and the program on this computer only ({location}); "
        "history can be deleted at any time (hipcheck history delete)."
    )
    if st.button("Save this session", key="save_session", disabled=meta.person_id is None):
        try:
            with session.open_store() as store:
                run.saved_session = session.save_session(store, meta, assessment)  # type: ignore[arg-type]
        except HipcheckError as exc:
            views.render_error(exc)
            return
        st.rerun()
    if meta.person_id is None:
        st.caption("Enter a patient / athlete identifier above to save.")


# --- the page ---------------------------------------------------------------------------


def run(samples_dir: Path | None = None) -> None:
    """Draw the page (the app's entry script calls this after ``st.set_page_config``)."""
    views.inject_css()
    restore_from_url()
    st.title("hipcheck")
    st.markdown(
        "Pelvic drop, knee valgus and trunk lean in single-leg squats, step-downs and "
        "squats, from a frontal video, with a glute program."
    )
    st.caption(guide.PRIVACY)
    if st.session_state.pop("_restore_lost", False):
        st.info(LOST_NOTE)
    screen = safety_screen()
    meta = session_form()
    st.subheader("3. Film and analyse")
    with st.expander("How to film", expanded=state.RUN_KEY not in st.session_state):
        st.markdown(guide.CAMERA_GUIDE)
    mode, clips = clip_input(sample_clips(samples_dir))
    options = analysis_options(mode)
    problem = state.model_problem(options.model)
    if problem:
        st.caption(problem)
    needed = 2 if mode == TWO_CLIPS else 1
    ready = len(clips) == needed and not screen.red_flag
    if st.button("Analyse", type="primary", disabled=not ready, key="analyse"):
        st.session_state.pop("_restored", None)
        analyse(mode, clips, options, meta)
    if screen.red_flag:
        st.caption("Analysis is off: a red flag is ticked in the safety screen (1.).")
    elif len(clips) < needed:
        st.caption("Choose " + ("both clips" if needed == 2 else "a clip") + " to analyse.")
    render_stored(mode, clips, options, meta, screen)
