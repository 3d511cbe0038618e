"""Per-repetition metrics, ratings, findings: from kinematics and reps to an Assessment.

Definitions follow ``../shared/reference/clinical.md`` §2 and §4 (see
:mod:`hipcheck.model` for signs). Per rep and limb, each metric is taken at peak knee
flexion (the lowest-pelvis frame) and as the peak over the descent, absolute and
relative to the standing baseline; the baseline-relative value at peak knee flexion is
the headline value that is rated.

Validity rule: a metric is *rated* only if its source is validated. Pelvic drop from
pose landmarks is not (BlazePose's hip line follows a true pelvic drop with a slope of
about 0.2 on rendered humans and mirrors trunk lean; design.md §4, VALIDATION.md), so it
is reported as ``indicative`` with that reason and never becomes a rated finding.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from hipcheck.config import AnalysisConfig
from hipcheck.model import Assessment, Finding, MetricValue, Rep
from hipcheck.reps import Baseline, RepWindow
from hipcheck.rubric import bands, overall, piva_category, rate

ROTATION_FLAG = 0.15  # clinical.md §1 rotation guard [HEUR]
ROTATION_REJECT = 0.30

PELVIS_LANDMARK_REASON = (
    "Pelvic drop from pose landmarks is indicative only: on rendered humans with known "
    "skeletons the model's hip line does not follow the pelvis (it reads the wrong way, "
    "see VALIDATION.md). Use skin markers on both ASIS for a measured value."
)

FPPA_LANDMARK_CAVEAT = (
    "Knee valgus (FPPA) from pose landmarks reads low: on rendered humans with known "
    "skeletons about 0.8 x the true angle, 5 deg low on average at the bottom "
    "(VALIDATION.md). A 'good' rating within about 5 deg of the fair band may hide "
    "valgus; skin markers at ASIS, mid-patella and ankle give a measured FPPA."
)

DISCLAIMER = (
    "hipcheck is a movement-quality screen, not a diagnosis or an injury predictor. Its "
    "angles are 2D projections that agree only weakly with 3D joint angles; a single "
    "reading carries about +-3 deg of error, and changes smaller than the minimum "
    "detectable change (FPPA about 8 deg, pelvic drop about 3 deg) may be noise. "
    "Exercise suggestions are general education, not a prescription: persistent or "
    "worsening pain needs assessment by a clinician."
)

#: per-frame column of each metric, per stance side
_COLUMNS = {
    "pelvic_drop_deg": "pelvic_drop_{side}_deg",
    "trunk_lean_deg": "trunk_lean_{side}_deg",
    "knee_valgus_deg": "fppa_{side}_deg",
}
_RUBRIC_KEY = {
    "pelvic_drop_deg": "pelvic_drop",
    "trunk_lean_deg": "trunk_lean",
    "knee_valgus_deg": "fppa",
    "kasr": "kasr",
}
_FINDING_ID = {
    "pelvic_drop_deg": "pelvic_drop",
    "trunk_lean_deg": "trunk_lean",
    "knee_valgus_deg": "knee_valgus",
    "kasr": "knee_valgus",  # knees closing in on a bilateral squat: the valgus pattern
}
_LABEL = {
    "pelvic_drop_deg": "pelvic drop",
    "trunk_lean_deg": "trunk lean",
    "knee_valgus_deg": "knee valgus (FPPA)",
    "kasr": "knee valgus pattern (knee/ankle separation ratio)",
}


def _metric(
    series: np.ndarray,
    rep: RepWindow,
    base: float,
    *,
    absolute: bool = False,
    source: str = "landmarks",
) -> MetricValue:
    """Bottom and descent-peak values of one per-frame series, absolute and relative."""
    descent = series[rep.start : rep.bottom + 1]
    bottom = float(series[rep.bottom])
    if not np.isfinite(bottom) or not np.isfinite(base):
        what = "skin markers" if source == "markers" else "landmarks"
        return MetricValue.not_measurable(
            f"The {what} were not visible at the bottom of the repetition.", source
        )
    if absolute:
        # Bilateral tasks have no stance side: report the magnitude either way.
        rel_series = np.abs(descent - base)
        return MetricValue(
            bottom=abs(bottom),
            bottom_rel=abs(bottom - base),
            peak=float(np.nanmax(np.abs(descent))),
            peak_rel=float(np.nanmax(rel_series)),
            source=source,  # type: ignore[arg-type]
        )
    return MetricValue(
        bottom=bottom,
        bottom_rel=bottom - base,
        peak=float(np.nanmax(descent)),
        peak_rel=float(np.nanmax(descent) - base),
        source=source,  # type: ignore[arg-type]
    )


def _rep_problem(
    kin: pd.DataFrame,
    rep: RepWindow,
    baseline: Baseline,
    config: AnalysisConfig,
    *,
    ok_column: str = "quality_ok",
    width_column: str = "hip_width_px",
) -> tuple[list[str], str | None]:
    """Quality flags of a rep, and a reason if its frontal metrics cannot be measured.

    ``ok_column`` (per-frame "measurable") and ``width_column`` (pelvis width for the
    rotation guard) default to the pose landmarks'; a marker-sourced metric passes the
    marker columns (``markers_ok_*``, ``markers_pelvis_width_px``) instead.
    """
    window = kin.iloc[rep.start : rep.end + 1]
    flags: list[str] = []
    reason = None
    markers = ok_column.startswith("markers_")
    missing = 1.0 - float(window[ok_column].astype(float).mean()) if len(window) else 1.0
    views = window["view"].value_counts()
    view = views.index[0] if len(views) else "unknown"
    if view != "frontal":
        flags.append(f"{view}_view")
        reason = (
            f"The camera sees the person from the {view} at this repetition; frontal-plane "
            "angles need a frontal view. Film from the front, camera square to the person."
        )
    elif missing > config.max_missing_fraction:
        flags.append("low_visibility")
        reason = (
            f"{missing:.0%} of this repetition's frames lacked clearly visible hips, knees "
            "or ankles. Film the whole body, well lit, in tight clothing."
            if not markers
            else f"{missing:.0%} of this repetition's frames lacked the skin markers this "
            "measure needs. Keep the markers in view (arms and clothing off them)."
        )
    if "tracking_jump" in window.columns and window["tracking_jump"].any():
        flags.append("tracking_jump")
        reason = reason or (
            "The skeleton jumped between frames (a second person in view?). Film with only "
            "the person being tested in frame."
        )
    base_width = float(np.nanmedian(kin[width_column].to_numpy(float)[baseline.frames]))
    width = float(kin[width_column].iloc[rep.bottom])
    if np.isfinite(base_width) and base_width > 0 and np.isfinite(width):
        change = abs(width / base_width - 1)
        if change > ROTATION_FLAG:
            flags.append("pelvis_rotation")
        if change > ROTATION_REJECT:
            reason = reason or (
                "The pelvis turned away from the camera at the bottom of this repetition "
                f"(hip width changed {change:.0%}); frontal angles are not valid. Keep the "
                "hips facing the camera."
            )
    return flags, reason


def rep_metrics(
    kin: pd.DataFrame,
    rep: RepWindow,
    baseline: Baseline,
    *,
    pelvis_source: str = "landmarks",
    sources: dict[str, str] | None = None,
) -> dict[str, object]:
    """Compute every metric of one repetition (before rating and validity rules)."""
    sources = sources or {}
    base_of = {
        c: float(np.nanmean(kin[c].to_numpy(float)[baseline.frames]))
        for c in kin.columns
        if c.endswith("_deg")
    }
    metrics: dict[str, object] = {}
    sides = ("left", "right") if rep.side == "both" else (rep.side,)
    ref = "left" if rep.side == "both" else rep.side
    for name in ("pelvic_drop_deg", "trunk_lean_deg"):
        col = _COLUMNS[name].format(side=ref)
        metrics[name] = _metric(
            kin[col].to_numpy(float),
            rep,
            base_of[col],
            absolute=rep.side == "both",
            source=sources.get(name, "landmarks"),
        )
    metrics["knee_valgus_deg"] = {
        s: _metric(
            kin[f"fppa_{s}_deg"].to_numpy(float),
            rep,
            base_of[f"fppa_{s}_deg"],
            source=sources.get("knee_valgus_deg", "landmarks"),
        )
        for s in sides
    }
    if rep.side == "both":
        kasr = kin["kasr"].to_numpy(float)
        value = float(kasr[rep.bottom])
        base = float(np.nanmean(kasr[baseline.frames]))
        metrics["kasr"] = MetricValue(
            bottom=value,
            bottom_rel=value / base if base > 0 else None,
            peak=float(np.nanmin(kasr[rep.start : rep.bottom + 1])),
            peak_rel=None,
        )
    return metrics


def _apply_rules(
    metrics: dict[str, object],
    reason: str | None,
    sex: str,
    reason_for: Callable[[str, str | None], str | None] | None = None,
) -> None:
    """Apply the validity rule and ratings in place: not measurable > indicative > rated.

    ``reason_for(metric, limb)``, when given, replaces the rep-wide ``reason`` per metric
    (marker-sourced metrics are judged on marker visibility, :func:`_marker_reasons`).
    """
    for name, value in metrics.items():
        limbs = value.items() if isinstance(value, dict) else [(None, value)]
        for limb, mv in limbs:
            assert isinstance(mv, MetricValue)
            why = reason if reason_for is None else reason_for(name, limb)
            if why is not None:
                mv.status, mv.reason, mv.rating = "not_measurable", why, None
                mv.bottom = mv.bottom_rel = mv.peak = mv.peak_rel = None
                continue
            if mv.status == "not_measurable":
                continue
            if name == "pelvic_drop_deg" and mv.source == "landmarks":
                mv.status, mv.reason, mv.rating = "indicative", PELVIS_LANDMARK_REASON, None
                continue
            if name == "kasr":
                mv.rating = rate(mv.bottom, "kasr")  # type: ignore[assignment]
            else:
                mv.rating = rate(mv.bottom_rel, _RUBRIC_KEY[name], sex)  # type: ignore[assignment]


#: Per-frame marker validity column of each marker-sourced metric (added by the
#: pipeline from :func:`hipcheck.markers.measures.marker_validity`).
_MARKER_OK = {
    "pelvic_drop_deg": "markers_ok_pelvic_drop",
    "trunk_lean_deg": "markers_ok_trunk_lean",
    "knee_valgus_deg": "markers_ok_fppa_{limb}",
}


def _marker_reasons(
    kin: pd.DataFrame,
    rep: RepWindow,
    baseline: Baseline,
    config: AnalysisConfig,
    sources: dict[str, str],
    landmark_reason: str | None,
) -> Callable[[str, str | None], str | None]:
    """Return ``reason_for(metric, limb)``: marker-sourced metrics use marker visibility.

    A metric measured from skin markers is refused when *its markers* are missing in too
    many of the rep's frames or the marker pelvis turned (ASIS distance), not when a
    pose landmark is poorly visible; every other metric keeps the landmark reason.
    """
    cache: dict[str, str | None] = {}

    def reason_for(name: str, limb: str | None) -> str | None:
        col = _MARKER_OK.get(name, "").format(limb=limb or rep.side)
        if sources.get(name) != "markers" or col not in kin.columns:
            return landmark_reason
        if col not in cache:
            cache[col] = _rep_problem(
                kin,
                rep,
                baseline,
                config,
                ok_column=col,
                width_column="markers_pelvis_width_px",
            )[1]
        return cache[col]

    return reason_for


def piva_score(kin: pd.DataFrame, rep: Rep, window: RepWindow) -> tuple[int | None, dict[str, int]]:
    """Automated Piva lateral step-down score items (clinical.md §5.1 triggers, [HEUR]).

    Pelvic plane counts only when pelvic drop is a measured (validated) value; steady
    stance is not scored from video. Returns (total or None, items).
    """
    s = rep.side
    if s not in ("left", "right"):
        return None, {}
    o = "right" if s == "left" else "left"
    row = kin.iloc[window.bottom]
    trunk = rep.metrics["trunk_lean_deg"]
    knee = rep.metrics["knee_valgus_deg"][s]
    if trunk.status == "not_measurable" or knee.status == "not_measurable":
        return None, {}
    items: dict[str, int] = {}
    shoulder = float(row["shoulder_width_px"])
    arm = 0
    for side in ("left", "right"):
        dx = row[f"{side}_wrist_x_px"] - row[f"{side}_hip_x_px"]
        dy = row[f"{side}_wrist_y_px"] - row["pelvis_y_px"]
        if np.isfinite(dx) and np.isfinite(dy) and np.hypot(dx, dy) > 0.25 * shoulder:
            arm = 1
    items["arm_strategy"] = arm
    items["trunk"] = int(abs(trunk.bottom_rel or 0.0) >= 5.0)
    pelvis = rep.metrics["pelvic_drop_deg"]
    if pelvis.status == "measured":
        items["pelvis"] = int(abs(pelvis.bottom_rel or 0.0) >= 3.0)
    m = np.sign(row[f"{o}_hip_x_px"] - row[f"{s}_hip_x_px"])
    medial = (row[f"{s}_knee_x_px"] - row[f"{s}_foot_x_px"]) * m
    foot_width = abs(row[f"{s}_foot_x_px"] - row[f"{s}_ankle_x_px"])
    items["knee"] = 2 if medial > max(foot_width / 3, 1.0) else 1 if medial > 0 else 0
    return sum(items.values()), items


def summarise(reps: list[Rep], sex: str) -> dict[str, object]:
    """Per stance side and metric: mean and SD of the headline values over reps, rated."""
    summary: dict[str, object] = {}
    for side in ("left", "right", "both"):
        side_reps = [r for r in reps if r.side == side]
        if not side_reps:
            continue
        entry: dict[str, object] = {"n_reps": len(side_reps)}
        for name in ("pelvic_drop_deg", "knee_valgus_deg", "trunk_lean_deg", "kasr"):
            limbs = ("left", "right") if (name == "knee_valgus_deg" and side == "both") else (side,)
            for limb in limbs:
                mvs = []
                for r in side_reps:
                    m = r.metrics.get(name)
                    m = m.get(limb) if isinstance(m, dict) else m
                    if m is not None:
                        mvs.append(m)
                if not mvs:
                    continue
                key = f"{name}_{limb}" if name == "knee_valgus_deg" and side == "both" else name
                entry[key] = _summarise_metric(name, mvs, sex)
        summary[side] = entry
    return summary


def _summarise_metric(name: str, mvs: list[MetricValue], sex: str) -> dict[str, object]:
    usable = [m for m in mvs if m.status != "not_measurable" and m.value is not None]
    if not usable:
        return {"status": "not_measurable", "reason": mvs[0].reason, "n": 0}
    values = np.array([m.value for m in usable], dtype=float)
    status = "measured" if all(m.status == "measured" for m in usable) else "indicative"
    mean = float(values.mean())
    if name == "kasr":
        mean = float(np.mean([m.bottom for m in usable]))
    rating = None
    if status == "measured":
        rating = rate(mean, "kasr") if name == "kasr" else rate(mean, _RUBRIC_KEY[name], sex)
    return {
        "mean": mean,
        "sd": float(values.std(ddof=1)) if values.size > 1 else None,
        "n": int(values.size),
        "status": status,
        "rating": rating,
        "source": usable[0].source,
        "reason": next((m.reason for m in usable if m.reason), None),
    }


def findings_from_summary(summary: dict[str, object], sex: str) -> tuple[list[Finding], str | None]:
    """Turn the per-side summary into findings and an overall rating.

    Rated findings come only from measured metrics; an indicative metric whose value
    falls in a fault band becomes an unrated finding (``rated=False``), which the
    program notes but never acts on alone.
    """
    findings: list[Finding] = []
    side_overall: list[str | None] = []
    for side, entry in summary.items():
        assert isinstance(entry, dict)
        components = []
        for name in ("knee_valgus_deg", "pelvic_drop_deg", "trunk_lean_deg", "kasr"):
            keys = [k for k in entry if k.startswith(name)]
            for key in keys:
                m = entry[key]
                limb = key.rsplit("_", 1)[-1] if key != name else side
                if m["status"] == "not_measurable":
                    continue
                if m["status"] == "measured":
                    components.append(m["rating"])
                    tier = m["rating"]
                else:
                    tier = rate(m["mean"], _RUBRIC_KEY[name], sex)
                if tier in ("fair", "poor"):
                    label = _LABEL[name]
                    unit = "" if name == "kasr" else " deg"
                    rated = m["status"] == "measured"
                    findings.append(
                        Finding(
                            id=_FINDING_ID[name],
                            side=limb,
                            severity=tier,
                            value_deg=m["mean"],
                            rated=rated,
                            metric=name,
                            n_reps=m["n"],
                            summary=(
                                f"{'Indicative ' if not rated else ''}{label} "
                                f"{_where(limb, side)}: "
                                f"mean {m['mean']:.{2 if name == 'kasr' else 1}f}{unit} "
                                f"over {m['n']} reps ({tier})"
                                + ("; not validated, not rated." if not rated else ".")
                            ),
                        )
                    )
        side_rating = overall(components)
        side_overall.append(side_rating)
        if side_rating == "poor":
            findings.append(
                Finding(
                    id="overall_poor",
                    side=side,
                    severity="poor",
                    rated=True,
                    n_reps=int(entry["n_reps"]),  # type: ignore[arg-type]
                    summary=(
                        f"Overall movement quality {_where(side, side)} is poor "
                        "(Crossley-style rule)."
                    ),
                )
            )
    asym = _asymmetry(summary)
    if asym is not None:
        tier = rate(abs(asym), "fppa_asymmetry")
        if tier in ("fair", "poor"):
            left = summary["left"]["knee_valgus_deg"]["mean"]  # type: ignore[index]
            right = summary["right"]["knee_valgus_deg"]["mean"]  # type: ignore[index]
            worse = "left" if left > right else "right"
            findings.append(
                Finding(
                    id="asymmetry",
                    side=worse,
                    severity=tier,
                    value_deg=abs(asym),
                    rated=True,
                    metric="knee_valgus_deg",
                    summary=(
                        f"Knee valgus differs by {abs(asym):.1f} deg between sides; "
                        f"{worse} is worse ({tier})."
                    ),
                )
            )
            side_overall.append(tier)
    return findings, overall(side_overall) if any(side_overall) else None


def _where(limb: str, side: str) -> str:
    """Plain words for where a finding is: 'on both sides', 'on the left stance side'."""
    if limb == "both":
        return "on both sides"
    return f"on the {limb} {'stance ' if side != 'both' else ''}side"


def _asymmetry(summary: dict[str, object]) -> float | None:
    try:
        left = summary["left"]["knee_valgus_deg"]  # type: ignore[index]
        right = summary["right"]["knee_valgus_deg"]  # type: ignore[index]
    except KeyError:
        return None
    if left["status"] != "measured" or right["status"] != "measured":
        return None
    return float(left["mean"] - right["mean"])


def build_assessment(
    kin: pd.DataFrame,
    windows: list[RepWindow],
    baseline: Baseline,
    *,
    config: AnalysisConfig,
    video: dict[str, object],
    sources: dict[str, str] | None = None,
    clip_quality: list[str] | None = None,
) -> Assessment:
    """Assemble the assessment of a clip (without the program)."""
    sources = {
        "pelvic_drop_deg": "landmarks",
        "knee_valgus_deg": "landmarks",
        "trunk_lean_deg": "landmarks",
        **(sources or {}),
    }
    t = kin["t_s"].to_numpy(float)
    reps: list[Rep] = []
    for i, w in enumerate(windows, start=1):
        flags, reason = _rep_problem(kin, w, baseline, config)
        metrics = rep_metrics(kin, w, baseline, sources=sources)
        reason_for = _marker_reasons(kin, w, baseline, config, sources, reason)
        _apply_rules(metrics, reason, config.sex, reason_for)
        rep = Rep(
            index=i,
            task=w.task,
            side=w.side,
            start_s=float(t[w.start]),
            bottom_s=float(t[w.bottom]),
            end_s=float(t[w.end]),
            depth=float(w.depth),
            metrics=metrics,
            quality=[*w.flags, *flags],
            start_frame=int(w.start),
            bottom_frame=int(w.bottom),
            end_frame=int(w.end),
        )
        if rep.task == "step_down":
            rep.piva_score, _ = piva_score(kin, rep, w)
        reps.append(rep)
    summary = summarise(reps, config.sex)
    findings, overall_rating = findings_from_summary(summary, config.sex)
    fppa_bands = bands("fppa", config.sex)
    summary["fppa_bands"] = fppa_bands.get("bands_used", f"{config.sex} bands")
    tasks = sorted({r.task for r in reps})
    quality = list(clip_quality or [])
    if baseline.note:
        quality.append(baseline.note)
    if sources["knee_valgus_deg"] == "landmarks" and any(
        m.status == "measured" for r in reps for m in r.metrics["knee_valgus_deg"].values()
    ):
        quality.append(FPPA_LANDMARK_CAVEAT)
    if not reps:
        quality.append(
            "No repetitions were found. Stand still for 1-2 s, then do 3-5 slow single-leg "
            "squats (or step-downs/squats) facing the camera, standing fully up between reps."
        )
    piva = [r.piva_score for r in reps if r.piva_score is not None]
    if piva:
        summary["piva"] = {
            "mean": float(np.mean(piva)),
            "category": piva_category(round(float(np.mean(piva)))),
        }
    return Assessment(
        video=dict(video),
        task=tasks[0] if len(tasks) == 1 else ("mixed" if tasks else "unknown"),
        reps=reps,
        summary=summary,
        findings=findings,
        overall_rating=overall_rating,  # type: ignore[arg-type]
        quality=quality,
        options=config.to_dict(),
        sources=sources,
        disclaimer=DISCLAIMER,
    )
