"""Annotated video and key-frame extraction on a tiny generated clip."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fixtures_assessment import make_assessment, make_kinematics, make_landmark_series
from hipcheck.landmarks import LM
from hipcheck.reports.annotate import (
    LiveAngles,
    counter_text,
    extract_key_frames,
    key_frame_reps,
    write_annotated_video,
)

io_video = pytest.importorskip("hipcheck.io.video")
io_writer = pytest.importorskip("hipcheck.io.writer")

W, H, N = 180, 320, 45  # 1.5 s at 30 fps: covers rep 1 (1.0-3.0 s) partly


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("annot") / "in.mp4"
    frames = (np.full((H, W, 3), 30 + i, np.uint8) for i in range(N))
    io_writer.write_video(path, frames, 30.0)
    return path


def _decode(path):
    with io_video.open_video(path) as reader:
        return [(f.index, f.t_s, f.image) for f in reader], reader.info


def test_annotated_video_keeps_every_frame_and_draws_the_skeleton(clip, tmp_path):
    a = make_assessment()
    kin = make_kinematics(a).iloc[:N].reset_index(drop=True)
    # landmarks computed at twice the clip size: drawing must rescale them
    lms = make_landmark_series(N, 2 * W, 2 * H)
    calls = []
    out = write_annotated_video(
        clip, lms, kin, a, tmp_path / "annotated.mp4", progress=lambda d, t: calls.append((d, t))
    )
    frames_in, _ = _decode(clip)
    frames_out, info = _decode(out)
    assert len(frames_out) == len(frames_in) == N
    assert info.codec == "h264" and (info.width, info.height) == (W, H)
    assert [round(t, 3) for _, t, _ in frames_out] == [round(t, 3) for _, t, _ in frames_in]
    assert calls[-1][0] == N and len(calls) == N
    i = 40
    knee = lms.xy[i, LM.LEFT_KNEE] / 2
    x, y = (int(round(v)) for v in knee)
    patch_out = frames_out[i][2][y - 1 : y + 2, x - 1 : x + 2].astype(int)
    patch_in = frames_in[i][2][y - 1 : y + 2, x - 1 : x + 2].astype(int)
    assert np.abs(patch_out - patch_in).max() > 60
    # a corner far from the figure and above the counter bar is untouched (up to coding)
    assert np.abs(frames_out[i][2][:20, :20].astype(int) - frames_in[i][2][:20, :20]).max() < 12


def test_live_angles_are_rated_during_a_rep():
    a = make_assessment()
    kin = make_kinematics(a)
    live = LiveAngles(kin, a)
    rep = a.reps[2]  # rep 3, left, poor
    labels = live.labels(rep, rep.bottom_s)
    assert labels["fppa_left"].rating == "poor" == rep.metric("knee_valgus_deg").rating
    # one story: the label at the bottom is the rep's value in the table
    assert labels["fppa_left"].value == pytest.approx(rep.metric("knee_valgus_deg").value)
    assert labels["trunk_lean"].rating == "poor"
    both = replace(
        rep,
        side="both",
        metrics={
            "knee_valgus_deg": {
                "left": rep.metric("knee_valgus_deg"),
                "right": rep.metric("knee_valgus_deg"),
            }
        },
    )
    assert set(live.labels(both, rep.bottom_s)) == {"fppa_left", "fppa_right"}


def test_live_angles_only_inside_reps():
    a = make_assessment()
    live = LiveAngles(make_kinematics(a), a)
    assert live.labels(None, 0.5) == {}  # standing before the first rep: nothing to rate


def test_live_angles_follow_metric_status():
    a = make_assessment(pelvic_status="indicative", knee_status="not_measurable")
    kin = make_kinematics(a)
    rep = a.reps[2]
    labels = LiveAngles(kin, a).labels(rep, rep.bottom_s)
    assert labels["pelvic_drop"].status == "indicative" and labels["pelvic_drop"].rating is None
    assert labels["fppa_left"].status == "not_measurable" and labels["fppa_left"].value is None


def test_live_angles_never_draw_an_implausible_number():
    """A frame whose value is outside the metric's valid domain is drawn as n/m."""
    a = make_assessment()
    kin = make_kinematics(a)
    rep = a.reps[2]
    row = int(np.argmin(np.abs(kin["t_s"] - rep.bottom_s)))
    kin.loc[row, "fppa_left_rel_deg"] = 119.0  # a projection artefact, as on real deep squats
    label = LiveAngles(kin, a).labels(rep, rep.bottom_s)["fppa_left"]
    assert label.status == "not_measurable" and label.value is None


def test_counter_text():
    reps = make_assessment().reps
    assert counter_text(reps, 0.5) == "Reps done 0 of 6 - 0.50 s"
    assert counter_text(reps, 2.0).startswith("Rep 1 of 6 - left stance")
    assert counter_text(reps, 8.0).startswith("Reps done 3 of 6")


def test_extract_key_frames_one_per_side(clip):
    a = make_assessment()
    # move the worst reps' bottoms inside the short clip
    a = replace(
        a,
        reps=tuple(
            replace(r, bottom_frame=r.index * 5, bottom_s=r.index * 5 / 30.0) for r in a.reps
        ),
    )
    reps = key_frame_reps(a)
    assert [r.side for r in reps] == ["left", "right"]
    assert reps[0].index == 3  # the poor one
    frames = extract_key_frames(clip, make_landmark_series(N, W, H), a)
    assert len(frames) == 2
    assert all(f.shape == (H, W, 3) for f in frames)
    plain = 30 + reps[0].bottom_frame
    assert (frames[0] != plain).any()
