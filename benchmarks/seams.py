"""Seam tolerance: one clip in segments on several processes vs the single-process run.

For each clip and model, extracts the landmarks once in one process and once in
``--workers`` segments (each with ``WARMUP_FRAMES`` of tracking warm-up before its
seam), then prints:

- landmark distance over the frames after the first seam (the frames before it are
  identical by construction): median, 95th percentile, max (pixels; landmarks both
  runs see with visibility > 0.5), and the same as % of the frame height;
- the effect on every number the analysis reports per repetition (markers off): the
  largest absolute difference per metric and field (deg; ``timing`` in s or frames);
- whether both runs found the same repetitions with the same stance sides.

With ``--warmup`` the warm-up length can be varied to see how the seam settles.

Usage::

    PYTHONPATH=src python benchmarks/seams.py [CLIP ...] [--workers 2] [--model full heavy]
        [--warmup 60] [--max-side N] [--json out.json]

Default clips: the labelled real frontal clips and three rendered clips in ../shared.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_CLIPS = [
    SHARED / "videos/real/tuxotiikeri_hyva7.mp4",
    SHARED / "videos/real/tuxotiikeri_hyva2.mp4",
    SHARED / "videos/real/tuxotiikeri_hyva_ja_paha.mp4",
    SHARED / "videos/real/ucsd_opencap_fitness_demo_squat_front.mp4",
    SHARED / "rendered/dev01.mp4",
    SHARED / "rendered/dev06.mp4",
    SHARED / "videos/noquarter_barbell_back_squat_side.mp4",
]


def run_clip(clip: Path, model: str, workers: int, warmup: int, max_side: int | None) -> dict:
    """Single-process vs segmented run of one clip: landmark and metric differences."""
    from hipcheck.config import AnalysisConfig
    from hipcheck.errors import HipcheckError
    from hipcheck.pipeline import analyze_landmarks
    from hipcheck.pose import compare, segments
    from hipcheck.pose.extract import extract_landmarks

    t0 = time.perf_counter()
    single = extract_landmarks(clip, model=model, workers=1, max_side=max_side)
    t1 = time.perf_counter()
    old = segments.WARMUP_FRAMES
    segments.WARMUP_FRAMES = warmup
    try:
        multi = extract_landmarks(clip, model=model, workers=workers, max_side=max_side)
    finally:
        segments.WARMUP_FRAMES = old
    t2 = time.perf_counter()
    log = multi.log[0]
    segs = log.get("segments") or [[0, 0, multi.n_frames]]
    seam = segs[1][1] if len(segs) > 1 else multi.n_frames
    same_before = bool(np.array_equal(single.xy[:seam], multi.xy[:seam], equal_nan=True))
    d = compare.landmark_distances(single, multi, slice(seam, None))
    row = {
        "clip": clip.name,
        "model": model,
        "frames": single.n_frames,
        "workers": log.get("workers"),
        "warmup": warmup,
        "segments": segs,
        "single_s": t1 - t0,
        "segmented_s": t2 - t1,
        "identical_before_first_seam": same_before,
        "times_identical": bool(np.array_equal(single.t_s, multi.t_s)),
        **compare.summarise_distances(d),
        "height_px": single.frame_size[1],
    }
    ref = compare.summarise_distances(_later_start_distances(clip, model, single, max_side))
    row["reference_median_px"] = ref["median_px"]
    row["reference_p95_px"] = ref["p95_px"]
    config = AnalysisConfig(markers="off")
    try:
        a = analyze_landmarks(single, config).assessment.to_dict()
        b = analyze_landmarks(multi, config).assessment.to_dict()
    except HipcheckError as exc:
        row["analysis"] = f"not analysable: {exc.message}"
        return row
    row["reps"] = (len(a["reps"]), len(b["reps"]))
    row["sides"] = ([r["side"] for r in a["reps"]], [r["side"] for r in b["reps"]])
    try:
        diffs = compare.rep_metric_differences(a, b)
        row["metric_max_diff"] = compare.metric_summary(diffs)
    except ValueError as exc:
        row["analysis"] = str(exc)
    return row


def _later_start_distances(clip: Path, model: str, single, max_side: int | None) -> np.ndarray:
    """Reference: the single-process run started one frame later (tracking's own spread)."""
    from hipcheck.io.video import index_frames, open_video
    from hipcheck.pose import compare
    from hipcheck.pose.models import resolve_model
    from hipcheck.pose.mp_graph import PoseGraph

    resolved = resolve_model(model)
    index = index_frames(clip)
    graph = PoseGraph(resolved.kind, resolved.path)
    w, h = single.frame_size
    xy = np.full_like(single.xy, np.nan)
    vis = np.full_like(single.visibility, np.nan)
    with open_video(clip, max_side=max_side) as reader:
        for frame in reader.segment(index, 1, index.n_frames):
            res = graph.process(frame.image)
            if res is not None:
                xy[frame.index] = res[:, :2] * (w, h)
                vis[frame.index] = res[:, 3]
    graph.close()
    later = dataclasses.replace(single, xy=xy, visibility=vis)
    return compare.landmark_distances(single, later, slice(1, None))


def main() -> None:
    """Run the comparison on every clip and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", type=Path, default=DEFAULT_CLIPS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", nargs="+", default=["full"])
    parser.add_argument("--warmup", type=int, nargs="+", default=None)
    parser.add_argument("--max-side", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from hipcheck.pose.segments import WARMUP_FRAMES

    rows = []
    for model in args.model:
        for clip in args.clips:
            for warmup in args.warmup or [WARMUP_FRAMES]:
                row = run_clip(clip, model, args.workers, warmup, args.max_side)
                rows.append(row)
                pct = 100 * row["p95_px"] / row["height_px"]
                print(
                    f"{row['clip']:<44} {model:<5} warm {warmup:>3} frames {row['frames']:>4} "
                    f"seams {len(row['segments']) - 1}: median {row['median_px']:.2f} "
                    f"p95 {row['p95_px']:.2f} max {row['max_px']:.1f} px "
                    f"[reference, started 1 frame later: median {row['reference_median_px']:.2f}"
                    f" p95 {row['reference_p95_px']:.2f}] "
                    f"(p95 {pct:.2f}% of height); before seam identical "
                    f"{row['identical_before_first_seam']}; times identical "
                    f"{row['times_identical']}; {row['single_s']:.1f} s vs "
                    f"{row['segmented_s']:.1f} s",
                    flush=True,
                )
                if "metric_max_diff" in row:
                    worst = row["metric_max_diff"]
                    print(f"    reps {row['reps']} sides {row['sides']}")
                    for key in sorted(worst):
                        print(f"    {key:<34} max |diff| {worst[key]:.3f}")
                elif "analysis" in row:
                    print(f"    {row['analysis']}")
    if rows:
        angle = [
            v
            for r in rows
            for k, v in r.get("metric_max_diff", {}).items()
            if not k.startswith("timing")
            and k.split(".")[-1] in ("bottom", "bottom_rel", "peak", "peak_rel")
        ]
        med = np.nanmedian([r["median_px"] for r in rows])
        p95 = np.nanmax([r["p95_px"] for r in rows])
        worst_med = np.nanmax([r["median_px"] / r["height_px"] for r in rows]) * 100
        worst_p95 = np.nanmax([r["p95_px"] / r["height_px"] for r in rows]) * 100
        print(
            f"\nover {len(rows)} runs: medians up to {worst_med:.2f}% of the frame height "
            f"(median of medians {med:.2f} px), p95 up to {worst_p95:.2f}% ({p95:.2f} px); "
            f"largest per-rep angle difference {max(angle) if angle else float('nan'):.3f} deg"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=float))


if __name__ == "__main__":
    main()
