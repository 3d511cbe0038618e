"""Video -> landmark series."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hipcheck.errors import NoPersonError
from hipcheck.landmarks import N_LANDMARKS, LandmarkSeries, strictly_increasing
from hipcheck.pose.backends import PoseBackend, make_backend

logger = logging.getLogger(__name__)

#: progress(frames_done, frames_expected_or_None)
ProgressFn = Callable[[int, "int | None"], None]


def extract_landmarks(
    path: str | Path,
    *,
    model: str | Path | None = None,
    backend: PoseBackend | None = None,
    max_side: int | None = None,
    progress: ProgressFn | None = None,
) -> LandmarkSeries:
    """Run the pose model on every decoded frame of a video.

    Parameters
    ----------
    path
        Video file (any container/codec PyAV decodes; rotation metadata is applied).
    model
        None for the bundled BlazePose full model, or a ``.task`` file path.
    backend
        An existing backend to reuse (then ``model`` is ignored and the caller closes
        it); its tracking state is reset first, so results do not depend on what it saw
        before.
    max_side
        Decode frames with their longer side scaled down to this many pixels before the
        model sees them (the model works at 256x256 internally). Landmarks are still
        returned in pixels of the full-size upright frame.
    progress
        Called after every frame with (frames done, frames expected or None).

    Returns
    -------
    LandmarkSeries
        One row per decoded frame, with presentation timestamps; frames with no
        person are NaN. ``video`` holds the video facts and decode statistics.

    Raises
    ------
    hipcheck.errors.VideoError
        The file cannot be opened or decoded.
    hipcheck.errors.NoPersonError
        No frame contains a person.
    """
    from hipcheck.io.video import open_video

    times: list[float] = []
    results: list[np.ndarray | None] = []
    # Open (probe) the video before loading the model: a bad file fails at once.
    with open_video(path, max_side=max_side) as reader:
        info = reader.info
        own_backend = backend is None
        pose = make_backend(model) if backend is None else backend
        if backend is not None:
            backend.reset()
        started = time.perf_counter()
        try:
            for frame in reader:
                results.append(pose.process(frame.image, round(frame.t_s * 1000)))
                times.append(frame.t_s)
                if progress is not None:
                    progress(len(times), info.n_frames)
            stats = reader.stats
        finally:
            if own_backend:
                pose.close()
    elapsed = time.perf_counter() - started

    n = len(times)
    width, height = info.width, info.height
    raw = np.full((n, N_LANDMARKS, 5), np.nan, dtype=np.float32)
    for i, res in enumerate(results):
        if res is not None:
            raw[i] = res
    n_detected = int(np.isfinite(raw[:, 0, 0]).sum())
    if n_detected == 0:
        raise NoPersonError(
            f"No person was found in any of the {n} frames of {path}.",
            "Film the whole body from the front, well lit, with one person in frame.",
        )
    series = LandmarkSeries(
        t_s=strictly_increasing(np.asarray(times, dtype=np.float64)),
        xy=raw[:, :, :2] * np.array([width, height], dtype=np.float32),
        z=raw[:, :, 2] * np.float32(width),
        visibility=raw[:, :, 3],
        presence=raw[:, :, 4],
        frame_size=(width, height),
        model=pose.name,
        source=str(path),
        video={
            **info.to_dict(),
            "frames_decoded": stats.frames_decoded,
            "frames_lost": stats.frames_lost,
            "damaged": stats.damaged,
            "decode_error": stats.error,
            "frames_with_person": n_detected,
            "pose_fps": n / elapsed if elapsed > 0 else None,
        },
        log=[{"operation": "extract_landmarks", "model": pose.name, "max_side": max_side}],
    )
    logger.info("%s: %d frames, %d with a person, %.1f fps", path, n, n_detected, n / elapsed)
    return series
