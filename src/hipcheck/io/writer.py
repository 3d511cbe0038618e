"""Video encoding with PyAV: browser-playable H.264 MP4 by default.

The default output (H.264 in MP4, ``yuv420p``, ``+faststart`` so the index comes
first) plays in Chrome, Firefox, Safari and Streamlit's ``st.video``. Other codecs
(HEVC, VP9, AV1, MPEG-4 Part 2) exist mainly to produce test clips.

Timestamps are exact: each frame's presentation time is either ``index / fps`` or the
``t_s`` given to :meth:`VideoWriter.write` (variable frame rate), expressed in a
``1/time_base_den`` time base (default 1/90000, which represents 24, 25, 29.97, 30,
50, 60 fps and millisecond timestamps without rounding).

Rotation is stored the way phones store it: the pixels are written as given and the
container carries a display matrix telling players to rotate them ``rotation``
degrees clockwise for display (ffprobe reports it as "rotation of -90.00 degrees"
for ``rotation=90``).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

import av
import numpy as np

if TYPE_CHECKING:
    from av.video.stream import VideoStream

#: our codec names -> FFmpeg encoder names
ENCODERS: dict[str, str] = {
    "h264": "libx264",
    "hevc": "libx265",
    "vp9": "libvpx-vp9",
    "av1": "libsvtav1",
    "mpeg4": "mpeg4",
}

#: file suffix -> FFmpeg muxer
MUXERS: dict[str, str] = {
    ".mp4": "mp4",
    ".m4v": "mp4",
    ".mov": "mov",
    ".mkv": "matroska",
    ".webm": "webm",
    ".avi": "avi",
}

#: codecs each muxer accepts (FFmpeg refuses the others, or players do)
_MUXER_CODECS: dict[str, frozenset[str]] = {
    "mp4": frozenset(ENCODERS),
    "mov": frozenset(ENCODERS),
    "matroska": frozenset(ENCODERS),
    "webm": frozenset({"vp9", "av1"}),
    "avi": frozenset({"h264", "mpeg4"}),
}

DEFAULT_TIME_BASE_DEN = 90_000
# MPEG-4 Part 2 stores the time base in 16 bits; 30000 still represents 24, 25, 29.97,
# 30, 50 and 60 fps exactly.
MPEG4_TIME_BASE_DEN = 30_000

# FFmpeg's FF_QP2LAMBDA: MPEG-4 Part 2 has no CRF; a fixed quantiser plays that role.
_QP2LAMBDA = 118


def available_codecs() -> list[str]:
    """Return the codec names in :data:`ENCODERS` whose encoder this PyAV build has."""
    return [name for name, enc in ENCODERS.items() if enc in av.codecs_available]


def _encoder_options(codec: str, crf: int, muxer: str) -> dict[str, str]:
    """Constant-quality settings for ``codec`` at roughly x264-like ``crf``."""
    if codec == "h264":
        options = {"crf": str(crf), "preset": "veryfast"}
        if muxer == "avi":
            # AVI has no presentation timestamps, so reordered (B) frames come back
            # with scrambled times in most readers.
            options["bf"] = "0"
        return options
    if codec == "hevc":
        return {"crf": str(crf), "preset": "ultrafast", "x265-params": "log-level=error"}
    if codec == "vp9":
        # constant quality mode needs b:v 0; realtime deadline keeps tests fast
        return {"crf": str(min(63, crf + 8)), "b": "0", "deadline": "realtime", "cpu-used": "8"}
    if codec == "av1":
        # presets above 8 ("automation tooling only") made streams dav1d rejects
        return {"crf": str(min(63, crf + 10)), "preset": "8"}
    # mpeg4: map crf 18..35 onto quantiser 2..12
    q = int(np.clip(round(2 + (crf - 18) * 10 / 17), 2, 31))
    return {"flags": "+qscale", "global_quality": str(q * _QP2LAMBDA)}


def frame_rate_fraction(fps: float) -> Fraction:
    """Exact rate for ``fps``, reading 29.97, 59.94 and 23.976 as NTSC's n*1000/1001."""
    ntsc = Fraction(round(fps * 1.001) * 1000, 1001)
    if abs(float(ntsc) - fps) < 1e-3 and abs(round(fps) - fps) > 1e-3:
        return ntsc
    return Fraction(fps).limit_denominator(1001)


def _even(n: int) -> int:
    return n + (n % 2)


class VideoWriter:
    """Write RGB frames to a video file (context manager).

    Parameters
    ----------
    path
        Output file; the suffix picks the container (.mp4, .mov, .mkv, .webm, .avi).
    fps
        Nominal frame rate; frames without ``t_s`` are placed at ``index / fps``.
    size
        ``(width, height)`` of the images passed to :meth:`write`, as stored (before
        the display rotation). Odd sizes are padded by one replicated row/column,
        since ``yuv420p`` needs even dimensions; :attr:`encoded_size` says what was
        written.
    codec
        One of ``h264`` (default, browser-playable), ``hevc``, ``vp9``, ``av1``,
        ``mpeg4`` (whichever :func:`available_codecs` lists).
    crf
        Constant quality (lower = better; 23 is x264's default).
    rotation
        Degrees clockwise (0, 90, 180, 270) a player must rotate the stored frames
        for display, written as a display matrix the way phones do.
    time_base_den
        Stream time base is ``1/time_base_den`` (default 90000; 30000 for MPEG-4
        Part 2, whose time base must fit in 16 bits). Matroska/WebM store
        milliseconds and AVI a constant rate whatever is asked here, so variable frame
        rate is exact only in MP4/MOV (and to the millisecond in MKV/WebM).

    Raises
    ------
    ValueError
        For an unknown container/codec pair, a bad size, fps or rotation.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fps: float,
        size: tuple[int, int],
        *,
        codec: str = "h264",
        crf: int = 23,
        rotation: int = 0,
        time_base_den: int | None = None,
    ) -> None:
        self.path = Path(path)
        muxer = MUXERS.get(self.path.suffix.lower())
        if muxer is None:
            raise ValueError(
                f"Cannot write {self.path}: unknown video suffix; use one of {sorted(MUXERS)}"
            )
        if codec not in ENCODERS:
            raise ValueError(f"Unknown codec {codec!r}; use one of {sorted(ENCODERS)}")
        if ENCODERS[codec] not in av.codecs_available:
            raise ValueError(f"This PyAV build has no {ENCODERS[codec]} encoder for {codec!r}")
        if codec not in _MUXER_CODECS[muxer]:
            raise ValueError(f"{muxer} files cannot hold {codec!r} video ({self.path})")
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        if rotation % 90 != 0:
            raise ValueError(f"rotation must be a multiple of 90 degrees, got {rotation}")
        width, height = (int(v) for v in size)
        if width < 2 or height < 2:
            raise ValueError(f"frame size must be at least 2x2, got {width}x{height}")

        self.fps = float(fps)
        self.size = (width, height)
        self.encoded_size = (_even(width), _even(height))
        self.rotation = int(rotation) % 360
        self.codec = codec
        rate = frame_rate_fraction(self.fps)
        if muxer == "avi":
            # AVI is constant-rate: one tick per frame, or it counts ticks as frames
            self.time_base = 1 / rate
        else:
            default_den = MPEG4_TIME_BASE_DEN if codec == "mpeg4" else DEFAULT_TIME_BASE_DEN
            self.time_base = Fraction(1, time_base_den or default_den)
        self.frames_written = 0
        self._last_pts: int | None = None

        if codec == "av1":
            # SVT-AV1 prints a banner per encoder to stderr unless told otherwise
            os.environ.setdefault("SVT_LOG", "1")
        options = {"movflags": "+faststart"} if muxer in ("mp4", "mov") else {}
        self._container = av.open(str(self.path), mode="w", format=muxer, options=options)
        try:
            # every ENCODERS value is a video encoder: add_stream makes a VideoStream
            stream = cast(
                "VideoStream",
                self._container.add_stream(
                    ENCODERS[codec], rate=rate, options=_encoder_options(codec, crf, muxer)
                ),
            )
            stream.width, stream.height = self.encoded_size
            stream.pix_fmt = "yuv420p"
            stream.time_base = self.time_base
            stream.codec_context.time_base = self.time_base
            if self.rotation:
                # PyAV's angle is counter-clockwise (as VideoFrame.rotation reads it back)
                stream.set_display_rotation(-self.rotation)
        except (av.error.FFmpegError, ValueError):
            self._container.close()
            raise
        self._stream = stream
        self._closed = False

    def write(self, image_rgb: np.ndarray, t_s: float | None = None) -> None:
        """Encode one ``H x W x 3`` uint8 RGB image shown at ``t_s`` seconds.

        Parameters
        ----------
        image_rgb
            The stored (not display-rotated) image, of the ``size`` given at creation.
        t_s
            Presentation time in seconds; default ``frames_written / fps``. Times must
            increase strictly (after rounding to the time base).
        """
        if self._closed:
            raise ValueError(f"VideoWriter for {self.path} is closed")
        width, height = self.size
        image = np.asarray(image_rgb)
        if image.shape != (height, width, 3) or image.dtype != np.uint8:
            raise ValueError(
                f"expected a {height}x{width}x3 uint8 RGB image, got {image.shape} {image.dtype}"
            )
        enc_w, enc_h = self.encoded_size
        if (enc_w, enc_h) != (width, height):
            image = np.pad(image, ((0, enc_h - height), (0, enc_w - width), (0, 0)), mode="edge")
        if t_s is None:
            t_s = self.frames_written / self.fps
        pts = round(Fraction(t_s) / self.time_base)
        if self._last_pts is not None and pts <= self._last_pts:
            raise ValueError(
                f"frame times must increase: {t_s} s is not after the previous frame "
                f"({float(self._last_pts * self.time_base)} s)"
            )
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        frame.pts = pts
        frame.time_base = self.time_base
        self._container.mux(self._stream.encode(frame))
        self._last_pts = pts
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder and finish the file (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._container.mux(self._stream.encode(None))
        finally:
            self._container.close()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def write_video(
    path: str | os.PathLike[str],
    frames: Iterable[np.ndarray],
    fps: float,
    *,
    timestamps: Sequence[float] | None = None,
    rotation: int = 0,
    codec: str = "h264",
    crf: int = 23,
) -> Path:
    """Write RGB frames to ``path`` and return it.

    Parameters
    ----------
    path
        Output file (.mp4 recommended; see :class:`VideoWriter`).
    frames
        ``H x W x 3`` uint8 RGB images, all the same size (as stored).
    fps
        Nominal frame rate.
    timestamps
        Optional presentation time in seconds per frame (variable frame rate).
    rotation
        Display rotation in degrees clockwise, stored as metadata.
    codec, crf
        See :class:`VideoWriter`.

    Raises
    ------
    ValueError
        If there are no frames, or ``timestamps`` and ``frames`` differ in length.
    """
    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise ValueError(f"no frames to write to {path}")
    times = None if timestamps is None else [float(t) for t in timestamps]
    height, width = np.asarray(first).shape[:2]
    n = 0
    with VideoWriter(path, fps, (width, height), codec=codec, crf=crf, rotation=rotation) as w:
        for image in itertools.chain([first], iterator):
            if times is not None and n >= len(times):
                raise ValueError(f"more frames than timestamps ({len(times)}) for {path}")
            w.write(image, None if times is None else times[n])
            n += 1
    if times is not None and n != len(times):
        raise ValueError(f"{len(times)} timestamps for {n} frames in {path}")
    return Path(path)
