"""Accuracy benchmark on synthetic ground-truth clips (hipcheck.synth).

Builds a seeded panel of clips (tasks x sides x severities x fps x resolutions x
variants), runs the pose model on each (bundled BlazePose full, or ``--model``), and
prints:

1. detection rate per clip and per clip type;
2. per-joint landmark error in pixels (median, 95th percentile, max) against the drawn
   joint centres, over all frames, and as % of leg length;
3. how far the hip landmarks follow the drawn pelvic drop: slope of the landmark
   hip-line angle regressed on the true pelvic drop (1 = follows fully, 0 = not at all),
   likewise for FPPA and trunk lean;
4. FPPA, trunk lean and pelvic drop from raw landmarks (6 Hz zero-lag Butterworth) at
   the true bottom frames, baseline-relative, against the truth: MAE and worst error;
5. with ``--analysis``, the full analysis (``hipcheck.pipeline.analyze_landmarks`` on
   the same landmarks): rep count and stance side accuracy, per-metric MAE and worst
   error of per-rep values against truth (absolute and baseline-relative).

Landmarks are cached beside each clip, per pose model (``<clip>.<model>.landmarks.parquet``),
so a rerun on the same panel folder skips the pose model. Usage::

    PYTHONPATH=src python benchmarks/accuracy.py [--quick] [--out DIR] [--n 24] [--analysis]
        [--model full heavy]

With several ``--model`` values every table is printed per pose model, then their
errors at the true bottom frames side by side.

``build_panel(out_dir, n=24, seed=0)`` is reusable: it returns ``[(path, truth)]``.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.signal import butter, filtfilt

from hipcheck.landmarks import LANDMARK_NAMES
from hipcheck.synth import ClipSpec, Truth, generate_clip, load_truth
from hipcheck.synth.angles import fppa_deg, pelvic_drop_deg, trunk_lean_deg

JOINTS = (
    "left_shoulder", "right_shoulder", "left_hip", "right_hip", "left_knee", "right_knee",
    "left_ankle", "right_ankle", "left_heel", "right_heel", "left_toe", "right_toe",
)  # fmt: skip
SEVERITY = {
    # fppa, pelvic drop, trunk lean (deg) at the bottom of each rep
    "none": (1.0, 1.0, 1.0),
    "moderate": (10.0, 5.0, 5.0),
    "marked": (18.0, 10.0, 10.0),
    # one fault at a time, to separate what the hip landmarks follow
    "drop_only": (0.0, 10.0, 0.0),
    "lean_only": (0.0, 0.0, 10.0),
}
#: panel positions (single-leg tasks) that show one fault alone
ISOLATED = {4: "drop_only", 12: "drop_only", 20: "lean_only", 9: "lean_only"}
SIZES = [(480, 640), (360, 640), (640, 480), (540, 960)]
FPS = [30.0, 24.0, 60.0, "vfr"]
VARIANTS = [
    {},
    {"mirrored": True},
    {"rotation": 90},
    {"markers": True},
    {"noise_sigma": 6.0, "blur_sigma": 1.0, "jpeg_quality": 40},
    {"yaw_deg": 10.0},
    {"free_leg": "back"},
    {"arms": "hips"},
    {"setup_steps": 2, "background": "textured"},
]


def panel_specs(n: int = 24, seed: int = 0, quick: bool = False) -> list[tuple[str, ClipSpec]]:
    """Return ``n`` named clip specs covering tasks, sides, severities, fps, sizes, variants."""
    rng = np.random.default_rng(seed)
    tasks = ["single_leg_squat"] * 2 + ["step_down", "double_leg_squat"]
    out = []
    for i in range(n):
        task = tasks[i % len(tasks)]
        side = ("left", "right")[(i // len(tasks)) % 2]
        severity = ("none", "moderate", "marked")[i % 3]
        if task != "double_leg_squat" and i in ISOLATED:
            severity = ISOLATED[i]
        fppa, drop, lean = SEVERITY[severity]
        fps = FPS[(i // 3) % len(FPS)]
        size = (360, 480) if quick else SIZES[(i // 5) % len(SIZES)]
        variant = dict(VARIANTS[i % len(VARIANTS)])
        if task != "single_leg_squat":
            variant.pop("free_leg", None)
        elif i % 8 == 5:
            variant["free_leg"] = "back"
        if task == "double_leg_squat":
            drop, lean = 0.0, 0.0
        spec = ClipSpec(
            task=task,
            side=side,
            reps=2 if quick else int(rng.integers(3, 6)),
            fppa_deg=fppa,
            pelvic_drop_deg=drop,
            trunk_lean_deg=lean,
            tempo_s=float(rng.uniform(1.6, 2.6)),
            baseline_s=1.2,
            fps=30.0 if fps == "vfr" else float(fps),
            vfr=fps == "vfr",
            size=size,
            **variant,
        )
        if quick:
            spec = replace(spec, fps=min(spec.fps, 30.0))
        label = "-".join(
            [
                f"{i:02d}",
                task,
                spec.stance,
                severity,
                "vfr" if spec.vfr else f"{spec.fps:g}fps",
                f"{size[0]}x{size[1]}",
                *(f"{k}" for k in variant),
            ]
        )
        out.append((label, spec))
    return out


def build_panel(
    out_dir: str | Path, n: int = 24, seed: int = 0, quick: bool = False
) -> list[tuple[Path, Truth]]:
    """Generate (or reuse, if already there) the panel clips; return ``[(path, truth)]``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clips = []
    for i, (label, spec) in enumerate(panel_specs(n, seed, quick)):
        path = out / f"{label}.mp4"
        truth_file = path.with_name(path.stem + ".truth.json")
        if path.exists() and truth_file.exists():
            truth = load_truth(truth_file)
        else:
            truth = generate_clip(path, spec, seed=seed * 1000 + i)
        clips.append((path, truth))
    return clips


# --- measurements ---------------------------------------------------------------------


def _lm(series_xy: np.ndarray, joint: str) -> np.ndarray:
    return series_xy[:, LANDMARK_NAMES.index(joint.replace("_toe", "_foot_index"))].astype(float)


def _smooth(t: np.ndarray, x: np.ndarray, cutoff_hz: float = 6.0) -> np.ndarray:
    """Fill NaN gaps linearly, then zero-lag 2nd-order Butterworth low-pass."""
    x = x.astype(float).copy()
    ok = np.isfinite(x)
    if ok.sum() < 2:
        return x
    x[~ok] = np.interp(t[~ok], t[ok], x[ok])
    fs = 1.0 / np.median(np.diff(t))
    if len(x) < 16 or cutoff_hz >= fs / 2:
        return x
    b, a = butter(2, cutoff_hz / (fs / 2))
    return filtfilt(b, a, x)


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    dx = x - x.mean()
    den = float((dx**2).sum())
    return float((dx * (y - y.mean())).sum() / den) if den > 1e-9 else float("nan")


def _swap(name: str) -> str:
    if name.startswith("left_"):
        return "right_" + name[5:]
    if name.startswith("right_"):
        return "left_" + name[6:]
    return name


def model_view(truth: Truth) -> tuple[dict[str, np.ndarray], str]:
    """Truth joints under the labels a pose model gives them, and the stance side it sees.

    A model cannot tell a mirrored (selfie) image from a frontal one, so in mirrored
    clips it calls the subject's left "right": compare like with like.
    """
    if not truth.meta.get("mirrored"):
        return truth.joints, truth.reference_side
    joints = {_swap(k): v for k, v in truth.joints.items()}
    return joints, _swap(truth.reference_side + "_")[:-1]


def landmark_angles(truth: Truth, xy: np.ndarray, smooth: bool) -> dict[str, np.ndarray]:
    """Pelvic drop, trunk lean and FPPA from landmarks, with the stance side the model sees."""
    s = model_view(truth)[1]
    o = "right" if s == "left" else "left"
    pts = {j: _lm(xy, j) for j in JOINTS}
    if smooth:
        pts = {
            j: np.stack([_smooth(truth.t_s, p[:, 0]), _smooth(truth.t_s, p[:, 1])], axis=1)
            for j, p in pts.items()
        }
    return {
        "pelvic_drop_deg": pelvic_drop_deg(pts[f"{s}_hip"], pts[f"{o}_hip"]),
        "trunk_lean_deg": trunk_lean_deg(
            pts[f"{s}_hip"], pts[f"{o}_hip"], pts[f"{s}_shoulder"], pts[f"{o}_shoulder"]
        ),
        "fppa_left_deg": fppa_deg(
            pts["left_hip"], pts["left_knee"], pts["left_ankle"], pts["right_hip"]
        ),
        "fppa_right_deg": fppa_deg(
            pts["right_hip"], pts["right_knee"], pts["right_ankle"], pts["left_hip"]
        ),
    }


def measure_clip(path: Path, truth: Truth, backend: object, model: str = "full") -> dict:
    """Run BlazePose on one clip and compare with the truth (landmarks cached per model)."""
    from hipcheck.io.landmarks import load_landmarks, save_landmarks
    from hipcheck.pose import extract_landmarks

    cached = path.with_name(f"{path.stem}.{model}.landmarks.parquet")
    if cached.exists():
        series = load_landmarks(cached)
    else:
        series = extract_landmarks(path, backend=backend)
        save_landmarks(series, cached)
    xy = series.xy
    if xy.shape[0] != truth.n_frames:
        raise RuntimeError(f"{path.name}: {xy.shape[0]} frames decoded, {truth.n_frames} in truth")
    res: dict = {"detected": float(series.detected.mean()), "series": series}
    leg = truth.leg_length_px
    joints, stance = model_view(truth)
    res["err"] = {j: np.hypot(*(_lm(xy, j) - joints[j]).T) for j in JOINTS}
    res["err_rel"] = {j: e / leg for j, e in res["err"].items()}
    raw = landmark_angles(truth, xy, smooth=False)
    res["follow"] = {
        "pelvic_drop_deg": _slope(truth.angles["pelvic_drop_deg"], raw["pelvic_drop_deg"]),
        "trunk_lean_deg": _slope(truth.angles["trunk_lean_deg"], raw["trunk_lean_deg"]),
    }
    res["follow"]["fppa_deg"] = _slope(truth.angles["fppa_deg"], raw[f"fppa_{stance}_deg"])
    res["raw"] = raw
    sm = landmark_angles(truth, xy, smooth=True)
    phases = np.asarray(truth.phase)
    base = (phases == "baseline") & (truth.t_s >= 0.2)
    rows = []
    for rep in truth.reps:
        b = rep["bottom_frame"]
        keys = ["pelvic_drop_deg", "trunk_lean_deg"]
        limbs = ["left", "right"] if truth.side == "both" else [truth.reference_side]
        keys += [f"fppa_{limb}_deg" for limb in limbs]
        for k in keys:
            mk = _swap_key(k) if truth.meta.get("mirrored") else k
            measured = float(sm[mk][b] - np.nanmean(sm[mk][base]))
            rows.append(
                (k.replace("_left", "").replace("_right", ""), measured, rep["bottom_rel"][k])
            )
    res["bottom_rows"] = rows
    if truth.side != "both":
        # per-frame, baseline-relative: landmark hip-line angle vs true drop and true lean
        def rel(a: np.ndarray) -> np.ndarray:
            return a - np.nanmean(a[base])

        res["pelvis_frames"] = np.stack(
            [
                rel(raw["pelvic_drop_deg"].astype(float)),
                rel(truth.angles["pelvic_drop_deg"]),
                rel(truth.angles["trunk_lean_deg"]),
            ],
            axis=1,
        )
    return res


def _swap_key(key: str) -> str:
    return key.replace("left", "@").replace("right", "left").replace("@", "right")


def _fmt(values: list[float]) -> str:
    a = np.asarray(values, float)
    a = a[np.isfinite(a)]
    if not len(a):
        return "n/a"
    return f"{np.median(a):6.1f} {np.percentile(a, 95):6.1f} {np.max(a):6.1f}"


def run_analysis(path: Path, truth: Truth, series: object) -> dict:
    """Full analysis on the same landmarks; compare reps with the truth."""
    from hipcheck.pipeline import analyze_landmarks

    task = truth.task
    analysis = analyze_landmarks(series, task=task)
    reps = analysis.assessment.reps
    out = {"n_reps": len(reps), "n_true": len(truth.reps), "side_ok": 0, "rows": []}
    # The same landmarks with task and side detected (task "auto", the default).
    auto = analyze_landmarks(series).assessment.reps
    out["auto_n_reps"] = len(auto)
    out["auto_task_ok"] = sum(r.task == task for r in auto)
    apparent_side = truth.meta.get("apparent_side", truth.reps[0]["side"] if truth.reps else "")
    out["auto_side_ok"] = sum(r.side == apparent_side for r in auto)
    for rep in truth.reps:
        if not reps:
            break
        near = min(reps, key=lambda r: abs(r.bottom_s - rep["bottom_s"]))
        if abs(near.bottom_s - rep["bottom_s"]) > 0.5:
            continue
        apparent = truth.meta.get("apparent_side", rep["side"])
        out["side_ok"] += int(near.side == apparent)
        for metric, key in (
            ("pelvic_drop_deg", "pelvic_drop_deg"),
            ("trunk_lean_deg", "trunk_lean_deg"),
        ):
            mv = near.metric(metric)
            if mv is not None and mv.bottom is not None:
                out["rows"].append(
                    (metric, mv.bottom, rep["bottom"][key], mv.bottom_rel, rep["bottom_rel"][key])
                )
        for limb, mv in (near.metrics.get("knee_valgus_deg") or {}).items():
            if mv is not None and mv.bottom is not None:
                key = f"fppa_{limb}_deg"
                key = _swap_key(key) if truth.meta.get("mirrored") else key
                out["rows"].append(
                    (
                        "knee_valgus_deg",
                        mv.bottom,
                        rep["bottom"][key],
                        mv.bottom_rel,
                        rep["bottom_rel"][key],
                    )
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 short, small clips")
    parser.add_argument("--out", default="benchmarks/results/accuracy", help="clip folder")
    parser.add_argument("--n", type=int, default=None, help="number of clips (default 24)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--analysis", action="store_true", help="also run the full analysis")
    parser.add_argument(
        "--model", nargs="+", default=["full"], help="Pose models, side by side (full heavy)."
    )
    args = parser.parse_args()
    n = args.n or (8 if args.quick else 24)

    t0 = time.perf_counter()
    clips = build_panel(args.out, n=n, seed=args.seed, quick=args.quick)
    t_gen = time.perf_counter() - t0
    print(f"panel: {len(clips)} clips in {args.out} (generated/reused in {t_gen:.0f} s)\n")
    summaries = {}
    for model in args.model:
        print(f"===== pose model: {model} =====\n")
        summaries[model] = report_model(clips, model, args.analysis)
    if len(summaries) > 1:
        print("\nModels side by side: at the true bottom frames, baseline-relative vs truth")
        print(
            f"  {'metric':<18} "
            + " ".join(f"{'MAE ' + m:>11} {'worst ' + m:>12}" for m in summaries)
        )
        for metric in next(iter(summaries.values())):
            cells = []
            for m in summaries:
                mae, worst = summaries[m].get(metric, (float("nan"), float("nan")))
                cells.append(f"{mae:11.2f} {worst:12.2f}")
            print(f"  {metric:<18} " + " ".join(cells))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


def report_model(clips: list, model: str, with_analysis: bool) -> dict[str, tuple[float, float]]:
    """Measure and print every table for one pose model; return metric -> (MAE, worst)."""
    from hipcheck.pose.backends import make_backend

    errs: dict[str, list[float]] = defaultdict(list)
    errs_rel: dict[str, list[float]] = defaultdict(list)
    follow: dict[str, list[tuple[float, float]]] = defaultdict(list)
    bottom: dict[str, list[tuple[float, float]]] = defaultdict(list)
    by_type: dict[str, list[float]] = defaultdict(list)
    pelvis_frames = []
    analyses = []
    print(
        f"{'clip':<70} {'frames':>6} {'detect':>7} {'knee px':>8} {'ankle px':>8} {'hip slope':>9}"
    )
    for path, truth in clips:
        backend = make_backend(model)
        try:
            r = measure_clip(path, truth, backend, model)
        finally:
            backend.close()
        spec = truth.meta.get("spec", {})
        for key in _types(spec):
            by_type[key].append(r["detected"])
        for j in JOINTS:
            errs[j].extend(r["err"][j][np.isfinite(r["err"][j])])
            errs_rel[j].extend(r["err_rel"][j][np.isfinite(r["err_rel"][j])])
        true_range = np.ptp(truth.angles["pelvic_drop_deg"])
        for k, v in r["follow"].items():
            rng_k = np.ptp(truth.angles[k if k != "fppa_deg" else "fppa_deg"])
            if rng_k > 3.0 or (k == "pelvic_drop_deg" and true_range > 3.0):
                follow[k].append((v, rng_k))
        if "pelvis_frames" in r:
            pelvis_frames.append(r["pelvis_frames"])
        for k, m, t in r["bottom_rows"]:
            bottom[k].append((m, t))
        stance = truth.reference_side
        knee = np.nanmedian(r["err"][f"{stance}_knee"])
        ankle = np.nanmedian(r["err"][f"{stance}_ankle"])
        slope = r["follow"]["pelvic_drop_deg"]
        print(
            f"{path.stem:<70} {truth.n_frames:>6} {r['detected']:>7.3f} {knee:>8.1f} "
            f"{ankle:>8.1f} {slope:>9.2f}"
        )
        if with_analysis:
            try:
                analyses.append(run_analysis(path, truth, r["series"]))
            except Exception as exc:  # noqa: BLE001 - report and carry on with the panel
                print(f"    analysis failed: {type(exc).__name__}: {exc}")
                analyses.append({"n_reps": -1, "n_true": len(truth.reps), "side_ok": 0, "rows": []})

    print("\nDetection rate by clip type (mean over clips; 1.000 = every frame)")
    for key in sorted(by_type):
        v = by_type[key]
        print(f"  {key:<28} clips {len(v):>2}  mean {np.mean(v):.3f}  min {np.min(v):.3f}")

    print(
        "\nLandmark error vs drawn joint centres, all frames"
        " (px: median 95th max | % of leg length: median 95th)"
    )
    for j in JOINTS:
        rel = np.asarray(errs_rel[j]) * 100
        print(f"  {j:<16} {_fmt(errs[j])}   | {np.median(rel):5.1f} {np.percentile(rel, 95):5.1f}")
    print("  (free-leg knee/ankle/heel/toe of single-leg tasks are included; the hip")
    print("   'error' is mostly the model's hip definition, not tracking noise)")

    print("\nHow far landmark angles follow the drawn ones (per-clip regression slope of the")
    print("raw landmark angle on the true angle, all frames; 1 = follows fully)")
    for k, vals in follow.items():
        s = np.array([v for v, _ in vals])
        print(
            f"  {k:<18} clips {len(s):>2}  median {np.nanmedian(s):5.2f}"
            f"  range {np.nanmin(s):5.2f}..{np.nanmax(s):5.2f}"
        )

    if pelvis_frames:
        pf = np.concatenate(pelvis_frames)
        pf = pf[np.isfinite(pf).all(axis=1)]
        design = np.column_stack([pf[:, 1], pf[:, 2], np.ones(len(pf))])
        coef, *_ = np.linalg.lstsq(design, pf[:, 0], rcond=None)
        print(
            f"  pooled over {len(pelvis_frames)} single-leg clips, {len(pf)} frames:"
            f" landmark hip-line angle = {coef[0]:+.2f} x true pelvic drop"
            f" {coef[1]:+.2f} x true trunk lean (baseline-relative)"
        )

    print("\nAt the true bottom frames, landmarks (6 Hz Butterworth), baseline-relative vs truth")
    out = {}
    for k, rows in bottom.items():
        m = np.array(rows)
        err = m[:, 0] - m[:, 1]
        out[k] = (float(np.mean(np.abs(err))), float(np.max(np.abs(err))))
        print(
            f"  {k:<18} reps {len(err):>3}  MAE {np.mean(np.abs(err)):5.2f}"
            f"  worst {np.max(np.abs(err)):5.2f}"
            f"  bias {np.mean(err):+5.2f}  slope {_slope(m[:, 1], m[:, 0]):4.2f}"
        )

    if with_analysis and analyses:
        ok_count = sum(a["n_reps"] == a["n_true"] for a in analyses)
        side_ok = sum(a["side_ok"] for a in analyses)
        n_true = sum(a["n_true"] for a in analyses)
        print(
            f"\nFull analysis: rep count right on {ok_count}/{len(analyses)} clips;"
            f" stance side right on {side_ok}/{n_true} true reps"
        )
        auto_ok = sum(a.get("auto_n_reps") == a["n_true"] for a in analyses)
        print(
            f"  with task auto: rep count right on {auto_ok}/{len(analyses)} clips;"
            f" task right on {sum(a.get('auto_task_ok', 0) for a in analyses)},"
            f" stance side right on {sum(a.get('auto_side_ok', 0) for a in analyses)}"
            f" of {sum(a.get('auto_n_reps', 0) for a in analyses)} found reps"
        )
        rows = defaultdict(list)
        for a in analyses:
            for metric, mb, tb, mr, tr in a["rows"]:
                rows[metric].append((mb, tb, mr, tr))
        for metric, vals in rows.items():
            v = np.array(vals, float)
            ea, er = np.abs(v[:, 0] - v[:, 1]), np.abs(v[:, 2] - v[:, 3])
            print(
                f"  {metric:<18} reps {len(v):>3}"
                f"  abs MAE {np.nanmean(ea):5.2f} worst {np.nanmax(ea):5.2f}"
                f" | rel MAE {np.nanmean(er):5.2f} worst {np.nanmax(er):5.2f}"
            )
    return out


def _types(spec: dict) -> list[str]:
    keys = [spec.get("task", "?")]
    keys.append("vfr" if spec.get("vfr") else f"{spec.get('fps', 0):g} fps")
    w, h = spec.get("size", (0, 0))
    keys.append("portrait" if h > w else "landscape")
    for name, label in (
        ("mirrored", "mirrored"),
        ("markers", "markers"),
        ("rotation", "rotation metadata"),
        ("yaw_deg", "yaw"),
        ("jpeg_quality", "noise+blur+jpeg"),
        ("setup_steps", "set-up steps"),
    ):
        if spec.get(name):
            keys.append(label)
    if spec.get("free_leg") == "back" and spec.get("task") == "single_leg_squat":
        keys.append("free leg back")
    if spec.get("arms") == "hips":
        keys.append("hands on hips")
    return keys


if __name__ == "__main__":
    main()
