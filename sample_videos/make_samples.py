"""Regenerate the demo clips in this folder, their truth files and README.md.

Run from the repository root::

    PYTHONPATH=src python sample_videos/make_samples.py

The clips are drawn by ``hipcheck.synth`` with fixed seeds, so a rerun gives the same
truth files (and the same frames; the encoded bytes can differ between FFmpeg builds).
"""

from __future__ import annotations

from pathlib import Path

from hipcheck.synth import ClipSpec, Truth, generate_clip

HERE = Path(__file__).resolve().parent

COMMON = {"size": (480, 640), "fps": 30.0, "reps": 3, "tempo_s": 2.0, "pause_top_s": 0.3}

#: name -> (what it shows, spec, seed)
SAMPLES: dict[str, tuple[str, ClipSpec, int]] = {
    "sls_left_valgus_drop": (
        "Single-leg squat on the LEFT leg with marked knee valgus and contralateral pelvic "
        "drop, plus some trunk lean toward the stance side.",
        ClipSpec(side="left", fppa_deg=16, pelvic_drop_deg=8, trunk_lean_deg=6, **COMMON),
        1,
    ),
    "sls_right_good": (
        "Single-leg squat on the RIGHT leg with good control (little valgus, drop or lean).",
        ClipSpec(side="right", fppa_deg=2, pelvic_drop_deg=1, trunk_lean_deg=1, **COMMON),
        2,
    ),
    "step_down_left_markers": (
        "Forward step-down from a box on the LEFT leg, moderate valgus and drop, with skin "
        "markers (both ASIS, mid-patellae, ankle midpoints, sternum) for the "
        "marker-assisted mode.",
        ClipSpec(
            task="step_down",
            side="left",
            fppa_deg=10,
            pelvic_drop_deg=5,
            trunk_lean_deg=4,
            markers=True,
            **COMMON,
        ),
        3,
    ),
    "double_leg_squat": (
        "Double-leg squat with moderate valgus on both knees.",
        ClipSpec(task="double_leg_squat", fppa_deg=8, depth=0.3, **COMMON),
        4,
    ),
}


def rep_table(truth: Truth) -> str:
    """Markdown table of the true per-rep values at the bottom frame."""
    both = truth.side == "both"
    fppa_head = "FPPA L / R (deg)" if both else "FPPA (deg)"
    lines = [
        f"| rep | stance | bottom (s) | {fppa_head} | pelvic drop (deg) | trunk lean (deg) "
        "| depth |",
        "|---|---|---|---|---|---|---|",
    ]
    for rep in truth.reps:
        b = rep["bottom"]
        fppa = (
            f"{b['fppa_left_deg']:.1f} / {b['fppa_right_deg']:.1f}"
            if both
            else f"{b['fppa_deg']:.1f}"
        )
        lines.append(
            f"| {rep['index'] + 1} | {rep['side']} | {rep['bottom_s']:.2f} | {fppa} "
            f"| {b['pelvic_drop_deg']:.1f} | {b['trunk_lean_deg']:.1f} | {b['depth']:.2f} |"
        )
    return "\n".join(lines)


README_HEAD = """# Sample videos

Short demo clips of a drawn figure made by hipcheck's own generator
(`hipcheck.synth`), so you can try hipcheck without filming anyone. Each clip has a
truth file beside it (`<clip>.truth.json`) with the exact joint centres and angles of
every frame, computed from the drawn geometry. Regenerate everything (clips, truth
files, this README) with:

```
PYTHONPATH=src python sample_videos/make_samples.py
```

Try one:

```
hipcheck analyze sample_videos/sls_left_valgus_drop.mp4 --out out/demo
```

All clips: 480x640 portrait, 30 fps, H.264, a standing baseline first (about 1.5 s),
then the weight shift and free-leg lift, then the reps. Angles follow the project's
conventions, measured in the image: FPPA + = knee valgus (medial of the hip-ankle
line), pelvic drop + = the non-stance side lower, trunk lean + = toward the stance
side; depth = pelvis descent / standing leg length. The values below are at each rep's
bottom frame (lowest pelvis); the standing baseline is 0 for all angles, so absolute
and baseline-relative values are the same.

Note: a drawn pelvis tilt is barely seen by the pose model's hip landmarks (see
`benchmarks/accuracy.py`), so the pelvic-drop truth here is a test of how hipcheck
reports what it cannot measure from landmarks, not a value it should reproduce.
"""


def main() -> None:
    """Generate every sample and write README.md."""
    parts = [README_HEAD]
    for name, (what, spec, seed) in SAMPLES.items():
        path = HERE / f"{name}.mp4"
        truth = generate_clip(path, spec, seed=seed)
        size_kb = path.stat().st_size / 1024
        print(f"{path.name}: {truth.n_frames} frames, {size_kb:.0f} KB")
        parts.append(
            f"## `{name}.mp4`\n\n{what}\n\n"
            f"{truth.n_frames} frames ({truth.t_s[-1]:.1f} s), {size_kb:.0f} KB, seed {seed}.\n\n"
            f"{rep_table(truth)}\n"
        )
    (HERE / "README.md").write_text("\n".join(parts))


if __name__ == "__main__":
    main()
