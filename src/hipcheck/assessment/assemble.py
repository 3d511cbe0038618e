"""Assemble an assessment from its rated repetitions: every derived part, computed once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from hipcheck import __version__
from hipcheck.assessment.summary import asymmetries, coverage, findings, summarise
from hipcheck.config import AnalysisConfig
from hipcheck.metrics import METRICS, spec
from hipcheck.model import (
    Assessment,
    BaselineInfo,
    Detection,
    PivaSummary,
    Provenance,
    Rep,
    Source,
    VideoFacts,
)
from hipcheck.program.safety import disclaimer_text
from hipcheck.rubric import piva_category


def _caveats(reps: Sequence[Rep]) -> list[str]:
    """Return notes for metrics rated from a source that reads with a known bias."""
    notes = []
    for m in METRICS:
        if m.landmark_caveat and any(
            mv.status == "measured" and mv.source == "landmarks"
            for r in reps
            for mv in r.metrics.get(m.name, {}).values()
        ):
            notes.append(m.landmark_caveat)
    return notes


def assessment_from_reps(
    reps: Sequence[Rep],
    *,
    video: dict[str, Any] | VideoFacts,
    config: AnalysisConfig,
    sources: dict[str, Source] | None = None,
    quality: Sequence[str] = (),
    baseline: BaselineInfo | None = None,
    processing: Sequence[dict[str, Any]] = (),
    markers: dict[str, Any] | None = None,
    no_reps_reason: str | None = None,
    detection: Detection | None = None,
    hipcheck_version: str = __version__,
) -> Assessment:
    """Derive everything an assessment says from its rated repetitions.

    The per-leg summary, asymmetries, findings, overall rating, coverage and the Piva
    summary are computed here, once, from ``reps``: an assessment in which nothing was
    rated gets no findings and no overall rating.
    """
    used: dict[str, Source] = {m.name: "landmarks" for m in METRICS}
    used.update(sources or {})
    summary = summarise(reps, config.sex)
    asym = asymmetries(summary)
    cover = coverage(reps, summary, no_reps_reason)
    found, overall_rating = findings(summary, asym, config.sex) if cover.rated else ((), None)
    piva = [r.piva_score for r in reps if r.piva_score is not None]
    tasks = sorted({r.task for r in reps})
    provenance = Provenance(
        hipcheck_version=hipcheck_version,
        options=config.to_dict(),
        sources=used,
        fppa_bands=spec("knee_valgus_deg").bands_note(config.sex) or f"{config.sex} bands",
        baseline=baseline,
        processing=tuple(processing),
        markers=markers,
    )
    return Assessment(
        video=video if isinstance(video, VideoFacts) else VideoFacts.from_mapping(video),
        task=tasks[0] if len(tasks) == 1 else ("mixed" if tasks else "unknown"),
        reps=tuple(reps),
        summary=summary,
        coverage=cover,
        provenance=provenance,
        asymmetry=asym,
        findings=found,
        overall_rating=overall_rating,
        piva=PivaSummary(
            mean=float(np.mean(piva)),
            category=piva_category(round(float(np.mean(piva)))),  # type: ignore[arg-type]
        )
        if piva
        else None,
        quality=tuple(dict.fromkeys([*quality, *_caveats(reps)])),
        detection=detection,
        disclaimer=disclaimer_text(),
    )
