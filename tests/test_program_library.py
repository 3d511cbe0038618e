"""The exercise library and safety data: load, validate, completeness, chains."""

from __future__ import annotations

import copy

import pytest

from hipcheck.program import library as libmod
from hipcheck.program.library import check_library, load_library, load_raw, load_schema
from hipcheck.program.safety import disclaimer_text, par_q, red_flags, screen
from hipcheck.program.validate import validate

# The exercises the product brief names (issue 6), by the id we gave them.
REQUIRED_IDS = [
    "glute_bridge",
    "single_leg_bridge",
    "hip_thrust_bodyweight",
    "barbell_hip_thrust",
    "clamshell",
    "banded_clamshell",
    "side_lying_hip_abduction",
    "side_lying_hip_abduction_ankle_weight",
    "standing_isometric_abduction",
    "lateral_band_walk",
    "hip_abductor_machine",
    "quadruped_hip_extension",
    "prone_hip_extension",
    "side_plank_knees",
    "side_plank_full",
    "side_plank_hip_abduction",
    "front_plank_hip_extension",
    "forward_step_up",
    "lateral_step_up",
    "step_down_knee_cue",
    "single_leg_squat_box",
    "romanian_deadlift",
    "single_leg_rdl",
    "forward_lunge",
    "reverse_lunge",
    "lateral_lunge",
    "curtsy_lunge",
    "hip_hitch",
    "low_impact_hops",
    "landing_drill",
]
PHASE_ORDER = {"activation": 0, "strength": 1, "functional": 2, "power": 3}


@pytest.fixture(scope="module")
def lib():
    return load_library()


@pytest.fixture(scope="module")
def raw():
    return load_raw()


def test_library_loads_and_validates(lib, raw):
    assert check_library(raw) == []
    assert validate(raw, load_schema()) == []
    assert len(lib.exercises) == len(raw["exercise"])


def test_schema_agrees_with_jsonschema_when_available(raw):
    jsonschema = pytest.importorskip("jsonschema")
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(raw)) == []


@pytest.mark.parametrize("exercise_id", REQUIRED_IDS)
def test_required_exercise_present(lib, exercise_id):
    assert exercise_id in lib


def test_every_entry_complete(lib):
    for ex in lib.exercises.values():
        assert ex.how_to and ex.cues and ex.mistakes and ex.targets, ex.id
        assert ex.equipment, ex.id
        ev = ex.evidence
        if ev["grade"] == "none":
            assert "no activation figure" in ev["summary"], ex.id
        else:
            # a number (EMG %MVIC, an index or r) and a citation with a year or a section
            assert any(ch.isdigit() for ch in ev["summary"] + ev["citation"]), ex.id
        for key in ("sets", "rest_s", "tempo", "sessions_per_week"):
            assert key in ex.dosage, (ex.id, key)
        assert ("reps" in ex.dosage) or ("hold_s" in ex.dosage), ex.id


def test_links_exist_and_phases_never_go_backwards(lib):
    for ex in lib.exercises.values():
        for link in (ex.regression, ex.progression, *ex.alternatives):
            assert not link or link in lib, (ex.id, link)
        if ex.progression:
            nxt = lib[ex.progression]
            assert PHASE_ORDER[nxt.phase] >= PHASE_ORDER[ex.phase], (ex.id, nxt.id)
        if ex.regression:
            prev = lib[ex.regression]
            assert PHASE_ORDER[prev.phase] <= PHASE_ORDER[ex.phase], (ex.id, prev.id)


def test_no_cycles_in_progressions_or_regressions(lib):
    for ex in lib.exercises.values():
        for link in ("progression", "regression"):
            seen, current = {ex.id}, getattr(ex, link)
            while current:
                assert current not in seen, f"{link} cycle through {ex.id}"
                seen.add(current)
                current = getattr(lib[current], link)


@pytest.mark.parametrize(
    ("exercise_id", "tag"),
    [
        pytest.param("clamshell", "hip_adduction_end_range", id="clam-adduction"),
        pytest.param("clamshell", "lateral_hip_compression", id="clam-compression"),
        pytest.param("side_lying_hip_abduction", "lateral_hip_compression", id="sla"),
        pytest.param(
            "side_lying_hip_abduction_ankle_weight", "lateral_hip_compression", id="sla-w"
        ),
        pytest.param("curtsy_lunge", "hip_adduction_end_range", id="curtsy"),
        pytest.param("side_plank_knees", "lateral_hip_compression", id="side-plank-knees"),
        pytest.param("side_plank_hip_abduction", "lateral_hip_compression", id="side-plank-abd"),
        pytest.param("hip_hitch", "hip_adduction_end_range", id="hip-hitch"),
        pytest.param("low_impact_hops", "high_impact", id="hops"),
        pytest.param("landing_drill", "high_impact", id="landing"),
        pytest.param("quadruped_hip_extension", "kneeling", id="quadruped"),
    ],
)
def test_contraindication_tags(lib, exercise_id, tag):
    assert tag in lib[exercise_id].contraindications


# Dose ranges straight from clinical.md §8.2-8.3 (not read from the data under test).
def _dose_ok(ex) -> bool:
    d = ex.dosage
    if ex.mode == "isometric":
        return 5 <= d["hold_s"] <= 10 and d["reps"] == 5
    if ex.mode == "timed_hold":
        return 10 <= d["hold_s"] <= 30 and 3 <= d["sets"] <= 5
    if ex.mode == "plyometric":
        return d["sessions_per_week"] <= 2
    if ex.phase == "activation":
        return 2 <= d["sets"] <= 3 and 10 <= d["reps"] <= 15 and d["sessions_per_week"] >= 5
    return 2 <= d["sets"] <= 4 and 6 <= d["reps"] <= 12 and 2 <= d["sessions_per_week"] <= 3


def test_library_doses_within_clinical_rules(lib):
    bad = [ex.id for ex in lib.exercises.values() if not _dose_ok(ex)]
    assert bad == []


def _mutate(raw, fn):
    data = copy.deepcopy(raw)
    fn(data)
    return check_library(data)


def _ex(data, exercise_id):
    return next(e for e in data["exercise"] if e["id"] == exercise_id)


@pytest.mark.parametrize(
    ("mutation", "match"),
    [
        pytest.param(lambda d: _ex(d, "clamshell").pop("cues"), "cues", id="missing-field"),
        pytest.param(lambda d: _ex(d, "clamshell").update(phase="warmup"), "warmup", id="enum"),
        pytest.param(
            lambda d: _ex(d, "clamshell").update(equipment=["sofa"]), "sofa", id="equipment"
        ),
        pytest.param(
            lambda d: _ex(d, "clamshell").update(progression="nope"), "nope", id="dangling-id"
        ),
        pytest.param(
            lambda d: _ex(d, "banded_clamshell").update(progression="clamshell"),
            "progression cycle",
            id="cycle",
        ),
        pytest.param(
            lambda d: _ex(d, "side_plank_knees")["dosage"].update(reps=10),
            "timed_hold",
            id="hold-and-reps",
        ),
        pytest.param(
            lambda d: d["exercise"].append(copy.deepcopy(_ex(d, "clamshell"))),
            "duplicate",
            id="duplicate",
        ),
        pytest.param(
            lambda d: d["mapping"]["pelvic_drop"]["phase1"].append(
                {"id": "yoga", "min_severity": "fair"}
            ),
            "yoga",
            id="mapping-id",
        ),
        pytest.param(
            lambda d: d["rules"]["dosage"]["activation"].pop("timed_hold"),
            "no timed_hold dosage",
            id="dosage-missing",
        ),
    ],
)
def test_check_library_catches_errors(raw, mutation, match):
    errors = _mutate(raw, mutation)
    assert any(match in e for e in errors), errors


def test_load_library_raises_on_invalid_data(monkeypatch, raw):
    bad = copy.deepcopy(raw)
    _ex(bad, "clamshell")["regression"] = "missing_entry"
    monkeypatch.setattr(libmod, "load_raw", lambda: bad)
    libmod.load_library.cache_clear()
    try:
        with pytest.raises(libmod.LibraryError, match="missing_entry"):
            libmod.load_library()
    finally:
        libmod.load_library.cache_clear()


SMALL_SCHEMA = {
    "type": "object",
    "required": ["n"],
    "additionalProperties": False,
    "properties": {
        "n": {"anyOf": [{"type": "integer", "minimum": 1}, {"$ref": "#/$defs/lv"}]},
        "s": {"type": "string", "pattern": "^[a-z]+$", "minLength": 2},
        "xs": {"type": "array", "minItems": 1, "items": {"enum": ["a", "b"]}},
    },
    "$defs": {"lv": {"type": "object", "required": ["beginner"]}},
}


@pytest.mark.parametrize(
    ("instance", "n_errors"),
    [
        pytest.param({"n": 1}, 0, id="ok-int"),
        pytest.param({"n": {"beginner": 2}}, 0, id="ok-ref"),
        pytest.param({"n": True}, 1, id="bool-is-not-int"),
        pytest.param({"n": 0}, 1, id="below-minimum"),
        pytest.param({"n": {}}, 1, id="ref-missing-key"),
        pytest.param({}, 1, id="missing-required"),
        pytest.param({"n": 1, "extra": 1}, 1, id="additional"),
        pytest.param({"n": 1, "s": "Ab"}, 1, id="pattern"),
        pytest.param({"n": 1, "s": "a"}, 1, id="min-length"),
        pytest.param({"n": 1, "xs": []}, 1, id="min-items"),
        pytest.param({"n": 1, "xs": ["a", "c"]}, 1, id="item-enum"),
    ],
)
def test_hand_validator(instance, n_errors):
    assert len(validate(instance, SMALL_SCHEMA)) == n_errors


# ---------------------------------------------------------------- safety data


def test_safety_wording_complete():
    flags = red_flags()
    assert len(flags) >= 8
    assert any(f.urgent and "bladder" in f.question for f in flags)  # cauda equina
    assert len(par_q()) == 6
    text = disclaimer_text()
    assert "not a diagnosis or an injury predictor" in text
    assert "not a prescription" in text


@pytest.mark.parametrize(
    ("flags", "parq", "proceed", "urgent"),
    [
        pytest.param({}, [False] * 6, True, False, id="all-clear"),
        pytest.param({"trauma": True}, [False] * 6, False, False, id="red-flag"),
        pytest.param({"cauda_equina": True}, [False] * 6, False, True, id="urgent"),
        pytest.param({"trauma": False}, [False] * 5 + [True], False, False, id="par-q-yes"),
    ],
)
def test_screen(flags, parq, proceed, urgent):
    result = screen(flags, parq)
    assert result["proceed"] is proceed
    assert result["urgent"] is urgent
    assert result["message"]


def test_screen_rejects_bad_answers():
    with pytest.raises(KeyError):
        screen({"unknown": True}, [False] * 6)
    with pytest.raises(ValueError, match="PAR-Q"):
        screen({}, [False])
