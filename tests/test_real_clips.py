"""The labelled real clips: what was filmed against what hipcheck finds (pose model).

Labels (``videos/real/LABELS.tsv`` and ``REPS.tsv`` of the shared test material) were
made by looking at every rep. The comparison rules live in ``benchmarks/real_clips.py``
(the same code prints the benchmark): reps are matched by bottom time; a partial rep
whose bottom is at the very edge of the clip may be counted or skipped but never rated;
a ``?`` in a label is not scored; a view labelled with a turn range that straddles 30 deg
is not scored.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: Frame size the pose model sees (faster; the metamorphic tests check downscaling).
MAX_SIDE = 640
#: Keywords of the labels' notes for clips of another exercise -> the activity named.
OUT_OF_SCOPE = {"hop test": "jumping", "sit-to-stand": "sitting", "walks across": "walking"}


def _bench():
    spec = importlib.util.spec_from_file_location("real_clips", REPO / "benchmarks/real_clips.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["real_clips"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return _bench()


@pytest.fixture(scope="module")
def results(shared_dir, bench):
    from hipcheck.pipeline import analyze_landmarks

    out = []
    for label in bench.load_labels(shared_dir):
        series = bench.cached_landmarks(shared_dir / "data" / "videos" / label.file, MAX_SIDE)
        analysis = analyze_landmarks(series, markers="off")
        out.append((label, analysis, bench.evaluate(label, analysis)))
    assert len(out) >= 13
    return out


def _fail(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_filmed_reps_counted_exactly(results):
    _fail(
        [
            f"{lab.file}: missed {res.missed}, spurious {res.spurious} "
            f"(found {[round(f.bottom_s, 2) for f in res.found]})"
            for lab, _, res in results
            if not res.count_ok
        ]
    )


@pytest.mark.slow
def test_task_and_stance_side_right_on_every_rep(results):
    problems = []
    for lab, _, res in results:
        for i, j in res.matches:
            want, got = lab.reps[i], res.found[j]
            tasks = ("single_leg_squat", "step_down", "double_leg_squat")
            if lab.task in tasks and got.task != lab.task:
                problems.append(f"{lab.file} rep {want.index}: task {got.task}")
            if want.stance is not None and got.side != want.stance:
                problems.append(f"{lab.file} rep {want.index}: side {got.side}")
    _fail(problems)


@pytest.mark.slow
def test_non_frontal_views_are_refused_and_frontal_ones_kept(results):
    problems = []
    scored = 0
    for lab, analysis, res in results:
        if res.view_ok is None:
            continue
        scored += 1
        if not res.view_ok:
            problems.append(f"{lab.file}: view {res.view} (label {lab.view})")
        if lab.expected_view == "refuse":
            # the clip says why, and every rep's frontal metrics are not measurable (the
            # view, or another reason that came first, e.g. hidden ankles)
            view_reason = analysis.assessment.detection.view["reason"]
            if not (view_reason and view_reason in analysis.assessment.quality):
                problems.append(f"{lab.file}: no view note")
            for rep in analysis.assessment.reps:
                for name in ("knee_valgus_deg", "trunk_lean_deg", "pelvic_drop_deg"):
                    for m in rep.metrics[name].values():
                        if m.status != "not_measurable" or not m.reason:
                            problems.append(f"{lab.file} rep {rep.index}: {name} {m.status}")
    assert scored >= 12
    _fail(problems)


@pytest.mark.slow
def test_no_implausible_value_is_rated(results):
    _fail([f"{lab.file}: {text}" for lab, _, res in results for text in res.implausible])


@pytest.mark.slow
def test_clips_without_reps_say_what_was_seen(results, shared_dir):
    problems = []
    for lab, analysis, _ in results:
        detection = analysis.assessment.detection
        coverage = analysis.assessment.coverage
        if lab.n_reps == 0:
            reason = detection.no_reps_reason
            if not (reason and reason.startswith("no squats found")):
                problems.append(f"{lab.file}: no reason ({reason})")
            if reason[3:] not in coverage.message.lower() or coverage.rated:
                problems.append(f"{lab.file}: the reason is not what the outputs say")
            notes = lab_notes(shared_dir, lab)
            for key, expected in OUT_OF_SCOPE.items():
                if key in notes and detection.activity != expected:
                    problems.append(f"{lab.file}: activity {detection.activity} not {expected}")
        elif detection.no_reps_reason is not None:
            problems.append(f"{lab.file}: a no-reps reason although reps were filmed")
    _fail(problems)


def lab_notes(shared_dir, lab) -> str:
    """The label's free-text notes (lower case) from LABELS.tsv."""
    import csv

    with (shared_dir / "data/videos/real/LABELS.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["file"] == lab.file:
                return row["notes"].lower()
    return ""


@pytest.mark.slow
def test_person_notes_only_when_the_tracked_person_changes(results):
    problems = []
    for lab, analysis, res in results:
        changes = analysis.assessment.detection.person_changes
        if lab.people == 1 and (changes or res.person_note):
            problems.append(f"{lab.file}: one person, but {changes}")
    _fail(problems)
    # the walking clip's tracker follows a jumper on a roof, then switches to the walker
    walking = next(a for lab, a, _ in results if "walking" in lab.file)
    assert walking.assessment.detection.person_changes


@pytest.mark.slow
def test_knee_valgus_agrees_with_the_labelled_faults(results):
    """Frontal single-leg reps: a labelled marked knee collapse is rated poor, a rep
    labelled without valgus is never poor; deep reps are read on the way down."""
    problems, marked, clean, early = [], 0, 0, 0
    for lab, analysis, res in results:
        reps = analysis.assessment.reps
        for i, j in res.matches:
            want, rep = lab.reps[i], reps[j]
            if rep.side not in ("left", "right") or "?" in want.valgus:
                continue
            mv = rep.metric("knee_valgus_deg")
            if mv is None or mv.status != "measured":
                continue
            early += mv.read_s is not None
            if mv.read_s is not None and not rep.start_s <= mv.read_s < rep.bottom_s:
                problems.append(f"{lab.file} rep {want.index}: read at {mv.read_s}")
            if want.valgus == "marked":
                marked += 1
                if mv.rating != "poor":
                    problems.append(
                        f"{lab.file} rep {want.index}: marked, {mv.value:+.1f} rated {mv.rating}"
                    )
            elif want.valgus == "none":
                clean += 1
                if mv.rating == "poor":
                    problems.append(f"{lab.file} rep {want.index}: no valgus, {mv.value:+.1f} poor")
    _fail(problems)
    assert marked >= 1 and clean >= 3 and early >= 3


@pytest.mark.slow
@pytest.mark.parametrize("offset", [0, 1])
def test_half_the_frame_rate_never_adds_a_rep(shared_dir, bench, offset):
    """Every other frame of each clip (12.5-30 fps, as a phone in low light films) may lose
    a rep to a more cautious rule, but must not count one that was not filmed (the hop
    test counted a hop before flights were judged by time, not by frame count)."""
    from dataclasses import replace

    from hipcheck.pipeline import analyze_landmarks

    problems = []
    for label in bench.load_labels(shared_dir):
        s = bench.cached_landmarks(shared_dir / "data" / "videos" / label.file, MAX_SIDE)
        cut = slice(offset, None, 2)
        half = replace(s, t_s=s.t_s[cut], xy=s.xy[cut], z=s.z[cut],
                       visibility=s.visibility[cut], presence=s.presence[cut])  # fmt: skip
        res = bench.evaluate(label, analyze_landmarks(half, markers="off"))
        if res.spurious or res.implausible:
            problems.append(f"{label.file}: {res.spurious} spurious, {res.implausible}")
        if res.side_ok != res.side_scored or res.task_ok != res.task_scored:
            problems.append(f"{label.file}: side {res.side_ok}/{res.side_scored}, "
                            f"task {res.task_ok}/{res.task_scored}")  # fmt: skip
    _fail(problems)
