"""Validity of hipcheck's angles against rendered humans with known skeletons.

Runs the analysis on the rendered single-leg squats in ``../shared/data/rendered``
(``dev01``-``dev05`` with green skin markers, ``dev06``-``dev10`` without) with
markers ``auto`` and ``off``, and prints, per metric and source, the error of the
baseline-relative value against the truth:

- **at the true bottoms**: the per-frame kinematics (``*_rel_deg``, relative to the
  pipeline's own standing baseline) at each truth rep's bottom frame, against the
  truth relative to its standing baseline;
- **at the detected bottoms**: each rep hipcheck reports (``bottom_rel``), matched to
  the truth rep whose bottom is nearest (within ``MATCH_S``); unmatched reps are
  counted as spurious or missed.

Truths: the joint-centre truth (``angles``) and the marker truth (``marker_angles``:
ASIS -> patella -> ankle FPPA, ASIS line, ASIS midpoint -> sternum). Errors: MAE,
bias (mean of estimate - truth), slope (least squares of estimate on truth), worst
absolute error. Also: marker identification accuracy (share of frames with a visible
marker whose tracked centre is within ``ID_TOL_PX`` of that marker's true centre),
candidate marker-free pelvic-drop estimators on held-out clips, and whether a
landmark FPPA / trunk-lean gain calibration holds on held-out conditions.

With ``--model full heavy`` every table is computed for each pose model and a last
table puts their errors side by side (the heavy model must be installed:
``hipcheck models install heavy``).

Landmarks are cached per model (``--cache``, default a folder in the temp dir), so reruns
take seconds; the marker pass runs each time (a few seconds per marker clip). Usage::

    PYTHONPATH=src python benchmarks/validity.py [--shared ../shared] [--model full heavy]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hipcheck.config import AnalysisConfig
from hipcheck.io.landmarks import load_landmarks, save_landmarks
from hipcheck.landmarks import LandmarkSeries
from hipcheck.markers import MarkerResult, markers_for_video
from hipcheck.markers.identify import SITES
from hipcheck.markers.measures import angles_on_grid
from hipcheck.markers.track import MarkerTracks
from hipcheck.pipeline import Analysis, analyze_landmarks

MATCH_S = 0.3
ID_TOL_PX = 3.0
METRICS = {  # metric -> (kinematics column stem, truth key)
    "pelvic_drop": ("pelvic_drop", "drop"),
    "fppa": ("fppa", "fppa"),
    "trunk_lean": ("trunk_lean", "lean"),
}
ASSESS_KEY = {
    "pelvic_drop": "pelvic_drop_deg",
    "fppa": "knee_valgus_deg",
    "trunk_lean": "trunk_lean_deg",
}
TARGETS = {"pelvic_drop": 1.5, "fppa": 2.0, "trunk_lean": 1.5}


# --- data ----------------------------------------------------------------------------


def load_clip(
    shared: Path, cache: Path, name: str, model: str = "full"
) -> tuple[dict[str, Any], LandmarkSeries]:
    """Return the truth and the (cached) landmark series of one rendered clip."""
    from hipcheck.pose import extract_landmarks

    video = shared / "data" / "rendered" / f"{name}.mp4"
    truth = json.loads(video.with_suffix(".truth.json").read_text())
    path = cache / f"{name}.{model}.landmarks.parquet"
    if not path.exists():
        save_landmarks(extract_landmarks(video, model=model, workers=1), path)
    return truth, load_landmarks(path)


def marker_pass(shared: Path, name: str, series: LandmarkSeries) -> MarkerResult:
    """Run the marker pass of one clip, markers ``auto`` (as ``hipcheck analyze`` does)."""
    video = shared / "data" / "rendered" / f"{name}.mp4"
    return markers_for_video(video, series, AnalysisConfig())


# --- statistics ----------------------------------------------------------------------


def stats(est: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """MAE, bias, slope (estimate on truth), worst |error| and n over finite pairs."""
    est, truth = np.asarray(est, float), np.asarray(truth, float)
    ok = np.isfinite(est) & np.isfinite(truth)
    e, t = est[ok], truth[ok]
    if not ok.any():
        return {"n": 0, "mae": np.nan, "bias": np.nan, "slope": np.nan, "worst": np.nan}
    err = e - t
    slope = float(np.polyfit(t, e, 1)[0]) if np.ptp(t) > 1.0 else np.nan
    return {
        "n": int(ok.sum()),
        "mae": float(np.abs(err).mean()),
        "bias": float(err.mean()),
        "slope": slope,
        "worst": float(np.abs(err).max()),
    }


def truth_rel(truth: dict[str, Any], key: str, marker: bool = False) -> np.ndarray:
    """Per-frame truth angle relative to its standing baseline."""
    angles = truth["marker_angles" if marker else "angles"][key]
    base = truth["marker_baseline" if marker else "baseline"][key]
    return np.asarray(angles, dtype=float) - float(base)


def frame_of(kin: pd.DataFrame, t_s: float) -> int:
    """Row of the analysis grid nearest to time ``t_s``."""
    return int(np.argmin(np.abs(kin["t_s"].to_numpy() - t_s)))


# --- per clip ------------------------------------------------------------------------


def clip_rows(name: str, truth: dict[str, Any], analysis: Analysis, source: str) -> list[dict]:
    """One row per truth rep and metric: estimates at the true and detected bottoms."""
    kin = analysis.kinematics
    stance = truth["stance"]
    fps = float(truth["fps"])
    reps = analysis.assessment.reps
    rows = []
    for tr in truth["reps"]:
        b = int(tr["bottom_frame"])
        detected = [r for r in reps if abs(r.bottom_s - b / fps) <= MATCH_S and r.side == stance]
        rep = min(detected, key=lambda r: abs(r.bottom_s - b / fps)) if detected else None
        for metric, (stem, key) in METRICS.items():
            col = f"{stem}_{stance}_rel_deg"
            at_true = float(kin[col].iloc[frame_of(kin, b / fps)])
            mv = None
            if rep is not None:
                mv = rep.metric(ASSESS_KEY[metric], stance)
            src = analysis.assessment.metric_source(ASSESS_KEY[metric])
            rows.append(
                {
                    "clip": name,
                    "stance": stance,
                    "severity": truth["severity"],
                    "rep": tr["index"],
                    "metric": metric,
                    "run": source,
                    "source": src,
                    "at_true_bottom": at_true,
                    "at_detected_bottom": np.nan
                    if mv is None or mv.bottom_rel is None
                    else mv.bottom_rel,
                    "status": None if mv is None else mv.status,
                    "truth_joint": float(truth_rel(truth, key)[b]),
                    "truth_marker": float(truth_rel(truth, key, marker=True)[b]),
                }
            )
    return rows


def rep_matching(name: str, truth: dict[str, Any], analysis: Analysis) -> dict[str, Any]:
    """How the detected reps match the truth reps (spurious and missed counts)."""
    fps = float(truth["fps"])
    true_b = np.array([r["bottom_frame"] for r in truth["reps"]]) / fps
    det_b = np.array([r.bottom_s for r in analysis.assessment.reps])
    matched_det = [bool(np.any(np.abs(true_b - d) <= MATCH_S)) for d in det_b]
    matched_true = [bool(np.any(np.abs(det_b - t) <= MATCH_S)) for t in true_b]
    return {
        "clip": name,
        "true_reps": len(true_b),
        "detected_reps": len(det_b),
        "spurious": int(len(det_b) - sum(matched_det)),
        "missed": int(len(true_b) - sum(matched_true)),
        "spurious_at_s": [
            round(float(d), 2) for d, m in zip(det_b, matched_det, strict=True) if not m
        ],
    }


def identification(truth: dict[str, Any], tracks: MarkerTracks) -> dict[str, Any]:
    """Share of visible-marker frames tracked within ``ID_TOL_PX`` under the right label."""
    stance = truth["stance"]
    other = "right" if stance == "left" else "left"
    label = {f"asis_{stance}": "asis_s", f"asis_{other}": "asis_c", "sternum": "sternum"}
    for part in ("patella", "ankle"):
        label[f"{part}_{stance}"] = f"{part}_s"
        label[f"{part}_{other}"] = f"{part}_c"
    ok_all, err_all, partial_ok, partial_err = [], [], [], []
    n = min(len(tracks.t_s), truth["n_frames"])
    for k, site in enumerate(SITES):
        true_xy = np.asarray(truth["markers"][label[site]], float)[:n]
        vis = np.asarray(truth["marker_visible"][label[site]], float)[:n]
        err = np.linalg.norm(tracks.xy[:n, k] - true_xy, axis=1)
        seen = vis > 0
        ok_all.append(err[seen] <= ID_TOL_PX)
        err_all.append(err[seen])
        part = seen & (vis < 1)
        partial_ok.append(err[part] <= ID_TOL_PX)
        partial_err.append(err[part])
    ok, err = np.concatenate(ok_all), np.concatenate(err_all)
    pok, perr = np.concatenate(partial_ok), np.concatenate(partial_err)
    return {
        "visible_marker_frames": int(ok.size),
        "correct": float(ok.mean()) if ok.size else np.nan,
        "median_err_px": float(np.nanmedian(err)) if err.size else np.nan,
        "max_err_px": float(np.nanmax(np.where(np.isfinite(err), err, np.inf)))
        if err.size
        else np.nan,
        "partly_hidden_frames": int(pok.size),
        "partly_hidden_correct": float(pok.mean()) if pok.size else np.nan,
        "partly_hidden_max_err_px": float(np.nanmax(perr)) if perr.size else np.nan,
    }


# --- estimators ----------------------------------------------------------------------


def estimator_frames(name: str, truth: dict[str, Any], analysis: Analysis) -> pd.DataFrame:
    """Per-frame landmark features and joint-centre truth (single-leg phases) of a clip."""
    kin = analysis.kinematics
    stance = truth["stance"]
    fps = float(truth["fps"])
    n = min(len(kin), truth["n_frames"])
    idx = [frame_of(kin, i / fps) for i in range(n)]
    sub = kin.iloc[idx]
    phases = np.asarray(truth["phases"][:n])
    bottoms = {int(r["bottom_frame"]) for r in truth["reps"]}
    col = lambda stem: sub[f"{stem}_{stance}_rel_deg"].to_numpy(float)  # noqa: E731
    return pd.DataFrame(
        {
            "clip": name,
            "stance": stance,
            "severity": truth["severity"],
            "frame": np.arange(n),
            "squat": np.isin(phases, ["squat", "hold"]),
            "bottom": [i in bottoms for i in range(n)],
            "hip_line": col("pelvic_drop"),
            "lean": col("trunk_lean"),
            "fppa": col("fppa"),
            "truth_drop": truth_rel(truth, "drop")[:n],
            "truth_fppa": truth_rel(truth, "fppa")[:n],
            "truth_lean": truth_rel(truth, "lean")[:n],
        }
    )


def fit_linear(df: pd.DataFrame, features: list[str], target: str) -> np.ndarray:
    """Least-squares coefficients (features + intercept) over finite rows."""
    x = df[features].to_numpy(float)
    y = df[target].to_numpy(float)
    ok = np.isfinite(x).all(axis=1) & np.isfinite(y)
    a = np.column_stack([x[ok], np.ones(ok.sum())])
    return np.linalg.lstsq(a, y[ok], rcond=None)[0]


def predict(df: pd.DataFrame, features: list[str], coef: np.ndarray) -> np.ndarray:
    """Apply :func:`fit_linear` coefficients."""
    return df[features].to_numpy(float) @ coef[:-1] + coef[-1]


def held_out(frames: pd.DataFrame, features: list[str], target: str, split: str) -> dict:
    """Fit on the training groups' squat frames, evaluate at held-out true bottoms."""
    groups = frames[split].unique()
    est, tru = [], []
    for g in groups:
        train = frames[(frames[split] != g) & frames["squat"]]
        test = frames[(frames[split] == g) & frames["bottom"]]
        coef = fit_linear(train, features, target)
        est.append(predict(test, features, coef))
        tru.append(test[target].to_numpy(float))
    return stats(np.concatenate(est), np.concatenate(tru))


def estimators(frames: pd.DataFrame) -> list[dict[str, Any]]:
    """Marker-free pelvic-drop candidates and landmark FPPA / lean gain calibrations."""
    out = []
    bottoms = frames[frames["bottom"]]
    out.append({"estimator": "pelvic drop: raw hip line", "held_out": "-",
                **stats(bottoms["hip_line"], bottoms["truth_drop"])})  # fmt: skip
    for feats, label in (
        (["hip_line", "lean"], "hip line + trunk lean (linear)"),
        (["hip_line", "lean", "fppa"], "hip line + trunk lean + FPPA (linear)"),
        (["lean"], "trunk lean only (linear)"),
    ):
        for split in ("clip", "stance", "severity"):
            out.append({"estimator": f"pelvic drop: {label}", "held_out": split,
                        **held_out(frames, feats, "truth_drop", split)})  # fmt: skip
    for metric in ("fppa", "lean"):
        out.append({"estimator": f"{metric}: landmarks, uncorrected", "held_out": "-",
                    **stats(bottoms[metric], bottoms[f"truth_{metric}"])})  # fmt: skip
        for split in ("stance", "severity", "clip"):
            out.append({"estimator": f"{metric}: landmarks x gain (fit)", "held_out": split,
                        **held_out(frames, [metric], f"truth_{metric}", split)})  # fmt: skip
    return out


# --- report --------------------------------------------------------------------------


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Error table per metric, run, source, truth and bottom choice."""
    out = []
    for (metric, run, source), g in rows.groupby(["metric", "run", "source"], sort=False):
        for truth_col in ("truth_joint", "truth_marker"):
            for at in ("at_true_bottom", "at_detected_bottom"):
                s = stats(g[at], g[truth_col])
                out.append({"metric": metric, "run": run, "source": source,
                            "truth": truth_col.removeprefix("truth_"),
                            "bottom": at.removeprefix("at_").removesuffix("_bottom"),
                            **s, "target": TARGETS[metric]})  # fmt: skip
    return pd.DataFrame(out)


def markdown(df: pd.DataFrame, floatfmt: str = ".2f") -> str:
    """Render a DataFrame as a GitHub markdown table."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            cells.append(format(v, floatfmt) if isinstance(v, float) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_model(args: argparse.Namespace, model: str) -> dict[str, Any]:
    """All per-clip measurements with one pose model."""
    rows, matching, ident, frames, marker_use = [], [], [], [], []
    for name in args.clips:
        truth, series = load_clip(args.shared, args.cache, name, model)
        markers = marker_pass(args.shared, name, series)
        marker_use.append({"clip": name, "markers_rendered": truth["markers_rendered"],
                           "markers_used": bool(markers.summary.get("used")),
                           "reason": markers.summary.get("reason", "")})  # fmt: skip
        off = analyze_landmarks(series, AnalysisConfig(markers="off"))
        rows += clip_rows(name, truth, off, "markers off")
        matching.append(rep_matching(name, truth, off))
        frames.append(estimator_frames(name, truth, off))
        if markers.angles is not None:
            auto = analyze_landmarks(series, AnalysisConfig(), marker_angles=markers.angles)
            rows += clip_rows(name, truth, auto, "markers auto")
            ident.append({"clip": name, **identification(truth, markers.tracks)})
            # both marker definitions against both truths, at the true bottoms
            for hip_point in ("asis", "hjc"):
                for base in ("hjc", "asis"):
                    fn = _variant(markers.tracks, hip_point, base)
                    alt = analyze_landmarks(series, AnalysisConfig(), marker_angles=fn)
                    rows += clip_rows(name, truth, alt, f"variant hip={hip_point} trunk={base}")
    table = pd.DataFrame(rows)
    table.insert(0, "model", model)
    summary = summarise(table)
    summary.insert(0, "model", model)
    est = pd.DataFrame(estimators(pd.concat(frames, ignore_index=True)))
    est.insert(0, "model", model)
    return {"rows": table, "summary": summary, "matching": matching, "ident": ident,
            "marker_use": marker_use, "estimators": est}  # fmt: skip


def print_model(model: str, res: dict[str, Any]) -> None:
    """The per-model tables."""
    summary = res["summary"]
    print(f"# Pose model: {model}\n")
    print("## Marker detection\n")
    print(markdown(pd.DataFrame(res["marker_use"])) + "\n")
    if res["ident"]:
        print(markdown(pd.DataFrame(res["ident"])) + "\n")
    print("## Rep detection (markers off; same reps with markers)\n")
    print(markdown(pd.DataFrame(res["matching"])) + "\n")
    print("## Errors of baseline-relative values at peak knee flexion (deg)\n")
    main_runs = summary[summary["run"].isin(["markers off", "markers auto"])]
    print(markdown(main_runs) + "\n")
    print("## Marker definitions (hip point for FPPA, trunk base), true bottoms\n")
    var = summary[summary["run"].str.startswith("variant") & (summary["bottom"] == "true")]
    print(markdown(var[var["source"] == "markers"]) + "\n")
    print("## Marker-free estimators and gain calibrations (held-out, true bottoms)\n")
    print(markdown(res["estimators"]) + "\n")


def side_by_side(results: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """MAE (and worst error) per metric for every model, same runs and truths."""
    keys = ["metric", "run", "source", "truth", "bottom"]
    merged = None
    for model, res in results.items():
        s = res["summary"][res["summary"]["run"].isin(["markers off", "markers auto"])]
        s = s[keys + ["n", "mae", "worst"]].rename(
            columns={"n": f"n {model}", "mae": f"MAE {model}", "worst": f"worst {model}"}
        )
        merged = s if merged is None else merged.merge(s, on=keys, how="outer")
    return merged


def main() -> None:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "hipcheck-validity"
    )
    parser.add_argument("--json", type=Path, default=None, help="Also write the results here.")
    parser.add_argument("--clips", nargs="*", default=[f"dev{i:02d}" for i in range(1, 11)])
    parser.add_argument(
        "--model", nargs="+", default=["full"], help="Pose models, side by side (full heavy)."
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results = {model: run_model(args, model) for model in args.model}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()  # fmt: skip
    print(f"# hipcheck validity on rendered clips ({date.today()}, commit {commit}, "
          f"models {', '.join(args.model)}, {time.perf_counter() - started:.0f} s)\n")  # fmt: skip
    for model, res in results.items():
        print_model(model, res)
    if len(results) > 1:
        print("# Models side by side: errors at peak knee flexion (deg)\n")
        print(markdown(side_by_side(results)) + "\n")
    if args.json:
        args.json.write_text(json.dumps({
            model: {"summary": res["summary"].to_dict("records"),
                    "rows": res["rows"].to_dict("records"),
                    "identification": res["ident"], "matching": res["matching"],
                    "estimators": res["estimators"].to_dict("records")}
            for model, res in results.items()}, default=float, indent=1))  # fmt: skip


def _variant(
    tracks: MarkerTracks, hip_point: str, base: str
) -> Callable[[np.ndarray], pd.DataFrame]:

    def f(t_grid: np.ndarray) -> pd.DataFrame:
        return angles_on_grid(tracks.xy, tracks.t_s, t_grid, hip_point=hip_point, trunk_base=base)  # type: ignore[arg-type]

    return f


if __name__ == "__main__":
    main()
