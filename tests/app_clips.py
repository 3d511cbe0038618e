"""Small synthetic clips for the app's browser tests (made with :mod:`hipcheck.synth`).

A *two-leg* clip is two single-leg-squat clips of the same figure one after the other
(left-leg reps, then right-leg reps, each starting from quiet standing), written as one
H.264 file, so one upload carries both legs.
"""

from __future__ import annotations

from pathlib import Path

#: the browser tests' frame size (small: the pose model runs on 2 busy cores)
SIZE = (360, 480)


def two_leg_clip(
    path: Path,
    *,
    reps: int = 2,
    fppa_left: float = 15.0,
    fppa_right: float = 4.0,
    seed: int = 7,
) -> Path:
    """Write a clip with ``reps`` left-leg then ``reps`` right-leg single-leg squats."""
    from hipcheck.io.writer import VideoWriter
    from hipcheck.synth import ClipSpec, render_frames

    specs = [
        ClipSpec(task="single_leg_squat", side="left", reps=reps, fppa_deg=fppa_left,
                 size=SIZE, end_s=1.0),
        ClipSpec(task="single_leg_squat", side="right", reps=reps, fppa_deg=fppa_right,
                 size=SIZE, baseline_s=1.0),
    ]  # fmt: skip
    offset = 0.0
    with VideoWriter(path, specs[0].fps, SIZE) as writer:
        for spec in specs:
            last = 0.0
            for t, image, _truth in render_frames(spec, seed=seed):
                writer.write(image, offset + t)
                last = t
            offset += last + 1.0 / spec.fps
    return path


def one_leg_clip(path: Path, side: str = "left", *, reps: int = 2, fppa: float = 15.0,
                 seed: int = 7) -> Path:  # fmt: skip
    """Write a single-leg-squat clip of one leg."""
    from hipcheck.synth import ClipSpec, generate_clip

    spec = ClipSpec(task="single_leg_squat", side=side, reps=reps, fppa_deg=fppa, size=SIZE)
    generate_clip(path, spec, seed=seed)
    return path
