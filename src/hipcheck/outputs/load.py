"""Read an analysis folder back: the assessment, its kinematics and landmarks, the clip.

Everything read here may come from anyone (an e-mailed ``assessment.json``, a folder on
a shared drive), so it is checked before use: the JSON document is size-limited and
must be an object (deep nesting is refused instead of crashing the parser), and a clip
given for key frames must be the analysed one (same size, duration and frame count),
because drawing this assessment's skeleton on another clip would put one person's
numbers on another person's picture.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from hipcheck.assessment.load import read_assessment
from hipcheck.errors import HipcheckError
from hipcheck.model import Assessment
from hipcheck.outputs.folder import MARKER
from hipcheck.outputs.writers import AnalysisData

#: two clips are "the same" if their durations differ by at most this many frames
#: (container durations are rounded to a frame; a remux may add one at the end)
DURATION_TOLERANCE_FRAMES = 2
#: ... and their frame counts by at most this many
FRAME_COUNT_TOLERANCE = 2


def assessment_file(path: str | os.PathLike[str]) -> Path:
    """Return ``path``, or ``path/assessment.json`` for a folder."""
    p = Path(path).expanduser()
    return p / MARKER if p.is_dir() else p


def load_assessment(path: str | os.PathLike[str]) -> Assessment:
    """Load an ``assessment.json`` (or the folder holding it), validated, any version.

    Raises
    ------
    hipcheck.assessment.load.AssessmentFileError
        Missing or unreadable file, or not a hipcheck assessment this version reads.
    """
    return read_assessment(assessment_file(path))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def video_mismatch(video: str | os.PathLike[str], facts: dict[str, Any]) -> list[str]:
    """Return how ``video`` differs from the analysed clip's ``facts`` ([] = same clip).

    Compared: display size (exactly), duration (within
    :data:`DURATION_TOLERANCE_FRAMES` frames) and frame count (within
    :data:`FRAME_COUNT_TOLERANCE`), each where the assessment records it.

    Raises
    ------
    hipcheck.errors.VideoError
        ``video`` cannot be read.
    ValueError
        The assessment records none of these facts (nothing to compare).
    """
    from hipcheck.io.video import probe_video

    info = probe_video(video)
    differences = []
    compared = 0
    w, h = _number(facts.get("width")), _number(facts.get("height"))
    if w is not None and h is not None:
        compared += 1
        if (int(w), int(h)) != (info.width, info.height):
            differences.append(f"size {info.width}x{info.height} vs {int(w)}x{int(h)}")
    fps = _number(facts.get("fps")) or info.fps or 30.0
    duration = _number(facts.get("duration_s"))
    if duration is not None and duration > 0 and info.duration_s > 0:
        compared += 1
        if abs(duration - info.duration_s) > DURATION_TOLERANCE_FRAMES / fps:
            differences.append(f"duration {info.duration_s:.2f} s vs {duration:.2f} s")
    frames = _number(facts.get("n_frames"))
    if frames is not None and info.n_frames is not None:
        compared += 1
        if abs(frames - info.n_frames) > FRAME_COUNT_TOLERANCE:
            differences.append(f"{info.n_frames} frames vs {int(frames)}")
    if not compared:
        raise ValueError("the assessment records no size, duration or frame count")
    return differences


def pick_video(
    facts: dict[str, Any], video: str | os.PathLike[str] | None = None
) -> tuple[Path | None, str | None]:
    """Return the analysed clip to use for drawing, or None and the reason why not.

    Parameters
    ----------
    facts
        The video facts recorded with the analysis (``assessment.video``).
    video
        A clip the user named: it must match ``facts`` or this raises. Default: the
        clip at the recorded ``path``, if it is still there and still matches.

    Raises
    ------
    hipcheck.errors.HipcheckError
        ``video`` was given and is not the analysed clip (or cannot be checked).
    """
    facts = dict(facts or {})
    if video is not None:
        p = Path(video).expanduser()
        try:
            differences = video_mismatch(p, facts)
        except ValueError:
            raise HipcheckError(
                f"Cannot check that {p} is the analysed clip: the assessment records no "
                "size, duration or frame count.",
                "Leave out --video (the report is then written without key frames).",
            ) from None
        if differences:
            raise HipcheckError(
                f"{p} is not the clip this assessment was made from ({'; '.join(differences)}).",
                "Pass the analysed clip with --video, or leave --video out (the report is "
                "then written without key frames).",
            )
        return p, None
    recorded = facts.get("path")
    if not recorded:
        return None, "Key frames were left out: the assessment names no video file."
    p = Path(str(recorded))
    if not p.is_file():
        return None, (
            f"Key frames were left out: the analysed clip {p.name} was not found "
            "(pass it with --video)."
        )
    try:
        differences = video_mismatch(p, facts)
    except (HipcheckError, ValueError):
        differences = ["it cannot be checked"]
    if differences:
        return None, (
            f"Key frames were left out: the file at {p.name} is no longer the analysed "
            f"clip ({'; '.join(differences)})."
        )
    return p, None


def load_analysis(
    path: str | os.PathLike[str], *, video: str | os.PathLike[str] | None = None
) -> AnalysisData:
    """Load an analysis folder (or its ``assessment.json``) with whatever lies beside it.

    Parameters
    ----------
    path
        ``assessment.json`` or the folder holding it.
    video
        The analysed clip, for key frames and the annotated video. It must match the
        assessment (size, duration, frame count) or this raises. Default: the clip
        named in the assessment, if it is still there and still matches; otherwise
        there is no clip and ``video_note`` says why.

    Raises
    ------
    hipcheck.errors.HipcheckError
        Unreadable assessment, kinematics or landmarks, or a ``video`` that is not the
        analysed clip.
    """
    import pandas as pd

    file = assessment_file(path)
    assessment = load_assessment(file)
    folder = file.parent
    kinematics = None
    kin_file = folder / "kinematics.parquet"
    if kin_file.is_file():
        try:
            kinematics = pd.read_parquet(kin_file)
        except (OSError, ValueError) as exc:
            raise HipcheckError(
                f"{kin_file} is not a readable Parquet file ({exc}).",
                "Re-run hipcheck analyze to rewrite the folder.",
            ) from None
    landmarks = None
    if (folder / "landmarks.parquet").is_file():
        from hipcheck.io.landmarks import load_landmarks

        landmarks = load_landmarks(folder / "landmarks.parquet")
    clip, note = pick_video(assessment.to_dict().get("video") or {}, video)
    if clip is not None and landmarks is None:
        clip, note = None, "Key frames were left out: landmarks.parquet is missing."
    return AnalysisData(assessment, kinematics, landmarks, video=clip, video_note=note)
