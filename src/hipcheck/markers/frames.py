"""Which frames the marker pass reads, at what size, and how (streaming, bounded memory).

- **Standing frames** (:func:`standing_frames`): a marker set is confirmed on frames
  where the person stands upright, chosen from the landmark series (the pelvis near its
  highest, the knees extended), not on "the first second": real footage often starts
  mid-repetition. The earliest such frames are taken, so a clip without markers is
  decoded only up to its first standing stretch.
- **Working scale** (:func:`working_scale`): the pass never needs more pixels than a
  disc needs to be measured; frames are decoded shrunk by a whole factor so a disc is
  still at least ``WORK_DISC_PX`` pixels across (and honouring ``max_side`` as long as a
  disc stays at least ``MIN_DISC_PX`` across), which bounds time and memory on 4K video.
- **Reading** (:func:`read_frames`): frames stream from the decoder with a short queue;
  only the frames asked for are kept, cropped to the body.

Frame: image pixels of the upright frame (x right, y down, origin at the top-left
corner); landmarks are the subject's sides.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from hipcheck.kinematics.frames import CORE_LANDMARKS
from hipcheck.landmarks import LM, LandmarkSeries
from hipcheck.markers.detect import DISC_DIAMETER_PER_LEG, to_hsv

#: Standing frames used to confirm a marker set, at most this many.
STANDING_FRAMES = 8
#: Fewer standing frames than this: markers cannot be confirmed.
MIN_STANDING_FRAMES = 3
#: Standing frames are at least this far apart, so a set is seen over about a second
#: rather than in near-identical consecutive frames.
STANDING_SPACING_S = 0.1
#: Upright = the mid-hip within this fraction of the leg length of its highest point
#: (its 5th percentile of image y over the clip). Measured on the rendered clips: the
#: landmark mid-hip in double-leg standing sits 0.05-0.06 leg lengths below its height
#: in single-leg stance (it rises when the free leg lifts); single-leg squats lower it
#: by 0.13-0.17, step-downs by about 0.2 and squats by 0.3 (synthetic truths), so this
#: keeps standing and rejects the lower half of every repetition.
PELVIS_HIGH_PER_LEG = 0.08
#: A knee is extended when its 2D hip-knee-ankle angle is at least this (180 = straight).
KNEE_EXTENDED_DEG = 160.0
MIN_VISIBILITY = 0.5
#: Smallest disc diameter the pass shrinks frames to by itself (pixels): enough for a
#: centroid to a few tenths of a pixel and for the shape checks; 25 mm discs on a
#: person filling a 4K frame are 40+ px across, which only costs time and memory.
WORK_DISC_PX = 16.0
#: ``max_side`` is honoured unless it would shrink a disc below this (pixels): the
#: disc shape and colour checks need a few pixels across a disc.
MIN_DISC_PX = 9.0
#: The body crop of a standing frame: landmark bounding box plus this many leg lengths.
BODY_MARGIN_PER_LEG = 0.25
#: Frames decoded ahead of the marker pass (memory = this many frames).
DECODE_QUEUE = 2


def body_scale_px(series: LandmarkSeries) -> float:
    """Return the leg length in pixels: the 90th percentile of the longer hip-ankle distance.

    The longer leg of each frame is the straight one; the upper percentile is the
    standing length, robust to squats and to the lifted leg. NaN if never visible.
    """
    xy = np.asarray(series.xy, dtype=np.float64)
    left = np.linalg.norm(xy[:, LM.LEFT_HIP] - xy[:, LM.LEFT_ANKLE], axis=1)
    right = np.linalg.norm(xy[:, LM.RIGHT_HIP] - xy[:, LM.RIGHT_ANKLE], axis=1)
    longer = np.fmax(left, right)
    if not np.isfinite(longer).any():
        return float("nan")
    return float(np.nanpercentile(longer, 90))


def knee_angle_deg(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Return the 2D hip-knee-ankle angle at the knee, degrees (180 = straight leg).

    Unsigned and side-independent; inputs ``(..., 2)`` pixels; NaN where any is NaN.
    """
    a = np.asarray(hip, dtype=np.float64) - knee
    b = np.asarray(ankle, dtype=np.float64) - knee
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def standing_frames(series: LandmarkSeries, n: int = STANDING_FRAMES) -> np.ndarray:
    """Return up to ``n`` frame indices where the person stands upright, earliest first.

    A frame qualifies when the shoulders, hips, knees and ankles are visible, the
    mid-hip is within ``PELVIS_HIGH_PER_LEG`` leg lengths of its highest point in the
    clip and both knees are extended (at least ``KNEE_EXTENDED_DEG``); when fewer than
    ``MIN_STANDING_FRAMES`` frames have both knees extended (single-leg work from the
    first frame), one extended knee is enough. Frames are taken in time order, at
    least ``STANDING_SPACING_S`` apart.
    """
    xy = np.asarray(series.xy, dtype=np.float64)
    if xy.shape[0] == 0:
        return np.zeros(0, dtype=int)
    leg = body_scale_px(series)
    if not np.isfinite(leg) or leg <= 0:
        return np.zeros(0, dtype=int)
    core = list(CORE_LANDMARKS)  # a standing frame needs them, visible >= MIN_VISIBILITY
    with np.errstate(invalid="ignore"):
        vis = np.nan_to_num(np.asarray(series.visibility, dtype=np.float64)[:, core], nan=0.0)
        ok = np.isfinite(xy[:, core]).all(axis=(1, 2)) & (vis >= MIN_VISIBILITY).all(axis=1)
    hip_y = (xy[:, LM.LEFT_HIP, 1] + xy[:, LM.RIGHT_HIP, 1]) / 2
    if not ok.any():
        return np.zeros(0, dtype=int)
    top = float(np.percentile(hip_y[ok], 5))
    with np.errstate(invalid="ignore"):
        high = ok & (hip_y <= top + PELVIS_HIGH_PER_LEG * leg)
    knees = np.stack(
        [
            knee_angle_deg(xy[:, LM.LEFT_HIP], xy[:, LM.LEFT_KNEE], xy[:, LM.LEFT_ANKLE]),
            knee_angle_deg(xy[:, LM.RIGHT_HIP], xy[:, LM.RIGHT_KNEE], xy[:, LM.RIGHT_ANKLE]),
        ],
        axis=1,
    )
    with np.errstate(invalid="ignore"):
        extended = knees >= KNEE_EXTENDED_DEG
    candidates = high & extended.all(axis=1)
    if candidates.sum() < MIN_STANDING_FRAMES:
        candidates = high & extended.any(axis=1)
    picked: list[int] = []
    last = -np.inf
    for i in np.flatnonzero(candidates):
        if series.t_s[i] - last >= STANDING_SPACING_S - 1e-9:
            picked.append(int(i))
            last = float(series.t_s[i])
            if len(picked) >= n:
                break
    return np.asarray(picked, dtype=int)


def working_scale(leg_length_px: float, longest_side_px: int, max_side: int | None = None) -> float:
    """Return the factor ``1 / k`` (``k`` a whole number) by which the pass shrinks frames.

    ``k`` is the largest whole factor that keeps a disc at least ``WORK_DISC_PX`` pixels
    across; ``max_side`` (the longer side the user asked the pose pass to use) raises it
    until the longer side fits, but never so far that a disc is under ``MIN_DISC_PX``
    pixels across. Whole factors keep the area-averaging shrink fast (a box filter); an
    odd ratio such as 0.78 costs more than decoding at full size.
    """
    disc = DISC_DIAMETER_PER_LEG * float(leg_length_px)
    if not np.isfinite(disc) or disc <= 0:
        return 1.0
    k = max(1, int(disc // WORK_DISC_PX))
    if max_side is not None and longest_side_px > max_side > 0:
        k = max(k, min(int(np.ceil(longest_side_px / max_side)), int(disc // MIN_DISC_PX)))
    return 1.0 / k


def scaled_series(series: LandmarkSeries, sx: float, sy: float) -> LandmarkSeries:
    """Return ``series`` with its pixel coordinates scaled by ``(sx, sy)`` (a shrunk frame)."""
    xy = np.asarray(series.xy, dtype=np.float32) * np.array([sx, sy], dtype=np.float32)
    w, h = series.frame_size
    return replace(series, xy=xy, frame_size=(round(w * sx), round(h * sy)))


@dataclass(frozen=True)
class StandingFrame:
    """A standing frame, cropped to the body, in HSV (what confirmation reads).

    Attributes
    ----------
    index
        Row of the landmark series (decoded frame number).
    hsv
        OpenCV HSV crop of the (working-scale) frame around the body.
    origin
        ``(x, y)`` of the crop's top-left corner in the working-scale frame.
    landmarks
        ``(33, 2)`` landmarks of that frame, working-scale pixels.
    """

    index: int
    hsv: np.ndarray
    origin: tuple[int, int]
    landmarks: np.ndarray


def body_crop(
    shape: tuple[int, ...], landmarks: np.ndarray, leg_length_px: float
) -> tuple[int, int, int, int]:
    """Return ``(x0, y0, x1, y1)``: the landmarks' bounding box plus a margin, in the frame."""
    pts = np.asarray(landmarks, dtype=np.float64)
    pts = pts[np.isfinite(pts).all(axis=1)]
    h, w = shape[:2]
    if not len(pts):
        return 0, 0, w, h
    m = BODY_MARGIN_PER_LEG * leg_length_px
    x0, y0 = np.floor(pts.min(axis=0) - m)
    x1, y1 = np.ceil(pts.max(axis=0) + m)
    return max(0, int(x0)), max(0, int(y0)), min(w, int(x1)), min(h, int(y1))


def standing_crops(
    images: Iterable[np.ndarray],
    indices: Iterable[int],
    landmarks_xy: np.ndarray,
    leg_length_px: float,
) -> list[StandingFrame]:
    """Keep the body crops (HSV) of frames ``indices`` from a stream of frames.

    ``images`` yields frame 0, 1, ... (working scale, matching ``landmarks_xy`` rows);
    the stream is read only up to the last index asked for, and only the crops are kept.
    """
    wanted = sorted({int(i) for i in indices})
    out: list[StandingFrame] = []
    if not wanted:
        return out
    last = wanted[-1]
    want = set(wanted)
    for i, image in enumerate(images):
        if i in want:
            lm = np.asarray(landmarks_xy[i], dtype=np.float64)
            x0, y0, x1, y1 = body_crop(image.shape, lm, leg_length_px)
            hsv = to_hsv(image[y0:y1, x0:x1])
            out.append(StandingFrame(i, hsv, (x0, y0), lm))
        if i >= last:
            break
    return out


def video_frames(path: str | Path, max_side: int | None = None) -> Iterator[np.ndarray]:
    """Yield the upright RGB frames of a video, shrunk to ``max_side`` (streaming).

    At most ``DECODE_QUEUE`` frames are decoded ahead; stopping the iteration stops
    the decoder.
    """
    from hipcheck.io.video import open_video

    with open_video(path, max_side=max_side, queue_size=DECODE_QUEUE) as reader:
        for frame in reader:
            yield frame.image
