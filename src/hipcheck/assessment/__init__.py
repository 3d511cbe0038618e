"""The assessment stage: per-rep metrics, validity rules, ratings, summary, findings.

:func:`build_assessment` turns the per-frame kinematics and the detected repetitions
into one complete :class:`~hipcheck.model.Assessment` (without the program, which the
program stage adds as a new object). What each metric is comes from
:mod:`hipcheck.metrics`; signs are documented there and in :mod:`hipcheck.model`.

Modules: :mod:`~hipcheck.assessment.values` (bottom/peak/reference values per rep),
:mod:`~hipcheck.assessment.rules` (measured / indicative / not measurable, ratings),
:mod:`~hipcheck.assessment.summary` (per-side summary, asymmetry, findings, coverage),
:mod:`~hipcheck.assessment.piva` (automated step-down score) and
:mod:`~hipcheck.assessment.load` (reading ``assessment.json`` of any schema version).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from hipcheck.assessment.assemble import assessment_from_reps
from hipcheck.assessment.load import load_assessment, read_assessment
from hipcheck.assessment.piva import piva_score
from hipcheck.assessment.rules import apply_rules, marker_column, rep_problem
from hipcheck.assessment.values import reference_values, rep_values
from hipcheck.config import AnalysisConfig
from hipcheck.metrics import METRICS, spec
from hipcheck.model import Assessment, BaselineInfo, Detection, Rep, Source, VideoFacts
from hipcheck.plausibility import domain_problem, fppa_read_frame
from hipcheck.reps import Baseline, RepWindow

__all__ = [
    "assessment_from_reps",
    "build_assessment",
    "load_assessment",
    "read_assessment",
    "reference_values",
]


def _fppa_read_frame(kin: pd.DataFrame, w: RepWindow) -> int | None:
    """Frame a deep single-leg rep's FPPA is read at (None: at the bottom, or refused)."""
    col = f"leg_shortening_{w.side}"
    if col not in kin.columns:
        return None
    return fppa_read_frame(kin[col].to_numpy(float), w)


def _rep(
    i: int,
    w: RepWindow,
    kin: pd.DataFrame,
    reference: Baseline,
    ref_values: dict[str, float],
    config: AnalysisConfig,
    sources: dict[str, Source],
) -> Rep:
    t = kin["t_s"].to_numpy(float)
    flags, reason = rep_problem(
        kin, w.start, w.bottom, w.end, reference.frames, config, side=w.side
    )
    read = _fppa_read_frame(kin, w)
    raw = rep_values(
        kin,
        side=w.side,
        start=w.start,
        bottom=w.bottom,
        reference=ref_values,
        sources=sources,
        read_frames={("knee_valgus_deg", w.side): read} if read is not None else None,
    )
    marker_reasons: dict[str, str | None] = {}

    def reason_for(name: str, limb: str) -> str | None:
        """Return the landmark reason, or the markers' own for a marker-sourced metric."""
        col = marker_column(name, limb if limb in ("left", "right") else w.side)
        if sources.get(name) != "markers" or col is None or col not in kin.columns:
            return reason
        if col not in marker_reasons:
            marker_reasons[col] = rep_problem(
                kin, w.start, w.bottom, w.end, reference.frames, config, w.side, markers=col
            )[1]
        return marker_reasons[col]

    metrics = {}
    for name, limbs in raw.items():
        metrics[name] = {
            limb: apply_rules(
                spec(name),
                mv,
                rep_reason=reason_for(name, limb) or domain_problem(name, w, read),
                sex=config.sex,
            )
            for limb, mv in limbs.items()
        }
    rep = Rep(
        index=i,
        task=w.task,  # type: ignore[arg-type]
        side=w.side,  # type: ignore[arg-type]
        start_s=float(t[w.start]),
        bottom_s=float(t[w.bottom]),
        end_s=float(t[w.end]),
        depth=float(w.depth),
        start_frame=int(w.start),
        bottom_frame=int(w.bottom),
        end_frame=int(w.end),
        metrics=metrics,  # type: ignore[arg-type]
        quality=(*w.flags, *flags),
        partial=w.partial,  # type: ignore[arg-type]
    )
    if rep.task == "step_down":
        score, _ = piva_score(kin, rep)
        rep = replace(rep, piva_score=score)
    return rep


def _read_note(reps: Sequence[Rep]) -> str | None:
    """Say which reps' knee valgus was read on the way down instead of at the bottom."""
    read = [
        (r.index, mv.read_s)
        for r in reps
        for mv in r.metrics.get("knee_valgus_deg", {}).values()
        if mv.read_s is not None and mv.shown
    ]
    if not read:
        return None
    which = ", ".join(f"rep {i} at {t:.1f} s" for i, t in read)
    return (
        f"Knee valgus (FPPA) was read on the way down, where the knee passed 45-60 deg of "
        f"flexion ({which}), not at the bottom: these reps went deeper than the range in "
        "which the 2D knee angle shows valgus, and 45-60 deg is the depth the reference "
        "values were measured at."
    )


def build_assessment(
    kin: pd.DataFrame,
    windows: Sequence[RepWindow],
    baseline: Baseline,
    *,
    config: AnalysisConfig,
    video: dict[str, Any] | VideoFacts,
    sources: dict[str, Source] | None = None,
    clip_quality: Sequence[str] = (),
    no_reps_reason: str | None = None,
    processing: Sequence[dict[str, Any]] = (),
    markers: dict[str, Any] | None = None,
    detection: Detection | None = None,
) -> Assessment:
    """Assemble the assessment of a clip (everything but the program).

    Parameters
    ----------
    kin
        Per-frame kinematics on the analysis grid.
    windows
        Detected repetitions (stance side and task set); each is measured against its own
        standing reference (``RepWindow.reference``) or, without one, ``baseline``.
    baseline
        The clip's standing reference.
    config
        Analysis options (sex selects the FPPA bands).
    video
        Facts about the clip.
    sources
        Per metric name, ``markers`` when skin markers measured it (default landmarks).
    clip_quality
        Plain-language notes about the clip (view, damage, frame rate ...).
    no_reps_reason
        Why no repetition was found (what the person seemed to do), when none was.
    processing
        The cleaning steps (provenance log).
    markers
        The marker pass summary (mode, used, colour, reason), if it ran.
    detection
        What the repetition detector saw (activity, view, dips not counted, person
        changes).
    """
    used: dict[str, Source] = {m.name: "landmarks" for m in METRICS}
    used.update(sources or {})
    cache: dict[int, dict[str, float]] = {}
    reps = []
    for i, w in enumerate(windows, start=1):
        reference = w.reference or baseline
        key = id(reference)
        if key not in cache:
            cache[key] = reference_values(kin, reference.frames)
        reps.append(_rep(i, w, kin, reference, cache[key], config, used))
    read_note = _read_note(reps)
    t = kin["t_s"].to_numpy(float)
    info = None
    if len(t):
        info = BaselineInfo(
            start_s=float(t[baseline.start_frame]),
            end_s=float(t[baseline.end_frame]),
            bilateral=bool(baseline.bilateral),
            note=baseline.note,
        )
    return assessment_from_reps(
        reps,
        video=video,
        config=config,
        sources=used,
        quality=[
            *clip_quality,
            *([baseline.note] if baseline.note else []),
            *([read_note] if read_note else []),
        ],
        baseline=info,
        processing=processing,
        markers=markers,
        no_reps_reason=no_reps_reason,
        detection=detection,
    )
