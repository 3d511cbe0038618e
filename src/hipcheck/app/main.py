"""The page: options, clip input, the analyse button, then the stored result.

A run of the script reads the options and the chosen clip; pressing *Analyse* runs
the (cached) analysis and stores the result, or the user error, in
``st.session_state``. Whatever is stored is then drawn by
:func:`hipcheck.app.views.render_results`, so changing the equipment or level later
rebuilds the program without analysing again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from hipcheck.app import guide, state, views
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
UPLOAD, SAMPLE = "Upload a clip", "Use a sample clip"


@dataclass(frozen=True)
class Clip:
    """The clip chosen on the page: its name and bytes."""

    name: str
    data: bytes


def sidebar_options() -> state.Options:
    """Draw the options in the sidebar and return them."""
    sb = st.sidebar
    sb.header("Options")
    task = sb.selectbox("Task", list(TASK_LABELS), format_func=TASK_LABELS.get, key="task")
    side = sb.selectbox("Standing leg", list(SIDE_LABELS), format_func=SIDE_LABELS.get, key="side")
    sex = sb.selectbox(
        "Sex (for the knee reference values; optional)",
        list(SEX_LABELS),
        format_func=SEX_LABELS.get,
        key="sex",
    )
    markers = sb.selectbox(
        "Skin markers", list(MARKER_LABELS), format_func=MARKER_LABELS.get, key="markers"
    )
    sb.header("Exercise program")
    equipment = sb.multiselect(
        "Equipment available",
        list(EQUIPMENT_LABELS),
        format_func=EQUIPMENT_LABELS.get,
        key="equipment",
        help="Bodyweight exercises are always included.",
    )
    level = sb.selectbox(
        "Training level",
        list(LEVEL_LABELS),
        index=list(LEVEL_LABELS).index("intermediate"),
        format_func=LEVEL_LABELS.get,
        key="level",
    )
    pain = sb.checkbox("Pain on the side of the hip", key="lateral_hip_pain")
    return state.Options(
        task=task,
        side=side,
        sex=sex,
        markers=markers,
        equipment=tuple(sorted(equipment)),
        level=level,
        lateral_hip_pain=pain,
    )


def sample_clips(samples_dir: Path | None) -> list[Path]:
    """Return the bundled sample clips (``*.mp4`` in ``samples_dir``), sorted by name."""
    if samples_dir is None or not samples_dir.is_dir():
        return []
    return sorted(samples_dir.glob("*.mp4"))


def clip_input(samples: list[Path]) -> Clip | None:
    """Draw the clip input (upload or sample) and return the chosen clip, if any."""
    source = UPLOAD
    if samples:
        source = st.radio("Clip", [UPLOAD, SAMPLE], horizontal=True, key="source")
    if source == SAMPLE:
        path = st.selectbox(
            "Sample clip", samples, format_func=lambda p: p.stem.replace("_", " "), key="sample"
        )
        return Clip(path.name, path.read_bytes()) if path is not None else None
    max_mb = int(st.get_option("server.maxUploadSize"))
    upload = st.file_uploader(
        "Upload a clip", type=list(guide.VIDEO_TYPES), key="upload", help=guide.upload_help(max_mb)
    )
    st.caption(guide.upload_help(max_mb))
    return Clip(upload.name, upload.getvalue()) if upload is not None else None


def analyse(clip: Clip, options: state.Options) -> None:
    """Analyse ``clip`` and store the result or the user error in the session."""
    st.session_state.pop(state.ERROR_KEY, None)
    st.session_state.pop(state.RESULT_KEY, None)
    try:
        result = state.analyse_upload(clip.name, clip.data, options)
    except HipcheckError as exc:
        logger.info("user error for %s: %s", clip.name, exc)
        st.session_state[state.ERROR_KEY] = exc
    except Exception:  # noqa: BLE001 - a bug must not leave the page broken
        logger.exception("analysis failed for %s", clip.name)
        st.session_state[state.ERROR_KEY] = None
    else:
        st.session_state[state.RESULT_KEY] = result


def render_stored(options: state.Options) -> None:
    """Draw the stored error or result of the last analysis, if any."""
    if state.ERROR_KEY in st.session_state:
        error = st.session_state[state.ERROR_KEY]
        if isinstance(error, HipcheckError):
            views.render_error(error)
        else:
            views.render_unexpected_error()
    result = st.session_state.get(state.RESULT_KEY)
    if result is not None:
        views.render_results(result, options)


def run(samples_dir: Path | None = None) -> None:
    """Draw the page (``app.py`` calls this after ``st.set_page_config``)."""
    st.title("hipcheck")
    st.markdown(
        "Pelvic drop, knee valgus and trunk lean in single-leg squats, step-downs and "
        "squats, from a frontal video, with a glute program."
    )
    st.caption(guide.PRIVACY)
    options = sidebar_options()
    with st.expander("How to film", expanded=state.RESULT_KEY not in st.session_state):
        st.markdown(guide.CAMERA_GUIDE)
    clip = clip_input(sample_clips(samples_dir))
    if st.button("Analyse", type="primary", disabled=clip is None, key="analyse"):
        assert clip is not None  # the button is disabled without a clip
        analyse(clip, options)
    render_stored(options)
