"""Who is tracked: skeleton jumps, and the tracked person being replaced by someone else.

MediaPipe tracks one person. When someone else takes over the skeleton, the landmarks
jump: the mid-hip moves further between two frames than any body part of a person
squatting can, or the apparent leg length changes abruptly. A single bad frame jumps
away and back; another person *stays* where the skeleton jumped to. So:

- :func:`tracking_jumps` flags every frame where the skeleton jumps (compared with the
  previous frame in which a person was found, so a frame or two without a detection
  does not hide a jump);
- :func:`person_changes` keeps the jumps after which the skeleton stays away from where
  it was (median position or size over ``HOLD_S`` after the jump against the same
  before it): the tracked person was replaced;
- :func:`person_notes` says so in plain words, and says nothing on a clip with one
  person and a steady skeleton (jitter never makes a note).

Frame: image pixels, x right, y down; leg length = mean hip-ankle distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hipcheck.landmarks import LM, LandmarkSeries

#: A frame-to-frame move of the mid-hip larger than this many leg lengths is a jump:
#: a squatting person's hips move less than 0.05 leg lengths between frames at 25 fps.
JUMP_SHIFT = 0.25
#: A frame-to-frame change of the leg length larger than this fraction is a jump.
JUMP_SCALE = 0.30
#: A jump is compared across at most this long a gap without a detection (s).
MAX_GAP_S = 1.0
#: After a jump to another person the skeleton stays away at least this long (s); a
#: tracking glitch comes back sooner.
HOLD_S = 0.5


@dataclass(frozen=True)
class PersonChange:
    """The tracked person was replaced at ``t_s`` (frame ``frame`` of the series)."""

    frame: int
    t_s: float
    shift: float  # median mid-hip move across the change, leg lengths
    scale: float  # median leg-length ratio after / before


def _hips_and_leg(series: LandmarkSeries) -> tuple[np.ndarray, np.ndarray]:
    xy = np.asarray(series.xy, dtype=np.float64)
    hips = (xy[:, LM.LEFT_HIP] + xy[:, LM.RIGHT_HIP]) / 2
    leg = (
        np.linalg.norm(xy[:, LM.LEFT_HIP] - xy[:, LM.LEFT_ANKLE], axis=1)
        + np.linalg.norm(xy[:, LM.RIGHT_HIP] - xy[:, LM.RIGHT_ANKLE], axis=1)
    ) / 2
    return hips, leg


def tracking_jumps(series: LandmarkSeries) -> np.ndarray:
    """Flag frames where the skeleton jumps (boolean per frame of ``series``).

    A jump is a move of the mid-hip by more than ``JUMP_SHIFT`` leg lengths, or a change
    of leg length by more than ``JUMP_SCALE``, from the previous frame with a person
    (at most ``MAX_GAP_S`` earlier).
    """
    hips, leg = _hips_and_leg(series)
    t = np.asarray(series.t_s, dtype=np.float64)
    ok = np.flatnonzero(np.isfinite(hips).all(axis=1) & np.isfinite(leg) & (leg > 0))
    out = np.zeros(series.n_frames, dtype=bool)
    if ok.size < 2:
        return out
    prev, cur = ok[:-1], ok[1:]
    close = (t[cur] - t[prev]) <= MAX_GAP_S + 1e-9
    shift = np.linalg.norm(hips[cur] - hips[prev], axis=1)
    ref = np.fmax(leg[cur], leg[prev])
    jump = (shift > JUMP_SHIFT * ref) | (np.abs(leg[cur] / leg[prev] - 1) > JUMP_SCALE)
    out[cur[jump & close]] = True
    return out


def person_changes(series: LandmarkSeries, jumps: np.ndarray | None = None) -> list[PersonChange]:
    """Jumps after which the skeleton stays with someone else (module docstring).

    For each jump, the median mid-hip position and leg length over ``HOLD_S`` after it
    are compared with the same over ``HOLD_S`` before it; a change still larger than the
    jump thresholds is a person change. Jumps in the first ``HOLD_S`` after the person
    is first found are the tracker locking on, not a change.
    """
    jumps = tracking_jumps(series) if jumps is None else jumps
    hips, leg = _hips_and_leg(series)
    t = np.asarray(series.t_s, dtype=np.float64)
    out: list[PersonChange] = []
    seen = np.flatnonzero(np.isfinite(hips).all(axis=1))
    first = t[seen[0]] if seen.size else np.inf
    for j in np.flatnonzero(jumps):
        if t[j] - first < HOLD_S:
            continue  # the tracker is still locking on
        before = (t < t[j]) & (t >= t[j] - HOLD_S)
        after = (t >= t[j]) & (t < t[j] + HOLD_S)
        if not (before.any() and after.any()):
            continue
        with np.errstate(all="ignore"):
            h0, h1 = np.nanmedian(hips[before], axis=0), np.nanmedian(hips[after], axis=0)
            l0, l1 = float(np.nanmedian(leg[before])), float(np.nanmedian(leg[after]))
        if not (np.isfinite(h0).all() and np.isfinite(h1).all() and l0 > 0 and l1 > 0):
            continue
        shift = float(np.linalg.norm(h1 - h0) / max(l0, l1))
        scale = l1 / l0
        changed = shift > JUMP_SHIFT or abs(scale - 1) > JUMP_SCALE
        if changed and (not out or t[j] - out[-1].t_s > HOLD_S):
            out.append(PersonChange(frame=int(j), t_s=float(t[j]), shift=shift, scale=scale))
    return out


def person_notes(changes: list[PersonChange]) -> list[str]:
    """Plain-language notes about who was tracked (empty for one steady person)."""
    if not changes:
        return []
    when = ", ".join(f"{c.t_s:.1f} s" for c in changes)
    return [
        f"The tracked person changed at {when}: the skeleton jumped to someone else and "
        "stayed there. Repetitions across that moment are not counted, and values after it "
        "may belong to another person. Film with only the person being tested in frame."
    ]
