"""Video -> landmark series, in one process or in contiguous segments on every core."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hipcheck.errors import NoPersonError
from hipcheck.landmarks import N_LANDMARKS, LandmarkSeries, strictly_increasing
from hipcheck.pose.backends import PoseBackend, make_backend
from hipcheck.pose.models import PoseModel, default_model, resolve_model

logger = logging.getLogger(__name__)

#: progress(frames_done, frames_expected_or_None)
ProgressFn = Callable[[int, "int | None"], None]


def extract_landmarks(
    path: str | Path,
    *,
    model: str | Path | PoseModel | None = None,
    backend: PoseBackend | None = None,
    max_side: int | None = None,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    concurrently: Callable[[], object] | None = None,
) -> LandmarkSeries:
    """Run the pose model on every decoded frame of a video.

    Parameters
    ----------
    path
        Video file (any container/codec PyAV decodes; rotation metadata is applied).
    model
        ``full`` (the BlazePose model bundled in mediapipe), ``heavy`` (installed with
        ``hipcheck models install heavy``) or a ``.task`` file; None: the offline
        default (:func:`hipcheck.pose.models.default_model`).
    backend
        An existing backend to reuse (then ``model`` and ``workers`` are ignored, the
        clip runs in this process, and the caller closes it); its tracking state is
        reset first, so results do not depend on what it saw before.
    max_side
        Decode frames with their longer side scaled down to this many pixels before the
        model sees them (the model works at 256x256 internally). Landmarks are still
        returned in pixels of the full-size upright frame.
    progress
        Called with (frames done, frames expected or None) as frames are done.
    workers
        Processes for this clip: None chooses from the CPUs available and the clip's
        length (:func:`hipcheck.pose.segments.choose_workers`; short clips and batch
        pool workers use one); 1 runs in this process. With more than one, the clip is
        split into contiguous segments, each run by its own process and graph with
        ``WARMUP_FRAMES`` of tracking warm-up before its seam, and stitched. Clips whose
        packets cannot be indexed reliably run in one process.
    concurrently
        Work to do in a background thread while the model runs (the caller's next stage:
        importing the analysis, checking its options). It is waited for before this
        returns; if it raises, the extraction stops and the error is raised here.

    Returns
    -------
    LandmarkSeries
        One row per decoded frame, with presentation timestamps; frames with no
        person are NaN. ``video`` holds the video facts and decode statistics.

    Raises
    ------
    hipcheck.errors.VideoError
        The file cannot be opened or decoded.
    hipcheck.errors.ModelError
        The model asked for is not available (the message says how to install it).
    hipcheck.errors.NoPersonError
        No frame contains a person.
    """
    from hipcheck.io.video import open_video

    # Open (probe) the video and resolve the model first: a bad file or a missing model
    # fails at once, before anything is started.
    with open_video(path, max_side=max_side) as reader:
        pose_model = None
        if backend is None:
            pose_model = default_model() if model is None else resolve_model(model)
        side = _SideWork(concurrently)
        progress = side.guard(progress)
        series = None
        # a model is resolved exactly when no backend was given
        n_frames = reader.info.n_frames
        if pose_model is not None and n_frames and _choose(n_frames, workers) > 1:
            series = _try_parallel(path, reader, pose_model, workers, max_side, progress)
        if series is None:
            series = _single(path, reader, backend, pose_model, progress, max_side)
        side.finish()
        return series


class _SideWork:
    """Run a callable in a daemon thread; its exception is raised where checked."""

    def __init__(self, fn: Callable[[], object] | None) -> None:
        self._error: BaseException | None = None
        self._thread = None
        if fn is not None:
            import threading

            def run() -> None:
                try:
                    fn()
                except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                    self._error = exc

            self._thread = threading.Thread(target=run, name="hipcheck-side-work", daemon=True)
            self._thread.start()

    def check(self) -> None:
        """Raise the side work's error, if it failed."""
        if self._error is not None:
            raise self._error

    def guard(self, progress: ProgressFn | None) -> ProgressFn | None:
        """Wrap ``progress`` so that every call also checks the side work."""
        if self._thread is None:
            return progress

        def checked(done: int, total: int | None) -> None:
            self.check()
            if progress is not None:
                progress(done, total)

        return checked

    def finish(self) -> None:
        """Wait for the side work and raise its error."""
        if self._thread is not None:
            self._thread.join()
        self.check()


def _choose(n_frames: int, workers: int | None) -> int:
    from hipcheck.pose.segments import choose_workers

    return choose_workers(n_frames, workers)


def _single(
    path: str | Path,
    reader: Any,
    backend: PoseBackend | None,
    pose_model: PoseModel | None,
    progress: ProgressFn | None,
    max_side: int | None,
) -> LandmarkSeries:
    """Decode and run the model in this process (decoding overlaps the model start)."""
    info = reader.info
    frames = reader.stream()  # the decoder thread starts now
    own = backend is None
    if backend is None:
        pose = make_backend(pose_model)
    else:
        pose = backend
        pose.reset()
    times: list[float] = []
    results: list[np.ndarray | None] = []
    started = time.perf_counter()
    try:
        for frame in frames:
            results.append(pose.process(frame.image, round(frame.t_s * 1000)))
            times.append(frame.t_s)
            if progress is not None:
                progress(len(times), info.n_frames)
        stats = reader.stats
    finally:
        if own:
            pose.close()
    elapsed = time.perf_counter() - started
    raw = np.full((len(times), N_LANDMARKS, 5), np.nan, dtype=np.float32)
    for i, res in enumerate(results):
        if res is not None:
            raw[i] = res
    video = {
        **reader.info.to_dict(),  # vfr measured by the pass
        "frames_decoded": stats.frames_decoded,
        "frames_lost": stats.frames_lost,
        "damaged": stats.damaged,
        "decode_error": stats.error,
    }
    return _series(path, info, raw, np.asarray(times), video, pose.name, elapsed, 1, max_side)


def _try_parallel(
    path: str | Path,
    reader: Any,
    pose_model: PoseModel,
    workers: int | None,
    max_side: int | None,
    progress: ProgressFn | None,
) -> LandmarkSeries | None:
    """Run in segments on several processes; None when the clip must run in one."""
    from hipcheck.io.video import index_frames
    from hipcheck.pose.parallel import ParallelFailed, SegmentWorkers
    from hipcheck.pose.segments import WARMUP_FRAMES, plan_segments

    started = time.perf_counter()
    info = reader.info
    # start the workers first: they load while this process indexes the clip
    with SegmentWorkers(_choose(info.n_frames, workers)) as pool:
        index = index_frames(path)
        if not index.usable:
            logger.info("%s: one process (%s)", path, index.reason)
            return None
        n_workers = min(_choose(index.n_frames, workers), len(pool.workers))
        if n_workers < 2:
            return None
        segments = plan_segments(index.n_frames, n_workers, WARMUP_FRAMES)
        try:
            raw, results = pool.run(
                info, index, pose_model, segments, max_side=max_side, progress=progress
            )
        except ParallelFailed as exc:
            logger.warning("%s: running in one process instead of %d (%s)", path, n_workers, exc)
            return None
    elapsed = time.perf_counter() - started
    video = {
        **info.to_dict(),
        "vfr": index.vfr,
        "frames_decoded": index.n_frames,
        "frames_lost": None if info.n_frames is None else 0,
        "damaged": False,
        "decode_error": None,
    }
    return _series(
        path,
        info,
        raw,
        index.t_s,
        video,
        results[0].model,
        elapsed,
        len(segments),
        max_side,
        segments=[[s.warm, s.first, s.stop] for s in segments],
    )


def _series(
    path: str | Path,
    info: Any,
    raw: np.ndarray,
    times: np.ndarray,
    video: dict,
    model_name: str,
    elapsed: float,
    workers: int,
    max_side: int | None,
    segments: list[list[int]] | None = None,
) -> LandmarkSeries:
    n = len(times)
    n_detected = int(np.isfinite(raw[:, 0, 0]).sum()) if n else 0
    if n_detected == 0:
        raise NoPersonError(
            f"No person was found in any of the {n} frames of {path}.",
            "Film the whole body from the front, well lit, with one person in frame.",
        )
    width, height = info.width, info.height
    log: dict[str, Any] = {
        "operation": "extract_landmarks",
        "model": model_name,
        "max_side": max_side,
        "workers": workers,
    }
    if segments is not None:
        log["segments"] = segments  # [warm-up start, first kept, stop] per worker
    fps = n / elapsed if elapsed > 0 else None
    series = LandmarkSeries(
        t_s=strictly_increasing(np.asarray(times, dtype=np.float64)),
        xy=raw[:, :, :2] * np.array([width, height], dtype=np.float32),
        z=raw[:, :, 2] * np.float32(width),
        visibility=raw[:, :, 3],
        presence=raw[:, :, 4],
        frame_size=(width, height),
        model=model_name,
        source=str(path),
        video={
            **video,
            "frames_with_person": n_detected,
            "pose_fps": fps,
            "pose_workers": workers,
        },
        log=[log],
    )
    logger.info(
        "%s: %d frames, %d with a person, %.1f fps, %d process(es)",
        path,
        n,
        n_detected,
        fps or 0.0,
        workers,
    )
    return series
