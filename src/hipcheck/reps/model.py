"""What the repetition rules produce: standing references, rep windows, the clip's result."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hipcheck.kinematics.floor import SIDES, Floor
from hipcheck.kinematics.upright import Upright
from hipcheck.kinematics.view import ViewVerdict
from hipcheck.reps.common import foot_y, median


@dataclass
class Baseline:
    """A standing reference: the frames used and the levels they give.

    Attributes
    ----------
    frames
        Frame indices of the upright frames used.
    bilateral
        True when the person stood on both feet in these frames.
    pelvis_y_px, leg_length_px
        Median pelvis image y and standing leg length over ``frames``.
    foot_y_px
        Median lowest image y of each foot over ``frames``.
    note
        Plain-language caveat about this reference, if any.
    floor
        The clip's floor model (camera roll, foot levels), when known.
    """

    frames: np.ndarray
    bilateral: bool
    pelvis_y_px: float
    leg_length_px: float
    foot_y_px: dict[str, float]
    note: str | None = None
    floor: Floor | None = None

    @property
    def start_frame(self) -> int:
        """First reference frame."""
        return int(self.frames[0])

    @property
    def end_frame(self) -> int:
        """Last reference frame."""
        return int(self.frames[-1])


@dataclass
class RepWindow:
    """Frame indices of one repetition and what was detected in it.

    Attributes
    ----------
    start, bottom, end
        Frame indices (``start <= bottom <= end``).
    depth
        Pelvis descent from the rep's start to its bottom, leg lengths.
    task, side
        Detected (or forced) task and stance side (``both`` for double-leg work).
    flags
        Why a candidate was not counted (``walking``, ``jumping`` ...), or quality notes.
    reference
        The standing reference the rep's values are relative to: the nearest
        bilateral upright frames (before the rep, else after it), or the nearest
        single-leg upright frames when the person never stood on both feet.
    partial
        ``"start"`` when the rep was under way in the first frame, ``"end"`` when it
        was unfinished in the last, else None.
    knee_flexion
        Shortening of the stance leg's hip-ankle distance at the bottom (leg lengths).
    view
        The view of this rep (frontal, oblique, side, rear) and whether frontal
        metrics are measurable.
    floor
        The floor model its feet were judged against (from the nearest upright frames).
    evidence
        The numbers behind the decisions (for reports and benchmarks).
    """

    start: int
    bottom: int
    end: int
    depth: float
    task: str = "single_leg_squat"
    side: str = "left"
    flags: list[str] = field(default_factory=list)
    #: the standing reference this rep is measured against (None: the clip's baseline)
    reference: Baseline | None = None
    partial: str | None = None
    knee_flexion: float = float("nan")
    view: ViewVerdict | None = None
    floor: Floor | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class RepDetection:
    """Result of :func:`detect_reps`.

    Attributes
    ----------
    baseline
        The clip's first standing reference (for clip-level relative columns).
    depth
        Depth per frame (leg lengths, + = lower than standing).
    reps
        Counted repetitions, in time order.
    rejected
        Depth dips that were not counted, each with its ``flags``.
    activity
        What the clip shows: ``squats``, ``walking``, ``jumping``, ``sitting``,
        ``standing``, ``camera_motion``, ``not_upright`` or ``unclear``.
    no_reps_reason
        Plain sentence saying what was seen when no reps were counted, else None.
    view
        The clip's view verdict.
    floor
        The clip's floor model.
    upright
        Per-frame upright judgement.
    """

    baseline: Baseline
    depth: np.ndarray
    reps: list[RepWindow]
    rejected: list[RepWindow]
    activity: str = "squats"
    no_reps_reason: str | None = None
    view: ViewVerdict | None = None
    floor: Floor | None = None
    upright: Upright | None = None

    def __iter__(self) -> Iterator[Any]:
        """Unpack as ``baseline, depth, reps, rejected`` (the earlier tuple interface)."""
        return iter((self.baseline, self.depth, self.reps, self.rejected))


def make_baseline(
    kin: pd.DataFrame,
    frames: np.ndarray,
    *,
    bilateral: bool,
    note: str | None = None,
    floor: Floor | None = None,
) -> Baseline:
    """Build a :class:`Baseline` from reference frames."""
    frames = np.asarray(frames, dtype=int)
    return Baseline(
        frames=frames,
        bilateral=bilateral,
        pelvis_y_px=median(kin["pelvis_y_px"].to_numpy(float)[frames]),
        leg_length_px=median(kin["leg_length_px"].to_numpy(float)[frames]),
        foot_y_px={s: median(foot_y(kin.iloc[frames], s)) for s in SIDES},
        note=note,
        floor=floor,
    )
