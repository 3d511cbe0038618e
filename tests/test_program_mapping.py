"""Findings -> phased program: families, phases, sides, context filters, dosage."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from hipcheck.model import Finding
from hipcheck.program import ProgramContext, ProgramInputError, build_program, load_library
from hipcheck.program.model import EQUIPMENT, Program

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ALL_EQUIPMENT = frozenset(EQUIPMENT)
ALL = ProgramContext(equipment=ALL_EQUIPMENT)
FINDINGS = ("pelvic_drop", "knee_valgus", "trunk_lean", "overall_poor", "asymmetry")


def F(fid: str, side: str = "left", severity: str = "poor", rated: bool = True) -> Finding:  # noqa: N802
    return Finding(
        id=fid,
        side=side,
        severity=severity,
        value=9.0,
        rated=rated,
        summary=f"{side} {fid} ({severity}).",
        n_reps=4,
    )


@pytest.fixture(scope="module")
def lib():
    return load_library()


def families(program: Program, lib, phase: int) -> set[str]:
    return {lib[i.exercise_id].family for i in program.phases[phase - 1].items}


# (finding, severity, families that must appear per phase, families that must not)
MAPPING_CASES = [
    pytest.param(
        "pelvic_drop",
        "fair",
        {
            1: {"isometric_abduction", "clam"},
            2: {"side_lying_abduction", "side_plank"},
            3: {"step_down", "single_leg_deadlift"},
        },
        {1: {"side_lying_abduction"}, 2: {"band_walk"}, 3: {"hip_hitch", "hops", "landing"}},
        id="pelvic_drop-fair",
    ),
    pytest.param(
        "pelvic_drop",
        "poor",
        {
            1: {"isometric_abduction", "clam", "side_lying_abduction"},
            2: {"side_lying_abduction", "side_plank", "band_walk"},
            3: {"step_down", "single_leg_deadlift", "hip_hitch"},
        },
        {3: {"hops", "landing"}},
        id="pelvic_drop-poor",
    ),
    pytest.param(
        "knee_valgus",
        "fair",
        {1: {"clam", "bridge"}, 2: {"hip_extension", "squat"}, 3: {"step_down", "front_plank"}},
        {1: {"hip_extension"}, 2: {"band_walk"}, 3: {"lunge", "landing"}},
        id="knee_valgus-fair",
    ),
    pytest.param(
        "knee_valgus",
        "poor",
        {
            1: {"clam", "bridge", "hip_extension"},
            2: {"hip_extension", "squat", "band_walk", "side_lying_abduction"},
            3: {"step_down", "front_plank", "lunge"},
        },
        {3: {"landing", "hops"}},
        id="knee_valgus-poor",
    ),
    pytest.param(
        "trunk_lean",
        "fair",
        {1: {"side_plank"}, 2: {"side_plank"}, 3: {"single_leg_squat"}},
        {3: {"carry"}},
        id="trunk_lean-fair",
    ),
    pytest.param(
        "trunk_lean",
        "poor",
        {1: {"side_plank"}, 2: {"side_plank"}, 3: {"single_leg_squat", "carry"}},
        {},
        id="trunk_lean-poor",
    ),
    pytest.param(
        "overall_poor",
        "poor",
        {
            1: {"bridge", "clam", "side_plank"},
            2: {"side_lying_abduction", "band_walk", "side_plank"},
            3: {"single_leg_squat", "single_leg_deadlift"},
        },
        {3: {"landing"}},
        id="overall_poor",
    ),
    pytest.param(
        "asymmetry",
        "fair",
        {1: {"side_lying_abduction"}, 2: {"bridge"}, 3: {"step_down"}},
        {2: {"step_up"}, 3: {"single_leg_deadlift"}},
        id="asymmetry-fair",
    ),
    pytest.param(
        "asymmetry",
        "poor",
        {
            1: {"side_lying_abduction"},
            2: {"bridge", "step_up"},
            3: {"step_down", "single_leg_deadlift"},
        },
        {},
        id="asymmetry-poor",
    ),
]


@pytest.mark.parametrize(("fid", "severity", "present", "absent"), MAPPING_CASES)
def test_finding_maps_to_families_and_phases(lib, fid, severity, present, absent):
    program = build_program([F(fid, severity=severity)], ALL)
    assert program.kind == "corrective"
    assert [p.number for p in program.phases] == [1, 2, 3]
    assert [p.weeks for p in program.phases] == ["1-2", "3-6", "6+"]
    for phase, fams in present.items():
        assert fams <= families(program, lib, phase), (phase, families(program, lib, phase))
    for phase, fams in absent.items():
        assert not fams & families(program, lib, phase), phase
    expected = {
        "pelvic_drop": "left pelvic drop",
        "knee_valgus": "left knee valgus",
        "trunk_lean": "left trunk lean",
        "overall_poor": "overall movement quality on the left side",
        "asymmetry": "left left/right asymmetry",
    }[fid]
    for item in program.items:
        assert item.answers == [fid]
        assert f"answers {expected} ({severity})" in item.why
    assert program.findings_used[0]["id"] == fid


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("fid", FINDINGS)
def test_side_emphasis_follows_finding(lib, fid, side):
    program = build_program([F(fid, side=side)], ALL)
    other = "right" if side == "left" else "left"
    unilateral = [i for i in program.items if lib[i.exercise_id].unilateral]
    assert unilateral, "every finding needs some one-sided work"
    for item in program.items:
        ex = lib[item.exercise_id]
        if ex.unilateral:
            assert item.side_emphasis.startswith(ex.side_text(side) + ": ")
            assert f"{ex.side_text(other)}: {item.sets_other_side} sets" in item.side_emphasis
            assert item.sets == item.sets_other_side + 1
        else:
            assert item.side_emphasis is None and item.sets_other_side is None


def test_findings_on_both_sides_give_no_emphasis_where_they_meet(lib):
    program = build_program([F("pelvic_drop", "left"), F("knee_valgus", "right")], ALL)
    for item in program.items:
        if not lib[item.exercise_id].unilateral:
            continue
        if set(item.answers) == {"pelvic_drop", "knee_valgus"}:
            assert item.side_emphasis is None
        elif item.answers == ["pelvic_drop"]:
            assert "start with the left side" in item.side_emphasis
        elif item.answers == ["knee_valgus"]:
            assert "start with the right side" in item.side_emphasis


def test_asymmetry_side_drives_emphasis_of_other_items(lib):
    program = build_program([F("trunk_lean", side="both"), F("asymmetry", side="right")], ALL)
    plank = next(i for i in program.phases[0].items if i.exercise_id == "side_plank_knees")
    assert plank.side_emphasis.startswith("right side down")
    alone = build_program([F("trunk_lean", side="both")], ALL)
    assert all(i.side_emphasis is None for i in alone.items)


EQUIPMENT_CASES = [
    pytest.param(frozenset(), id="bodyweight"),
    pytest.param(frozenset({"band"}), id="band"),
    pytest.param(frozenset({"dumbbell", "step"}), id="dumbbell-step"),
    pytest.param(frozenset({"ankle_weight", "machine"}), id="ankle-machine"),
    pytest.param(ALL_EQUIPMENT, id="everything"),
]
ALL_POOR = [F(fid) for fid in FINDINGS]


@pytest.mark.parametrize("equipment", EQUIPMENT_CASES)
@pytest.mark.parametrize("level", ["beginner", "intermediate", "advanced", "athlete"])
def test_never_prescribes_unavailable_equipment(lib, equipment, level):
    ctx = ProgramContext(equipment=equipment, level=level)
    program = build_program(ALL_POOR, ctx)
    for item in program.items:
        assert set(lib[item.exercise_id].equipment) & ctx.equipment, item.exercise_id
    for phase in program.phases:
        assert 1 <= len(phase.items) <= lib.rules["max_items_per_phase"]


def test_missing_equipment_uses_regression_and_says_so():
    with_band = build_program([F("pelvic_drop")], ProgramContext(equipment={"band"}))
    without = build_program([F("pelvic_drop")], ProgramContext())
    assert "lateral_band_walk" in {i.exercise_id for i in with_band.phases[1].items}
    ids = {i.exercise_id for i in without.phases[1].items}
    assert "lateral_band_walk" not in ids and "side_step" in ids
    walk = next(i for i in without.phases[1].items if i.exercise_id == "side_step")
    assert walk.replaces == "Lateral band walk"
    assert any("instead of Lateral band walk (needs band)" in n for n in without.notes)


def test_level_changes_starting_point_and_dose():
    fs = [F("pelvic_drop"), F("knee_valgus")]
    ids = {
        lvl: {p.number: [i.exercise_id for i in p.items] for p in build_program(fs, ctx).phases}
        for lvl, ctx in {
            "beginner": ProgramContext(equipment=ALL_EQUIPMENT, level="beginner"),
            "intermediate": ALL,
            "advanced": ProgramContext(equipment=ALL_EQUIPMENT, level="advanced"),
        }.items()
    }
    # beginners start one step down a chain, advanced one step up
    assert "supine_isometric_abduction" in ids["beginner"][1]
    assert "standing_isometric_abduction" in ids["intermediate"][1]
    assert "side_lying_hip_abduction_ankle_weight" not in ids["beginner"][2]
    assert "side_lying_hip_abduction_ankle_weight" in ids["intermediate"][2]
    assert "single_leg_squat_box" in ids["beginner"][3]
    assert "step_down_knee_cue" in ids["intermediate"][3]
    assert {"banded_clamshell", "single_leg_bridge"} <= set(ids["advanced"][1])
    assert not {"banded_clamshell", "single_leg_bridge"} & set(ids["intermediate"][1])

    beginner = build_program([F("knee_valgus", side="both")], ProgramContext(level="beginner"))
    advanced = build_program([F("knee_valgus", side="both")], ProgramContext(level="advanced"))
    bridge_b = next(i for i in beginner.phases[0].items if i.exercise_id == "glute_bridge")
    assert (bridge_b.sets, bridge_b.reps) == (2, 10)  # the low end of 2-3 x 10-15
    strength_sets = {i.sets for i in advanced.phases[1].items if i.reps is not None}
    assert strength_sets == {4}
    assert any("Beginner" in n for n in beginner.notes)


def _tags(lib, program):
    return {t for i in program.items for t in lib[i.exercise_id].contraindications}


@pytest.mark.parametrize(
    "findings",
    [
        pytest.param(ALL_POOR, id="all-findings"),
        pytest.param([F("pelvic_drop")], id="pelvic-drop"),
        pytest.param([F("trunk_lean")], id="trunk-lean"),
        pytest.param([], id="maintenance"),
    ],
)
@pytest.mark.parametrize("level", ["beginner", "advanced"])
def test_lateral_hip_pain_removes_contraindicated_entries(lib, findings, level):
    ctx = ProgramContext(equipment=ALL_EQUIPMENT, level=level, lateral_hip_pain=True)
    program = build_program(findings, ctx)
    assert not _tags(lib, program) & {"hip_adduction_end_range", "lateral_hip_compression"}
    assert any("Lateral hip pain" in n for n in program.notes)
    assert any("assessed by a physiotherapist or doctor" in n for n in program.notes)
    no_pain = build_program(findings, ProgramContext(equipment=ALL_EQUIPMENT, level=level))
    assert _tags(lib, no_pain) & {"hip_adduction_end_range", "lateral_hip_compression"}


def test_lateral_hip_pain_puts_isometrics_first(lib):
    program = build_program([F("pelvic_drop")], ProgramContext(lateral_hip_pain=True))
    first = program.phases[0].items[0]
    assert lib[first.exercise_id].mode == "isometric"
    assert "lateral hip pain" in first.why
    removed = [n for n in program.notes if "avoided with lateral hip pain" in n]
    assert any("Clamshell" in n for n in removed)


@pytest.mark.parametrize(
    "findings",
    [
        pytest.param([], id="none"),
        pytest.param([F("knee_valgus", severity="good")], id="good-only"),
    ],
)
def test_no_findings_gives_maintenance(findings):
    program = build_program(findings)
    assert program.kind == "maintenance"
    assert len(program.phases) == 1
    assert 3 <= len(program.items) <= 6
    assert {i.sessions_per_week for i in program.items} == {2}
    assert program.findings_used == []
    assert all(i.answers == [] for i in program.items)


def test_unrated_finding_alone_gives_maintenance_and_is_noted():
    indicative = F("pelvic_drop", rated=False)
    program = build_program([indicative])
    assert program.kind == "maintenance"
    assert any(
        n.startswith("Indicative, not used") and indicative.summary in n for n in program.notes
    )


def test_unrated_finding_never_drives_a_corrective_program():
    program = build_program([F("pelvic_drop", rated=False), F("trunk_lean", severity="fair")])
    assert program.kind == "corrective"
    assert [f["id"] for f in program.findings_used] == ["trunk_lean"]
    assert all(i.answers == ["trunk_lean"] for i in program.items)


def test_unknown_finding_is_noted_not_used():
    program = build_program([F("hamstring_tightness")])
    assert program.kind == "maintenance"
    assert any("hamstring_tightness" in n for n in program.notes)


def test_landing_work_for_athletes_only(lib):
    fs = [F("knee_valgus")]
    athlete = build_program(fs, ProgramContext(athlete=True))
    by_level = build_program(fs, ProgramContext(level="athlete"))
    regular = build_program(fs, ProgramContext(level="advanced"))
    for program in (athlete, by_level):
        plyo = [i for i in program.phases[2].items if lib[i.exercise_id].mode == "plyometric"]
        assert {i.exercise_id for i in plyo} == {"landing_drill", "low_impact_hops"}
        assert all(i.sessions_per_week <= 2 for i in plyo)
    assert "high_impact" not in _tags(lib, regular)
    assert any("athletes only" in n for n in regular.notes)


# Dose ranges from clinical.md §8.2-8.3 and the issue, hard-coded here on purpose.
def _check_dose(lib, phase: int, item) -> None:
    mode = lib[item.exercise_id].mode
    sets = [item.sets] + ([item.sets_other_side] if item.sets_other_side else [])
    if mode == "isometric":
        assert 5 <= item.hold_s <= 10 and item.reps == 5
        assert all(2 <= s <= 3 for s in sets)
    elif mode == "timed_hold":
        assert 10 <= item.hold_s <= 30 and item.reps is None
        assert all(3 <= s <= 5 for s in sets)
    elif mode == "plyometric":
        assert item.sessions_per_week <= 2 and item.reps <= 8
    elif phase == 1:
        assert all(2 <= s <= 3 for s in sets) and 10 <= item.reps <= 15
    elif phase == 2:
        assert all(3 <= s <= 4 for s in sets) and 6 <= item.reps <= 12
    else:
        assert all(2 <= s <= 3 for s in sets) and 8 <= item.reps <= 12
    if phase == 1:
        assert item.sessions_per_week >= 5  # daily or most days
    elif mode != "plyometric":
        assert 2 <= item.sessions_per_week <= 3  # 48-72 h between sessions
    assert item.rest_s > 0 and item.tempo


@pytest.mark.parametrize("level", ["beginner", "intermediate", "advanced", "athlete"])
@pytest.mark.parametrize("fid", FINDINGS)
@pytest.mark.parametrize("side", ["left", "both"])
def test_dosage_within_rules(lib, level, fid, side):
    ctx = ProgramContext(equipment=ALL_EQUIPMENT, level=level)
    program = build_program([F(fid, side=side)], ctx)
    for phase in program.phases:
        for item in phase.items:
            _check_dose(lib, phase.number, item)


def test_program_text_fields():
    program = build_program([F("knee_valgus")])
    rubric = tomllib.loads(
        resources.files("hipcheck.data").joinpath("rubric.toml").read_text(encoding="utf-8")
    )
    assert "4-6 weeks" in program.retest and "same protocol" in program.retest
    assert f"FPPA about {rubric['mdc']['fppa']:.0f} deg" in program.retest
    assert f"pelvic drop about {rubric['mdc']['pelvic_drop']:.0f} deg" in program.retest
    assert any("2-10%" in r for r in program.progression_rules)
    assert program.safety.red_flags and len(program.safety.par_q) == 6
    assert "fall risk" in program.safety.fall_risk
    assert "not a diagnosis" in program.disclaimer
    assert program.phases[2].retraining  # movement retraining cues in phase 3


def test_too_many_items_are_capped_and_noted(lib):
    program = build_program(ALL_POOR, ALL)
    cap = lib.rules["max_items_per_phase"]
    assert all(len(p.items) <= cap for p in program.phases)
    assert any("keep the session short" in n for n in program.notes)


def test_program_roundtrip_json():
    program = build_program([F("pelvic_drop"), F("knee_valgus", rated=False)], ALL)
    d = json.loads(json.dumps(program.to_dict()))
    assert Program.from_dict(d) == program
    d["schema_version"] = 99
    with pytest.raises(ValueError, match="schema_version"):
        Program.from_dict(d)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"equipment": {"sofa"}}, "sofa", id="equipment"),
        pytest.param({"level": "pro"}, "pro", id="level"),
    ],
)
def test_context_rejects_unknown_values(kwargs, match):
    with pytest.raises(ProgramInputError, match=match):
        ProgramContext(**kwargs)


def test_context_always_has_bodyweight():
    assert "none" in ProgramContext(equipment=frozenset({"band"})).equipment
