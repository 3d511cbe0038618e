"""Reading ``assessment.json`` back: every supported schema version, validated.

:func:`read_assessment` reads a file and :func:`load_assessment` a parsed document. The
current version (2) is validated field by field (:meth:`hipcheck.model.Assessment.from_dict`);
version 1 documents (hipcheck 0.1) are upgraded first: their per-rep values are kept,
the knee/ankle ratio's baseline-relative value is converted from a ratio to a difference
(as every other metric), and the derived parts (summary, findings, coverage) are
recomputed with the current rules, so old and new files tell one story.

Errors are :class:`AssessmentFileError` (a :class:`~hipcheck.errors.HipcheckError`), whose
message names the file and the field.
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from hipcheck.assessment.assemble import assessment_from_reps
from hipcheck.config import AnalysisConfig
from hipcheck.errors import HipcheckError
from hipcheck.io.jsonfile import read_json_document
from hipcheck.metrics import spec
from hipcheck.model import (
    Assessment,
    AssessmentFormatError,
    BaselineInfo,
    Rep,
    validator,
)
from hipcheck.program.model import Program


class AssessmentFileError(HipcheckError):
    """An assessment file or document that cannot be read."""

    code = "assessment"


_HINT = (
    "Pass an assessment.json written by hipcheck analyze (re-run the analysis if it is damaged)."
)


def read_assessment(path: str | Path) -> Assessment:
    """Read and validate ``assessment.json`` or the folder holding it (any supported version).

    Raises
    ------
    AssessmentFileError
        Missing, unreadable, not JSON, too large or too deeply nested, or not a valid
        assessment; the message names the file and the field.
    """
    path = Path(path).expanduser()
    file = path / "assessment.json" if path.is_dir() else path
    doc = read_json_document(file, "assessment", error=AssessmentFileError)
    return load_assessment(doc, source=str(file))


def load_assessment(doc: Any, *, source: str = "assessment") -> Assessment:
    """Validate a parsed assessment document of any supported schema version.

    Raises
    ------
    AssessmentFileError
        Not a valid assessment (the message names ``source`` and the field).
    """
    try:
        if isinstance(doc, dict) and doc.get("schema_version") == 1:
            return _upgrade_v1(doc, source)
        return Assessment.from_dict(doc, source=source)
    except AssessmentFormatError as exc:
        raise AssessmentFileError(str(exc), _HINT) from None
    except RecursionError:
        raise AssessmentFileError(f"{source} is nested too deeply.", _HINT) from None


def _value_v1(name: str, limb_key: str, mv: dict[str, Any]) -> dict[str, Any]:
    """Return a version-1 metric value in the version-2 form."""
    m = spec(name)
    mv = dict(mv)
    bottom, rel, peak = mv.get("bottom"), mv.get("bottom_rel"), mv.get("peak")
    baseline = None
    if name == "kasr":
        # v1 stored bottom / baseline; every metric now stores bottom - baseline.
        if bottom is not None and rel:
            baseline = bottom / rel
            rel = bottom - baseline
        value = bottom
    elif limb_key == "both" and m.bilateral == "magnitude":
        # v1 stored unsigned deviations for double-leg squats: the baseline is unknown.
        value = rel
    else:
        if bottom is not None and rel is not None:
            baseline = bottom - rel
        value = rel
    out = {
        "value": value if mv.get("status", "measured") != "not_measurable" else None,
        "bottom": bottom,
        "bottom_rel": rel,
        "peak": peak,
        "peak_rel": (peak - baseline) if peak is not None and baseline is not None else None,
        "baseline": baseline,
    }
    for key in ("status", "rating", "source", "reason"):
        if key in mv:
            out[key] = mv[key]
    return out


def _rep_v1(r: dict[str, Any], source: str, i: int) -> Rep:
    r = dict(r)
    metrics = {}
    for name, m in (r.get("metrics") or {}).items():
        if not isinstance(m, dict):
            raise AssessmentFormatError(f"{source}: field reps.{i}.metrics.{name}: not an object.")
        limbs = m if name == "knee_valgus_deg" else {r.get("side"): m}
        metrics[name] = {limb: _value_v1(name, str(limb), mv) for limb, mv in limbs.items()}
    r["metrics"] = metrics
    r["quality"] = tuple(r.get("quality") or ())
    from pydantic import ValidationError

    try:
        return validator(Rep).validate_python(r)
    except ValidationError as exc:
        loc = ".".join(str(p) for p in exc.errors()[0]["loc"])
        msg = exc.errors()[0]["msg"]
        raise AssessmentFormatError(f"{source}: field reps.{i}.{loc}: {msg}.") from None


def _config_v1(options: dict[str, Any]) -> AnalysisConfig:
    known = {f.name for f in fields(AnalysisConfig)}
    try:
        return AnalysisConfig(**{k: v for k, v in options.items() if k in known})
    except (TypeError, ValueError):
        return AnalysisConfig()


def _upgrade_v1(d: dict[str, Any], source: str) -> Assessment:
    """Rebuild a version-1 document as a version-2 assessment (derived parts recomputed)."""
    reps = tuple(_rep_v1(r, source, i) for i, r in enumerate(d.get("reps") or []))
    old_summary = d.get("summary") or {}
    base = old_summary.get("baseline")
    video = {k: v for k, v in (d.get("video") or {}).items() if not isinstance(v, (dict, list))}
    try:
        baseline = validator(BaselineInfo).validate_python(base) if base else None
        assessment = assessment_from_reps(
            reps,
            video=video,
            config=_config_v1(dict(d.get("options") or {})),
            sources=d.get("sources") or {},
            quality=[str(q) for q in d.get("quality") or []],
            baseline=baseline,
            processing=list(old_summary.get("processing") or []),
            markers=old_summary.get("markers"),
            hipcheck_version=str(d.get("hipcheck_version", "")),
        )
    except (ValueError, TypeError) as exc:
        raise AssessmentFormatError(
            f"{source}: not a valid version-1 assessment ({exc})."
        ) from None
    if assessment.coverage.rated and isinstance(d.get("program"), dict):
        program = validator(Program).validate_python(d["program"])
        assessment = replace(assessment, program=program)
    # Round-trip through the validator: the upgraded document must be a valid version 2.
    return Assessment.from_dict(assessment.to_dict(), source=source)
