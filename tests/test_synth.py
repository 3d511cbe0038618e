"""Synthetic ground-truth clips: geometry of the truth, targets, reproducibility, files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hipcheck.synth import ClipSpec, generate_clip, load_truth, render_frames
from hipcheck.synth.angles import depth, fppa_deg, pelvic_drop_deg, trunk_lean_deg
from hipcheck.synth.figure import Body, Pose, solve_pose
from hipcheck.synth.generate import stored_frame
from hipcheck.synth.truth import compute_angles

# ---------------------------------------------------------------- angle formulas


@pytest.mark.parametrize(
    ("stance", "other", "expected"),
    [
        pytest.param(
            (100, 100), (200, 100 + 100 * math.tan(math.radians(10))), 10.0, id="other-lower-right"
        ),
        pytest.param(
            (200, 100), (100, 100 + 100 * math.tan(math.radians(10))), 10.0, id="other-lower-left"
        ),
        pytest.param((100, 100), (200, 100 - 100 * math.tan(math.radians(5))), -5.0, id="hike"),
        pytest.param((100, 100), (200, 100), 0.0, id="level"),
    ],
)
def test_pelvic_drop_known_geometry(stance, other, expected):
    assert pelvic_drop_deg(np.array(stance), np.array(other)) == pytest.approx(expected, abs=1e-9)


def test_fppa_sign_follows_other_hip_not_image_side():
    hip, ankle = np.array([100.0, 100.0]), np.array([100.0, 300.0])
    knee_right_of_line = np.array([117.5, 200.0])
    theta = fppa_deg(hip, knee_right_of_line, ankle, np.array([200.0, 100.0]))
    # knee toward the other hip (image right) = valgus; the same knee with the other hip
    # on the left = varus of the same magnitude
    assert theta > 0
    assert fppa_deg(hip, knee_right_of_line, ankle, np.array([0.0, 100.0])) == pytest.approx(-theta)
    expected = 2 * math.degrees(math.atan(17.5 / 100))
    assert theta == pytest.approx(expected, abs=1e-9)
    assert fppa_deg(hip, np.array([100.0, 200.0]), ankle, np.array([200.0, 100.0])) == 0


def test_trunk_lean_toward_stance_positive():
    sh, oh = np.array([100.0, 300.0]), np.array([200.0, 300.0])  # stance on image left
    mid = np.array([150.0, 300.0])
    up = 100.0 * np.array([-math.sin(math.radians(8)), -math.cos(math.radians(8))])
    ss, os_ = mid + up + np.array([-50.0, 0]), mid + up + np.array([50.0, 0])
    assert trunk_lean_deg(sh, oh, ss, os_) == pytest.approx(8.0, abs=1e-9)
    # same figure, stance on the image right: that lean is now away from the stance side
    assert trunk_lean_deg(oh, sh, os_, ss) == pytest.approx(-8.0, abs=1e-9)


def test_depth_is_descent_over_leg_length():
    assert depth(np.array([110.0, 100.0]), 100.0, 50.0).tolist() == [0.2, 0.0]


# ---------------------------------------------------------------- figure geometry

BODY = Body.from_stature(500.0)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize(
    ("drop", "fppa", "lean"), [(8.0, 15.0, 6.0), (-3.0, -7.0, -4.0), (0.0, 0.0, 0.0)]
)
def test_solved_pose_has_requested_angles(side, drop, fppa, lean):
    pose = Pose(stance=side, depth=0.15, pelvic_drop_deg=drop, fppa_deg=fppa,
                trunk_lean_deg=lean, shift=1.0, lift=1.0)  # fmt: skip
    sk = solve_pose(BODY, pose, 240.0, 600.0)
    joints = {k: v[None, :] for k, v in sk.joints.items()}
    ang = compute_angles(joints, side)
    assert ang["pelvic_drop_deg"][0] == pytest.approx(drop, abs=1e-6)
    assert ang["fppa_deg"][0] == pytest.approx(fppa, abs=1e-6)
    assert ang["trunk_lean_deg"][0] == pytest.approx(lean, abs=1e-6)
    # frontal view: the subject's left is on the image right
    assert sk["left_hip"][0] > sk["right_hip"][0]
    # the free foot is off the floor, the stance ankle stays on it
    other = "right" if side == "left" else "left"
    assert sk[f"{other}_ankle"][1] < sk[f"{side}_ankle"][1] - 0.05 * BODY.leg


def test_valgus_knee_moves_toward_other_hip():
    for side, sign in (("left", -1), ("right", 1)):
        neutral = solve_pose(BODY, Pose(stance=side, depth=0.15, lift=1), 240.0, 600.0)
        valgus = solve_pose(BODY, Pose(stance=side, depth=0.15, fppa_deg=15, lift=1), 240.0, 600.0)
        dx = valgus[f"{side}_knee"][0] - neutral[f"{side}_knee"][0]
        assert sign * dx > 5  # left stance: medial = image left


def test_double_leg_squat_both_knees_valgus_both_feet_down():
    sk = solve_pose(BODY, Pose(stance="both", depth=0.3, fppa_deg=10), 240.0, 600.0)
    ang = compute_angles({k: v[None] for k, v in sk.joints.items()}, "left")
    assert ang["fppa_left_deg"][0] == pytest.approx(10, abs=1e-6)
    assert ang["fppa_right_deg"][0] == pytest.approx(10, abs=1e-6)
    assert sk["left_ankle"][1] == pytest.approx(sk["right_ankle"][1])


def test_step_down_free_heel_lowers_to_floor_not_below():
    support = 0.1 * BODY.stature
    floor = 600.0
    heights = []
    for d in (0.0, 0.1, 0.2, 0.35):
        sk = solve_pose(
            BODY, Pose(stance="left", depth=d, lift=1, free_leg="step", support_h=support),
            240.0, floor,
        )  # fmt: skip
        heights.append(sk["right_ankle"][1])
        assert sk["right_ankle"][1] <= floor - BODY.ankle_h + 1e-6
        assert sk["left_ankle"][1] == pytest.approx(floor - support - BODY.ankle_h)
    assert heights[0] < heights[1] < heights[2]
    assert heights[-1] == pytest.approx(floor - BODY.ankle_h, abs=0.5)


def test_yaw_narrows_hips_and_shoulders():
    sk0 = solve_pose(BODY, Pose(), 240.0, 600.0)
    sk1 = solve_pose(BODY.yawed(30), Pose(), 240.0, 600.0)
    w0 = sk0["left_hip"][0] - sk0["right_hip"][0]
    w1 = sk1["left_hip"][0] - sk1["right_hip"][0]
    assert w1 == pytest.approx(w0 * math.cos(math.radians(30)))


# ---------------------------------------------------------------- rendered clips

SMALL = {"size": (160, 224), "fps": 15.0, "reps": 2, "tempo_s": 1.2, "baseline_s": 1.0,
         "pause_top_s": 0.2, "end_s": 0.2}  # fmt: skip


def _render(spec, seed=0):
    return list(render_frames(spec, seed=seed))


@pytest.fixture(scope="module")
def left_clip():
    spec = ClipSpec(side="left", fppa_deg=15, pelvic_drop_deg=8, trunk_lean_deg=6,
                    markers=True, **SMALL)  # fmt: skip
    return spec, _render(spec, seed=3)


def test_render_is_reproducible(left_clip):
    spec, frames = left_clip
    again = _render(spec, seed=3)
    assert len(again) == len(frames)
    for (t0, im0, f0), (t1, im1, f1) in zip(frames, again, strict=True):
        assert t0 == t1
        assert np.array_equal(im0, im1)
        assert all(np.array_equal(f0.joints[k], f1.joints[k]) for k in f0.joints)
    other = _render(spec, seed=4)
    assert not np.array_equal(frames[0][1], other[0][1])


def test_frames_have_display_size_and_figure(left_clip):
    spec, frames = left_clip
    _, image, ft = frames[0]
    assert image.shape == (224, 160, 3) and image.dtype == np.uint8
    # the hips are inside the frame and the left hip is on the image right
    assert 0 < ft.joints["right_hip"][0] < ft.joints["left_hip"][0] < 160


def test_mirrored_swaps_image_positions_keeps_signs(left_clip, tmp_path):
    spec, frames = left_clip
    mspec = ClipSpec(**{**spec.__dict__, "mirrored": True})
    mframes = _render(mspec, seed=3)
    w = spec.size[0]
    for (_, _, ft), (_, _, mft) in zip(frames[::7], mframes[::7], strict=True):
        for k in ft.joints:
            assert mft.joints[k][0] == pytest.approx(w - 1 - ft.joints[k][0])
            assert mft.joints[k][1] == pytest.approx(ft.joints[k][1])
    assert mframes[0][2].joints["left_hip"][0] < mframes[0][2].joints["right_hip"][0]
    t = generate_clip(tmp_path / "m.mp4", mspec, seed=3)
    u = generate_clip(tmp_path / "u.mp4", spec, seed=3)
    for key in ("pelvic_drop_deg", "fppa_deg", "trunk_lean_deg", "depth"):
        np.testing.assert_allclose(t.angles[key], u.angles[key], atol=1e-3)


@pytest.fixture(scope="module")
def clip_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "clip.mp4"
    spec = ClipSpec(side="right", fppa_deg=-6, pelvic_drop_deg=5, trunk_lean_deg=-4,
                    depth=0.18, jitter=0.15, markers=True, **SMALL)  # fmt: skip
    truth = generate_clip(path, spec, seed=11)
    return path, spec, truth


def test_truth_file_written_and_loads(clip_file):
    path, spec, truth = clip_file
    tpath = path.with_name("clip.truth.json")
    d = json.loads(tpath.read_text())
    assert d["task"] == "single_leg_squat" and d["side"] == "right"
    assert d["n_frames"] == len(d["t_s"]) == truth.n_frames
    joints = ("hip", "knee", "ankle", "heel", "toe", "shoulder")
    assert set(d["joints"]) >= {f"{s}_{j}" for s in ("left", "right") for j in joints}
    assert set(d["markers"]) == {"left_asis", "right_asis", "left_patella", "right_patella",
                                 "left_ankle", "right_ankle", "sternum"}  # fmt: skip
    loaded = load_truth(path)
    np.testing.assert_allclose(loaded.joints["right_knee"], truth.joints["right_knee"], atol=1e-3)
    assert loaded.reps == json.loads(json.dumps(truth.reps))


def test_truth_matches_requested_targets(clip_file):
    _, spec, truth = clip_file
    assert len(truth.reps) == spec.reps
    for rep in truth.reps:
        assert rep["side"] == "right"
        assert rep["start_frame"] < rep["bottom_frame"] < rep["end_frame"]
        for key in ("pelvic_drop_deg", "fppa_deg", "trunk_lean_deg"):
            assert rep["bottom"][key] == pytest.approx(rep["targets"][key], abs=0.5)
            assert rep["bottom_rel"][key] == pytest.approx(rep["targets"][key], abs=0.5)
        assert rep["bottom"]["depth"] == pytest.approx(rep["targets"]["depth"], abs=0.01)
    # jitter made the reps differ
    assert truth.reps[0]["targets"]["fppa_deg"] != truth.reps[1]["targets"]["fppa_deg"]
    # baseline is standing: angles near zero
    assert abs(truth.baseline["pelvic_drop_deg"]) < 0.1 and abs(truth.baseline["depth"]) < 0.01


def test_asis_markers_move_with_pelvis(clip_file):
    _, _, truth = clip_file
    m = truth.markers
    asis = pelvic_drop_deg(m["right_asis"], m["left_asis"])
    np.testing.assert_allclose(asis, truth.angles["pelvic_drop_deg"], atol=0.3)
    np.testing.assert_allclose(m["right_patella"], truth.joints["right_knee"], atol=1e-6)


def test_video_decodes_with_size_fps_frames(clip_file):
    av = pytest.importorskip("av")
    path, spec, truth = clip_file
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = list(c.decode(stream))
        assert stream.average_rate == pytest.approx(spec.fps, rel=0.01)
    assert len(frames) == truth.n_frames
    assert (frames[0].width, frames[0].height) == spec.size
    times = [float(f.pts * f.time_base) for f in frames]
    np.testing.assert_allclose(times, truth.t_s, atol=1e-3)


def test_rotation_metadata_and_vfr(tmp_path):
    from hipcheck.io.video import open_video

    spec = ClipSpec(rotation=90, vfr=True, **{**SMALL, "reps": 1})
    path = tmp_path / "rot.mp4"
    truth = generate_clip(path, spec, seed=2)
    assert np.ptp(np.diff(truth.t_s)) > 0.1 / spec.fps  # uneven spacing
    display = [im for _, im, _ in render_frames(spec, seed=2)]
    with open_video(path, threaded=False) as reader:
        decoded = list(reader)
    assert len(decoded) == truth.n_frames
    assert decoded[0].image.shape == display[0].shape  # upright after rotation
    np.testing.assert_allclose([f.t_s for f in decoded], truth.t_s, atol=1e-3)
    diff = np.abs(decoded[10].image.astype(int) - display[10].astype(int)).mean()
    assert diff < 6  # same picture up to compression


def test_stored_frame_rotation_inverts_display_rotation():
    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    stored = stored_frame(img, 90)
    assert stored.shape == (3, 2, 3)
    # a player rotates the stored frame 90 deg clockwise: np.rot90 with k=-1
    assert np.array_equal(np.rot90(stored, k=-1), img)


def test_step_down_and_double_leg_truth(tmp_path):
    for task in ("step_down", "double_leg_squat"):
        spec = ClipSpec(task=task, side="left", fppa_deg=8, **SMALL)
        frames = _render(spec)
        assert frames
        truth = generate_clip(tmp_path / f"{task}.mp4", spec, seed=0)
        assert truth.side == ("both" if task == "double_leg_squat" else "left")
        for rep in truth.reps:
            assert rep["bottom"]["fppa_left_deg"] == pytest.approx(
                rep["targets"]["fppa_deg"], abs=0.5
            )
            if task == "double_leg_squat":
                assert rep["bottom"]["fppa_right_deg"] == pytest.approx(
                    rep["targets"]["fppa_deg"], abs=0.5
                )


def test_invalid_spec_is_rejected():
    with pytest.raises(ValueError, match="task"):
        ClipSpec(task="lunge")
    with pytest.raises(ValueError, match="side"):
        ClipSpec(side="middle")
