"""Tests for hipcheck.io.video: real clips, generated clips, rotation, VFR, damage."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
import weakref
from pathlib import Path

import av
import numpy as np
import pytest

from clips import (
    frames,
    make_audio_only,
    make_clip,
    mean_abs_diff,
    top_level_boxes,
    truncate,
    zero_media_data,
)
from hipcheck.errors import VideoError
from hipcheck.io import video as video_module
from hipcheck.io.video import (
    DecodeStats,
    Frame,
    VideoInfo,
    open_video,
    probe_video,
    rotate_image,
)
from hipcheck.io.writer import ENCODERS

# compression tolerance for tiny test cards at crf 18 (a wrong rotation or frame
# mix-up gives tens of grey levels)
MAX_MAD = 6.0

VIDEOS = "data/videos"


def _encodable(codec: str) -> bool:
    return ENCODERS[codec] in av.codecs_available


def _decoder_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "hipcheck-video-decode"]


def _frame_number(image: np.ndarray, n: int) -> int:
    """Which of the ``n`` test cards ``image`` is (closest by mean abs difference)."""
    h, w = image.shape[:2]
    cards = frames(w, h, n)
    return int(np.argmin([mean_abs_diff(image, c) for c in cards]))


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("video_clips")


@pytest.fixture(scope="module")
def plain_clip(clip_dir: Path) -> Path:
    """30 frames, 160x120, 30 fps, H.264 MP4."""
    return make_clip(clip_dir / "plain.mp4", n=30)


# ------------------------------------------------------------------ real clips


@pytest.mark.parametrize(
    ("name", "codec", "size", "fps", "n"),
    [
        # facts from data/MANIFEST.md and the files' own headers
        ("pose2sim_balancing_single_leg_cam02.mp4", "vp9", (1080, 1920), 60, 100),
        ("pose2sim_balancing_single_leg_cam01.mp4", "h264", (1080, 1920), 60, 100),
        ("mukundan_bodypose3d_cam0_sit_to_stand_front.mp4", "mpeg4", (720, 720), 20, 187),
    ],
)
def test_real_clip_probe_and_decode(
    shared_dir: Path, name: str, codec: str, size: tuple[int, int], fps: int, n: int
) -> None:
    path = shared_dir / VIDEOS / name
    info = probe_video(path)
    assert info.codec == codec
    assert info.container.startswith("mov,mp4")
    assert (info.width, info.height) == size
    assert info.rotation == 0
    assert info.fps == pytest.approx(fps)
    assert info.n_frames == n
    assert info.duration_s == pytest.approx(n / fps, rel=0.02)
    json.dumps(info.to_dict())

    with open_video(path, max_side=256) as reader:
        got = [(f.index, f.t_s, f.image.shape) for f in reader]
    assert [g[0] for g in got] == list(range(n))
    t = np.array([g[1] for g in got])
    assert t[0] == 0.0
    np.testing.assert_allclose(np.diff(t), 1 / fps, atol=1e-9)
    long_side = max(size)
    expected_shape = (round(size[1] * 256 / long_side), round(size[0] * 256 / long_side), 3)
    assert {g[2] for g in got} == {expected_shape}
    assert reader.scale == pytest.approx(256 / long_side)
    assert reader.stats == DecodeStats(
        frames_decoded=n, frames_expected=n, frames_lost=0, damaged=False, error=None
    )
    assert reader.info.vfr is False


def test_vp9_portrait_60fps_full_resolution(shared_dir: Path) -> None:
    path = shared_dir / VIDEOS / "pose2sim_balancing_single_leg_cam02.mp4"
    with open_video(path) as reader:
        got = []
        for frame in reader:
            got.append(frame)
            if len(got) == 12:
                break
    assert reader.scale == 1.0
    for f in got:
        assert f.image.shape == (1920, 1080, 3)
        assert f.image.dtype == np.uint8
        assert f.image.flags.c_contiguous
    np.testing.assert_allclose(np.diff([f.t_s for f in got]), 1 / 60, atol=1e-9)
    # a real scene, not a blank decode
    assert got[0].image.std() > 10


# ---------------------------------------------------------- codecs x containers

CODEC_CONTAINERS = [
    ("h264", ".mp4", "mov,mp4"),
    ("h264", ".mov", "mov,mp4"),
    ("h264", ".mkv", "matroska"),
    ("h264", ".avi", "avi"),
    ("hevc", ".mp4", "mov,mp4"),
    ("hevc", ".mkv", "matroska"),
    ("vp9", ".webm", "matroska,webm"),
    ("vp9", ".mkv", "matroska"),
    ("vp9", ".mp4", "mov,mp4"),
    ("av1", ".mkv", "matroska"),
    ("av1", ".mp4", "mov,mp4"),
    ("av1", ".webm", "matroska,webm"),
    ("mpeg4", ".avi", "avi"),
    ("mpeg4", ".mp4", "mov,mp4"),
    ("mpeg4", ".mkv", "matroska"),
]


@pytest.mark.parametrize(("codec", "ext", "container"), CODEC_CONTAINERS)
def test_codec_container_round_trip(tmp_path: Path, codec: str, ext: str, container: str) -> None:
    if not _encodable(codec):
        pytest.skip(f"this PyAV build cannot encode {codec}")
    n, fps = 8, 25.0
    path = make_clip(tmp_path / f"clip{ext}", n=n, fps=fps, codec=codec)
    info = probe_video(path)
    assert info.codec == codec
    assert info.container.startswith(container)
    assert (info.width, info.height) == (160, 120)
    assert info.fps == pytest.approx(fps)
    with open_video(path) as reader:
        got = list(reader)
    assert len(got) == n
    originals = frames(160, 120, n)
    for f, original in zip(got, originals, strict=True):
        assert mean_abs_diff(f.image, original) < MAX_MAD
    t = np.array([f.t_s for f in got])
    # AVI has no presentation times; H.264 in AVI starts one frame late there
    np.testing.assert_allclose(np.diff(t), 1 / fps, atol=1.5e-3)
    assert not reader.stats.damaged


# ------------------------------------------------------------------- rotation


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_rotation_metadata_gives_upright_frames(tmp_path: Path, rotation: int) -> None:
    # upright portrait test card, stored turned as a phone would store it
    w, h, n = 120, 160, 6
    path = make_clip(tmp_path / "phone.mp4", n=n, size=(w, h), rotation=rotation)
    info = probe_video(path)
    assert info.rotation == rotation
    assert (info.width, info.height) == (w, h)
    stored = (h, w) if rotation in (90, 270) else (w, h)
    assert (info.coded_width, info.coded_height) == stored
    with open_video(path) as reader:
        got = list(reader)
    for f, upright in zip(got, frames(w, h, n), strict=True):
        assert f.image.shape == (h, w, 3)
        assert mean_abs_diff(f.image, upright) < MAX_MAD
        # the check can fail: the same card turned upside down is far off
        assert mean_abs_diff(f.image, rotate_image(upright, 180)) > 4 * MAX_MAD
        # red mark top-left, as drawn
        assert f.image[8, 8, 0] > 180 and f.image[8, 8, 2] < 80


def test_rotate_image_direction() -> None:
    image = np.zeros((2, 3, 1), dtype=np.uint8)
    image[0, 0] = 1  # top-left
    assert rotate_image(image, 90)[0, -1, 0] == 1  # clockwise: top-left -> top-right
    assert rotate_image(image, 180)[-1, -1, 0] == 1
    assert rotate_image(image, 270)[-1, 0, 0] == 1
    assert rotate_image(image, 90).shape == (3, 2, 1)
    with pytest.raises(ValueError):
        rotate_image(image, 45)


def test_max_side_on_rotated_clip(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "phone.mp4", n=3, size=(120, 160), rotation=90)
    with open_video(path, max_side=80) as reader:
        got = list(reader)
    assert reader.scale == pytest.approx(0.5)
    assert got[0].image.shape == (80, 60, 3)
    small = frames(120, 160, 1)[0][::2, ::2]
    assert mean_abs_diff(got[0].image, small) < 2 * MAX_MAD


# ------------------------------------------------------------------- max_side


def test_max_side_resizes_and_reports_scale(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "big.mp4", n=4, size=(320, 240))
    with open_video(path, max_side=160) as reader:
        got = list(reader)
    assert reader.scale == 0.5
    assert {f.image.shape for f in got} == {(120, 160, 3)}
    # area-averaged downscale looks like the card drawn at half size
    half = frames(320, 240, 4)[2].reshape(120, 2, 160, 2, 3).mean(axis=(1, 3))
    assert mean_abs_diff(got[2].image, half.round().astype(np.uint8)) < 2 * MAX_MAD

    with open_video(path, max_side=1000) as reader:
        assert reader.scale == 1.0
        assert next(iter(reader)).image.shape == (240, 320, 3)


# ------------------------------------------------------------------ timestamps


def test_vfr_timestamps_follow_the_stream(tmp_path: Path, rng: np.random.Generator) -> None:
    n = 20
    times = np.round(np.cumsum(np.r_[0.0, rng.uniform(0.015, 0.08, n - 1)]), 4)
    path = make_clip(tmp_path / "vfr.mp4", n=n, timestamps=times)
    with open_video(path) as reader:
        got = list(reader)
    np.testing.assert_allclose([f.t_s for f in got], times, atol=1e-6)
    # not index / fps
    assert np.max(np.abs(np.array([f.t_s for f in got]) - np.arange(n) / reader.info.fps)) > 0.01
    # each frame is the card written at that time
    assert [_frame_number(f.image, n) for f in got] == list(range(n))
    assert reader.info.vfr is True
    assert not reader.stats.damaged


def test_vfr_in_matroska_to_the_millisecond(tmp_path: Path) -> None:
    times = [0.0, 0.04, 0.05, 0.11, 0.2, 0.233, 0.3]
    path = make_clip(tmp_path / "vfr.mkv", n=len(times), timestamps=times)
    with open_video(path) as reader:
        got = [f.t_s for f in reader]
    np.testing.assert_allclose(got, times, atol=1e-3)
    assert reader.info.vfr is True
    assert not reader.stats.damaged


@pytest.mark.parametrize(("ext", "fps"), [(".mp4", 30.0), (".mkv", 60.0), (".mp4", 29.97)])
def test_constant_rate_is_not_vfr(tmp_path: Path, ext: str, fps: float) -> None:
    path = make_clip(tmp_path / f"cfr{ext}", n=10, fps=fps)
    assert probe_video(path).vfr is False
    with open_video(path) as reader:
        got = [f.t_s for f in reader]
    step = 1001 / 30000 if fps == 29.97 else 1 / fps
    np.testing.assert_allclose(got, np.arange(10) * step, atol=1e-3)
    assert reader.info.vfr is False


def test_avi_with_reordered_frames_gets_increasing_times(tmp_path: Path) -> None:
    # AVI stores no presentation times: B-frames come back with scrambled pts
    n, fps = 20, 25
    path = tmp_path / "bframes.avi"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"bf": "3", "crf": "18"})
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i, image in enumerate(frames(160, 120, n)):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with open_video(path) as reader:
        got = list(reader)
    assert [_frame_number(f.image, n) for f in got] == list(range(n))
    t = np.array([f.t_s for f in got])
    assert np.all(np.diff(t) > 0)
    # within two frames of the true clock despite the scrambled pts
    assert np.max(np.abs(t - np.arange(n) / fps)) <= 2 / fps + 1e-9
    assert reader.stats.timestamps_guessed <= 2


# --------------------------------------------------------------------- errors


def _assert_video_error(path: Path, fragment: str) -> None:
    for call in (probe_video, open_video):
        with pytest.raises(VideoError) as err:
            call(path)
        assert str(path) in err.value.message
        assert fragment in err.value.message
        assert err.value.hint
        assert err.value.code == "video"


def test_missing_file(tmp_path: Path) -> None:
    _assert_video_error(tmp_path / "nope.mp4", "File not found")


def test_directory(tmp_path: Path) -> None:
    _assert_video_error(tmp_path, "folder")


def test_text_file_named_mp4(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("this is a text file, not a video\n" * 20)
    _assert_video_error(path, "not a readable video")


@pytest.mark.parametrize(("name", "codec"), [("tone.m4a", "aac"), ("tone.wav", "pcm_s16le")])
def test_audio_only_file(tmp_path: Path, name: str, codec: str) -> None:
    path = make_audio_only(tmp_path / name, codec=codec)
    _assert_video_error(path, "no video stream")


def test_zero_decodable_frames(tmp_path: Path, plain_clip: Path) -> None:
    # every packet is there but holds only zero bytes
    _assert_video_error(zero_media_data(plain_clip, tmp_path / "zeros.mp4"), "no decodable")
    # an index with no media data at all
    data = plain_clip.read_bytes()
    _, offset, size = next(b for b in top_level_boxes(data) if b[0] == "moov")
    empty = tmp_path / "index_only.mp4"
    empty.write_bytes(data[: offset + size])
    _assert_video_error(empty, "no decodable")


def test_file_removed_after_open_raises_in_consumer(tmp_path: Path) -> None:
    path = make_clip(tmp_path / "gone.mp4", n=3)
    for threaded in (True, False):
        reader = open_video(path, threaded=threaded)
        path.rename(tmp_path / "moved.mp4")
        with pytest.raises(VideoError, match="File not found"):
            list(reader)
        (tmp_path / "moved.mp4").rename(path)
    assert not _decoder_threads()


# --------------------------------------------------------------------- damage


@pytest.mark.parametrize(("ext", "codec"), [(".mp4", "h264"), (".mkv", "h264"), (".webm", "vp9")])
def test_truncated_file_keeps_frames_before_the_cut(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, ext: str, codec: str
) -> None:
    n = 30
    # MP4 with the index first (faststart): a cut-short download still opens
    full = make_clip(tmp_path / f"full{ext}", n=n, codec=codec)
    cut = truncate(full, tmp_path / f"cut{ext}", 0.8)
    with caplog.at_level(logging.WARNING, logger="hipcheck.io.video"), open_video(cut) as reader:
        got = list(reader)
    stats = reader.stats
    assert 0 < len(got) < n
    assert [_frame_number(f.image, n) for f in got] == list(range(len(got)))
    assert stats.damaged
    assert stats.frames_decoded == len(got)
    assert stats.frames_expected == n
    assert stats.frames_lost == n - len(got)
    assert f"cut{ext}" in stats.error
    assert f"{stats.frames_lost} of {n} frames lost" in stats.error
    assert any("Damaged video" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("ext", "codec"), [(".mp4", "h264"), (".avi", "mpeg4")])
def test_corrupt_packet_mid_file_keeps_later_frames(
    tmp_path: Path, rng: np.random.Generator, ext: str, codec: str
) -> None:
    n = 30
    src = make_clip(tmp_path / f"src{ext}", n=n, codec=codec)
    with av.open(str(src)) as container:
        packets = [(p.pos, p.size) for p in container.demux(video=0) if p.size]
    data = bytearray(src.read_bytes())
    pos, size = packets[n // 2]
    data[pos : pos + size] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    bad = tmp_path / f"bad{ext}"
    bad.write_bytes(bytes(data))
    with open_video(bad) as reader:
        got = list(reader)
    numbers = [_frame_number(f.image, n) for f in got]
    assert numbers[:10] == list(range(10))
    assert numbers[-1] == n - 1  # decoding went on after the damage
    assert reader.stats.damaged
    assert "corrupt data" in reader.stats.error
    assert reader.stats.frames_lost == n - len(got) >= 1


def test_file_without_index_after_cut_is_rejected(tmp_path: Path) -> None:
    # an MP4 whose index (moov) was at the end: a cut copy is unusable, say so
    data = make_clip(tmp_path / "full.mp4", n=10).read_bytes()
    boxes = {b[0]: b for b in top_level_boxes(data)}
    _, moov_at, moov_size = boxes["moov"]
    _, mdat_at, mdat_size = boxes["mdat"]
    # rebuild as moov-last (mdat offsets in stco would be wrong, but the cut drops moov)
    no_index = tmp_path / "cut.mp4"
    no_index.write_bytes(data[:moov_at] + data[mdat_at : mdat_at + mdat_size // 2])
    _assert_video_error(no_index, "not a readable video")


# ------------------------------------------------------ threading and memory


def test_threaded_and_unthreaded_frames_identical(plain_clip: Path) -> None:
    with open_video(plain_clip, threaded=True, queue_size=2) as reader:
        threaded = list(reader)
    with open_video(plain_clip, threaded=False) as reader:
        plain = list(reader)
    assert len(threaded) == len(plain) == 30
    for a, b in zip(threaded, plain, strict=True):
        assert isinstance(a, Frame)
        assert (a.index, a.t_s) == (b.index, b.t_s)
        assert np.array_equal(a.image, b.image)


def test_early_break_and_exception_leave_no_thread(plain_clip: Path) -> None:
    with open_video(plain_clip, queue_size=2) as reader:
        for frame in reader:
            if frame.index == 3:
                break
        assert not _decoder_threads()
        assert reader.stats.frames_decoded == 4
        # a second pass starts again from the first frame
        assert next(iter(reader)).index == 0
    assert not _decoder_threads()

    reader = open_video(plain_clip, queue_size=1)
    with pytest.raises(KeyError):
        for _frame in reader:
            raise KeyError("caller failed mid-clip")
    assert not _decoder_threads()

    # an iterator abandoned mid-way is stopped by close()
    reader = open_video(plain_clip, queue_size=1)
    it = iter(reader)
    next(it)
    assert len(_decoder_threads()) == 1
    reader.close()
    assert not _decoder_threads()
    del it


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_memory_does_not_grow_with_clip_length(
    clip_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n, size, queue_size = 300, (320, 240), 4
    path = make_clip(clip_dir / "long.mp4", n=n, size=size, crf=30)
    frame_bytes = size[0] * size[1] * 3

    # count frames alive at once: decoded ahead + held by the caller
    alive: set[int] = set()

    @dataclasses.dataclass(frozen=True)
    class CountedFrame(video_module.Frame):
        def __post_init__(self) -> None:
            alive.add(id(self))
            weakref.finalize(self, alive.discard, id(self))

    monkeypatch.setattr(video_module, "Frame", CountedFrame)
    with open_video(path, queue_size=queue_size) as reader:  # warm-up: decoder, thread
        for frame in reader:
            if frame.index == 20:
                break
        del frame
    most_alive = 0
    rss_before = _rss_bytes()
    rss_peak = rss_before
    with open_video(path, queue_size=queue_size) as reader:
        for frame in reader:
            if frame.index == 0:
                time.sleep(0.4)  # a slow consumer: an unbounded decoder would run ahead
            most_alive = max(most_alive, len(alive))
            if frame.index % 25 == 0:
                rss_peak = max(rss_peak, _rss_bytes())
    assert reader.stats.frames_decoded == n
    # queue + the frame in the caller's hand + the one the decoder is putting
    assert most_alive <= queue_size + 2
    # holding the clip would take n * 230 kB = 69 MB
    assert rss_peak - rss_before < 0.3 * n * frame_bytes


def test_info_and_stats_types(plain_clip: Path) -> None:
    reader = open_video(plain_clip)
    assert isinstance(reader.info, VideoInfo)
    assert reader.stats.frames_decoded == 0
    assert reader.stats.frames_expected == 30
    d = reader.info.to_dict()
    assert d["n_frames"] == 30 and d["path"] == str(plain_clip)
    with pytest.raises(ValueError):
        open_video(plain_clip, queue_size=0)
