"""Online baseline and repetition detection for the live path (one sample at a time).

Split out of :mod:`hipcheck.live`: :func:`sample_measures` computes one filtered frame's
kinematics with the offline functions and column names, :class:`OnlineBaseline`
collects the quiet bilateral standing baseline with the thresholds of
:func:`hipcheck.reps.find_baseline`, and :class:`OnlineRepDetector` finds repetitions
with hysteresis and prominence, reporting each once, at its end.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hipcheck.kinematics import (
    classify_view,
    fppa_deg,
    pelvic_drop_deg,
    trunk_lean_deg,
    view_ratio,
)
from hipcheck.landmarks import LM
from hipcheck.reps import (
    BASELINE_FEET_TOL,
    BASELINE_MAX_SPEED,
    BASELINE_MIN_S,
    REP_EDGE_FRACTION,
    Baseline,
)

#: Seconds of quiet bilateral standing collected for the live baseline.
BASELINE_S = 1.0
#: Heuristic (no published value): a rep starts when depth rises this fraction of
#: ``min_prominence`` above the recent standing level (half: a 0.05 leg-length rep is
#: entered at 0.025).
ENTER_FRACTION = 0.5
#: Heuristic: window over which the recent standing level (lowest depth) is taken.
FLOOR_WINDOW_S = 2.0
#: Heuristic: a "rep" longer than this is abandoned (someone who stays down).
MAX_REP_S = 10.0


# --- per-sample kinematics ---------------------------------------------------------


def _f(value: np.ndarray) -> float:
    return float(np.asarray(value, dtype=np.float64).reshape(()))


def sample_measures(xy: np.ndarray) -> dict[str, Any]:
    """Kinematics of one filtered frame, with the column names of ``frame_kinematics``.

    Parameters
    ----------
    xy
        ``(33, 2)`` landmark pixels (x right, y down, subject's sides); NaN = missing.

    Returns
    -------
    dict
        Angles (degrees, per stance side, signs of :mod:`hipcheck.kinematics`), the
        pelvis, leg-length, foot and hip columns the baseline and rep classification
        need, ``view_ratio`` and ``view``.
    """

    def p(lm: LM) -> np.ndarray:
        return xy[int(lm)]

    ls, rs, lh, rh = p(LM.LEFT_SHOULDER), p(LM.RIGHT_SHOULDER), p(LM.LEFT_HIP), p(LM.RIGHT_HIP)
    lk, rk, la, ra = p(LM.LEFT_KNEE), p(LM.RIGHT_KNEE), p(LM.LEFT_ANKLE), p(LM.RIGHT_ANKLE)
    s_mid, h_mid = (ls + rs) / 2.0, (lh + rh) / 2.0
    ratio = _f(view_ratio(ls, rs, lh, rh))
    out: dict[str, Any] = {
        "pelvis_y_px": float(h_mid[1]),
        "pelvis_x_px": float(h_mid[0]),
        "leg_length_px": float((np.hypot(*(lh - la)) + np.hypot(*(rh - ra))) / 2.0),
        "left_leg_length_px": float(np.hypot(*(lh - la))),
        "right_leg_length_px": float(np.hypot(*(rh - ra))),
        "pelvic_drop_left_deg": _f(pelvic_drop_deg(lh, rh)),
        "pelvic_drop_right_deg": _f(pelvic_drop_deg(rh, lh)),
        "fppa_left_deg": _f(fppa_deg(lh, lk, la, rh)),
        "fppa_right_deg": _f(fppa_deg(rh, rk, ra, lh)),
        "trunk_lean_left_deg": _f(trunk_lean_deg(s_mid, h_mid, lh, rh)),
        "trunk_lean_right_deg": _f(trunk_lean_deg(s_mid, h_mid, rh, lh)),
        "view_ratio": ratio,
        "view": str(classify_view(ratio)),
    }
    for side, prefix in (("left", "LEFT"), ("right", "RIGHT")):
        ankle, heel, toe = (xy[int(LM[f"{prefix}_{j}"])] for j in ("ANKLE", "HEEL", "FOOT_INDEX"))
        out[f"{side}_ankle_y_px"] = float(ankle[1])
        out[f"{side}_heel_y_px"] = float(heel[1])
        out[f"{side}_foot_y_px"] = float(toe[1])
        out[f"{side}_ankle_x_px"] = float(ankle[0])
    return out


def foot_y(m: dict[str, Any], side: str) -> float:
    """Lowest visible point of one foot (largest y of ankle, heel, toe), pixels."""
    values = [m[f"{side}_{j}_y_px"] for j in ("ankle", "heel", "foot")]
    finite = [v for v in values if np.isfinite(v)]
    return max(finite) if finite else float("nan")


# --- baseline ----------------------------------------------------------------------


@dataclass
class OnlineBaseline:
    """Collects the standing baseline from a stream of per-sample measures.

    Quiet bilateral stance = both feet at the same height (within
    ``BASELINE_FEET_TOL`` leg lengths) and the mid-hip slower than
    ``BASELINE_MAX_SPEED`` leg lengths per second: the thresholds of the offline
    :func:`hipcheck.reps.find_baseline`. Ready after ``duration_s`` of it, or when a
    quiet run of at least ``BASELINE_MIN_S`` ends (the offline minimum).
    """

    fps: float
    duration_s: float = BASELINE_S
    ready: bool = False
    levels: dict[str, float] = field(default_factory=dict)
    _run: list[dict[str, Any]] = field(default_factory=list)
    _prev: dict[str, Any] | None = None

    @property
    def progress(self) -> float:
        """Fraction (0-1) of the baseline collected so far."""
        if self.ready:
            return 1.0
        return min(1.0, len(self._run) / max(1.0, self.duration_s * self.fps))

    def _quiet(self, m: dict[str, Any]) -> bool:
        leg = m["leg_length_px"]
        left, right = foot_y(m, "left"), foot_y(m, "right")
        if not (np.isfinite(leg) and leg > 0 and np.isfinite(left) and np.isfinite(right)):
            return False
        if abs(left - right) > BASELINE_FEET_TOL * leg or self._prev is None:
            return False
        speed = (
            np.hypot(
                m["pelvis_x_px"] - self._prev["pelvis_x_px"],
                m["pelvis_y_px"] - self._prev["pelvis_y_px"],
            )
            * self.fps
        )
        return bool(speed <= BASELINE_MAX_SPEED * leg)

    def update(self, m: dict[str, Any]) -> bool:
        """Add one sample; return True when the baseline has just become ready."""
        if self.ready:
            return False
        quiet = self._quiet(m)
        self._prev = m
        if quiet:
            self._run.append(m)
            if len(self._run) >= self.duration_s * self.fps - 1e-9:
                return self._finish()
            return False
        if len(self._run) >= max(2, round(BASELINE_MIN_S * self.fps)):
            return self._finish()
        self._run = []
        return False

    def _finish(self) -> bool:
        rows = pd.DataFrame(self._run)
        levels = {c: float(np.nanmean(rows[c])) for c in rows.columns if c.endswith("_deg")}
        levels["pelvis_y_px"] = float(np.nanmedian(rows["pelvis_y_px"]))
        for col in ("leg_length_px", "left_leg_length_px", "right_leg_length_px"):
            levels[col] = float(np.nanmedian(rows[col]))
        for side in ("left", "right"):
            levels[f"{side}_foot_y_px"] = float(np.nanmedian([foot_y(r, side) for r in self._run]))
        levels["n_samples"] = float(len(self._run))
        self.levels, self.ready, self._run = levels, True, []
        return True

    def as_baseline(self) -> Baseline:
        """Return the offline :class:`~hipcheck.reps.Baseline` view (for ``classify_rep``)."""
        lv = self.levels
        return Baseline(
            frames=np.arange(int(lv["n_samples"])),
            bilateral=True,
            pelvis_y_px=lv["pelvis_y_px"],
            leg_length_px=lv["leg_length_px"],
            foot_y_px={"left": lv["left_foot_y_px"], "right": lv["right_foot_y_px"]},
        )


# --- online repetition detector ----------------------------------------------------


@dataclass(frozen=True)
class RepEvent:
    """A repetition found by :class:`OnlineRepDetector` (sample indices)."""

    start: int
    bottom: int
    end: int
    peak: float
    floor: float

    @property
    def excursion(self) -> float:
        """Depth from the standing level to the bottom, leg lengths."""
        return self.peak - self.floor


class OnlineRepDetector:
    """Counts repetitions in a depth stream with hysteresis and a prominence check.

    Depth is pelvis descent in leg lengths (+ = lower). The *standing level* is the
    lowest depth over the last ``floor_window_s`` outside reps. A rep **starts** when
    depth rises ``enter_fraction * min_prominence`` above it (high threshold) and
    **ends** when depth falls back to within ``edge_fraction`` of the rep's excursion
    above it (low threshold: the offline 10 % edge, ``REP_EDGE_FRACTION``), or, if the
    person does not stand fully up, when after falling at least half the excursion (and at least
    ``min_prominence``) depth rises again by the entry threshold (the rep then ends at
    the lowest point between the two, as offline). Jitter smaller than the gap between
    the two thresholds cannot start or end a rep. A rep is reported **once, when it
    ends**, and only if its excursion reaches ``min_prominence`` and it lasted at
    least ``min_duration_s``.

    Parameters
    ----------
    fps
        Samples per second.
    min_prominence, min_duration_s
        As :class:`hipcheck.config.AnalysisConfig` (0.05 leg lengths, 0.5 s).
    enter_fraction, edge_fraction, floor_window_s, max_duration_s
        Thresholds above (heuristics, see the module constants).
    """

    def __init__(
        self,
        fps: float,
        *,
        min_prominence: float = 0.05,
        min_duration_s: float = 0.5,
        enter_fraction: float = ENTER_FRACTION,
        edge_fraction: float = REP_EDGE_FRACTION,
        floor_window_s: float = FLOOR_WINDOW_S,
        max_duration_s: float = MAX_REP_S,
    ) -> None:
        self.fps = float(fps)
        self.min_prominence = float(min_prominence)
        self.min_duration_s = float(min_duration_s)
        self.enter = enter_fraction * self.min_prominence
        self.edge_fraction = float(edge_fraction)
        self._floor_n = max(2, round(floor_window_s * fps))
        self._max_n = max(2, round(max_duration_s * fps))
        self._history: deque[tuple[int, float]] = deque(maxlen=self._floor_n + self._max_n)
        self._idle: deque[tuple[int, float]] = deque(maxlen=self._floor_n)
        self._i = -1
        self.in_rep = False
        self.rejected: list[RepEvent] = []
        self._floor = self._peak = self._post_min = 0.0
        self._bottom = self._post_min_i = 0

    @property
    def index(self) -> int:
        """Index of the last sample seen."""
        return self._i

    @property
    def standing_level(self) -> float:
        """Current standing level (lowest recent depth outside reps); NaN if unknown."""
        if self.in_rep:
            return self._floor
        return min((d for _, d in self._idle), default=float("nan"))

    def update(self, depth: float) -> RepEvent | None:
        """Add one depth sample (NaN = unknown, skipped); return a rep when one ends."""
        self._i += 1
        i, d = self._i, float(depth)
        if not np.isfinite(d):
            return None
        self._history.append((i, d))
        if not self.in_rep:
            floor = self.standing_level
            self._idle.append((i, d))
            if np.isfinite(floor) and d - floor >= self.enter:
                self.in_rep = True
                self._floor, self._peak, self._bottom = floor, d, i
                self._post_min, self._post_min_i = d, i
            return None
        if d > self._peak:
            self._peak, self._bottom = d, i
            self._post_min, self._post_min_i = d, i
        elif d < self._post_min:
            self._post_min, self._post_min_i = d, i
        excursion = self._peak - self._floor
        if d <= self._floor + self.edge_fraction * excursion:
            return self._close(i)
        fallen = self._peak - self._post_min
        if fallen >= max(self.min_prominence, 0.5 * excursion) and d - self._post_min >= self.enter:
            return self._close(self._post_min_i, restart=True)
        if i - self._start_estimate() > self._max_n:
            self._reset_idle(i)
        return None

    def _start_estimate(self) -> int:
        level = self._floor + self.edge_fraction * (self._peak - self._floor)
        start = None
        for j, d in reversed(self._history):
            if j > self._bottom:
                continue
            if d <= level:
                start = j
                break
        return start if start is not None else self._history[0][0]

    def _close(self, end: int, restart: bool = False) -> RepEvent | None:
        event = RepEvent(
            start=self._start_estimate(),
            bottom=self._bottom,
            end=end,
            peak=self._peak,
            floor=self._floor,
        )
        self._reset_idle(end)
        if restart:
            # The person went down again from a partly-upright level: new rep from there.
            tail = [(j, d) for j, d in self._history if j >= end]
            floor = min(d for _, d in tail)
            self.in_rep = True
            self._floor = floor
            self._peak, self._bottom = max((d, j) for j, d in tail)
            self._post_min, self._post_min_i = self._history[-1][1], self._history[-1][0]
        long_enough = (event.end - event.start) / self.fps >= self.min_duration_s - 1e-9
        if event.excursion >= self.min_prominence and long_enough:
            return event
        self.rejected.append(event)
        return None

    def _reset_idle(self, from_index: int) -> None:
        self.in_rep = False
        self._idle.clear()
        self._idle.extend((j, d) for j, d in self._history if j >= from_index)
