"""The annotated video: skeleton, live angles and a rep counter burnt into the clip.

Frames are streamed (decode one, draw, encode, drop it), so memory does not grow
with the clip's length. Frame ``i`` of the decoded video is landmark row ``i`` (same
decode order); kinematics rows (a uniform time grid) are found by time. The output is
H.264 ``yuv420p`` MP4 with the index at the front (``+faststart``), which browsers play.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from hipcheck.assessment.rules import judge
from hipcheck.landmarks import LandmarkSeries
from hipcheck.metrics import METRICS, spec
from hipcheck.model import Assessment, Rep
from hipcheck.reports.draw import AngleLabel, caption_bar, draw_skeleton

#: label key -> assessment metric (the registry's per-frame labels)
_LIVE: dict[str, str] = {m.frame_label: m.name for m in METRICS if m.frame_label}


class LiveAngles:
    """Per-frame angle labels, shown only inside a rep and only as its table shows them.

    Inside a rep, a metric the assessment marks not measurable for that rep is written
    "n/m"; an indicative one is written unrated; a measured one shows the frame's value
    relative to the rep's standing reference (the ``*_rel_deg`` kinematics columns,
    the same reference as the rep's values, so at the bottom frame the label equals the
    table's value), coloured by its rating, unless the frame's value fails the validity
    policy (:func:`hipcheck.assessment.rules.judge`), when it is "n/m" too. On single-leg
    reps FPPA is also "n/m" on frames where the knee bends beyond the range the 2D angle
    is valid in (:data:`hipcheck.plausibility.FPPA_MAX_KNEE_FLEXION`); a deep rep's FPPA
    is read on the way down (``MetricValue.read_s``), where the label equals the table's
    value. Between reps no angle is drawn: there is nothing rated to show.
    """

    def __init__(self, kinematics: pd.DataFrame, assessment: Assessment, sex: str | None = None):
        self.t_s = kinematics["t_s"].to_numpy(dtype=float)
        self.sex = sex or assessment.sex
        self.series: dict[tuple[str, str], np.ndarray] = {}
        for key, metric in _LIVE.items():
            for side in ("left", "right"):
                col = spec(metric).column_for(side).removesuffix("_deg") + "_rel_deg"
                if col in kinematics:
                    self.series[(key, side)] = kinematics[col].to_numpy(dtype=float)
        self.shortening = {
            side: kinematics[f"leg_shortening_{side}"].to_numpy(dtype=float)
            for side in ("left", "right")
            if f"leg_shortening_{side}" in kinematics
        }

    def _too_deep(self, side: str, row: int) -> bool:
        """Return True when the stance knee bends beyond the FPPA's valid range at ``row``."""
        from hipcheck.plausibility import FPPA_MAX_KNEE_FLEXION

        values = self.shortening.get(side)
        return values is not None and bool(values[row] > FPPA_MAX_KNEE_FLEXION)

    def row_at(self, t_s: float) -> int:
        """Return the kinematics row nearest ``t_s`` (-1 for an empty table)."""
        if not len(self.t_s):
            return -1
        return int(np.argmin(np.abs(self.t_s - t_s)))

    def labels(self, rep: Rep | None, t_s: float) -> dict[str, AngleLabel]:
        """Return the labels at time ``t_s`` within ``rep`` (None: between reps, none)."""
        out: dict[str, AngleLabel] = {}
        if rep is None or not len(self.t_s):
            return out
        row = self.row_at(t_s)
        stance = rep.side if rep.side in ("left", "right") else None
        wanted = [("fppa", s) for s in ((stance,) if stance else ("left", "right"))]
        if stance:
            wanted += [("pelvic_drop", stance), ("trunk_lean", stance)]
        for key, side in wanted:
            metric = _LIVE[key]
            mv = rep.metric(metric, side)
            name = f"fppa_{side}" if key == "fppa" else key
            if mv is None:
                continue
            values = self.series.get((key, side))
            deep = key == "fppa" and stance is not None and self._too_deep(side, row)
            if (
                mv.status == "not_measurable"
                or values is None
                or not np.isfinite(values[row])
                or deep
            ):
                out[name] = AngleLabel(None, None, "not_measurable")
                continue
            value = float(values[row])
            status, rating, _ = judge(spec(metric), value, source=mv.source, sex=self.sex)
            out[name] = AngleLabel(value if status != "not_measurable" else None, rating, status)
        return out


def rep_at(reps: list[Rep], t_s: float) -> Rep | None:
    """Return the rep whose ``start_s <= t_s <= end_s``, or None."""
    for rep in reps:
        if rep.start_s <= t_s <= rep.end_s:
            return rep
    return None


def counter_text(reps: list[Rep], t_s: float) -> str:
    """Return the rep counter, e.g. ``Rep 2 of 6 - left stance - 3.40 s``."""
    current = rep_at(reps, t_s)
    done = sum(1 for r in reps if r.end_s < t_s)
    if current is not None:
        side = f"{current.side} stance" if current.side in ("left", "right") else "both legs"
        return f"Rep {current.index} of {len(reps)} - {side} - {t_s:.2f} s"
    return f"Reps done {done} of {len(reps)} - {t_s:.2f} s"


def annotate_frame(
    image: np.ndarray,
    xy: np.ndarray | None,
    visibility: np.ndarray | None,
    labels: dict[str, AngleLabel],
    stance: str | None,
    counter: str,
) -> np.ndarray:
    """Return one annotated frame: skeleton and labels (if landmarks) and the counter bar."""
    img = image
    if xy is not None and np.isfinite(xy).any():
        img = draw_skeleton(image, xy, visibility, angles=labels, stance=stance)
    return caption_bar(img, counter, bottom=True)


def write_annotated_video(
    video_path: str | os.PathLike[str],
    landmarks: LandmarkSeries,
    kinematics: pd.DataFrame,
    assessment: Assessment,
    out_path: str | os.PathLike[str],
    *,
    sex: str | None = None,
    crf: int = 23,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Write the clip with skeleton, live angles and a rep counter burnt in.

    Parameters
    ----------
    video_path
        The analysed clip (decoded upright, as for the landmarks).
    landmarks
        Its landmark series (row ``i`` = decoded frame ``i``); pixel coordinates are
        rescaled if the series was computed at another frame size.
    kinematics
        Per-frame kinematics on the analysis grid (looked up by time).
    assessment
        Gives the reps (counter, stance side), statuses and ratings.
    out_path
        Output ``.mp4`` (H.264, yuv420p, faststart; plays in browsers).
    sex
        Chooses the FPPA bands for the live colours.
    crf
        x264 constant quality.
    progress
        Called as ``progress(frames_done, frames_total_or_None)`` after each frame.

    Returns
    -------
    pathlib.Path
        ``out_path``.
    """
    from hipcheck.io.video import open_video
    from hipcheck.io.writer import VideoWriter

    live = LiveAngles(kinematics, assessment, sex)
    reps = sorted(assessment.reps, key=lambda r: r.start_s)
    out = Path(out_path)
    writer: VideoWriter | None = None
    done = 0
    try:
        with open_video(video_path) as reader:
            total = reader.info.n_frames
            for frame in reader:
                h, w = frame.image.shape[:2]
                if writer is None:
                    writer = VideoWriter(out, reader.info.fps, (w, h), crf=crf)
                xy = vis = None
                if frame.index < landmarks.n_frames:
                    lw, lh = landmarks.frame_size
                    xy = landmarks.xy[frame.index] * np.array([w / lw, h / lh])
                    vis = landmarks.visibility[frame.index]
                t = float(frame.t_s)
                rep = rep_at(reps, t)
                stance = rep.side if rep is not None and rep.side in ("left", "right") else None
                labels = live.labels(rep, t)
                image = annotate_frame(frame.image, xy, vis, labels, stance, counter_text(reps, t))
                writer.write(image, t)
                done += 1
                if progress is not None:
                    progress(done, total)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        from hipcheck.errors import VideoError

        raise VideoError(f"No frames could be decoded from {video_path}.", "Check the file.")
    return out


def key_frame_reps(assessment: Assessment, *, per_side: bool = True) -> list[Rep]:
    """Return the reps whose key frames a report shows: the worst rep (of each side).

    "Worst" is :func:`hipcheck.reports.metrics.worst_rep`'s order: the worst rating,
    then the largest value.
    """
    from hipcheck.reports.metrics import rep_severity

    if not assessment.reps:
        return []
    if not per_side:
        return [max(assessment.reps, key=rep_severity)]
    sides = list(dict.fromkeys(r.side for r in assessment.reps))
    return [max((r for r in assessment.reps if r.side == s), key=rep_severity) for s in sides]


def _nearest_row(t_s: np.ndarray, when: float) -> int:
    return int(np.argmin(np.abs(np.asarray(t_s) - when)))


def extract_key_frames(
    video_path: str | os.PathLike[str],
    landmarks: LandmarkSeries,
    assessment: Assessment,
    *,
    per_side: bool = True,
) -> list[np.ndarray]:
    """Decode the bottom frame of the worst rep (per side) and draw its key frame.

    The clip is streamed once and only the wanted frames are kept.

    Returns
    -------
    list of numpy.ndarray
        Annotated RGB key frames, in the order of :func:`key_frame_reps`.
    """
    from hipcheck.io.video import open_video
    from hipcheck.reports.draw import key_frame

    reps = key_frame_reps(assessment, per_side=per_side)
    # A rep's bottom_frame indexes the uniform analysis grid; the decoded frame (and the
    # landmark row) nearest its bottom time is the one to show (they differ for VFR).
    rows = {rep.index: _nearest_row(landmarks.t_s, rep.bottom_s) for rep in reps}
    wanted = set(rows.values())
    images: dict[int, np.ndarray] = {}
    if not wanted:
        return []
    with open_video(video_path) as reader:
        for frame in reader:
            if frame.index in wanted:
                images[frame.index] = frame.image
            if frame.index >= max(wanted):
                break
    out = []
    for rep in reps:
        row = rows[rep.index]
        image = images.get(row)
        if image is None:
            continue
        h, w = image.shape[:2]
        lw, lh = landmarks.frame_size
        xy = landmarks.xy[row] * np.array([w / lw, h / lh])
        out.append(key_frame(image, xy, rep, assessment))
    return out
