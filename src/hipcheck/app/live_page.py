"""The live webcam page: skeleton, angles, rep counter and cues in real time.

Call :func:`run` from a Streamlit script. The webcam stream goes through
``streamlit-webrtc`` to this process (localhost, no STUN/TURN server: host ICE
candidates only, so it works without internet). Each frame is handled by
:class:`LiveSession.on_frame` in streamlit-webrtc's worker thread, which must never
call ``st.*``: it runs the :class:`hipcheck.live.OnlineProcessor`, draws the overlay,
and hands the :class:`~hipcheck.live.LiveState` to the script through a
``queue.Queue(maxsize=1)`` that keeps only the newest state. With
``async_processing=True`` streamlit-webrtc passes only the newest frame to the
callback when processing falls behind, so frames are dropped instead of delay
building up; the page shows the achieved frame rate and the dropped frames.

One pose model per browser session: the page loads it (and runs it once on a blank
frame) in a background thread as soon as the page is shown, :meth:`LiveSession.warm_up`,
so that the first camera frames after START are analysed at once instead of being
dropped while the model starts; otherwise the person's first seconds of standing still,
which the baseline needs, are lost (the first reps then went uncounted). Each stream gets
a new processor on the same model (its tracking reset); the model is closed when the
browser session ends (``SessionShutdownObserver``). After STOP the recorded landmarks go
through the full offline analysis (:func:`hipcheck.pipeline.analyze_landmarks`) and are
shown with the main app's results view.

Nothing is shown as a number before it means something: no angle before the standing
reference (baseline) exists, and the count starts with the first repetition after it.
Frames the computer could not process are reported as dropped here, not by the camera.

Mirroring: browsers deliver unmirrored camera frames, which are processed as they
are; "Mirror view" only flips what is *displayed* (labels stay readable and sides stay
the subject's). "My camera mirrors its image" is for sources that mirror the frames
themselves: then left/right landmarks are swapped (:mod:`hipcheck.live`).

Importing this module does not import Streamlit or load a model.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hipcheck.live import LiveRep, LiveState, OnlineProcessor

logger = logging.getLogger(__name__)

SESSION_KEY = "_hipcheck_live_session"
RESULT_KEY = "_hipcheck_live_result"
#: Where recorded webcam videos go when the user asks for them.
RECORD_DIR = Path.home() / "hipcheck-live"
#: Nominal camera frame rate asked of the browser (the filter's time grid).
CAMERA_FPS = 30.0
#: A pause longer than this between frames (or time going back) means a new stream.
NEW_STREAM_GAP_S = 3.0
#: Frame size of the warm-up run of the pose model (the camera's asked-for size).
WARM_UP_SIZE = (640, 480)
#: How long the first frame of a stream waits for a model still loading, seconds.
WARM_UP_WAIT_S = 20.0

TASKS = {
    "Detect automatically": "auto",
    "Single-leg squat": "single_leg_squat",
    "Step-down": "step_down",
    "Double-leg squat": "double_leg_squat",
}
SIDES = {"Detect from the lifted foot": "auto", "Left leg": "left", "Right leg": "right"}
SEXES = {"Not given": "unspecified", "Female": "female", "Male": "male"}


@dataclass(frozen=True)
class LiveOptions:
    """What the user chose on the page (a change starts a new processor)."""

    task: str = "auto"
    side: str = "auto"
    sex: str = "unspecified"
    mirror_view: bool = True
    source_mirrored: bool = False
    record: bool = False


# --- drawing (pure, testable without Streamlit) -------------------------------------


def overlay_labels(state: LiveState) -> dict[str, Any]:
    """Angle labels for :func:`hipcheck.reports.draw.draw_skeleton` from a live state."""
    from hipcheck.reports.draw import AngleLabel

    labels: dict[str, Any] = {}
    for key, value in state.angles.items():
        if key == "pelvic_drop":
            labels[key] = AngleLabel(value, None, "indicative")
        else:
            labels[key] = AngleLabel(value, state.ratings.get(key))
    return labels


def draw_live_overlay(image_rgb: np.ndarray, state: LiveState, mirror_view: bool) -> np.ndarray:
    """Return the displayed frame: skeleton, coloured angles, rep counter, cue, fps.

    With ``mirror_view`` the image and the landmark x coordinates are flipped before
    drawing, so the text stays readable and the colours stay on the subject's sides.
    """
    from hipcheck.reports.draw import caption_bar, draw_skeleton

    img = np.ascontiguousarray(image_rgb[:, ::-1]) if mirror_view else image_rgb
    if state.landmarks_xy is not None and state.detected:
        xy = state.landmarks_xy.copy()
        if mirror_view:
            xy[:, 0] = img.shape[1] - xy[:, 0]
        img = draw_skeleton(
            img,
            xy,
            state.visibility,
            angles=overlay_labels(state) if state.baseline_ready else None,
            stance=state.stance,
        )
    status = (
        f"Reps {state.rep_count}  |  {state.fps:.0f} fps"
        if state.baseline_ready
        else f"Baseline {state.baseline_progress:.0%}  |  {state.fps:.0f} fps"
    )
    img = caption_bar(img, status)
    return caption_bar(img, state.cue, bottom=True)


# --- the per-session stream handler (runs in streamlit-webrtc's threads) ------------


class LiveSession:
    """One browser session's live processing: processor, newest-state queue, cleanup.

    ``on_frame`` and ``on_ended`` run in streamlit-webrtc's threads and never call
    Streamlit; the script reads :attr:`states` and calls :meth:`finish` after STOP.
    """

    def __init__(self, options: LiveOptions) -> None:
        self.options = options
        self.states: queue.Queue[LiveState] = queue.Queue(maxsize=1)
        self._lock = threading.Lock()
        self._processor: OnlineProcessor | None = None
        self._finished: list[OnlineProcessor] = []
        self._last_frame_t: float | None = None
        self.record_path: Path | None = None
        self._backend: Any = None
        self._warm: threading.Thread | None = None
        self.warm_error: str | None = None

    def warm_up(self) -> None:
        """Load the pose model in the background (once), ready before START is pressed.

        The model is run once on a blank frame so its first real frame is not slow either.
        A failure is kept in :attr:`warm_error`; the first stream then tries again.
        """
        if self._warm is not None:
            return

        def load() -> None:
            from hipcheck.pose.backends import make_backend

            try:
                backend = make_backend()
                backend.process(np.zeros((WARM_UP_SIZE[1], WARM_UP_SIZE[0], 3), np.uint8), 0)
                backend.reset()
            except Exception as exc:  # noqa: BLE001 - reported on the page, retried per stream
                logger.warning("could not load the pose model in advance: %s", exc)
                self.warm_error = str(exc)
                return
            self._backend = backend

        self._warm = threading.Thread(target=load, name="hipcheck-live-warm-up", daemon=True)
        self._warm.start()

    def wait_ready(self, timeout_s: float = WARM_UP_WAIT_S) -> bool:
        """Wait for the warm-up to finish; return :attr:`model_ready`."""
        if self._warm is not None:
            self._warm.join(timeout=timeout_s)
        return self.model_ready

    @property
    def model_ready(self) -> bool:
        """True once the pose model is loaded (always True without a warm-up)."""
        return self._warm is None or self._backend is not None

    def _new_processor(self) -> OnlineProcessor:
        o = self.options
        backend = None
        if self._warm is not None:
            self._warm.join(timeout=WARM_UP_WAIT_S)
            backend = self._backend
            if backend is not None:
                backend.reset()  # a new stream: no tracking state from the last one
        return OnlineProcessor(
            task=o.task,
            side=o.side,
            sex=o.sex,
            fps=CAMERA_FPS,
            mirrored=o.source_mirrored,
            backend=backend,
        )

    def on_frame(self, frame: Any) -> Any:
        """Process one ``av.VideoFrame`` and return the annotated frame (worker thread)."""
        import av

        image = frame.to_ndarray(format="rgb24")
        t_s = float(frame.time) if frame.time is not None else time.monotonic()
        with self._lock:
            last = self._last_frame_t
            if (
                self._processor is not None
                and last is not None
                and not 0 < t_s - last < NEW_STREAM_GAP_S
            ):
                # A new stream (or a straggler frame after STOP was followed by a restart).
                self._retire()
            if self._processor is None:
                self._processor = self._new_processor()
                self._last_frame_t = None
            proc = self._processor
            if self._last_frame_t is not None:
                # streamlit-webrtc hands over only the newest frame when we fall behind:
                # frames missing from the timeline were dropped.
                missed = round((t_s - self._last_frame_t) * CAMERA_FPS) - 1
                if missed > 0:
                    proc.note_dropped(missed)
            self._last_frame_t = t_s
            state = proc.process_frame(image, t_s)
        out = draw_live_overlay(image, state, self.options.mirror_view)
        self._put(state)
        return av.VideoFrame.from_ndarray(out, format="rgb24")

    def _put(self, state: LiveState) -> None:
        """Keep only the newest state in the queue."""
        with contextlib.suppress(queue.Empty):
            self.states.get_nowait()
        with contextlib.suppress(queue.Full):
            self.states.put_nowait(state)

    def _retire(self) -> None:
        """Close the current processor's model and keep its landmarks (lock held)."""
        if self._processor is not None:
            self._processor.close()
            self._finished.append(self._processor)
            self._processor = None

    def on_ended(self) -> None:
        """Release the pose model when the stream stops; keep the landmarks for analysis."""
        with self._lock:
            self._retire()

    def shutdown(self) -> None:
        """Release everything (the pose model too) when the browser session ends."""
        self.on_ended()
        with self._lock:
            self._finished.clear()
            backend, self._backend = self._backend, None
        if backend is not None:
            backend.close()

    def finish(self) -> OnlineProcessor | None:
        """Return the stopped stream's processor (once), or None if under a second long.

        Frames still in flight when STOP is pressed can start a processor of their own
        after the stream's one was retired; the longest recording is the stream's.
        """
        self.on_ended()
        with self._lock:
            done, self._finished = self._finished, []
        best = max(done, key=lambda p: p.n_frames, default=None)
        return best if best is not None and best.n_frames >= CAMERA_FPS else None


def _get_session(st: Any, options: LiveOptions) -> LiveSession:
    """Return the session's :class:`LiveSession`, rebuilt when the options change."""
    from streamlit_webrtc.shutdown import SessionShutdownObserver

    session: LiveSession | None = st.session_state.get(SESSION_KEY)
    if session is not None and session.options != options:
        session.shutdown()
        observer = st.session_state.pop(SESSION_KEY + "_observer", None)
        if observer is not None:
            observer.stop()
        session = None
    if session is None:
        session = LiveSession(options)
        session.warm_up()
        st.session_state[SESSION_KEY] = session
        # Keep a reference: the observer polls until the browser session ends.
        st.session_state[SESSION_KEY + "_observer"] = SessionShutdownObserver(session.shutdown)
    return session


# --- the page ------------------------------------------------------------------------


def _options(st: Any) -> LiveOptions:
    """Draw the options, folded away so the video and its buttons fit on the screen."""
    with st.expander("Options: task, leg, sex, mirroring, saving the video"):
        cols = st.columns(3)
        task = cols[0].selectbox("Task", list(TASKS), key="live_task")
        side = cols[1].selectbox("Stance leg", list(SIDES), key="live_side")
        sex = cols[2].selectbox("Sex (FPPA bands)", list(SEXES), key="live_sex")
        cols = st.columns(3)
        mirror = cols[0].toggle("Mirror view (selfie)", value=True, key="live_mirror")
        source_mirrored = cols[1].checkbox(
            "My camera mirrors its image",
            value=False,
            key="live_source_mirrored",
            help="Only if your camera software flips the picture itself: then left and "
            "right are swapped back so the sides shown are yours.",
        )
        record = cols[2].checkbox(
            "Save the video on this computer",
            value=False,
            key="live_record",
            help=f"Saved under {RECORD_DIR}. Nothing leaves this computer.",
        )
    return LiveOptions(TASKS[task], SIDES[side], SEXES[sex], mirror, source_mirrored, record)


def _fmt(value: float | None) -> str:
    return "not measurable" if value is None else f"{value:+.1f}°"


ANGLE_NAMES = {
    "fppa_left": "Knee (FPPA) left",
    "fppa_right": "Knee (FPPA) right",
    "trunk_lean": "Trunk lean",
    "pelvic_drop": "Pelvic drop",
}


def angle_lines(state: LiveState) -> str:
    """Return the live angles in words (markdown), or why there are none yet.

    No number is shown before the standing reference exists: an absolute angle of a
    person who has not stood still yet means nothing (it read -66 deg). Ratings are
    words next to the values, not colour alone.
    """
    if not state.detected:
        return "No person in view: step back until your whole body is in the picture."
    if not state.baseline_ready:
        return (
            "Stand still on both feet: the angles appear once the standing reference is "
            f"taken ({state.baseline_progress:.0%})."
        )
    lines = []
    for key, value in state.angles.items():
        rating = state.ratings.get(key)
        note = "indicative, not rated" if key == "pelvic_drop" else rating or "not rated"
        colour = {"good": "green", "fair": "orange", "poor": "red"}.get(rating or "", "gray")
        lines.append(f"- **{ANGLE_NAMES[key]}**: :{colour}[{_fmt(value)} {note}]")
    return "\n".join(lines) or "Waiting for the stance leg..."


def rep_line(rep: LiveRep, stream_start_s: float = 0.0) -> str:
    """Return one counted repetition in words, with its time in the stream."""
    parts = [f"{ANGLE_NAMES.get(k, k).lower()} {_fmt(v)}" for k, v in rep.values.items()]
    return (
        f"Rep {rep.index} at {rep.end_s - stream_start_s:.1f} s "
        f"({rep.task.replace('_', ' ')}, {rep.side} stance): "
        + ", ".join(parts)
        + f" - {' - '.join(rep.cues)}"
    )


def stats_line(state: LiveState) -> str:
    """Return the processing figures; dropped frames are this computer's, not the camera's."""
    dropped = (
        f"{state.dropped_frames} camera frames skipped by this computer (the analysis is "
        "slower than the camera)"
        if state.dropped_frames
        else "no frames skipped"
    )
    baseline = "ready" if state.baseline_ready else f"{state.baseline_progress:.0%}"
    return (
        f"{state.fps:.1f} fps processed, {state.latency_ms:.0f} ms per frame, {dropped}; "
        f"view: {state.view}; stance: {state.stance or '-'}; baseline: {baseline}"
    )


def _show_state(slots: dict[str, Any], state: LiveState) -> None:
    slots["reps"].markdown(f"**Reps counted: {state.rep_count}**")
    slots["cue"].info(state.cue)
    slots["angles"].markdown(angle_lines(state))
    slots["stats"].caption(stats_line(state))
    if state.last_rep is not None:
        slots["last"].markdown(
            "**Last rep**: " + rep_line(state.last_rep, state.t_s - state.stream_s)
        )


def _render_offline(st: Any, processor: OnlineProcessor, options: LiveOptions) -> None:
    """Run the full offline analysis of the recorded landmarks and show it."""
    from hipcheck.errors import HipcheckError
    from hipcheck.pipeline import analyze_landmarks

    note = processor.dropped_frames_note()
    try:
        series = processor.to_series()
        analysis = analyze_landmarks(
            series,
            task=options.task,
            side=options.side,
            sex=options.sex,
            notes=[note] if note else (),
        )
    except (HipcheckError, ValueError) as exc:
        hint = getattr(exc, "hint", "")
        st.warning(f"The recording could not be analysed: {exc}. {hint}")
        return
    digest = hashlib.sha256(np.ascontiguousarray(series.xy).tobytes()).hexdigest()
    st.session_state[RESULT_KEY] = (analysis, options, digest)


def _live_run(st: Any, analysis: Any, options: LiveOptions, digest: str) -> Any:
    """Return the recording's :class:`hipcheck.app.state.Run` (built once per recording)."""
    from hipcheck.app import state

    cached = st.session_state.get(RESULT_KEY + "_run")
    if cached is not None and cached.token == digest[:16]:
        return cached
    assessment = analysis.assessment
    result = state.StoredResult(
        name=f"live session ({len(assessment.reps)} reps)",
        digest=digest,
        assessment=assessment.to_dict(),
        kinematics=analysis.kinematics,
    )
    opts = state.Options(task=options.task, side=options.side, sex=options.sex)
    run = state.Run(
        token=digest[:16],
        inputs=state.Inputs((("live", digest),), opts.analysis_key(), opts.model),
        results={"clip": result},
        assessment=result.assessment,
        sources={s: result.name for s in assessment.sides() if s in ("left", "right")},
        options=opts,
    )
    st.session_state[RESULT_KEY + "_run"] = run
    return run


def _show_result(st: Any) -> None:
    """Show the recording's full analysis, its program, saving and downloads."""
    import datetime as dt

    from hipcheck.app import main, views
    from hipcheck.app.session import SessionMeta

    stored = st.session_state.get(RESULT_KEY)
    if stored is None:
        return
    analysis, options, digest = stored
    st.subheader("Full analysis of the recording")
    run = _live_run(st, analysis, options, digest)
    views.inject_css()
    left, right = st.columns(2)
    person = left.text_input("Your name or code (optional, to save)", key="live_person")
    st.session_state.setdefault("live_date", dt.date.today())
    day = right.date_input("Date", key="live_date")
    meta = SessionMeta(
        person=person or "", date=day if isinstance(day, dt.date) else dt.date.today()
    )
    assessment = run.to_assessment()
    views.render_results(run, assessment, meta)
    shown = views.program_assessment(run, run.options)
    if shown.coverage.rated:
        st.subheader("Exercise program")
        views.render_program(views.build_report(shown), par_q_yes=False)
    main.render_save(run, shown, meta)
    views.render_downloads(run, shown, meta)


def run() -> None:
    """Draw the live page (call from a Streamlit script)."""
    import streamlit as st
    from streamlit_webrtc import WebRtcMode, webrtc_streamer

    from hipcheck.app.logs import quiet_network_logs

    quiet_network_logs()
    st.header("Live check with your webcam")
    st.caption(
        "Face the camera with your whole body in view, stand still on both feet for a "
        "second, then do slow single-leg squats. Everything runs on this computer."
    )
    options = _options(st)
    session = _get_session(st, options)
    recorder = None
    if options.record:
        from aiortc.contrib.media import MediaRecorder

        def recorder() -> Any:
            # Called once when a stream starts: one file per stream.
            RECORD_DIR.mkdir(parents=True, exist_ok=True)
            path = RECORD_DIR / f"live-{time.strftime('%Y%m%d-%H%M%S')}.mp4"
            session.record_path = path
            return MediaRecorder(str(path), format="mp4")

    video_col, panel = st.columns([3, 2])
    with video_col:
        ctx = webrtc_streamer(
            key="hipcheck-live",
            mode=WebRtcMode.SENDRECV,
            rtc_configuration={"iceServers": []},
            media_stream_constraints={
                "video": {"width": 640, "height": 480, "frameRate": CAMERA_FPS},
                "audio": False,
            },
            video_frame_callback=session.on_frame,
            on_video_ended=session.on_ended,
            async_processing=True,
            in_recorder_factory=recorder,
        )
    with panel:
        slots = {name: st.empty() for name in ("reps", "cue", "angles", "last", "stats")}
        if not ctx.state.playing:
            with st.spinner("Loading the pose model (a few seconds, once)..."):
                ready = session.wait_ready()
            slots["cue"].caption(
                "Press START below the video when you stand in view."
                if ready
                else "The pose model is still loading; START works once it is ready."
            )
            if session.warm_error:
                slots["stats"].warning(f"The pose model could not be loaded: {session.warm_error}")
    if ctx.state.playing:
        st.session_state.pop(RESULT_KEY, None)
        slots["reps"].markdown("**Reps counted: 0**")
        slots["cue"].info("Starting the camera...")
    while ctx.state.playing:
        try:
            state = session.states.get(timeout=1.0)
        except queue.Empty:
            continue
        _show_state(slots, state)
    if not ctx.state.playing:
        processor = session.finish()
        if processor is not None:
            with st.spinner("Analysing the recording..."):
                _render_offline(st, processor, options)
            if session.record_path is not None and session.record_path.exists():
                st.caption(f"Video saved to {session.record_path}")
        _show_result(st)
