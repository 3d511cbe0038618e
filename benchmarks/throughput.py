"""Landmark-extraction throughput: hipcheck vs a bare OpenCV + MediaPipe loop.

Both run in this process on the same clip, alternating, best of ``--repeat`` runs:

- **bare**: ``cv2.VideoCapture`` decode, ``cvtColor`` to RGB, ``Pose.process`` on every
  frame (the loop every MediaPipe tutorial writes);
- **hipcheck**: :func:`hipcheck.pose.extract_landmarks` (PyAV decode in a background
  thread, rotation applied, real timestamps), at full resolution and with frames
  downscaled (``max_side``) before the model.

Prints frames per second, the ratio ours/bare (> 1 = faster than bare) and how far our
landmarks are from the bare loop's (median and 95th percentile, pixels at source
resolution, over landmarks with visibility > 0.5).

Usage: ``python benchmarks/throughput.py [CLIP] [--repeat 2]``. Default clip: the
shared 1080x1920 VP9 clip (``../shared/data/videos/pose2sim_balancing_single_leg_cam02.mp4``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

DEFAULT = (
    Path(__file__).resolve().parents[2]
    / "shared/data/videos/pose2sim_balancing_single_leg_cam02.mp4"
)


def bare_loop(path: Path) -> tuple[float, np.ndarray]:
    """OpenCV decode + legacy BlazePose on every frame; returns (fps, xy pixels)."""
    import cv2
    import mediapipe as mp

    cap = cv2.VideoCapture(str(path))
    pose = mp.solutions.pose.Pose(model_complexity=1, smooth_landmarks=False)
    out = []
    start = time.perf_counter()
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        h, w = bgr.shape[:2]
        res = pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        if res.pose_landmarks is None:
            out.append(np.full((33, 3), np.nan))
        else:
            out.append([(lm.x * w, lm.y * h, lm.visibility) for lm in res.pose_landmarks.landmark])
    elapsed = time.perf_counter() - start
    pose.close()
    cap.release()
    arr = np.asarray(out, dtype=float)
    return len(arr) / elapsed, arr


def ours(path: Path, max_side: int | None) -> tuple[float, np.ndarray]:
    """hipcheck extraction; returns (fps, xy + visibility)."""
    from hipcheck.pose import extract_landmarks

    start = time.perf_counter()
    series = extract_landmarks(path, max_side=max_side)
    elapsed = time.perf_counter() - start
    arr = np.concatenate([series.xy, series.visibility[..., None]], axis=2)
    return series.n_frames / elapsed, arr


def landmark_diff(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Median and 95th percentile distance (px) over landmarks both see (vis > 0.5)."""
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    seen = (a[..., 2] > 0.5) & (b[..., 2] > 0.5)
    d = np.linalg.norm(a[..., :2] - b[..., :2], axis=2)[seen]
    return float(np.median(d)), float(np.percentile(d, 95))


def main() -> None:
    """Run the comparison and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    variants: dict[str, list[tuple[float, np.ndarray]]] = {}
    for _ in range(args.repeat):
        variants.setdefault("bare (cv2 + Pose.process)", []).append(bare_loop(args.clip))
        variants.setdefault("hipcheck", []).append(ours(args.clip, None))
        variants.setdefault("hipcheck max_side=960", []).append(ours(args.clip, 960))
        variants.setdefault("hipcheck max_side=640", []).append(ours(args.clip, 640))
    best = {k: max(v, key=lambda r: r[0]) for k, v in variants.items()}
    bare_fps, bare_xy = best["bare (cv2 + Pose.process)"]
    print(f"clip: {args.clip.name}, {len(bare_xy)} frames, best of {args.repeat}")
    print(f"{'variant':30s} {'fps':>7s} {'ours/bare':>10s} {'median px':>10s} {'p95 px':>8s}")
    for name, (fps, xy) in best.items():
        med, p95 = landmark_diff(xy, bare_xy)
        print(f"{name:30s} {fps:7.1f} {fps / bare_fps:10.3f} {med:10.2f} {p95:8.2f}")


if __name__ == "__main__":
    main()
