"""Real footage benchmark: what was filmed (labels) against what hipcheck found.

Reads the labelled real clips (``LABELS.tsv``: one row per clip; ``REPS.tsv``: one row
per repetition, start / bottom / end in seconds from the first decoded frame, stance
leg, partial reps at the clip edges), runs the analysis on each clip's landmarks
(cached: the pose model runs once per clip and ``max_side``) and prints, per clip,

- what was filmed: task, repetitions with start / bottom / end and stance leg, view;
- what hipcheck found: repetitions with start / bottom / end, task, stance side, the
  clip's view verdict, which metrics were rated and their values, and why no
  repetitions were counted when none were;
- the matching of found to filmed repetitions by bottom time,

and the totals: clips with the exact repetition count, repetitions matched, task and
side right, non-frontal clips refused, implausible values rated.

Rules of the comparison (from the labels' README):

- a found rep matches the filmed rep whose ``[start_s, end_s]`` (plus ``MATCH_SLACK_S``)
  holds its bottom, nearest bottom first, one to one;
- a partial rep whose bottom lies at the very edge of the clip (``bottom_s`` equal to the
  first or last time) may be counted or skipped, but must not be rated;
- a ``?`` in a label is uncertain: it is shown but not scored;
- view: a turn of 30 deg or more, or any rear or side view, must refuse the frontal
  metrics; a view labelled with a range that straddles 30 deg is not scored;
- "implausible rated": a rated (measured) value outside ``PLAUSIBLE`` (generous bounds
  for 2D frontal-plane values of a person standing on a leg), a rated value on a
  non-frontal clip, or a rated value on a rep that was not filmed.

The landmark cache is ``$HIPCHECK_CACHE`` or ``<tmp>/hipcheck-cache`` / ``landmarks``,
file ``<clip stem>.blazepose-full.<max_side>.parquet``. Usage::

    PYTHONPATH=src python benchmarks/real_clips.py --shared DIR [--max-side 640]
        [--json out.json] [--verbose]

``DIR`` is the test-material folder that holds ``data/videos/real/LABELS.tsv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: A found bottom may lie this far outside a filmed rep's [start, end] and still match.
MATCH_SLACK_S = 0.25
#: A partial rep's bottom within this of the first/last frame is "at the edge".
EDGE_S = 0.05
#: Generous bounds for a rated, baseline-relative 2D value (degrees; kasr: ratio). A
#: rated value outside them is implausible whatever the rules inside hipcheck say.
PLAUSIBLE = {
    "knee_valgus_deg": (-30.0, 45.0),
    "trunk_lean_deg": (-30.0, 30.0),
    "pelvic_drop_deg": (-20.0, 20.0),
    "kasr": (0.2, 2.5),
}
#: A turn from the camera axis at or beyond this refuses the frontal metrics (deg).
TURN_LIMIT_DEG = 30.0
DEFAULT_MAX_SIDE = 640
MODEL_TAG = "blazepose-full"

_SIDE = {"L": "left", "R": "right", "both": "both"}


# --- labels --------------------------------------------------------------------------


@dataclass
class RepLabel:
    """One filmed repetition (``REPS.tsv``)."""

    index: int
    start_s: float
    bottom_s: float
    end_s: float
    stance: str | None  # left / right / both, None when uncertain
    partial: bool
    notes: str = ""
    valgus: str = ""  # visible knee valgus: none / mild / marked ("?" = uncertain)


@dataclass
class ClipLabel:
    """One labelled clip (``LABELS.tsv``) with its repetitions."""

    file: str
    view: str
    task: str
    n_reps: int
    people: int
    mirrored: str
    reps: list[RepLabel] = field(default_factory=list)

    @property
    def stem(self) -> str:
        """File name without folder and suffix."""
        return Path(self.file).stem

    @property
    def expected_view(self) -> str | None:
        """``frontal`` / ``refuse`` from the view label; None when it straddles the limit."""
        return expected_view(self.view)


def expected_view(label: str) -> str | None:
    """Parse a view label into ``frontal``, ``refuse`` (frontal metrics refused) or None.

    Rear and side views refuse; a label with turn angles (``~20-30 deg``: a ``~`` marks the
    turn, other numbers describe something else) is frontal when every
    angle is below ``TURN_LIMIT_DEG``, refused when every one is at or above it, and
    unscored (None) when the range straddles the limit.
    """
    text = label.lower()
    if "rear" in text or text.startswith("side"):
        return "refuse"
    angles = [
        float(a)
        for pair in re.findall(r"~\s*(\d+)(?:\s*-\s*(\d+))?\s*deg", text)
        for a in pair
        if a
    ]
    if not angles:
        return "frontal" if "frontal" in text else None
    if max(angles) < TURN_LIMIT_DEG:
        return "frontal"
    if min(angles) >= TURN_LIMIT_DEG:
        return "refuse"
    return None


def _float(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


def load_labels(shared: Path) -> list[ClipLabel]:
    """Read ``LABELS.tsv`` and ``REPS.tsv`` of ``shared/data/videos/real``."""
    folder = shared / "data" / "videos" / "real"
    with (folder / "LABELS.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    with (folder / "REPS.tsv").open(encoding="utf-8") as fh:
        rep_rows = list(csv.DictReader(fh, delimiter="\t"))
    clips = []
    for r in rows:
        people = int(re.match(r"\d+", r["people"]).group())  # type: ignore[union-attr]
        clip = ClipLabel(
            file=r["file"],
            view=r["view"],
            task=r["task"],
            n_reps=int(r["n_reps"]),
            people=people,
            mirrored=r["mirrored"],
        )
        for rr in (x for x in rep_rows if x["file"] == r["file"]):
            stance = rr["stance"].strip()
            clip.reps.append(
                RepLabel(
                    index=int(rr["index"]),
                    start_s=_float(rr["start_s"]) or 0.0,
                    bottom_s=float(rr["bottom_s"]),
                    end_s=_float(rr["end_s"]) or math.inf,
                    stance=None if "?" in stance else _SIDE.get(stance),
                    partial=rr["partial"].strip() == "yes",
                    notes=rr["notes"],
                    valgus=rr.get("valgus", "").strip(),
                )
            )
        clips.append(clip)
    return clips


# --- landmarks (cached) --------------------------------------------------------------


def cache_dir() -> Path:
    """The shared landmark cache folder."""
    root = Path(os.environ.get("HIPCHECK_CACHE", Path(tempfile.gettempdir()) / "hipcheck-cache"))
    return root / "landmarks"


def cached_landmarks(video: Path, max_side: int | None = DEFAULT_MAX_SIDE) -> Any:
    """Return the landmark series of ``video``, running the pose model only once."""
    from hipcheck.io.landmarks import load_landmarks, save_landmarks
    from hipcheck.pose import extract_landmarks

    path = cache_dir() / f"{video.stem}.{MODEL_TAG}.{max_side or 'full'}.parquet"
    if path.exists():
        return load_landmarks(path)
    series = extract_landmarks(video, max_side=max_side)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_landmarks(series, path)
    return series


# --- what hipcheck found -------------------------------------------------------------


@dataclass
class FoundRep:
    """One repetition hipcheck reported, with its rated values."""

    start_s: float
    bottom_s: float
    end_s: float
    task: str
    side: str
    rated: dict[str, float] = field(default_factory=dict)  # metric[/limb] -> value
    ratings: dict[str, str] = field(default_factory=dict)
    refused: bool = False  # frontal metrics not measurable
    reasons: list[str] = field(default_factory=list)


@dataclass
class ClipResult:
    """Labels against findings for one clip."""

    label: ClipLabel
    found: list[FoundRep]
    view: str
    refused: bool
    no_reps_reason: str | None
    notes: list[str]
    matches: list[tuple[int, int]] = field(default_factory=list)  # (label index, found idx)
    count_ok: bool = False
    task_ok: int = 0
    task_scored: int = 0
    side_ok: int = 0
    side_scored: int = 0
    spurious: int = 0
    missed: int = 0
    view_ok: bool | None = None
    implausible: list[str] = field(default_factory=list)
    person_note: bool = False
    seconds: float = 0.0


def _metric_values(rep: Any) -> tuple[dict[str, float], dict[str, str], bool, list[str]]:
    """Rated values, ratings, whether frontal metrics were refused, reasons."""
    rated, ratings, reasons = {}, {}, []
    refused = True
    for name, limbs in rep.metrics.items():
        for limb, mv in limbs.items():
            key = name if limb == rep.side else f"{name}/{limb}"
            if mv.status != "not_measurable" and name in ("knee_valgus_deg", "trunk_lean_deg"):
                refused = False
            if mv.status == "not_measurable" and mv.reason and mv.reason not in reasons:
                reasons.append(mv.reason)
            if mv.status == "measured" and mv.rating is not None and mv.value is not None:
                rated[key] = float(mv.value)
                ratings[key] = str(mv.rating)
    return rated, ratings, refused, reasons


def clip_view(analysis: Any) -> str:
    """The clip's view verdict: the assessment's own if it gives one, else the majority."""
    detection = analysis.assessment.detection
    view = detection.view if detection is not None else None
    if isinstance(view, dict) and view.get("verdict"):
        return str(view["verdict"])
    counts = analysis.kinematics["view"].value_counts()
    return str(counts.index[0]) if len(counts) else "unknown"


def clip_refuses(analysis: Any) -> bool:
    """True when the analysis refuses the frontal metrics for this clip."""
    detection = analysis.assessment.detection
    view = detection.view if detection is not None else None
    if isinstance(view, dict) and "frontal_metrics" in view:
        return not bool(view["frontal_metrics"])
    return clip_view(analysis) != "frontal"


def no_reps_reason(analysis: Any) -> str | None:
    """The analysis' structured reason for finding no repetitions, if it gives one."""
    a = analysis.assessment
    if a.detection is not None and a.detection.no_reps_reason:
        return a.detection.no_reps_reason
    return None if a.reps else a.coverage.message


def found_reps(analysis: Any) -> list[FoundRep]:
    """The repetitions of an analysis as :class:`FoundRep`."""
    out = []
    for r in analysis.assessment.reps:
        rated, ratings, refused, reasons = _metric_values(r)
        out.append(
            FoundRep(
                start_s=float(r.start_s),
                bottom_s=float(r.bottom_s),
                end_s=float(r.end_s),
                task=str(r.task),
                side=str(r.side),
                rated=rated,
                ratings=ratings,
                refused=refused,
                reasons=reasons,
            )
        )
    return out


# --- comparison ----------------------------------------------------------------------


def match_reps(labels: list[RepLabel], found: list[FoundRep]) -> list[tuple[int, int]]:
    """Pair filmed and found reps by bottom time, nearest first, one to one.

    A pair is allowed when the found bottom lies within the filmed rep's
    ``[start_s, end_s]`` widened by ``MATCH_SLACK_S``.
    """
    pairs = []
    for i, lab in enumerate(labels):
        for j, f in enumerate(found):
            if lab.start_s - MATCH_SLACK_S <= f.bottom_s <= lab.end_s + MATCH_SLACK_S:
                pairs.append((abs(f.bottom_s - lab.bottom_s), i, j))
    used_i: set[int] = set()
    used_j: set[int] = set()
    out = []
    for _, i, j in sorted(pairs):
        if i not in used_i and j not in used_j:
            used_i.add(i)
            used_j.add(j)
            out.append((i, j))
    return sorted(out)


def at_edge(rep: RepLabel, t_first: float, t_last: float) -> bool:
    """True for a partial rep whose bottom is at the very first or last frame."""
    return rep.partial and (
        abs(rep.bottom_s - t_first) <= EDGE_S or abs(rep.bottom_s - t_last) <= EDGE_S
    )


def evaluate(label: ClipLabel, analysis: Any) -> ClipResult:
    """Compare one clip's analysis with its labels."""
    t = analysis.kinematics["t_s"].to_numpy(float)
    t_first, t_last = float(t[0]), float(t[-1])
    found = found_reps(analysis)
    res = ClipResult(
        label=label,
        found=found,
        view=clip_view(analysis),
        refused=clip_refuses(analysis),
        no_reps_reason=no_reps_reason(analysis),
        notes=list(analysis.assessment.quality),
    )
    res.matches = match_reps(label.reps, found)
    matched_labels = {i for i, _ in res.matches}
    matched_found = {j for _, j in res.matches}
    optional = {i for i, r in enumerate(label.reps) if at_edge(r, t_first, t_last)}
    res.missed = sum(1 for i in range(len(label.reps)) if i not in matched_labels | optional)
    res.spurious = len(found) - len(matched_found)
    res.count_ok = res.missed == 0 and res.spurious == 0
    task = label.task if label.task in ("single_leg_squat", "step_down", "double_leg_squat") else ""
    for i, j in res.matches:
        lab, f = label.reps[i], found[j]
        if task:
            res.task_scored += 1
            res.task_ok += int(f.task == task)
        if lab.stance is not None:
            res.side_scored += 1
            res.side_ok += int(f.side == lab.stance)
        if i in optional and f.rated:
            res.implausible.append(f"rep at the clip edge rated: {f.rated}")
    exp = label.expected_view
    if exp is not None:
        res.view_ok = res.refused == (exp == "refuse")
    for j, f in enumerate(found):
        for key, value in f.rated.items():
            name = key.split("/")[0]
            lo, hi = PLAUSIBLE.get(name, (-math.inf, math.inf))
            if not lo <= value <= hi:
                res.implausible.append(f"{key} {value:+.1f} rated {f.ratings[key]}")
            elif exp == "refuse":
                res.implausible.append(f"{key} {value:+.1f} rated on a non-frontal view")
            elif j not in matched_found:
                res.implausible.append(f"{key} {value:+.1f} rated on a rep that was not filmed")
    res.person_note = any(
        "another person" in q.lower() or "second person" in q.lower() for q in res.notes
    )
    return res


def analyse_clip(shared: Path, label: ClipLabel, max_side: int | None) -> ClipResult:
    """Run the analysis on one labelled clip (cached landmarks) and compare."""
    from hipcheck.pipeline import analyze_landmarks

    video = shared / "data" / "videos" / label.file
    series = cached_landmarks(video, max_side)
    t0 = time.perf_counter()
    analysis = analyze_landmarks(series, markers="off")
    res = evaluate(label, analysis)
    res.seconds = time.perf_counter() - t0
    return res


# --- printing ------------------------------------------------------------------------


def _fmt_rep(f: FoundRep) -> str:
    values = ", ".join(f"{k} {v:+.1f} {f.ratings[k]}" for k, v in f.rated.items())
    refused = " frontal refused" if f.refused else ""
    return f"{f.start_s:5.2f}/{f.bottom_s:5.2f}/{f.end_s:5.2f} {f.task} {f.side}{refused}" + (
        f" [{values}]" if values else ""
    )


def print_clip(res: ClipResult, verbose: bool = False) -> None:
    """Print one clip's comparison."""
    lab = res.label
    ok = "OK " if res.count_ok else "BAD"
    print(f"\n{ok} {lab.file}  ({lab.view}; {lab.task}; people {lab.people})")
    print(
        f"    filmed {lab.n_reps} reps | found {len(res.found)} "
        f"(matched {len(res.matches)}, missed {res.missed}, spurious {res.spurious}) | "
        f"view {res.view}, frontal metrics {'refused' if res.refused else 'allowed'}"
        + ("" if res.view_ok is None else (" (right)" if res.view_ok else " (WRONG)"))
    )
    pairs = dict(res.matches)
    back = {j: i for i, j in res.matches}
    for i, r in enumerate(lab.reps):
        stance = r.stance or "?"
        got = _fmt_rep(res.found[pairs[i]]) if i in pairs else "-- not found --"
        print(
            f"    filmed {r.start_s:5.2f}/{r.bottom_s:5.2f}/{min(r.end_s, 999):5.2f} {stance:<5}"
            f"{' partial' if r.partial else '        '} -> {got}"
        )
    for j, f in enumerate(res.found):
        if j not in back:
            print(f"    spurious -> {_fmt_rep(f)}")
    if not res.found:
        print(f"    no reps: {res.no_reps_reason}")
    for text in res.implausible:
        print(f"    IMPLAUSIBLE RATED: {text}")
    if verbose:
        for q in res.notes:
            print(f"    note: {q}")


def totals(results: list[ClipResult]) -> dict[str, Any]:
    """The benchmark's totals."""
    scored_views = [r for r in results if r.view_ok is not None]
    refuse = [r for r in scored_views if r.label.expected_view == "refuse"]
    frontal = [r for r in scored_views if r.label.expected_view == "frontal"]
    single_person = [r for r in results if r.label.people == 1]
    return {
        "clips": len(results),
        "clips_exact_reps": sum(r.count_ok for r in results),
        "filmed_reps": sum(len(r.label.reps) for r in results),
        "reps_matched": sum(len(r.matches) for r in results),
        "reps_missed": sum(r.missed for r in results),
        "reps_spurious": sum(r.spurious for r in results),
        "task_right": f"{sum(r.task_ok for r in results)}/{sum(r.task_scored for r in results)}",
        "side_right": f"{sum(r.side_ok for r in results)}/{sum(r.side_scored for r in results)}",
        "non_frontal_refused": f"{sum(r.view_ok for r in refuse)}/{len(refuse)}",
        "frontal_allowed": f"{sum(r.view_ok for r in frontal)}/{len(frontal)}",
        "implausible_rated": sum(len(r.implausible) for r in results),
        "person_note_on_single_person_clips": sum(r.person_note for r in single_person),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", type=Path, required=True, help="folder holding data/videos/real/LABELS.tsv"
    )
    parser.add_argument("--max-side", type=int, default=DEFAULT_MAX_SIDE)
    parser.add_argument("--json", type=Path, default=None, help="write totals and rows here")
    parser.add_argument("--verbose", action="store_true", help="print each clip's notes")
    args = parser.parse_args()
    if not (args.shared / "data").is_dir():
        parser.error(f"no test material at {args.shared}")

    results = []
    for label in load_labels(args.shared):
        res = analyse_clip(args.shared, label, args.max_side)
        print_clip(res, args.verbose)
        results.append(res)
    tot = totals(results)
    print("\nTotals")
    for key, value in tot.items():
        print(f"  {key:<36} {value}")
    if args.json:
        rows = []
        for r in results:
            d = asdict(r)
            d["label"] = {k: v for k, v in d["label"].items() if k != "reps"}
            rows.append(d)
        args.json.write_text(json.dumps({"totals": tot, "clips": rows}, indent=2, default=str))


if __name__ == "__main__":
    main()
