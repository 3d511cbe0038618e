"""The annotated video: skeleton, live angles and a rep counter burnt into the clip.

Frames are streamed (decode one, draw, encode, drop it), so memory does not grow
with the clip's length. Frame ``i`` of the decoded video is landmark row ``i`` and
kinematics row ``i`` (same decode order). The output is H.264 ``yuv420p`` MP4 with
the index at the front (``+faststart``), which browsers play.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from hipcheck.landmarks import LandmarkSeries
from hipcheck.model import Assessment, Rep
from hipcheck.reports.bands import metric_bands
from hipcheck.reports.draw import AngleLabel, caption_bar, draw_skeleton
from hipcheck.reports.metrics import baseline_of, metric_status

#: live label key -> (assessment metric, kinematics column stem)
_LIVE: dict[str, tuple[str, str]] = {
    "pelvic_drop": ("pelvic_drop_deg", "pelvic_drop"),
    "trunk_lean": ("trunk_lean_deg", "trunk_lean"),
    "fppa": ("knee_valgus_deg", "fppa"),
}


class LiveAngles:
    """Per-frame angle labels from the kinematics table, rated like the reps.

    Values are baseline-relative where possible (``*_rel_deg`` columns, else the
    absolute column minus the baseline the reps imply), so the colours use the same
    rubric as the per-rep ratings. Metrics the assessment marks indicative are shown
    unrated; not-measurable ones are shown as "n/m".
    """

    def __init__(self, kinematics: pd.DataFrame, assessment: Assessment, sex: str | None = None):
        self.t_s = kinematics["t_s"].to_numpy(dtype=float) if "t_s" in kinematics else None
        self.n = len(kinematics)
        ok = kinematics.get("quality_ok")
        self.quality_ok = None if ok is None else ok.fillna(False).to_numpy(dtype=bool)
        self.series: dict[tuple[str, str], np.ndarray] = {}
        self.status: dict[str, str] = {}
        self.bands = {}
        for key, (metric, stem) in _LIVE.items():
            self.status[key] = metric_status(assessment, metric).status
            self.bands[key] = metric_bands(metric, sex)
            for side in ("left", "right"):
                values = _relative_column(kinematics, assessment, metric, stem, side)
                if values is not None:
                    self.series[(key, side)] = values

    def labels(self, row: int, stance: str | None) -> dict[str, AngleLabel]:
        """Return the labels for kinematics ``row`` with ``stance`` (None: FPPA only)."""
        out: dict[str, AngleLabel] = {}
        if not 0 <= row < self.n:
            return out
        good_frame = self.quality_ok is None or bool(self.quality_ok[row])
        wanted = [("fppa", s) for s in ((stance,) if stance else ("left", "right"))]
        if stance:
            wanted += [("pelvic_drop", stance), ("trunk_lean", stance)]
        for key, side in wanted:
            values = self.series.get((key, side))
            if values is None or self.status[key] == "absent":
                continue
            status = self.status[key] if self.status[key] != "absent" else "measured"
            value = float(values[row]) if np.isfinite(values[row]) else None
            rating = None
            if status == "measured" and good_frame and self.bands[key] is not None:
                rating = self.bands[key].rate(value)
            name = f"fppa_{side}" if key == "fppa" else key
            out[name] = AngleLabel(value if status != "not_measurable" else None, rating, status)
        return out


def _relative_column(
    kinematics: pd.DataFrame, assessment: Assessment, metric: str, stem: str, side: str
) -> np.ndarray | None:
    for col in (f"{stem}_{side}_rel_deg", f"{stem}_{side}_deg_rel"):
        if col in kinematics:
            return kinematics[col].to_numpy(dtype=float)
    col = f"{stem}_{side}_deg"
    if col not in kinematics:
        return None
    baseline = baseline_of(assessment, metric, side)
    values = kinematics[col].to_numpy(dtype=float)
    return values if baseline is None else values - baseline


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
        Per-frame kinematics (row ``i`` = frame ``i``).
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
                labels = live.labels(frame.index, stance)
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
