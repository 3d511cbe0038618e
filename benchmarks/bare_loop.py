"""The bare MediaPipe loop every pose app runs: the baseline of benchmarks/throughput.py.

OpenCV decodes the clip, every frame is converted to RGB and given to the legacy
``mp.solutions.pose.Pose`` graph (BlazePose full, the model inside the mediapipe wheel,
tracking mode, the graph's own smoothing off as in hipcheck); the landmarks are kept in
a list and, with ``--out``, saved as a ``(frames, 33, 3)`` array of pixels x, y and
visibility. Nothing else: no rotation metadata, no timestamps, no analysis.

Run it as a whole process so its wall time includes what a user waits for (interpreter
start, imports, model start)::

    python benchmarks/bare_loop.py CLIP [--out landmarks.npy]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main() -> None:
    """Decode, run the pose graph on every frame, print frames and fps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="save landmarks (.npy)")
    args = parser.parse_args()

    import cv2
    import mediapipe as mp
    import numpy as np

    cap = cv2.VideoCapture(str(args.clip))
    pose = mp.solutions.pose.Pose(model_complexity=1, smooth_landmarks=False)
    rows = []
    start = time.perf_counter()
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        h, w = bgr.shape[:2]
        res = pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        if res.pose_landmarks is None:
            rows.append(np.full((33, 3), np.nan))
        else:
            rows.append([(lm.x * w, lm.y * h, lm.visibility) for lm in res.pose_landmarks.landmark])
    elapsed = time.perf_counter() - start
    pose.close()
    cap.release()
    if args.out is not None:
        np.save(args.out, np.asarray(rows, dtype=np.float32))
    print(f"{args.clip.name}: {len(rows)} frames, {len(rows) / elapsed:.1f} fps in the loop")


if __name__ == "__main__":
    main()
