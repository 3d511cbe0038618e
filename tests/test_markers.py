"""Marker-assisted measurement: detection, identity, gaps, calibration, angles, rules.

Real rendered frames (``../shared/data/rendered``, dev01-05 wear green discs) are used
with landmarks made from the clip's truth joints, shifted by a few pixels the way the
pose model is off, so these tests need no pose model. The end-to-end tests that run
the pose model are marked slow.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from hipcheck.config import AnalysisConfig
from hipcheck.errors import HipcheckError
from hipcheck.kinematics import pelvic_drop_deg
from hipcheck.landmarks import LM, LandmarkSeries
from hipcheck.markers import check_marker_option, markers_for_series
from hipcheck.markers.calibrate import find_marker_set, hue_candidates
from hipcheck.markers.confirm import confirm_marker_set
from hipcheck.markers.detect import PRESETS, detect_blobs, get_colour
from hipcheck.markers.frames import StandingFrame, standing_crops
from hipcheck.markers.identify import SITES
from hipcheck.markers.measures import hip_centre_from_asis, marker_angles
from hipcheck.markers.track import body_scale_px, track_markers, video_images
from hipcheck.pipeline import analyze_landmarks

sys.path.insert(0, str(Path(__file__).parent))
from landmark_cache import cached_landmarks  # noqa: E402
from skeleton import Plan, make_series  # noqa: E402

# A pose model's hip sits a few pixels off the joint centre; these offsets (px) keep
# the identity logic honest about not needing exact landmarks.
_LANDMARK_OFFSET = {"hip": (3.0, -6.0), "knee": (-2.0, 4.0), "ankle": (2.0, -3.0), "sh": (0, 5)}


def _truth(shared: Path, clip: str) -> dict:
    return json.loads((shared / "data" / "rendered" / f"{clip}.truth.json").read_text())


def _frames(shared: Path, clip: str, n: int) -> list[np.ndarray]:
    return list(itertools.islice(video_images(shared / "data" / "rendered" / f"{clip}.mp4"), n))


def _truth_landmarks(truth: dict, n: int) -> LandmarkSeries:
    """Landmarks (subject's sides) from the truth joints of the first ``n`` frames."""
    w, h = truth["size"]
    s = truth["stance"]
    o = "right" if s == "left" else "left"
    series = LandmarkSeries.empty(n, (w, h), model="truth", source="rendered truth")
    series.t_s = np.arange(n) / float(truth["fps"])
    xy = np.full((n, 33, 2), np.nan, dtype=np.float32)
    for side, tag in ((s, "s"), (o, "c")):
        for joint, key in (
            ("HIP", "hip"),
            ("KNEE", "knee"),
            ("ANKLE", "ankle"),
            ("SHOULDER", "sh"),
        ):
            xy[:, LM[f"{side.upper()}_{joint}"]] = np.asarray(truth["joints"][f"{key}_{tag}"])[
                :n
            ] + np.asarray(_LANDMARK_OFFSET[key])
    series.xy = xy
    series.visibility = np.where(np.isfinite(xy[..., 0]), 1.0, np.nan).astype(np.float32)
    return series


def _mirror(series: LandmarkSeries, images: list[np.ndarray]) -> tuple[LandmarkSeries, list]:
    """Flip frames and landmarks horizontally, keeping the landmarks' subject sides."""
    w = series.frame_size[0]
    flipped = LandmarkSeries.empty(series.n_frames, series.frame_size, "truth")
    flipped.t_s = series.t_s
    xy = series.xy.copy()
    xy[..., 0] = w - xy[..., 0]
    flipped.xy = xy
    flipped.visibility = series.visibility
    return flipped, [np.ascontiguousarray(im[:, ::-1]) for im in images]


def _site_truth(truth: dict, n: int, mirrored: bool = False) -> np.ndarray:
    """(n, 7, 2) true marker centres in SITES order (subject's sides)."""
    s = truth["stance"]
    o = "right" if s == "left" else "left"
    key = {"sternum": "sternum"}
    for part in ("asis", "patella", "ankle"):
        key[f"{part}_{s}"], key[f"{part}_{o}"] = f"{part}_s", f"{part}_c"
    out = np.stack([np.asarray(truth["markers"][key[site]])[:n] for site in SITES], axis=1)
    if mirrored:
        out[..., 0] = truth["size"][0] - out[..., 0]
    return out


@pytest.fixture(scope="module")
def dev03(shared_dir: Path) -> tuple[dict, LandmarkSeries, list[np.ndarray]]:
    """dev03 (left stance, marked) up to just after the first rep's bottom."""
    truth = _truth(shared_dir, "dev03")
    n = truth["reps"][0]["bottom_frame"] + 8
    return truth, _truth_landmarks(truth, n), _frames(shared_dir, "dev03", n)


@pytest.fixture(scope="module")
def dev02(shared_dir: Path) -> tuple[dict, LandmarkSeries, list[np.ndarray]]:
    """dev02 (right stance, moderate) up to just after the first rep's bottom."""
    truth = _truth(shared_dir, "dev02")
    n = truth["reps"][0]["bottom_frame"] + 8
    return truth, _truth_landmarks(truth, n), _frames(shared_dir, "dev02", n)


# --- detection -----------------------------------------------------------------------


def test_blob_centres_are_subpixel_accurate(dev03: tuple) -> None:
    truth, series, images = dev03
    scale = body_scale_px(series)
    for i in (0, len(images) - 8):
        blobs = detect_blobs(images[i], PRESETS["green"], leg_length_px=scale)
        assert len(blobs) == 7
        true_xy = _site_truth(truth, len(images))[i]
        err = np.linalg.norm(blobs.xy[:, None] - true_xy[None], axis=2).min(axis=0)
        assert err.max() < 1.5


def test_blob_size_limits_reject_big_and_tiny_patches() -> None:
    image = np.full((400, 300, 3), 200, dtype=np.uint8)
    green = (40, 250, 40)
    cv2.circle(image, (100, 100), 6, green, -1)  # a disc for a 400 px leg (~11 px)
    cv2.rectangle(image, (150, 200), (250, 300), green, -1)  # a green shirt patch
    image[50, 250] = green  # one noisy pixel
    blobs = detect_blobs(image, PRESETS["green"], leg_length_px=400)
    assert len(blobs) == 1
    # pixel-centre convention: a disc drawn at pixel (100, 100) is centred at 100.5
    np.testing.assert_allclose(blobs.xy[0], [100.5, 100.5], atol=0.2)


# --- identity ------------------------------------------------------------------------


@pytest.mark.parametrize("mirrored", [False, True])
@pytest.mark.parametrize("clip", ["dev03", "dev02"])
def test_identity_both_stances_and_mirrored(clip: str, mirrored: bool, request) -> None:
    truth, series, images = request.getfixturevalue(clip)
    if mirrored:
        series, images = _mirror(series, images)
    tracks = track_markers(images, series, PRESETS["green"])
    true_xy = _site_truth(truth, len(images), mirrored=mirrored)
    err = np.linalg.norm(tracks.xy - true_xy, axis=2)
    assert tracks.detected.all()
    assert np.nanmax(err) < 3.0, dict(zip(SITES, np.nanmax(err, axis=0).round(2), strict=True))
    # the subject's left ASIS is on the image right unless the video is mirrored
    left, right = tracks.site("asis_left")[0, 0], tracks.site("asis_right")[0, 0]
    assert (left > right) != mirrored


# --- gaps ----------------------------------------------------------------------------


def _hide(images: list[np.ndarray], centres: np.ndarray, frames: range) -> list[np.ndarray]:
    out = [im.copy() for im in images]
    for i in frames:
        x, y = centres[i]
        cv2.circle(out[i], (round(x), round(y)), 12, (180, 140, 120), -1)  # suit colour
    return out


def test_short_gap_is_interpolated_long_gap_is_lost(dev03: tuple) -> None:
    truth, series, images = dev03
    site = SITES.index("asis_left")
    true_xy = _site_truth(truth, len(images))
    short, long_ = range(40, 44), range(60, 72)  # 4 frames (0.13 s), 12 frames (0.4 s)
    hidden = _hide(images, true_xy[:, site], itertools.chain(short, long_))
    tracks = track_markers(hidden, series, PRESETS["green"], max_gap_s=0.2)
    assert not tracks.detected[list(short), site].any()
    assert tracks.filled[list(short), site].all()
    err = np.linalg.norm(tracks.xy[list(short), site] - true_xy[list(short), site], axis=1)
    assert err.max() < 3.0  # linear interpolation across 0.17 s of movement
    assert tracks.lost[list(long_), site].all()
    assert not tracks.lost[72:, site].any()  # re-acquired after the gap
    summary = tracks.summary()["sites"]["asis_left"]
    assert summary["filled_frames"] == 4 and summary["lost_frames"] == 12
    # the other markers are untouched
    assert not tracks.lost[:, [i for i in range(7) if i != site]].any()


# --- colour calibration --------------------------------------------------------------


def _recolour(images: list[np.ndarray], hue: int) -> list[np.ndarray]:
    out = []
    for im in images:
        hsv = cv2.cvtColor(im, cv2.COLOR_RGB2HSV)
        disc = (np.abs(hsv[..., 0].astype(int) - 58) <= 14) & (hsv[..., 1] >= 100)
        hsv[..., 0][disc] = hue
        out.append(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB))
    return out


def _standing(images: list[np.ndarray], series: LandmarkSeries) -> list[StandingFrame]:
    """HSV body crops of the first second's frames (quiet standing in the rendered set)."""
    pick = list(range(0, 30, 4))
    return standing_crops(images, pick, series.xy, body_scale_px(series))


def test_calibration_finds_green_and_recoloured_pink(dev02: tuple) -> None:
    _, series, images = dev02
    scale = body_scale_px(series)
    green, _ = find_marker_set(_standing(images, series), scale)
    assert green is not None and green.confirmed
    assert abs(green.colour.hue - PRESETS["green"].hue) <= 4
    pink_images = _recolour(images, 165)
    pink_frames = _standing(pink_images, series)
    # the recoloured discs are no longer green, and the pink preset sees them
    assert not confirm_marker_set(pink_frames, scale, PRESETS["green"]).confirmed
    assert confirm_marker_set(pink_frames, scale, PRESETS["pink"]).confirmed
    # an uncommon hue is found by the calibration (hue peak at the sites), not a preset
    odd_images = _recolour(images, 140)
    odd_frames = _standing(odd_images, series)
    calibrated = [
        c
        for c in hue_candidates(odd_frames, scale)
        if confirm_marker_set(odd_frames, scale, c).confirmed
    ]
    assert calibrated and abs(calibrated[0].hue - 140) <= 4
    found, tried = find_marker_set(odd_frames, scale)
    assert found is not None and found.confirmed and found.colour.name == "calibrated"
    assert len(tried) > 1  # the presets were tried first and refused
    tracks = track_markers(odd_images, series, found.colour, disc_area_px=found.disc_area_px)
    err = np.linalg.norm(tracks.xy - _site_truth(dev02[0], len(images)), axis=2)
    assert np.nanmax(err) < 3.0


def test_calibration_finds_nothing_without_markers(shared_dir: Path) -> None:
    truth = _truth(shared_dir, "dev06")
    series = _truth_landmarks(truth, 30)
    images = _frames(shared_dir, "dev06", 30)
    best, tried = find_marker_set(_standing(images, series), body_scale_px(series))
    assert best is not None and not best.confirmed and len(tried) >= 5
    result = markers_for_series(images, series, AnalysisConfig(markers="auto"))
    assert result.angles is None and result.summary["used"] is False
    assert result.summary["reason"].startswith("no markers found: ")
    # a named colour that is not there: no angles, and a note for the user
    named = markers_for_series(images, series, AnalysisConfig(markers="green"))
    assert named.angles is None and "No green skin markers" in (named.note or "")


def test_unknown_colour_is_a_user_error() -> None:
    with pytest.raises(HipcheckError) as info:
        check_marker_option("chartreuse")
    assert "green" in info.value.hint
    assert get_colour("Magenta").hue == PRESETS["pink"].hue
    check_marker_option("auto")
    check_marker_option("off")


# --- angles (known geometry) ---------------------------------------------------------


def _markers(drop_deg: float, lean_deg: float, valgus_px: float, *, stance: str, mirror: bool):
    """Markers of a figure standing on ``stance`` (subject's left on the image right)."""
    sx = 1.0 if stance == "left" else -1.0  # image direction of the stance side
    a = np.radians(drop_deg)
    asis_s = np.array([360 + sx * 60, 500.0])
    asis_o = asis_s + np.array([-sx * 120 * np.cos(a), 120 * np.sin(a)])
    mid = (asis_s + asis_o) / 2
    b = np.radians(lean_deg)
    sternum = mid + 300 * np.array([sx * np.sin(b), -np.cos(b)])
    hip_s = asis_s  # FPPA from the ASIS: straight leg below it, knee shifted medially
    knee_s = hip_s + np.array([-sx * valgus_px, 200.0])
    ankle_s = hip_s + np.array([0.0, 400.0])
    knee_o, ankle_o = asis_o + [0, 200.0], asis_o + [0, 400.0]
    by_side = {stance: (asis_s, knee_s, ankle_s), ("right" if stance == "left" else "left"): (asis_o, knee_o, ankle_o)}  # fmt: skip
    xy = np.array(
        [by_side["left"][0], by_side["right"][0], by_side["left"][1], by_side["right"][1],
         by_side["left"][2], by_side["right"][2], sternum]
    )[None]  # fmt: skip
    if mirror:
        xy[..., 0] = 720 - xy[..., 0]
    return xy


@pytest.mark.parametrize("stance", ["left", "right"])
@pytest.mark.parametrize("mirror", [False, True])
def test_marker_angles_known_geometry(stance: str, mirror: bool) -> None:
    xy = _markers(8.0, 6.0, 20.0, stance=stance, mirror=mirror)
    a = marker_angles(xy, hip_point="asis", trunk_base="asis").iloc[0]
    assert a[f"pelvic_drop_{stance}_deg"] == pytest.approx(8.0, abs=1e-6)
    assert a[f"trunk_lean_{stance}_deg"] == pytest.approx(6.0, abs=1e-6)
    assert a[f"fppa_{stance}_deg"] == pytest.approx(2 * np.degrees(np.arctan(20 / 200)), abs=1e-6)
    other = "right" if stance == "left" else "left"
    assert a[f"pelvic_drop_{other}_deg"] == pytest.approx(-8.0, abs=1e-6)
    # the HJC-based trunk base moves along the pelvis normal: same lean when the pelvis is level
    level = marker_angles(_markers(0.0, 6.0, 0.0, stance=stance, mirror=mirror)).iloc[0]
    assert level[f"trunk_lean_{stance}_deg"] == pytest.approx(
        np.degrees(
            np.arctan2(300 * np.sin(np.radians(6)), 300 * np.cos(np.radians(6)) + 0.34 * 120)
        ),
        abs=1e-6,
    )
    assert level[f"fppa_{stance}_deg"] == pytest.approx(0.0, abs=1e-6)


def test_hip_centre_from_asis_known_geometry() -> None:
    asis, other = np.array([100.0, 200.0]), np.array([300.0, 200.0])
    np.testing.assert_allclose(hip_centre_from_asis(asis, other), [128.0, 268.0])
    np.testing.assert_allclose(hip_centre_from_asis(other, asis), [272.0, 268.0])
    assert np.isnan(hip_centre_from_asis(asis, np.array([np.nan, 1.0]))).all()


# --- rules: not validated -> not rated -----------------------------------------------


def _skeleton_marker_fn(series: LandmarkSeries):  # noqa: ANN202
    """Marker angles that see the skeleton's true hip line (what ASIS markers would)."""

    def f(t: np.ndarray) -> pd.DataFrame:
        i = np.clip(np.searchsorted(series.t_s, t), 0, series.n_frames - 1)
        left, right = series.xy[i, LM.LEFT_HIP], series.xy[i, LM.RIGHT_HIP]
        return pd.DataFrame(
            {
                "pelvic_drop_left_deg": pelvic_drop_deg(left, right),
                "pelvic_drop_right_deg": pelvic_drop_deg(right, left),
            }
        )

    return f


def test_pelvic_drop_rated_only_from_markers_in_assessment_and_program() -> None:
    series, _ = make_series(Plan(side="right", drop_deg=10.0, fppa_deg=0.0, lean_deg=0.0))
    landmarks = analyze_landmarks(series).assessment
    assert landmarks.metric_source("pelvic_drop_deg") == "landmarks"
    for rep in landmarks.reps:
        mv = rep.metric("pelvic_drop_deg")
        assert mv.status == "indicative" and mv.rating is None and mv.reason
    drop = [f for f in landmarks.findings if f.id == "pelvic_drop"]
    assert drop and not any(f.rated for f in drop)
    assert landmarks.program is not None and landmarks.program.kind == "maintenance"
    assert not any(f.get("id") == "pelvic_drop" for f in landmarks.program.findings_used)

    markers = analyze_landmarks(series, marker_angles=_skeleton_marker_fn(series)).assessment
    assert markers.metric_source("pelvic_drop_deg") == "markers"
    assert markers.metric_source("knee_valgus_deg") == "landmarks"
    for rep in markers.reps:
        mv = rep.metric("pelvic_drop_deg")
        assert mv.status == "measured" and mv.rating == "poor"
        assert mv.bottom_rel == pytest.approx(10.0, abs=0.3)
    assert any(f.id == "pelvic_drop" and f.rated for f in markers.findings)
    assert markers.program is not None and markers.program.kind == "corrective"


# --- end to end (pose model) ---------------------------------------------------------


@pytest.mark.slow
def test_analyze_video_with_markers_meets_targets(shared_dir: Path) -> None:
    from hipcheck.pipeline import analyze_with_video

    clip = shared_dir / "data" / "rendered" / "dev02.mp4"
    truth = _truth(shared_dir, "dev02")
    analysis = analyze_with_video(cached_landmarks(clip), clip, AnalysisConfig(markers="auto"))
    a = analysis.assessment
    assert a.provenance.markers["used"] is True
    assert {
        a.metric_source(m) for m in ("pelvic_drop_deg", "knee_valgus_deg", "trunk_lean_deg")
    } == {"markers"}
    fps = float(truth["fps"])
    mb = truth["marker_baseline"]
    matched = 0
    for tr in truth["reps"]:
        reps = [r for r in a.reps if abs(r.bottom_s - tr["bottom_frame"] / fps) <= 0.3]
        assert reps, f"rep at {tr['bottom_s']} s not found"
        rep = reps[0]
        drop = rep.metric("pelvic_drop_deg")
        assert drop.status == "measured"
        assert drop.rating is not None
        assert abs(drop.bottom_rel - tr["pelvic_drop_deg"]) <= 1.5
        fppa_truth = tr["marker_fppa_deg"] - mb["fppa"]  # same definition, baseline-relative
        assert abs(rep.metric("knee_valgus_deg", "right").bottom_rel - fppa_truth) <= 2.0
        assert abs(rep.metric("trunk_lean_deg").bottom_rel - tr["trunk_lean_deg"]) <= 1.5
        matched += 1
    assert matched == len(truth["reps"])


@pytest.mark.slow
def test_analyze_video_without_markers_falls_back(shared_dir: Path) -> None:
    from hipcheck.pipeline import analyze_with_video

    clip = shared_dir / "data" / "rendered" / "dev06.mp4"
    a = analyze_with_video(cached_landmarks(clip), clip, AnalysisConfig(markers="auto")).assessment
    assert a.provenance.markers["used"] is False
    assert a.provenance.markers["reason"].startswith("no markers found: ")
    assert {
        a.metric_source(m) for m in ("pelvic_drop_deg", "knee_valgus_deg", "trunk_lean_deg")
    } == {"landmarks"}
    statuses = {r.metric("pelvic_drop_deg").status for r in a.reps}
    assert statuses == {"indicative"}
    assert not any(f.rated for f in a.findings if f.id == "pelvic_drop")
