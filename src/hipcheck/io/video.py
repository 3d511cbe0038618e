"""Robust video decoding with PyAV: upright RGB frames with real timestamps.

What this module guarantees, whatever the phone or camera:

- frames come out upright: the container's display matrix (how phones mark portrait
  clips) is applied, so a portrait clip has ``width < height``;
- each frame carries its real presentation time (``pts * time_base``), so variable
  frame rate clips keep their true timing;
- memory stays flat: frames are streamed, optionally decoded in a background thread
  into a small bounded queue so decoding overlaps with pose inference;
- a damaged or truncated file yields every frame before the damage, and
  :class:`DecodeStats` says how many were lost; files that cannot be used at all raise
  :class:`~hipcheck.errors.VideoError` with a message naming the file and a hint.

For processing one clip in several processes, :func:`index_frames` lists the frames'
presentation times from the container's packets (no decoding), and
:meth:`VideoReader.segment` decodes one contiguous run of frames after seeking to the
keyframe before it, numbering and timing the frames exactly as a full pass would.

OpenCV is deliberately not used for decoding: several releases ignore or misapply the
display matrix.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import cast

import av
import av.filter
import numpy as np

from hipcheck.errors import VideoError

logger = logging.getLogger(__name__)

# Timestamps count as unevenly spaced (variable frame rate) when the spread between the
# shortest and longest frame interval exceeds this fraction of the mean interval (or
# 1.5 time-base ticks, so millisecond rounding in Matroska does not count).
VFR_RELATIVE_SPREAD = 0.05
# average vs. base (r_frame_rate) frame rate mismatch that marks a VFR stream at probe
_PROBE_VFR_RATE_MISMATCH = 0.01
# When the frame count is only estimated, decoded frames falling short of the stream
# duration by this little (frames, or fraction of the duration) is rounding, not damage.
_ESTIMATE_SLACK_FRAMES = 2
_ESTIMATE_SLACK_FRACTION = 0.02
# how long the consumer waits on the queue before checking the decoder thread is alive
_POLL_S = 0.1
_JOIN_TIMEOUT_S = 5.0

_HINT_CONVERT = "Check that it is a video file; if it plays elsewhere, re-export it as MP4 (H.264)."


@dataclass(frozen=True)
class VideoInfo:
    """Facts about a video file.

    Attributes
    ----------
    path
        The file.
    container
        FFmpeg demuxer name, e.g. ``"mov,mp4,m4a,3gp,3g2,mj2"`` or ``"matroska,webm"``.
    codec
        Codec name, e.g. ``"h264"``, ``"hevc"``, ``"vp9"``, ``"av1"``, ``"mpeg4"``.
    width, height
        Display size in pixels, after rotation (portrait clip: ``width < height``).
    coded_width, coded_height
        Size as stored.
    rotation
        Degrees clockwise (0/90/180/270) the stored frame is rotated for display.
    fps
        Average frame rate.
    duration_s
        Duration of the video stream in seconds (0.0 when unknown).
    n_frames
        Frame count from the container, or estimated from duration x fps; ``None``
        when neither is known.
    vfr
        Whether frame timestamps are unevenly spaced. From the stream's rates when
        probed; :class:`VideoReader` replaces it with the measured answer after reading.
    """

    path: str
    container: str
    codec: str
    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation: int
    fps: float
    duration_s: float
    n_frames: int | None
    vfr: bool

    def to_dict(self) -> dict:
        """Return the fields as a JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    Attributes
    ----------
    index
        0-based position among the frames delivered.
    t_s
        Presentation time in seconds, ``(pts - stream start_time) * time_base``;
        strictly increasing (see ``DecodeStats.timestamps_guessed`` for repairs).
    image
        ``H x W x 3`` uint8 RGB, upright, possibly shrunk (see ``VideoReader.scale``).
    """

    index: int
    t_s: float
    image: np.ndarray


@dataclass
class DecodeStats:
    """Running decode counts; final once iteration has finished.

    Attributes
    ----------
    frames_decoded
        Frames delivered so far.
    frames_expected
        Frame count the container announced (or estimated from its duration).
    frames_lost
        ``frames_expected - frames decoded`` when the file turned out damaged or cut
        short, else 0; ``None`` when the expected count is unknown.
    damaged
        Whether decoding hit corrupt data or the file ended early.
    error
        Plain-language description of the damage, or ``None``.
    timestamps_guessed
        Frames whose timestamp was missing or out of order in the file and was
        placed one frame interval after the previous frame instead.
    """

    frames_decoded: int = 0
    frames_expected: int | None = None
    frames_lost: int | None = None
    damaged: bool = False
    error: str | None = None
    timestamps_guessed: int = 0


# --------------------------------------------------------------------------- helpers


def rotate_image(image: np.ndarray, rotation_cw: int) -> np.ndarray:
    """Rotate an ``H x W x C`` image clockwise by a multiple of 90 degrees.

    Parameters
    ----------
    image
        Image array, row 0 at the top.
    rotation_cw
        Degrees clockwise: 0, 90, 180 or 270 (other multiples of 90 wrap).

    Returns
    -------
    np.ndarray
        A C-contiguous rotated copy (or the input itself for 0 degrees).
    """
    if rotation_cw % 90 != 0:
        raise ValueError(f"rotation must be a multiple of 90 degrees, got {rotation_cw}")
    k = (rotation_cw // 90) % 4
    if k == 0:
        return image
    # np.rot90 turns counter-clockwise for positive k
    return np.ascontiguousarray(np.rot90(image, k=-k))


def _rotation_cw(display_rotation_ccw: float) -> int:
    """Clockwise display rotation (0/90/180/270) from FFmpeg's counter-clockwise angle."""
    return int(round(-display_rotation_ccw / 90.0)) * 90 % 360


def _resolve(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.exists():
        raise VideoError(f"File not found: {p}", "Check the path and file name.")
    if p.is_dir():
        raise VideoError(
            f"{p} is a folder, not a video file.",
            "Give the path of one video file (use batch mode for a folder).",
        )
    return p


def _open_input(p: Path) -> av.container.InputContainer:
    try:
        return av.open(str(p), mode="r")
    except FileNotFoundError as exc:  # removed since it was checked
        raise VideoError(f"File not found: {p}", "Check the path and file name.") from exc
    except PermissionError as exc:
        raise VideoError(
            f"Cannot read {p}: permission denied.", "Check the file's permissions."
        ) from exc
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise VideoError(
            f"{p} is not a readable video file ({_describe(exc)}).", _HINT_CONVERT
        ) from exc


def _describe(exc: BaseException) -> str:
    strerror = getattr(exc, "strerror", None)
    return str(strerror or exc or type(exc).__name__)


def _video_stream(container: av.container.InputContainer, p: Path) -> av.video.VideoStream:
    streams = [s for s in container.streams.video if s.codec_context is not None]
    if not streams:
        kinds = sorted({s.type for s in container.streams})
        if kinds == ["audio"]:
            raise VideoError(
                f"{p} has no video stream (it contains only audio).",
                "Use a file with video in it, not an audio-only recording.",
            )
        # no streams, a video stream without a decoder, or data tracks: the file's index
        # (the MP4 'moov' box) is damaged, or it is not a video at all
        found = f"its index lists {', '.join(kinds)}" if kinds else "it lists no streams"
        raise VideoError(
            f"{p} has no usable video stream ({found}): the file is damaged or not a video.",
            _HINT_CONVERT,
        )
    # prefer a real video track over an embedded cover picture
    real = [s for s in streams if not (s.disposition & av.stream.Disposition.attached_pic)]
    return (real or streams)[0]


def _first_frame(
    container: av.container.InputContainer, stream: av.video.VideoStream
) -> av.VideoFrame | None:
    """Decode up to the first frame, tolerating corrupt packets; ``None`` if none."""
    try:
        for packet in container.demux(stream):
            try:
                frames = stream.decode(packet)
            except av.error.FFmpegError:
                continue
            if frames:
                return frames[0]
    except (av.error.FFmpegError, OSError):
        return None
    return None


def _rate(stream: av.video.VideoStream) -> Fraction | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate is not None and rate > 0:
            return Fraction(rate)
    return None


def _duration_s(container: av.container.InputContainer, stream: av.video.VideoStream) -> float:
    if stream.duration is not None and stream.duration > 0 and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    return 0.0


def _metadata_rotation(stream: av.video.VideoStream) -> int:
    # Old FFmpeg exported the display matrix as a "rotate" tag (degrees clockwise).
    try:
        return int(float(stream.metadata.get("rotate", "0"))) % 360
    except ValueError:
        return 0


# ------------------------------------------------------------------------------ probe


def probe_video(path: str | os.PathLike[str]) -> VideoInfo:
    """Read a video's facts (size, rotation, rate, duration) without decoding it all.

    The first frame is decoded, because the display rotation travels with decoded
    frames in this FFmpeg, and to make sure the file decodes at all.

    Parameters
    ----------
    path
        Video file.

    Returns
    -------
    VideoInfo

    Raises
    ------
    VideoError
        If the file is missing, a folder, not a video, has no video stream, or has no
        decodable frame.
    """
    info, _ = _probe(path)
    return info


def _probe(path: str | os.PathLike[str]) -> tuple[VideoInfo, bool]:
    """Return the info and whether ``n_frames`` is an exact count from the container."""
    p = _resolve(path)
    container = _open_input(p)
    try:
        stream = _video_stream(container, p)
        first = _first_frame(container, stream)
        if first is None:
            raise VideoError(
                f"{p} contains no decodable video frames (the video is empty or corrupt).",
                _HINT_CONVERT,
            )
        rotation = _rotation_cw(first.rotation) if first.rotation else _metadata_rotation(stream)
        coded_w, coded_h = first.width, first.height
        duration = _duration_s(container, stream)
        rate = _rate(stream)
        exact = bool(stream.frames and stream.frames > 0)
        n_frames: int | None = int(stream.frames) if exact else None
        if n_frames is None and rate is not None and duration > 0:
            n_frames = max(1, round(duration * rate))
        if rate is not None:
            fps = float(rate)
        elif n_frames and duration > 0:
            fps = n_frames / duration
        else:
            fps = 0.0
        base = stream.base_rate
        vfr = bool(
            base
            and stream.average_rate
            and abs(float(base) / float(stream.average_rate) - 1) > _PROBE_VFR_RATE_MISMATCH
        )
        swap = rotation in (90, 270)
        info = VideoInfo(
            path=str(p),
            container=container.format.name,
            codec=stream.codec_context.name if stream.codec_context.name else "unknown",
            width=coded_h if swap else coded_w,
            height=coded_w if swap else coded_h,
            coded_width=coded_w,
            coded_height=coded_h,
            rotation=rotation,
            fps=fps,
            duration_s=duration,
            n_frames=n_frames,
            vfr=vfr,
        )
        return _normalise_codec(info), exact
    finally:
        container.close()


def _normalise_codec(info: VideoInfo) -> VideoInfo:
    # PyAV reports the decoder's name; callers want the codec ("libdav1d" -> "av1").
    aliases = {"libdav1d": "av1", "libaom-av1": "av1", "libvpx-vp9": "vp9", "libvpx": "vp8"}
    codec = aliases.get(info.codec, info.codec)
    return info if codec == info.codec else dataclasses.replace(info, codec=codec)


# ------------------------------------------------------------------------------ index


@dataclass(frozen=True)
class FrameIndex:
    """Every frame's presentation time and the keyframes, read from packets (not decoded).

    Attributes
    ----------
    pts
        Presentation timestamp of each frame in display order (stream time base).
    t_s
        The same as seconds from the stream start, as a full decoding pass gives them.
    key_pts, key_dts
        Presentation and decoding timestamps of the keyframes (seek points), in
        display order.
    time_base
        The stream's time base (seconds per tick).
    vfr
        Whether the frame intervals are unevenly spaced (same rule as a full pass).
    usable
        Whether segments may be decoded from this index: every packet has a distinct
        presentation time, their count matches the container's, and the file starts
        with a keyframe. Otherwise ``reason`` says why and callers decode in one pass.
    reason
        Why the index is not usable, or None.
    """

    pts: np.ndarray
    t_s: np.ndarray
    key_pts: np.ndarray
    key_dts: np.ndarray
    time_base: Fraction
    vfr: bool
    usable: bool
    reason: str | None = None

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(self.pts.size)

    def seek_point(self, first: int) -> tuple[int, int] | None:
        """(pts, dts) of the last keyframe at or before frame ``first``; None: from the start."""
        k = int(np.searchsorted(self.key_pts, self.pts[first], side="right")) - 1
        if k <= 0:
            return None
        return int(self.key_pts[k]), int(self.key_dts[k])

    def to_dict(self) -> dict:
        """JSON-ready form (sent to worker processes)."""
        return {
            "pts": self.pts.tolist(),
            "t_s": self.t_s.tolist(),
            "key_pts": self.key_pts.tolist(),
            "key_dts": self.key_dts.tolist(),
            "time_base": [self.time_base.numerator, self.time_base.denominator],
            "vfr": self.vfr,
            "usable": self.usable,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, d: dict) -> FrameIndex:
        """Inverse of :meth:`to_dict`."""
        return cls(
            pts=np.asarray(d["pts"], dtype=np.int64),
            t_s=np.asarray(d["t_s"], dtype=np.float64),
            key_pts=np.asarray(d["key_pts"], dtype=np.int64),
            key_dts=np.asarray(d["key_dts"], dtype=np.int64),
            time_base=Fraction(*d["time_base"]),
            vfr=bool(d["vfr"]),
            usable=bool(d["usable"]),
            reason=d.get("reason"),
        )


def _unusable(reason: str) -> FrameIndex:
    empty = np.zeros(0, dtype=np.int64)
    return FrameIndex(empty, np.zeros(0), empty, empty, Fraction(1), False, False, reason)


def index_frames(path: str | os.PathLike[str]) -> FrameIndex:
    """Index a video's frames from its packets, without decoding (milliseconds per clip).

    Parameters
    ----------
    path
        Video file.

    Returns
    -------
    FrameIndex
        ``usable`` is False (with a ``reason``) when the packets cannot be trusted to
        stand for the decoded frames: missing or repeated timestamps, a count that
        differs from the container's, no keyframe first, or unreadable data.

    Raises
    ------
    VideoError
        The file is missing or not a video.
    """
    p = _resolve(path)
    container = _open_input(p)
    try:
        stream = _video_stream(container, p)
        time_base = stream.time_base
        if not time_base:
            return _unusable("the video stream has no time base")
        pts: list[int] = []
        keys: list[tuple[int, int]] = []
        first_is_key: bool | None = None
        try:
            for packet in container.demux(stream):
                if packet.size == 0:  # end-of-stream flush packet
                    continue
                if packet.pts is None:
                    return _unusable("a packet has no presentation time")
                if first_is_key is None:
                    first_is_key = bool(packet.is_keyframe)
                pts.append(int(packet.pts))
                if packet.is_keyframe:
                    dts = packet.dts if packet.dts is not None else packet.pts
                    keys.append((int(packet.pts), int(dts)))
        except (av.error.FFmpegError, OSError) as exc:
            return _unusable(f"the file could not be read to the end ({_describe(exc)})")
        if not pts:
            return _unusable("no video packets")
        if not first_is_key:
            return _unusable("the stream does not start with a keyframe")
        arr = np.sort(np.asarray(pts, dtype=np.int64))
        if np.any(np.diff(arr) <= 0):
            return _unusable("repeated presentation times")
        if stream.frames and stream.frames > 0 and stream.frames != arr.size:
            return _unusable(f"{arr.size} packets but {stream.frames} frames announced")
        start = stream.start_time or 0
        # exact rational arithmetic, as a full pass computes each frame's time
        tb = Fraction(time_base)
        t_s = np.asarray([float((int(v) - start) * tb) for v in arr], dtype=np.float64)
        keys.sort()
        key_pts = np.asarray([k[0] for k in keys], dtype=np.int64)
        key_dts = np.asarray([k[1] for k in keys], dtype=np.int64)
        vfr = _uneven_times(t_s, float(time_base))
        if not (stream.frames and stream.frames > 0) and _cut_short(t_s, stream, container):
            return _unusable("the packets end before the stream's duration (cut short?)")
        return FrameIndex(arr, t_s, key_pts, key_dts, Fraction(time_base), vfr, True)
    finally:
        container.close()


def _cut_short(
    t_s: np.ndarray, stream: av.video.VideoStream, container: av.container.InputContainer
) -> bool:
    """Whether frames end before the stream duration (the rule of ``_frames_missing``)."""
    duration = _duration_s(container, stream)
    if t_s.size < 2 or duration <= 0:
        return False
    mean_dt = (t_s[-1] - t_s[0]) / (t_s.size - 1)
    missing_s = duration - (t_s[-1] + mean_dt)
    slack_s = max(_ESTIMATE_SLACK_FRAMES * mean_dt, _ESTIMATE_SLACK_FRACTION * duration)
    return bool(missing_s > slack_s)


def _uneven_times(t_s: np.ndarray, tick: float) -> bool:
    """Whether timestamps are unevenly spaced (the rule of ``_Clock.uneven``)."""
    if t_s.size < 3:
        return False
    dt = np.diff(t_s)
    mean_dt = (t_s[-1] - t_s[0]) / (t_s.size - 1)
    return _spread_uneven(float(dt.min()), float(dt.max()), float(mean_dt), tick)


def _spread_uneven(min_dt: float, max_dt: float, mean_dt: float, tick: float) -> bool:
    # rounding to the time base jitters intervals by one tick; where a tick is a whole
    # frame (AVI) any spread is real
    rounding = min(1.5 * tick, 0.5 * mean_dt)
    return max_dt - min_dt > max(VFR_RELATIVE_SPREAD * mean_dt, rounding)


class SegmentMismatch(Exception):
    """Decoded frames did not match the frame index (callers fall back to one pass)."""


# ----------------------------------------------------------------------------- reader


def open_video(
    path: str | os.PathLike[str],
    *,
    max_side: int | None = None,
    threaded: bool = True,
    queue_size: int = 8,
) -> VideoReader:
    """Open a video for streaming, upright RGB frames.

    Parameters
    ----------
    path
        Video file (MP4, MOV, MKV, WebM, AVI; H.264, HEVC, VP9, AV1, MPEG-4 Part 2...).
    max_side
        If given and the display frame's longer side is larger, frames are shrunk
        (area interpolation) so that side equals ``max_side``; ``reader.scale`` gives
        the factor (output pixels per display pixel).
    threaded
        Decode and convert in a background thread, ``queue_size`` frames ahead.
    queue_size
        Bound on frames decoded ahead (memory = ``queue_size`` frames).

    Returns
    -------
    VideoReader

    Raises
    ------
    VideoError
        See :func:`probe_video`.
    """
    info, exact = _probe(path)
    return VideoReader(
        info, max_side=max_side, threaded=threaded, queue_size=queue_size, exact_count=exact
    )


def _output_size(info: VideoInfo, max_side: int | None) -> tuple[float, tuple[int, int] | None]:
    """Return ``scale`` and the coded ``(w, h)`` to resize to (``None`` = no resize)."""
    longest = max(info.width, info.height)
    if max_side is None or longest <= max_side:
        return 1.0, None
    if max_side < 1:
        raise ValueError(f"max_side must be positive, got {max_side}")
    scale = max_side / longest
    w = max(1, round(info.coded_width * scale))
    h = max(1, round(info.coded_height * scale))
    return scale, (w, h)


class _Rotator:
    """Turn decoded frames upright with FFmpeg's transpose/flip filters (before RGB).

    Rotating the YUV frame in FFmpeg (as the ``ffmpeg`` tool does for phone clips) costs
    about a tenth of turning the RGB array in numpy (a strided 6 MB copy per 1080p
    frame). One instance per decoding pass; the filter graph is rebuilt if the frame
    size or pixel format changes mid-stream.
    """

    FILTERS = {90: [("transpose", "clock")], 180: [("hflip", ""), ("vflip", "")],
               270: [("transpose", "cclock")]}  # fmt: skip

    def __init__(self, rotation_cw: int) -> None:
        if rotation_cw not in self.FILTERS:
            raise ValueError(f"rotation must be 90, 180 or 270 degrees, got {rotation_cw}")
        self.rotation = rotation_cw
        self._key: tuple | None = None
        self._graph: av.filter.Graph | None = None

    def _build(self, vframe: av.VideoFrame) -> None:
        graph = av.filter.Graph()
        node = graph.add_buffer(
            width=vframe.width,
            height=vframe.height,
            # the stub asks for a VideoFormat; PyAV also takes its name (VideoFormat(format))
            format=vframe.format.name,  # type: ignore[arg-type]
            time_base=vframe.time_base or Fraction(1, 1000),
        )
        for name, args in self.FILTERS[self.rotation]:
            nxt = graph.add(name, args) if args else graph.add(name)
            node.link_to(nxt)
            node = nxt
        sink = graph.add("buffersink")
        node.link_to(sink)
        graph.configure()
        self._graph = graph

    def __call__(self, vframe: av.VideoFrame) -> av.VideoFrame:
        key = (vframe.width, vframe.height, vframe.format.name)
        if key != self._key:
            self._build(vframe)
            self._key = key
        assert self._graph is not None
        self._graph.push(vframe)
        # one video buffersink: pull() returns a VideoFrame
        return cast("av.VideoFrame", self._graph.pull())


class _LandedLate(Exception):
    """A seek landed after the frame it was meant to reach."""


class _End:
    """Queue marker: the decoder finished normally."""


@dataclass
class _Failure:
    """Queue marker: the decoder raised ``exc``."""

    exc: Exception


#: A decoding pass: takes the stop event, yields frames (run in the decoder thread).
#: one decoding pass; a generator, so the decoder thread can close it early
_DecodeFn = Callable[[threading.Event], Generator[Frame, None, None]]


class VideoReader:
    """Iterable of :class:`Frame` over one video (context manager).

    Each ``for`` loop decodes the file from the start; breaking out of a loop stops
    its decoder thread. Use :func:`open_video` to create one.

    Attributes
    ----------
    info
        The probed :class:`VideoInfo`; after a complete pass, ``vfr`` is the
        measured answer.
    scale
        Output pixels per display pixel (1.0 unless ``max_side`` shrank frames).
    decoder_threads
        FFmpeg decoder threads: None lets FFmpeg choose (one per CPU), 1 decodes in the
        decoder thread alone (least CPU in total: what parallel pose workers use, since
        the other CPUs are busy with the other segments).
    stats
        :class:`DecodeStats` of the current (or last) pass.
    """

    def __init__(
        self,
        info: VideoInfo,
        *,
        max_side: int | None = None,
        threaded: bool = True,
        queue_size: int = 8,
        exact_count: bool = False,
        decoder_threads: int | None = None,
    ) -> None:
        if queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, got {queue_size}")
        self.info = info
        self.scale, self._resize_to = _output_size(info, max_side)
        self.threaded = threaded
        self.queue_size = queue_size
        self._exact_count = exact_count
        self.decoder_threads = decoder_threads
        self.stats = DecodeStats(frames_expected=info.n_frames)
        self._passes: list[tuple[threading.Event, threading.Thread]] = []
        self._bad_packets = 0

    # ---------------------------------------------------------------- iteration
    def __iter__(self) -> Iterator[Frame]:
        return self.stream()

    def stream(self) -> Iterator[Frame]:
        """Start decoding the whole file now and return its frames.

        With ``threaded`` the decoder thread starts before this returns, so frames are
        being decoded while the caller does other work (loading the pose model).
        """
        self.stats = DecodeStats(frames_expected=self.info.n_frames)
        if not self.threaded:
            return self._counted(self._decode(threading.Event()))
        return self._counted(self._threaded(self._decode))

    def segment(self, index: FrameIndex, first: int, stop: int) -> Iterator[Frame]:
        """Decode frames ``first`` to ``stop - 1`` (display order, numbered as in ``index``).

        Seeks to the last keyframe at or before ``first`` and decodes from there (frames
        before ``first`` are decoded but not converted). Frame numbers, timestamps and
        pixels equal those of a full pass. Decoding starts before this returns (when
        ``threaded``).

        Raises
        ------
        SegmentMismatch
            While iterating: the decoded frames do not match ``index`` (missing,
            reordered or extra frames, a decode error); decode the file in one pass.
        """
        if not 0 <= first < stop <= index.n_frames:
            raise ValueError(f"bad segment {first}..{stop} of {index.n_frames} frames")
        self.stats = DecodeStats(frames_expected=stop - first)

        def decode(stop_event: threading.Event) -> Generator[Frame, None, None]:
            return self._decode_segment(stop_event, index, first, stop)

        if not self.threaded:
            return self._counted(decode(threading.Event()))
        return self._counted(self._threaded(decode))

    def _counted(self, frames: Iterator[Frame]) -> Iterator[Frame]:
        for frame in frames:
            self.stats.frames_decoded += 1
            yield frame

    def _threaded(self, decode: _DecodeFn) -> Iterator[Frame]:
        """Start ``decode`` in a background thread now; return the consuming iterator."""
        stop = threading.Event()
        q: queue.Queue[Frame | _End | _Failure] = queue.Queue(maxsize=self.queue_size)
        thread = threading.Thread(
            target=self._produce, args=(q, stop, decode), name="hipcheck-video-decode", daemon=True
        )
        self._passes.append((stop, thread))
        thread.start()
        return self._consume(q, stop, thread)

    def _consume(
        self,
        q: queue.Queue[Frame | _End | _Failure],
        stop: threading.Event,
        thread: threading.Thread,
    ) -> Iterator[Frame]:
        try:
            while True:
                try:
                    item = q.get(timeout=_POLL_S)
                except queue.Empty:
                    if not thread.is_alive():
                        raise RuntimeError("video decoder thread ended unexpectedly") from None
                    continue
                if isinstance(item, _End):
                    return
                if isinstance(item, _Failure):
                    raise item.exc
                yield item
        finally:
            self._stop(stop, thread)

    def _produce(self, q: queue.Queue, stop: threading.Event, decode: _DecodeFn) -> None:
        """Thread body: decode into ``q`` until done or ``stop`` is set."""
        frames = decode(stop)
        try:
            for frame in frames:
                if not _put(q, frame, stop):
                    return
            _put(q, _End(), stop)
        except Exception as exc:  # handed to the consumer, which re-raises it
            _put(q, _Failure(exc), stop)
        finally:
            frames.close()

    def _stop(self, stop: threading.Event, thread: threading.Thread) -> None:
        stop.set()
        thread.join(timeout=_JOIN_TIMEOUT_S)
        if thread.is_alive():  # pragma: no cover - would need a hung FFmpeg call
            logger.warning("%s: video decoder thread did not stop", self.info.path)
        if (stop, thread) in self._passes:
            self._passes.remove((stop, thread))

    def _decode(self, stop: threading.Event) -> Generator[Frame, None, None]:
        """Decode the file from the start (runs in the decoder thread when threaded)."""
        info = self.info
        p = Path(info.path)
        container = _open_input(p)
        try:
            stream = _video_stream(container, p)
            self._threading(stream)
            clock = _Clock(stream, info.fps)
            self._bad_packets = 0
            produced = 0
            rotator = self._rotator()
            for vframe in self._decoded_frames(container, stream):
                if stop.is_set():
                    return
                t_s = clock.time_of(vframe)
                yield Frame(index=produced, t_s=t_s, image=self._to_rgb(vframe, rotator))
                produced += 1
            self.stats.timestamps_guessed = clock.guessed
            self._finish(produced, clock)
        finally:
            container.close()

    def _threading(self, stream: av.video.VideoStream) -> None:
        """FFmpeg's own decoder threads: automatic, or a fixed count (1 = none)."""
        if self.decoder_threads is None:
            stream.thread_type = "AUTO"  # frame/slice threads: faster on 2+ idle cores
        else:
            stream.thread_type = "AUTO" if self.decoder_threads > 1 else "SLICE"
            stream.codec_context.thread_count = max(1, self.decoder_threads)

    def _decode_segment(
        self, stop_event: threading.Event, index: FrameIndex, first: int, stop: int
    ) -> Generator[Frame, None, None]:
        """Decode frames ``first..stop-1`` after seeking (decoder thread when threaded)."""
        seek = index.seek_point(first)
        try:
            yield from self._segment_pass(stop_event, index, first, stop, seek)
        except _LandedLate:
            # the demuxer's seek landed after the wanted keyframe: decode from the start
            yield from self._segment_pass(stop_event, index, first, stop, None)

    def _segment_pass(
        self,
        stop_event: threading.Event,
        index: FrameIndex,
        first: int,
        stop: int,
        seek: tuple[int, int] | None,
    ) -> Iterator[Frame]:
        p = Path(self.info.path)
        container = _open_input(p)
        try:
            stream = _video_stream(container, p)
            self._threading(stream)
            if seek is not None:
                # seek by the keyframe's decoding time: at or before its presentation
                # time for every container, so "backward" lands on it or earlier
                container.seek(seek[1], stream=stream, backward=True, any_frame=False)
            wanted = int(index.pts[first])
            i = first
            rotator = self._rotator()
            try:
                for packet in container.demux(stream):
                    for vframe in stream.decode(packet):
                        if stop_event.is_set():
                            return
                        pts = vframe.pts
                        if pts is None:
                            raise SegmentMismatch(f"{p.name}: a decoded frame has no timestamp")
                        if i == first and pts < wanted:
                            continue  # before the segment: decoded for its references only
                        if pts != index.pts[i]:
                            if i == first and seek is not None:
                                raise _LandedLate
                            raise SegmentMismatch(
                                f"{p.name}: frame {i} decoded with pts {pts}, "
                                f"index says {int(index.pts[i])}"
                            )
                        image = self._to_rgb(vframe, rotator)
                        yield Frame(index=i, t_s=float(index.t_s[i]), image=image)
                        i += 1
                        if i == stop:
                            return
            except av.error.FFmpegError as exc:
                raise SegmentMismatch(f"{p.name}: decode error ({_describe(exc)})") from exc
            raise SegmentMismatch(f"{p.name}: the file ended at frame {i}, before frame {stop}")
        finally:
            container.close()

    def _decoded_frames(
        self, container: av.container.InputContainer, stream: av.video.VideoStream
    ) -> Iterator[av.VideoFrame]:
        """Yield decoded frames, recording (not raising) damage along the way."""
        p = Path(self.info.path)
        try:
            for packet in container.demux(stream):
                try:
                    frames = stream.decode(packet)
                except av.error.FFmpegError as exc:
                    # one corrupt packet: its frame is lost, later ones may still decode
                    self._record_damage(f"corrupt data ({_describe(exc)})")
                    self._bad_packets += 1
                    continue
                yield from frames
        except (av.error.FFmpegError, OSError) as exc:
            self._record_damage(f"the file could not be read to the end ({_describe(exc)})")
            try:  # drain frames still buffered in the decoder
                yield from stream.decode(None)
            except av.error.FFmpegError:
                logger.debug("%s: decoder flush after read error failed", p)

    def _record_damage(self, what: str) -> None:
        if not self.stats.damaged:
            self.stats.damaged = True
            self.stats.error = what

    def _finish(self, produced: int, clock: _Clock) -> None:
        """Set the final stats after a complete pass; raise if nothing decoded."""
        p = Path(self.info.path)
        stats = self.stats
        if produced == 0:
            detail = f": {stats.error}" if stats.error else ""
            raise VideoError(f"No video frame of {p} could be decoded{detail}.", _HINT_CONVERT)
        lost = self._frames_missing(produced, clock)
        if lost and not stats.damaged:
            stats.damaged = True
            stats.error = "the file ends early (it may have been cut short while copying)"
        if stats.damaged:
            if lost is not None:
                lost = max(lost, self._bad_packets)
                if not self._exact_count:
                    stats.frames_expected = produced + lost
            stats.frames_lost = lost
            what = (
                f"{lost} of {stats.frames_expected} frames lost"
                if lost is not None
                else "an unknown number of frames lost"
            )
            kept = f"{produced} frame" + ("s" if produced != 1 else "")
            stats.error = f"{p.name}: {stats.error}; kept {kept}, {what}."
            logger.warning("Damaged video %s", stats.error)
        else:
            stats.frames_lost = None if stats.frames_expected is None else 0
        self.info = dataclasses.replace(self.info, vfr=clock.uneven())

    def _frames_missing(self, produced: int, clock: _Clock) -> int | None:
        """Frames the container promised but the pass did not deliver (None: unknown).

        An exact count (MP4/MOV sample tables, AVI headers) is compared directly;
        otherwise the decoded frames' time span is compared with the stream duration,
        allowing for rounding, so variable frame rate does not look like damage.
        """
        expected = self.stats.frames_expected
        if self._exact_count and expected is not None:
            return max(0, expected - produced)
        mean_dt = clock.mean_interval()
        duration = self.info.duration_s
        if mean_dt is None or clock.last is None or duration <= 0:
            return None
        missing_s = duration - (clock.last + mean_dt)
        slack_s = max(_ESTIMATE_SLACK_FRAMES * mean_dt, _ESTIMATE_SLACK_FRACTION * duration)
        return round(missing_s / mean_dt) if missing_s > slack_s else 0

    def _to_rgb(self, vframe: av.VideoFrame, rotator: _Rotator | None = None) -> np.ndarray:
        """Return the upright RGB array of a decoded frame (rotated by FFmpeg, then resized)."""
        if rotator is not None:
            vframe = rotator(vframe)
        if self._resize_to is None:
            image = vframe.to_ndarray(format="rgb24")
        else:
            w, h = self._resize_to
            if self.info.rotation in (90, 270):
                w, h = h, w
            image = vframe.reformat(
                width=w, height=h, format="rgb24", interpolation="AREA"
            ).to_ndarray()
        # PyAV hands back a strided view when rows are padded; callers want plain arrays
        return np.ascontiguousarray(image)

    def _rotator(self) -> _Rotator | None:
        """Return a fresh rotation filter for one decoding pass (None for upright video)."""
        return _Rotator(self.info.rotation) if self.info.rotation else None

    # ---------------------------------------------------------------- lifetime
    def close(self) -> None:
        """Stop any decoder thread still running (idempotent)."""
        for stop, thread in list(self._passes):
            self._stop(stop, thread)

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _put(q: queue.Queue, item: object, stop: threading.Event) -> bool:
    """Put ``item`` unless ``stop`` is set first; return whether it was queued."""
    while not stop.is_set():
        try:
            q.put(item, timeout=_POLL_S)
            return True
        except queue.Full:
            continue
    return False


class _Clock:
    """Frame times from pts, normalised to the stream start; tracks their spacing."""

    def __init__(self, stream: av.video.VideoStream, fps: float) -> None:
        self.time_base = stream.time_base
        self.start = stream.start_time or 0
        self.step = 1.0 / fps if fps > 0 else 0.0
        self.guessed = 0
        self.first: float | None = None
        self.last: float | None = None
        self.count = 0
        self.min_dt = math.inf
        self.max_dt = 0.0
        self._last_pts: int | None = None
        self._last_dts: int | None = None
        self._last_ts: int | None = None
        self._faulty_pts = 0
        self._faulty_dts = 0

    def _best_effort(self, pts: int | None, dts: int | None) -> int | None:
        """Pick pts or dts the way FFmpeg's ``guess_correct_pts`` does.

        Containers without presentation times (AVI) hand out scrambled pts for
        reordered frames while their dts still increase; whichever has gone backwards
        less often is trusted. A time that does not increase is rejected (``None``).
        """
        if pts is not None and self._last_pts is not None and pts <= self._last_pts:
            self._faulty_pts += 1
        if dts is not None and self._last_dts is not None and dts <= self._last_dts:
            self._faulty_dts += 1
        self._last_pts = pts if pts is not None else self._last_pts
        self._last_dts = dts if dts is not None else self._last_dts
        use_dts = dts is not None and (pts is None or self._faulty_pts > self._faulty_dts)
        ts = dts if use_dts else pts
        if ts is None or (self._last_ts is not None and ts <= self._last_ts):
            return None
        self._last_ts = ts
        return ts

    def time_of(self, vframe: av.VideoFrame) -> float:
        ts = self._best_effort(vframe.pts, vframe.dts)
        time_base = vframe.time_base or self.time_base
        if ts is None or time_base is None:
            # No usable timestamp: one nominal interval after the last frame.
            self.guessed += 1
            t = 0.0 if self.last is None else self.last + self.step
        else:
            t = float((ts - self.start) * time_base)
            if self.last is not None and t <= self.last:
                # after a guessed time, keep times strictly increasing
                self.guessed += 1
                t = self.last + self.step
        if self.last is not None:
            dt = t - self.last
            self.min_dt = min(self.min_dt, dt)
            self.max_dt = max(self.max_dt, dt)
        if self.first is None:
            self.first = t
        self.last = t
        self.count += 1
        return t

    def mean_interval(self) -> float | None:
        """Mean frame interval in seconds (the nominal one for a single frame)."""
        if self.count >= 2 and self.first is not None and self.last is not None:
            return (self.last - self.first) / (self.count - 1)
        return self.step or None

    def uneven(self) -> bool:
        """Whether the observed frame intervals are unevenly spaced."""
        mean_dt = self.mean_interval()
        if self.count < 3 or mean_dt is None:
            return False
        tick = float(self.time_base) if self.time_base else 0.0
        return _spread_uneven(self.min_dt, self.max_dt, mean_dt, tick)
