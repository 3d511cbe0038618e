"""Live (webcam) real-time behaviour of :class:`hipcheck.live.OnlineProcessor`.

A clip is played to the online processor on a real-time clock, as a camera would:
frame ``k`` arrives at ``k / fps`` seconds. When the processor is idle it takes the
newest frame that has arrived; frames that arrived while it was busy and are not the
newest are dropped (streamlit-webrtc's ``async_processing`` policy, which the live page
uses), so delay never builds up. Per resolution it prints:

- achieved fps: processed frames per second of clip time;
- per-frame latency, median and 95th percentile: from the frame's arrival to its
  :class:`~hipcheck.live.LiveState` (waiting + pose model + online analysis);
- dropped frames;
- the online per-frame cost run flat out (no clock) against the offline per-frame cost
  (:func:`hipcheck.pose.extract_landmarks` + :func:`hipcheck.pipeline.analyze_landmarks`
  on the same clip file at the same resolution, same process): ratio online/offline.

The clip: a synthetic single-leg-squat clip from :func:`hipcheck.synth.generate_clip`
at 1280x720, and the same frames resized to 640x480 (both re-encoded as H.264 for the
offline run). Or pass a video file: ``python benchmarks/live.py [CLIP] [--fps 30]``.
Target (issue 8): >= 25 fps at 640x480 with a median latency under 60 ms.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

SIZES = ((640, 480), (1280, 720))


def make_clip(folder: Path) -> Path:
    """Render the default synthetic clip (1280x720, 30 fps, 4 left single-leg squats)."""
    from hipcheck.synth import ClipSpec, generate_clip

    path = folder / "synthetic_1280x720.mp4"
    spec = ClipSpec(side="left", reps=4, fppa_deg=14, trunk_lean_deg=8, size=(1280, 720))
    generate_clip(path, spec, seed=11)
    return path


def load_frames(path: Path, size: tuple[int, int]) -> tuple[list[np.ndarray], float]:
    """Decode every frame resized to ``size`` (W, H); return the frames and the fps."""
    from hipcheck.io.video import open_video

    frames = []
    with open_video(path) as reader:
        fps = float(reader.info.fps or 30.0)
        for frame in reader:
            image = frame.image
            if image.shape[1::-1] != size:
                image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            frames.append(np.ascontiguousarray(image))
    return frames, fps


def write_clip(frames: list[np.ndarray], fps: float, path: Path) -> Path:
    """Encode frames as H.264 MP4 (the offline run reads a file, like an upload)."""
    from hipcheck.io.writer import write_video

    write_video(path, frames, fps)
    return path


def realtime(frames: list[np.ndarray], fps: float) -> dict[str, float]:
    """Play ``frames`` on a real-time clock through a fresh processor (newest-frame policy)."""
    from hipcheck.live import OnlineProcessor

    proc = OnlineProcessor(fps=fps)
    latencies, processed, dropped = [], 0, 0
    last = -1
    start = time.perf_counter()
    try:
        while last < len(frames) - 1:
            now = time.perf_counter() - start
            newest = min(int(now * fps), len(frames) - 1)
            if newest <= last:
                time.sleep(max(0.0, (last + 1) / fps - now))
                continue
            dropped += newest - last - 1
            proc.note_dropped(newest - last - 1)
            proc.process_frame(frames[newest], newest / fps)
            latencies.append(time.perf_counter() - start - newest / fps)
            processed += 1
            last = newest
    finally:
        proc.close()
    lat = np.array(latencies) * 1000.0
    return {
        "fps": processed / (len(frames) / fps),
        "latency_median_ms": float(np.median(lat)),
        "latency_p95_ms": float(np.percentile(lat, 95)),
        "dropped": float(dropped),
        "processed": float(processed),
        "reps": float(proc.rep_count),
    }


def online_cost(frames: list[np.ndarray], fps: float) -> float:
    """Seconds per frame of the online processor run flat out on every frame."""
    from hipcheck.live import OnlineProcessor

    with OnlineProcessor(fps=fps) as proc:
        proc.process_frame(frames[0], 0.0)  # model start-up outside the timing
        started = time.perf_counter()
        for k, image in enumerate(frames[1:], start=1):
            proc.process_frame(image, k / fps)
        return (time.perf_counter() - started) / (len(frames) - 1)


def offline_cost(path: Path, n_frames: int) -> tuple[float, int]:
    """Seconds per frame of extract_landmarks + analyze_landmarks; and the reps found."""
    from hipcheck.pipeline import analyze_landmarks
    from hipcheck.pose import extract_landmarks

    started = time.perf_counter()
    analysis = analyze_landmarks(extract_landmarks(path))
    return (time.perf_counter() - started) / n_frames, len(analysis.assessment.reps)


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("clip", nargs="?", type=Path, help="video file (default: synthetic)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hipcheck-live-bench-") as tmp:
        folder = Path(tmp)
        clip = args.clip or make_clip(folder)
        print(f"clip: {clip.name if args.clip else 'synthetic 1280x720, 4 single-leg squats'}")
        print(
            f"{'size':>9} {'frames':>6} {'fps':>5} {'achieved':>8} {'lat med':>8} "
            f"{'lat p95':>8} {'dropped':>7} {'reps':>4} {'online/f':>9} {'offline/f':>9} "
            f"{'ratio':>5}"
        )
        for size in SIZES:
            frames, fps = load_frames(clip, size)
            rt = realtime(frames, fps)
            on = online_cost(frames, fps)
            path = write_clip(frames, fps, folder / f"clip_{size[0]}x{size[1]}.mp4")
            off, off_reps = offline_cost(path, len(frames))
            print(
                f"{size[0]:>4}x{size[1]:<4} {len(frames):>6} {fps:>5.1f} {rt['fps']:>8.1f} "
                f"{rt['latency_median_ms']:>6.1f}ms {rt['latency_p95_ms']:>6.1f}ms "
                f"{rt['dropped']:>7.0f} {rt['reps']:>2.0f}/{off_reps:<1} {on * 1000:>7.1f}ms "
                f"{off * 1000:>7.1f}ms {on / off:>5.2f}"
            )
            del frames
        print(
            "achieved = processed frames per second of clip time on a real-time clock "
            "(newest-frame policy); latency = frame arrival -> LiveState; reps = online/"
            "offline; ratio = online / offline per-frame cost (< 1 = online cheaper)."
        )


if __name__ == "__main__":
    main()
