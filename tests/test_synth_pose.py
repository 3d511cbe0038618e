"""BlazePose on synthetic clips (slow: runs the pose model).

The drawn figure is found in every frame of every clip type, and its knee and ankle
landmarks sit on the drawn joints.
"""

from __future__ import annotations

import numpy as np
import pytest

from hipcheck.landmarks import LANDMARK_NAMES
from hipcheck.synth import ClipSpec, generate_clip

pytestmark = pytest.mark.slow

BASE = {"reps": 1, "tempo_s": 1.6, "baseline_s": 1.0, "pause_top_s": 0.2, "end_s": 0.2,
        "size": (240, 320)}  # fmt: skip
CLIP_TYPES = {
    "sls-left-24fps-markers": ClipSpec(side="left", fppa_deg=15, pelvic_drop_deg=8,
                                       trunk_lean_deg=8, fps=24, markers=True, **BASE),
    "sls-right-mirrored-rotated": ClipSpec(side="right", fppa_deg=10, mirrored=True,
                                           rotation=90, **BASE),
    "sls-left-60fps-free-leg-back": ClipSpec(side="left", fps=60, free_leg="back", **BASE),
    "step-down-vfr-noisy": ClipSpec(task="step_down", side="right", fppa_deg=12, vfr=True,
                                    noise_sigma=6, blur_sigma=1.0, jpeg_quality=40, **BASE),
    "dls-landscape-hands-on-hips": ClipSpec(task="double_leg_squat", fppa_deg=8, arms="hips",
                                            **{**BASE, "size": (320, 240)}),
}  # fmt: skip

#: median landmark error as a fraction of leg length. Measured on these clips: stance
#: knee 0.008-0.017, stance ankle 0.029-0.053 (the model puts the ankle a few pixels
#: off the drawn joint centre); limits keep a margin of about 2-3x.
MAX_MEDIAN_ERR = {"knee": 0.05, "ankle": 0.10}


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    from hipcheck.pose import extract_landmarks

    out = tmp_path_factory.mktemp("synth_pose")
    results = {}
    for i, (name, spec) in enumerate(CLIP_TYPES.items()):
        path = out / f"{name}.mp4"
        truth = generate_clip(path, spec, seed=100 + i)
        results[name] = (truth, extract_landmarks(path))
    return results


def _swap(name: str) -> str:
    return name.replace("left", "@").replace("right", "left").replace("@", "right")


@pytest.mark.parametrize("name", list(CLIP_TYPES))
def test_figure_detected_in_every_frame(clips, name):
    truth, series = clips[name]
    assert series.n_frames == truth.n_frames
    assert series.detected.all(), f"missed frames: {np.flatnonzero(~series.detected)}"


@pytest.mark.parametrize("name", list(CLIP_TYPES))
def test_knee_and_ankle_landmarks_on_drawn_joints(clips, name):
    truth, series = clips[name]
    sides = ["left", "right"] if truth.side == "both" else [truth.reference_side]
    for side in sides:
        for joint, limit in MAX_MEDIAN_ERR.items():
            # a pose model cannot see mirroring: it labels the subject's left "right"
            label = _swap(f"{side}_{joint}") if truth.meta["mirrored"] else f"{side}_{joint}"
            lm = series.xy[:, LANDMARK_NAMES.index(label)]
            err = np.hypot(*(lm - truth.joints[f"{side}_{joint}"]).T) / truth.leg_length_px
            assert np.median(err) < limit, f"{side} {joint}: median {np.median(err):.3f} of leg"
