"""Online (live) processing of a pose stream: one frame in, one :class:`LiveState` out.

The webcam page (:mod:`hipcheck.app.live_page`) and ``benchmarks/live.py`` use
:class:`OnlineProcessor`; nothing here imports Streamlit.

Per frame, with the same definitions as the offline path (:mod:`hipcheck.pipeline`):

1. **Landmarks**: the pose backend's 33 landmarks in pixels (subject's sides; with
   ``mirrored=True`` the left/right landmark labels are swapped first, see below);
   landmarks below the visibility gate are missing.
2. **Causal filter**: a uniform time grid at the nominal ``fps`` (a frame that arrives
   late or after dropped frames is reached by linear interpolation from the previous
   frame, which is causal) and :class:`hipcheck.filtering.CausalFilter` (2nd-order
   Butterworth, 6 Hz: lag about 0.03 s); a landmark missing for up to ``max_gap_s``
   holds its last filtered value.
3. **Kinematics**: :func:`hipcheck.kinematics.fppa_deg`, :func:`pelvic_drop_deg`,
   :func:`trunk_lean_deg`, :func:`view_ratio` / :func:`classify_view` on the filtered
   points: the functions the offline :func:`frame_kinematics` uses.
4. **Baseline** (:class:`OnlineBaseline`): the first ``baseline_s`` (1 s) of quiet
   bilateral standing (feet level, pelvis still: the thresholds of
   :func:`hipcheck.reps.find_baseline`), or a shorter quiet run of at least 0.3 s that
   ends, as offline. Until then the cue is "Stand still on both feet".
5. **Depth** = (pelvis y - baseline pelvis y) / baseline leg length, fed to
   :class:`OnlineRepDetector` (hysteresis + prominence; a rep is counted once, when it
   ends). At the end of a rep its task and stance side come from the feet
   (:func:`hipcheck.reps.classify_rep`, lifted foot = free foot), walking is rejected
   (:func:`hipcheck.reps.movement_flags`), and its values are read at its lowest-pelvis
   sample.

**Peak value** of a rep here = the baseline-relative value at the rep's lowest-pelvis
sample of the causally filtered stream (FPPA of the stance knee, trunk lean toward the
stance side, pelvic drop of the non-stance side). Offline it is
:attr:`hipcheck.model.MetricValue.bottom_rel`: the same quantity at the lowest-pelvis
frame of the zero-lag filtered series. The causal filter delays pelvis and angles by
the same lag, so the two agree closely (``tests/test_live.py``: within 2 deg).

Ratings use :func:`hipcheck.rubric.rate`. Pelvic drop from landmarks is never rated
(see :mod:`hipcheck.assessment`): it is shown as indicative, and its cue says so.

**Mirroring**: MediaPipe labels sides from the body it sees. Measured on a rendered
frontal clip (``dev02``): in a horizontally mirrored frame the landmark labelled
``left_hip`` is the image-mirrored position of the subject's *right* hip, i.e.
mirroring swaps the labels. Browsers deliver unmirrored camera frames (the selfie view
is a display choice), so the default ``mirrored=False`` is right for webcams; pass
``mirrored=True`` for a source that is already mirrored, and the left/right landmark
indices are swapped so every reported side is the subject's. Angles need no change:
medial and "toward stance" come from geometry (the other hip).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from hipcheck.assessment.rules import judge
from hipcheck.config import AnalysisConfig
from hipcheck.filtering import DEFAULT_CUTOFF_HZ, DEFAULT_MAX_GAP_S, CausalFilter
from hipcheck.landmarks import LANDMARK_NAMES, LM, N_LANDMARKS, LandmarkSeries
from hipcheck.metrics import KNEE_VALGUS, PELVIC_DROP, TRUNK_LEAN
from hipcheck.online import (
    BASELINE_S,
    FLOOR_WINDOW_S,
    MAX_REP_S,
    OnlineBaseline,
    OnlineRepDetector,
    RepEvent,
    foot_y,
    sample_measures,
)
from hipcheck.plausibility import FPPA_MAX_KNEE_FLEXION, fppa_read_frame
from hipcheck.reps import (
    FOOT_LIFT_MIN,
    FOOT_LOWER_MIN,
    RepWindow,
    classify_rep,
    movement_flags,
    resolve_task_side,
)

__all__ = [
    "BASELINE_S",
    "LiveRep",
    "LiveState",
    "OnlineBaseline",
    "OnlineProcessor",
    "OnlineRepDetector",
    "RepEvent",
    "foot_y",
    "sample_measures",
]

#: Seconds of processed frames over which the achieved frame rate is measured.
FPS_WINDOW_S = 2.0

CUE_STAND = "Stand still on both feet"
CUE_NO_PERSON = "Step into view: whole body, facing the camera"
CUE_FACE_CAMERA = "Face the camera: the angles need a frontal view"
CUE_KNEE = "Knee over your second toe"
CUE_TRUNK = "Stay tall"
CUE_PELVIS = "Keep your pelvis level (indicative)"
CUE_GOOD = "Good rep"

#: live value key -> metric (the same registry entries as offline)
_LIVE_METRICS = {"fppa": KNEE_VALGUS, "trunk_lean": TRUNK_LEAN, "pelvic_drop": PELVIC_DROP}


def _lower_foot(row: Any) -> str:
    """Return the lower foot: the stance side of a forced single-leg task on a flat rep."""
    return "left" if foot_y(row, "left") >= foot_y(row, "right") else "right"


def _mirror_permutation() -> np.ndarray:
    """Landmark index permutation that swaps every left_* with its right_* landmark."""
    index = {name: i for i, name in enumerate(LANDMARK_NAMES)}
    perm = np.arange(N_LANDMARKS)
    for name, i in index.items():
        if "left" in name:
            j = index[name.replace("left", "right")]
            perm[i], perm[j] = j, i
    return perm


#: ``xy[MIRROR_SWAP]`` relabels landmarks of a mirrored image as the subject's sides.
MIRROR_SWAP: np.ndarray = _mirror_permutation()


# --- live state --------------------------------------------------------------------


@dataclass
class LiveRep:
    """Summary of one counted repetition.

    ``values`` are the baseline-relative peak values (degrees) at the rep's
    lowest-pelvis sample, keyed ``fppa_left``/``fppa_right`` (the stance knee, or both
    for a double-leg squat), ``trunk_lean`` and ``pelvic_drop``; ``ratings`` rate FPPA
    and trunk lean (pelvic drop is never rated: ``pelvic_drop_tier`` is the tier its
    indicative value would fall in).
    """

    index: int
    task: str
    side: str
    start_s: float
    bottom_s: float
    end_s: float
    depth: float
    values: dict[str, float | None]
    ratings: dict[str, str | None]
    pelvic_drop_tier: str | None
    cues: list[str]
    reason: str | None = None


@dataclass
class LiveState:
    """Everything the live page shows for one processed frame.

    Angles in ``angles`` are baseline-relative degrees, keyed as in
    :attr:`LiveRep.values`; before the baseline is ready they are empty (an absolute
    angle means nothing until the standing reference is known). ``ratings`` colour FPPA
    and trunk lean (pelvic drop is indicative: never rated). ``stream_s`` is the time
    since the stream's first frame; ``dropped_frames`` counts frames the caller did not
    process because processing fell behind (dropped here, not by the camera).
    """

    t_s: float
    frame_index: int
    detected: bool
    landmarks_xy: np.ndarray | None
    visibility: np.ndarray | None
    baseline_ready: bool
    baseline_progress: float
    view: str
    stance: str | None
    depth: float | None
    in_rep: bool
    angles: dict[str, float | None]
    ratings: dict[str, str | None]
    rep_count: int
    last_rep: LiveRep | None
    cue: str
    fps: float
    latency_ms: float
    dropped_frames: int = 0
    frame_size: tuple[int, int] = (0, 0)
    stream_s: float = 0.0

    @property
    def colours(self) -> dict[str, tuple[int, int, int]]:
        """RGB display colour per angle (its rating's; grey when unrated/indicative)."""
        from hipcheck.reports.bands import rating_rgb

        return {k: rating_rgb(self.ratings.get(k)) for k in self.angles}


# --- processor ---------------------------------------------------------------------


class OnlineProcessor:
    """Frame-by-frame live analysis (see the module docstring for the method).

    Parameters
    ----------
    task, side, sex
        As :class:`hipcheck.config.AnalysisConfig` (``auto`` detects per rep).
    fps
        Nominal frame rate of the stream: the filter's grid.
    backend
        A pose backend (:func:`hipcheck.pose.backends.make_backend`); by default the
        bundled one is created on the first :meth:`process_frame` and closed by
        :meth:`close`. A backend passed in is left open for its owner.
    mirrored
        The frames are horizontally mirrored (see the module docstring): swap left
        and right landmarks so sides are the subject's.
    frame_size
        (width, height) for :meth:`process_landmarks` streams (frames set it).
    config
        Further analysis options (visibility gate, prominence, ...).
    """

    def __init__(
        self,
        task: str = "auto",
        side: str = "auto",
        sex: str = "unspecified",
        fps: float = 30.0,
        backend: Any | None = None,
        *,
        mirrored: bool = False,
        frame_size: tuple[int, int] | None = None,
        config: AnalysisConfig | None = None,
        cutoff_hz: float = DEFAULT_CUTOFF_HZ,
    ) -> None:
        self.config = (config or AnalysisConfig()).with_(task=task, side=side, sex=sex)
        self.fps = float(fps)
        self.mirrored = bool(mirrored)
        self.frame_size = frame_size
        self._backend = backend
        self._own_backend = backend is None
        self._filter = CausalFilter(N_LANDMARKS * 2, self.fps, cutoff_hz)
        self._max_gap_n = max(1, round(DEFAULT_MAX_GAP_S * self.fps))
        self.baseline = OnlineBaseline(self.fps)
        self.detector = OnlineRepDetector(
            self.fps,
            min_prominence=self.config.min_prominence,
            min_duration_s=self.config.min_rep_duration_s,
        )
        self.reps: list[LiveRep] = []
        # Recorded raw frames (for to_series) and the filtered grid samples.
        self._t: list[float] = []
        self._xy: list[np.ndarray] = []
        self._z: list[np.ndarray] = []
        self._vis: list[np.ndarray] = []
        self._samples: deque[dict[str, Any]] = deque(
            maxlen=round((FLOOR_WINDOW_S + MAX_REP_S + 2) * self.fps)
        )
        self._prev_raw: tuple[float, np.ndarray] | None = None
        self._next_grid_t: float | None = None
        self._held = np.full(N_LANDMARKS * 2, np.nan)
        self._held_age = np.full(N_LANDMARKS * 2, 10**9)
        self._current: dict[str, Any] | None = None
        self._current_xy: np.ndarray | None = None
        self._processed_t: deque[float] = deque()
        self.dropped_frames = 0
        self._live_cue: str | None = None

    # -- public API -----------------------------------------------------------------

    @property
    def backend_name(self) -> str:
        """Name of the pose model (``landmarks`` when fed landmarks)."""
        return getattr(self._backend, "name", "landmarks")

    def process_frame(self, image_rgb: np.ndarray, t_s: float) -> LiveState:
        """Run the pose model on one upright RGB frame and update the live state."""
        started = time.perf_counter()
        if self._backend is None:
            from hipcheck.pose.backends import make_backend

            self._backend = make_backend()
        h, w = image_rgb.shape[:2]
        self.frame_size = (int(w), int(h))
        res = self._backend.process(image_rgb, round(t_s * 1000))
        if res is None:
            xy = np.full((N_LANDMARKS, 2), np.nan)
            z = vis = np.full(N_LANDMARKS, np.nan)
        else:
            xy = res[:, :2].astype(np.float64) * np.array([w, h], dtype=np.float64)
            z, vis = res[:, 2].astype(np.float64) * w, res[:, 3].astype(np.float64)
        return self._process(xy, vis, z, t_s, started)

    def process_landmarks(
        self,
        xy: np.ndarray,
        visibility: np.ndarray | None,
        t_s: float,
        z: np.ndarray | None = None,
    ) -> LiveState:
        """Update the live state from one frame of landmark pixels (no pose model).

        Parameters
        ----------
        xy
            ``(33, 2)`` pixels (NaN = no person / missing landmark).
        visibility
            ``(33,)`` MediaPipe visibility, or None (all visible).
        t_s
            Frame time, seconds (strictly increasing; repeats are skipped).
        z
            Optional ``(33,)`` relative depth, pixels.
        """
        started = time.perf_counter()
        xy = np.asarray(xy, dtype=np.float64).reshape(N_LANDMARKS, 2)
        vis = (
            np.ones(N_LANDMARKS)
            if visibility is None
            else np.asarray(visibility, dtype=np.float64).reshape(N_LANDMARKS)
        )
        zz = np.full(N_LANDMARKS, np.nan) if z is None else np.asarray(z, dtype=np.float64)
        return self._process(xy, vis, zz, float(t_s), started)

    def note_dropped(self, n: int = 1) -> None:
        """Count frames the caller dropped (not processed) for the live statistics."""
        self.dropped_frames += int(n)

    @property
    def n_frames(self) -> int:
        """Frames recorded so far."""
        return len(self._t)

    @property
    def rep_count(self) -> int:
        """Repetitions counted so far."""
        return len(self.reps)

    def to_series(self) -> LandmarkSeries:
        """All processed frames as a raw :class:`LandmarkSeries` (for the offline analysis).

        Raises
        ------
        ValueError
            If no frame was processed.
        """
        if not self._t:
            raise ValueError("No frames were processed.")
        n = len(self._t)
        size = self.frame_size or (640, 480)
        fps = self.camera_fps_total
        return LandmarkSeries(
            t_s=np.asarray(self._t, dtype=np.float64),
            xy=np.asarray(self._xy, dtype=np.float32),
            z=np.asarray(self._z, dtype=np.float32),
            visibility=np.asarray(self._vis, dtype=np.float32),
            presence=np.full((n, N_LANDMARKS), np.nan, dtype=np.float32),
            frame_size=(int(size[0]), int(size[1])),
            model=self.backend_name,
            source="live",
            video={
                "path": "live",
                # the camera's rate (frames delivered); processed frames are fewer when
                # processing fell behind: see ``frames_dropped`` and dropped_frames_note()
                "fps": fps,
                "pose_fps": self.achieved_fps_total,
                "nominal_fps": self.fps,
                "n_frames": n,
                "duration_s": float(self._t[-1] - self._t[0]),
                "frames_dropped": self.dropped_frames,
                "mirrored": self.mirrored,
            },
            log=[
                {
                    "operation": "live",
                    "model": self.backend_name,
                    "mirrored": self.mirrored,
                    "frames_dropped": self.dropped_frames,
                }
            ],
        )

    @property
    def camera_fps_total(self) -> float:
        """Frames per second the camera delivered (processed plus dropped) over the session."""
        if len(self._t) < 2:
            return self.fps
        return (len(self._t) + self.dropped_frames - 1) / max(self._t[-1] - self._t[0], 1e-9)

    def dropped_frames_note(self) -> str | None:
        """Say, in plain words, how many camera frames this computer did not process.

        Frames are dropped here when the pose model is slower than the camera (the page
        always processes the newest frame); the camera is not at fault. None when no
        frame was dropped.
        """
        if not self.dropped_frames:
            return None
        delivered = len(self._t) + self.dropped_frames
        return (
            f"This computer processed {len(self._t)} of the {delivered} frames the camera "
            f"sent (about {self.achieved_fps_total:.0f} of {self.camera_fps_total:.0f} per "
            f"second): {self.dropped_frames} frames were skipped because the analysis could "
            "not keep up, not because of the camera. Closing other programs helps."
        )

    @property
    def achieved_fps_total(self) -> float:
        """Processed frames per second of stream time over the whole session."""
        if len(self._t) < 2:
            return self.fps
        return (len(self._t) - 1) / max(self._t[-1] - self._t[0], 1e-9)

    def close(self) -> None:
        """Release the pose model (if this processor created it). Safe to call twice."""
        if self._own_backend and self._backend is not None:
            self._backend.close()
        self._backend = None

    def __enter__(self) -> OnlineProcessor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------

    def _process(
        self, xy: np.ndarray, vis: np.ndarray, z: np.ndarray, t_s: float, started: float
    ) -> LiveState:
        if self._t and t_s <= self._t[-1]:
            return self._state(t_s, started)  # repeated timestamp: nothing new
        if self.mirrored:
            xy, vis, z = xy[MIRROR_SWAP], vis[MIRROR_SWAP], z[MIRROR_SWAP]
        self._t.append(t_s)
        self._xy.append(xy.astype(np.float32))
        self._z.append(z.astype(np.float32))
        self._vis.append(vis.astype(np.float32))
        gated = xy.copy()
        gated[~(vis >= self.config.visibility_threshold) & np.isfinite(vis)] = np.nan
        flat = gated.reshape(-1)
        for t_grid, sample in self._grid_samples(t_s, flat):
            self._on_sample(t_grid, sample)
        self._processed_t.append(t_s)
        while self._processed_t and self._processed_t[0] < t_s - FPS_WINDOW_S:
            self._processed_t.popleft()
        return self._state(t_s, started)

    def _grid_samples(self, t_s: float, flat: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """Return grid samples up to ``t_s``, interpolated from the previous frame."""
        step = 1.0 / self.fps
        out: list[tuple[float, np.ndarray]] = []
        if self._prev_raw is None or self._next_grid_t is None:
            out.append((t_s, flat))
            self._next_grid_t = t_s + step
        else:
            t0, x0 = self._prev_raw
            while self._next_grid_t <= t_s + 1e-3 * step:  # float slack
                tg = self._next_grid_t
                u = min(1.0, (tg - t0) / (t_s - t0))
                x = np.where(np.isfinite(x0), x0 + u * (flat - x0), flat)
                out.append((tg, flat if u >= 1.0 - 1e-9 else x))
                self._next_grid_t = tg + step
        self._prev_raw = (t_s, flat)
        return out

    def _on_sample(self, t_grid: float, flat: np.ndarray) -> None:
        filtered = self._filter.update(flat)
        ok = np.isfinite(filtered)
        self._held = np.where(ok, filtered, self._held)
        self._held_age = np.where(ok, 0, self._held_age + 1)
        out = np.where(self._held_age <= self._max_gap_n, self._held, np.nan)
        xy = out.reshape(N_LANDMARKS, 2)
        m = sample_measures(xy)
        m["t_s"] = t_grid
        self._current, self._current_xy = m, xy
        if not self.baseline.ready:
            self.baseline.update(m)
            m["depth"] = float("nan")
        else:
            lv = self.baseline.levels
            m["depth"] = (m["pelvis_y_px"] - lv["pelvis_y_px"]) / lv["leg_length_px"]
        self._samples.append(m)
        m["sample"] = self.detector.index + 1
        event = self.detector.update(m["depth"])
        if event is not None:
            self._on_rep(event)

    def _window(self, event: RepEvent) -> pd.DataFrame:
        rows = [s for s in self._samples if event.start <= s["sample"] <= event.end]
        return pd.DataFrame(rows).reset_index(drop=True)

    def _on_rep(self, event: RepEvent) -> None:
        kin = self._window(event)
        if kin.empty:
            return
        first = int(kin["sample"].iloc[0])
        window = RepWindow(
            start=0,
            bottom=int(np.clip(event.bottom - first, 0, len(kin) - 1)),
            end=len(kin) - 1,
            depth=event.excursion,
        )
        baseline = self.baseline.as_baseline()
        if movement_flags(kin, window, baseline):
            return  # walking in/out of view: not a repetition
        task, side = classify_rep(kin, window, baseline)
        task, side = resolve_task_side(
            self.config, task, side, lambda: _lower_foot(kin.iloc[window.bottom])
        )
        row = kin.iloc[window.bottom]
        views = kin["view"].value_counts()
        reason = None
        if len(views) and views.index[0] != "frontal":
            reason = f"{views.index[0]} view: face the camera"
        relative = self._relative(row, side)
        if side in ("left", "right") and relative.get(f"fppa_{side}") is None:
            read = self._fppa_read_row(kin, window, side)
            if read is not None:  # a deep rep: FPPA where the knee passed 45-60 deg
                relative[f"fppa_{side}"] = self._relative(kin.iloc[read], side)[f"fppa_{side}"]
        values, ratings = self._judged(relative)
        if reason is not None:
            values, ratings = dict.fromkeys(values), dict.fromkeys(values)
        tier = PELVIC_DROP.rate(values.get("pelvic_drop")) if side != "both" else None
        cues = _cues(ratings, tier) if reason is None else [CUE_FACE_CAMERA]
        t = kin["t_s"].to_numpy(float)
        self.reps.append(
            LiveRep(
                index=len(self.reps) + 1,
                task=task,
                side=side,
                start_s=float(t[0]),
                bottom_s=float(t[window.bottom]),
                end_s=float(t[-1]),
                depth=float(event.excursion),
                values=values,
                ratings=ratings,
                pelvic_drop_tier=tier,
                cues=cues or [CUE_GOOD],
                reason=reason,
            )
        )

    def _shortening(self, leg_px: np.ndarray, side: str) -> np.ndarray | None:
        """Stance-leg shortening against the live baseline's leg length (None: no baseline)."""
        base = self.baseline.levels.get(f"{side}_leg_length_px", float("nan"))
        return 1.0 - leg_px / base if base > 0 else None

    def _fppa_read_row(self, kin: pd.DataFrame, window: RepWindow, side: str) -> int | None:
        """Row of a deep rep's FPPA, by the offline rule (:func:`fppa_read_frame`)."""
        shortening = self._shortening(kin[f"{side}_leg_length_px"].to_numpy(float), side)
        if shortening is None:
            return None
        deep = replace(window, side=side, knee_flexion=float(shortening[window.bottom]))
        return fppa_read_frame(shortening, deep)

    def _relative(self, m: Any, side: str | None) -> dict[str, float | None]:
        """Baseline-relative angles for a stance side (``both``/None: both knees)."""
        lv = self.baseline.levels if self.baseline.ready else {}

        def rel(col: str) -> float | None:
            v = float(m[col])
            v = v - lv.get(col, 0.0)
            return v if np.isfinite(v) else None

        def fppa(limb: str) -> float | None:
            # As offline (hipcheck.plausibility): FPPA only within the knee-flexion range
            # the 2D angle is valid in, judged by the stance leg's shortening.
            short = self._shortening(np.asarray(float(m[f"{limb}_leg_length_px"])), limb)
            shortening = float(short) if short is not None else 0.0
            if np.isfinite(shortening) and shortening > FPPA_MAX_KNEE_FLEXION:
                return None
            return rel(f"fppa_{limb}_deg")

        if side in ("left", "right"):
            return {
                f"fppa_{side}": fppa(side),
                "trunk_lean": rel(f"trunk_lean_{side}_deg"),
                "pelvic_drop": rel(f"pelvic_drop_{side}_deg"),
            }
        out = {"fppa_left": fppa("left"), "fppa_right": fppa("right")}
        # No stance side: magnitudes, as the offline double-leg metrics.
        for key in ("trunk_lean", "pelvic_drop"):
            v = rel(f"{key}_left_deg")
            out[key] = abs(v) if v is not None else None
        return out

    def _judged(
        self, values: dict[str, float | None]
    ) -> tuple[dict[str, float | None], dict[str, str | None]]:
        """Apply the offline validity and rating policy to live values.

        Values outside a metric's valid domain are dropped (None); pelvic drop from
        landmarks stays unrated (indicative), as offline.
        """
        out: dict[str, float | None] = {}
        ratings: dict[str, str | None] = {}
        for key, v in values.items():
            m = _LIVE_METRICS["fppa" if key.startswith("fppa") else key]
            status, rating, _ = judge(m, v, sex=self.config.sex)
            out[key] = None if status == "not_measurable" else v
            ratings[key] = rating
        return out, ratings

    def _current_stance(self, m: dict[str, Any]) -> str | None:
        """Stance side now: the option, else the planted foot when the other is off the floor."""
        if self.config.side != "auto":
            return self.config.side
        if not self.baseline.ready:
            return None
        lv = self.baseline.levels
        leg = lv["leg_length_px"]
        raised = {s: (lv[f"{s}_foot_y_px"] - foot_y(m, s)) / leg for s in ("left", "right")}
        lowered = {s: -raised[s] for s in raised}
        free = max(raised, key=lambda s: raised[s] if np.isfinite(raised[s]) else -np.inf)
        if np.isfinite(raised[free]) and raised[free] >= FOOT_LIFT_MIN:
            return "right" if free == "left" else "left"
        low = max(lowered, key=lambda s: lowered[s] if np.isfinite(lowered[s]) else -np.inf)
        if np.isfinite(lowered[low]) and lowered[low] >= FOOT_LOWER_MIN:
            return "right" if low == "left" else "left"
        return None

    def _state(self, t_s: float, started: float) -> LiveState:
        m, xy = self._current, self._current_xy
        detected = xy is not None and bool(
            np.isfinite(xy[[int(LM.LEFT_HIP), int(LM.RIGHT_HIP)]]).all()
        )
        stance = self._current_stance(m) if m is not None and detected else None
        angles = self._relative(m, stance) if m is not None and detected else {}
        angles, ratings = self._judged(angles)
        if not self.baseline.ready:  # an absolute angle means nothing yet: show none
            angles, ratings = {}, {}
        view = m["view"] if m is not None else "unknown"
        last = self.reps[-1] if self.reps else None
        cue = self._cue(detected, view, ratings, last)
        fps = self.fps
        if len(self._processed_t) >= 2:
            span = self._processed_t[-1] - self._processed_t[0]
            fps = (len(self._processed_t) - 1) / span if span > 0 else self.fps
        depth = m.get("depth") if m is not None else None
        return LiveState(
            t_s=t_s,
            frame_index=len(self._t) - 1,
            detected=detected,
            landmarks_xy=None if xy is None else xy.copy(),
            visibility=None if not self._vis else np.asarray(self._vis[-1], dtype=np.float64),
            baseline_ready=self.baseline.ready,
            baseline_progress=self.baseline.progress,
            view=view,
            stance=stance,
            depth=depth if depth is not None and np.isfinite(depth) else None,
            in_rep=self.detector.in_rep,
            angles=angles,
            ratings=ratings,
            rep_count=len(self.reps),
            last_rep=last,
            cue=cue,
            fps=float(fps),
            latency_ms=(time.perf_counter() - started) * 1000.0,
            dropped_frames=self.dropped_frames,
            frame_size=tuple(self.frame_size or (0, 0)),  # type: ignore[arg-type]
            stream_s=float(t_s - self._t[0]) if self._t else 0.0,
        )

    def _cue(
        self, detected: bool, view: str, ratings: dict[str, str | None], last: LiveRep | None
    ) -> str:
        if not detected:
            return CUE_NO_PERSON
        if view in ("side", "oblique"):
            return CUE_FACE_CAMERA
        if not self.baseline.ready:
            return CUE_STAND
        if self.detector.in_rep:
            live = _cues(ratings, None)
            if live:
                return " - ".join(live)
            return "Squat..."
        if last is not None:
            return " - ".join(last.cues)
        return "Ready: start your reps"


def _cues(ratings: dict[str, str | None], pelvic_tier: str | None) -> list[str]:
    """Short cues for fair/poor FPPA and trunk lean, and an indicative pelvis hint."""
    cues = []
    if any(v in ("fair", "poor") for k, v in ratings.items() if k.startswith("fppa")):
        cues.append(CUE_KNEE)
    if ratings.get("trunk_lean") in ("fair", "poor"):
        cues.append(CUE_TRUNK)
    if pelvic_tier in ("fair", "poor"):
        cues.append(CUE_PELVIS)
    return cues
