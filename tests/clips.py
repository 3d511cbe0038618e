"""Tiny generated clips for video I/O tests (a plain module, import it from tests).

Every clip is built from :func:`pattern`, an asymmetric test card whose orientation
and frame number can be recovered from the decoded pixels, so tests compare decoded
frames with what was written instead of trusting metadata.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np

from hipcheck.io.video import rotate_image
from hipcheck.io.writer import write_video

BACKGROUND = 70
MARK = (230, 30, 30)  # red square in the top-left corner of the upright picture


def pattern(width: int, height: int, index: int = 0) -> np.ndarray:
    """Upright RGB test card: grey ground, red square top-left, frame-number bar.

    The square marks orientation; a bright vertical bar whose x position moves with
    ``index`` marks the frame, so decoded frames can be matched to written ones.
    """
    image = np.full((height, width, 3), BACKGROUND, dtype=np.uint8)
    side = max(4, min(width, height) // 4)
    image[2 : 2 + side, 2 : 2 + side] = MARK
    # blue strip along the bottom edge: a second, independent orientation cue
    image[-max(2, height // 12) :, :] = (30, 30, 220)
    bar_w = max(2, width // 20)
    x = side + 6 + (index * 3) % max(1, width - side - 8 - bar_w)
    image[side + 4 : height - height // 12 - 2, x : x + bar_w] = 255
    return image


def frames(width: int, height: int, n: int) -> list[np.ndarray]:
    """``n`` upright test cards."""
    return [pattern(width, height, i) for i in range(n)]


def make_clip(
    path: Path,
    *,
    n: int = 12,
    size: tuple[int, int] = (160, 120),
    fps: float = 30.0,
    codec: str = "h264",
    rotation: int = 0,
    timestamps: Sequence[float] | None = None,
    crf: int = 18,
) -> Path:
    """Write a clip whose *upright* frames are ``frames(*size, n)``.

    With ``rotation`` the pixels are stored turned the other way and the display
    matrix says to rotate them ``rotation`` degrees clockwise, as a phone does.
    """
    upright = frames(size[0], size[1], n)
    stored = [rotate_image(im, (360 - rotation) % 360) for im in upright]
    return write_video(
        path, stored, fps, timestamps=timestamps, rotation=rotation, codec=codec, crf=crf
    )


def make_audio_only(path: Path, seconds: float = 0.5, codec: str = "aac") -> Path:
    """Write an audio-only file (a sine tone), e.g. ``tone.mp4`` or ``tone.wav``."""
    rate = 16_000
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        t = np.arange(int(seconds * rate)) / rate
        samples = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
        chunk = 1024
        for start in range(0, len(samples), chunk):
            block = samples[start : start + chunk][None, :]
            frame = av.AudioFrame.from_ndarray(block, format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def top_level_boxes(data: bytes) -> list[tuple[str, int, int]]:
    """``(type, offset, size)`` of the top-level ISO-BMFF (MP4) boxes in ``data``."""
    boxes = []
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        elif size == 0:
            size = len(data) - offset
        boxes.append((kind.decode("latin-1"), offset, size))
        offset += size
    return boxes


def tkhd_matrix(data: bytes) -> tuple[int, ...]:
    """The 3x3 display matrix (9 int32, 16.16 / 2.30 fixed point) of the first track.

    Read straight from the bytes of ``moov/trak/tkhd`` so the writer's rotation can be
    checked independently of FFmpeg's reading of it.
    """
    at = data.index(b"tkhd") - 4
    version = data[at + 8]
    # header 8 + version/flags 4 + times/ids, then 8 reserved, layer, group, volume, 2
    fixed = 8 + 4 + (32 if version == 1 else 20) + 8 + 2 + 2 + 2 + 2
    return struct.unpack(">9i", data[at + fixed : at + fixed + 36])


def truncate(src: Path, dst: Path, fraction: float) -> Path:
    """Copy the first ``fraction`` of ``src``'s bytes to ``dst`` (a cut-short download)."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def zero_media_data(src: Path, dst: Path) -> Path:
    """Copy an MP4 with every byte of its ``mdat`` payload zeroed: no frame decodes."""
    data = bytearray(src.read_bytes())
    for kind, offset, size in top_level_boxes(bytes(data)):
        if kind == "mdat":
            data[offset + 8 : offset + size] = bytes(size - 8)
    dst.write_bytes(bytes(data))
    return dst


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute pixel difference of two equal-shaped uint8 images."""
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))
