"""Tests for hipcheck.io.writer, checked with PyAV directly and with the raw MP4 bytes."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from clips import frames, make_clip, mean_abs_diff, tkhd_matrix, top_level_boxes
from hipcheck.io.video import open_video, probe_video
from hipcheck.io.writer import VideoWriter, available_codecs, frame_rate_fraction, write_video

ONE = 1 << 16  # 1.0 in the tkhd matrix's 16.16 fixed point
W_ONE = 1 << 30  # 1.0 in its 2.30 column

# QuickTime/ISO-BMFF track matrices {a, b, u, c, d, v, x, y, w} as phones write them;
# e.g. an iPhone held upright records landscape pixels with the 90-degree matrix.
PHONE_MATRICES = {
    0: (ONE, 0, 0, 0, ONE, 0, 0, 0, W_ONE),
    90: (0, ONE, 0, -ONE, 0, 0, 0, 0, W_ONE),
    180: (-ONE, 0, 0, 0, -ONE, 0, 0, 0, W_ONE),
    270: (0, -ONE, 0, ONE, 0, 0, 0, 0, W_ONE),
}


def test_default_output_plays_in_browsers(tmp_path: Path) -> None:
    path = write_video(tmp_path / "out.mp4", frames(160, 120, 10), 30)
    data = path.read_bytes()
    kinds = [b[0] for b in top_level_boxes(data)]
    # faststart: the index (moov) precedes the media data, so playback starts at once
    assert kinds.index("moov") < kinds.index("mdat")
    assert b"avc1" in data  # H.264 sample entry (not mp4v)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.format.name == "yuv420p"
        assert stream.frames == 10
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    for got, sent in zip(decoded, frames(160, 120, 10), strict=True):
        assert mean_abs_diff(got, sent) < 6


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_rotation_written_as_a_phone_display_matrix(tmp_path: Path, rotation: int) -> None:
    path = make_clip(tmp_path / "phone.mp4", n=2, size=(120, 160), rotation=rotation)
    assert tkhd_matrix(path.read_bytes()) == PHONE_MATRICES[rotation]
    assert probe_video(path).rotation == rotation


def test_tkhd_reader_on_a_known_file(shared_dir: Path) -> None:
    # a real camera file without rotation carries the identity matrix
    data = (shared_dir / "data/videos/pose2sim_balancing_single_leg_cam01.mp4").read_bytes()
    assert tkhd_matrix(data) == PHONE_MATRICES[0]


def test_vfr_pts_follow_given_times(tmp_path: Path) -> None:
    times = [0.0, 0.01, 0.045, 0.1, 0.1011, 0.25, 0.3333]
    path = tmp_path / "vfr.mp4"
    with VideoWriter(path, 30, (160, 120)) as writer:
        for image, t in zip(frames(160, 120, len(times)), times, strict=True):
            writer.write(image, t)
    assert writer.frames_written == len(times)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.time_base == Fraction(1, 90000)
        pts = [f.pts for f in container.decode(stream)]
    assert [Fraction(p, 90000) for p in pts] == [
        Fraction(t).limit_denominator(90000) for t in times
    ]


def test_time_base_option(tmp_path: Path) -> None:
    path = tmp_path / "ms.mp4"
    with VideoWriter(path, 30, (160, 120), time_base_den=1000) as writer:
        for image, t in zip(frames(160, 120, 3), (0.0, 0.033, 0.1), strict=True):
            writer.write(image, t)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        got = [f.pts * f.time_base for f in container.decode(stream)]
    assert got == [0, Fraction(33, 1000), Fraction(1, 10)]


def test_default_times_are_index_over_fps(tmp_path: Path) -> None:
    path = write_video(tmp_path / "ntsc.mp4", frames(160, 120, 4), 29.97)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == Fraction(30000, 1001)
        got = [f.pts * f.time_base for f in container.decode(stream)]
    assert got == [Fraction(1001 * i, 30000) for i in range(4)]


def test_odd_size_is_padded(tmp_path: Path) -> None:
    images = frames(161, 121, 3)
    with VideoWriter(tmp_path / "odd.mp4", 30, (161, 121)) as writer:
        for image in images:
            writer.write(image)
    assert writer.encoded_size == (162, 122)
    with open_video(tmp_path / "odd.mp4") as reader:
        got = list(reader)
    assert got[0].image.shape == (122, 162, 3)
    assert mean_abs_diff(got[1].image[:121, :161], images[1]) < 6


def test_write_video_with_timestamps_reads_back(tmp_path: Path) -> None:
    times = [0.0, 0.05, 0.06, 0.2]
    path = write_video(tmp_path / "v.mkv", frames(160, 120, 4), 20, timestamps=times)
    with open_video(path) as reader:
        np.testing.assert_allclose([f.t_s for f in reader], times, atol=1e-3)


@pytest.mark.parametrize("codec", ["h264", "hevc", "vp9", "av1", "mpeg4"])
def test_each_available_codec_writes(tmp_path: Path, codec: str) -> None:
    if codec not in available_codecs():
        pytest.skip(f"no {codec} encoder in this PyAV build")
    path = write_video(tmp_path / "c.mkv", frames(160, 120, 5), 25, codec=codec)
    info = probe_video(path)
    assert info.codec == codec
    assert info.n_frames == 5


def test_bad_arguments_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="suffix"):
        VideoWriter(tmp_path / "x.gif", 30, (160, 120))
    with pytest.raises(ValueError, match="codec"):
        VideoWriter(tmp_path / "x.mp4", 30, (160, 120), codec="prores")
    with pytest.raises(ValueError, match="webm"):
        VideoWriter(tmp_path / "x.webm", 30, (160, 120), codec="h264")
    with pytest.raises(ValueError, match="rotation"):
        VideoWriter(tmp_path / "x.mp4", 30, (160, 120), rotation=45)
    with pytest.raises(ValueError, match="fps"):
        VideoWriter(tmp_path / "x.mp4", 0, (160, 120))
    with pytest.raises(ValueError, match="no frames"):
        write_video(tmp_path / "x.mp4", [], 30)
    with pytest.raises(ValueError, match="timestamps"):
        write_video(tmp_path / "x.mp4", frames(160, 120, 3), 30, timestamps=[0.0, 0.1])
    with pytest.raises(ValueError, match="timestamps"):
        write_video(tmp_path / "y.mp4", frames(160, 120, 2), 30, timestamps=[0.0, 0.1, 0.2])

    with VideoWriter(tmp_path / "w.mp4", 30, (160, 120)) as writer:
        with pytest.raises(ValueError, match="120x160x3 uint8"):
            writer.write(np.zeros((120, 160), np.uint8))
        writer.write(frames(160, 120, 1)[0], 0.5)
        with pytest.raises(ValueError, match="increase"):
            writer.write(frames(160, 120, 1)[0], 0.5)
    writer.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        writer.write(frames(160, 120, 1)[0])


def test_frame_rate_fraction() -> None:
    assert frame_rate_fraction(30) == 30
    assert frame_rate_fraction(29.97) == Fraction(30000, 1001)
    assert frame_rate_fraction(59.94) == Fraction(60000, 1001)
    assert frame_rate_fraction(23.976) == Fraction(24000, 1001)
    assert frame_rate_fraction(12.5) == Fraction(25, 2)
