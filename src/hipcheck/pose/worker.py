"""Pose worker process: runs the model on one segment of a clip (``python -m``).

Started by :mod:`hipcheck.pose.parallel` as
``python -m hipcheck.pose.worker PARENT_PID``. It reads one JSON job line on stdin
(video facts, frame index, segment, model, ``max_side``), then writes framed binary
messages on stdout:

- ``P`` + uint32: kept frames done so far (progress);
- ``R`` + uint32 header length + JSON header + float32 array ``(kept, 33, 5)``: the
  normalised landmarks (x, y, z, visibility, presence; NaN where no person);
- ``E`` + JSON ``{"type", "message", "hint"}``: the segment could not be done.

Each message is ``kind (1 byte) + payload length (uint32, little-endian) + payload``.

It dies with its parent: on Linux the kernel sends it SIGKILL when the parent exits
(``prctl(PR_SET_PDEATHSIG)``); everywhere, it exits as soon as its stdin reaches
end-of-file, which happens when the parent exits or gives up on it. Ctrl-C (SIGINT to
the terminal's process group) ends it at once.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import sys
import threading
import time
from typing import IO, BinaryIO

import numpy as np

#: Seconds between progress messages.
PROGRESS_EVERY_S = 0.25
#: Exit status when the parent is gone.
PARENT_GONE = 3

_HEADER = struct.Struct("<cI")


def send(out: BinaryIO, kind: bytes, payload: bytes) -> None:
    """Write one framed message."""
    out.write(_HEADER.pack(kind, len(payload)) + payload)
    out.flush()


def read_message(stream: IO[bytes]) -> tuple[bytes, bytes] | None:
    """Read one framed message; None at end of stream."""
    head = _read_exact(stream, _HEADER.size)
    if head is None:
        return None
    kind, size = _HEADER.unpack(head)
    payload = _read_exact(stream, size) if size else b""
    if payload is None:
        return None
    return kind, payload


def _read_exact(stream: IO[bytes], n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def encode_result(header: dict, array: np.ndarray) -> bytes:
    """Payload of an ``R`` message."""
    head = json.dumps(header).encode()
    return struct.pack("<I", len(head)) + head + np.ascontiguousarray(array, np.float32).tobytes()


def decode_result(payload: bytes) -> tuple[dict, np.ndarray]:
    """Inverse of :func:`encode_result`."""
    (n,) = struct.unpack_from("<I", payload)
    header = json.loads(payload[4 : 4 + n])
    arr = np.frombuffer(payload[4 + n :], dtype=np.float32)
    return header, arr.reshape(header["shape"]).copy()


def die_with_parent(parent_pid: int) -> None:
    """Arrange to be killed when the parent exits; exit now if it already has."""
    if sys.platform.startswith("linux"):
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(PARENT_GONE)


def _exit_on_eof(stream: BinaryIO) -> None:
    """Thread body: the parent closes our stdin (or dies): stop at once."""
    while stream.read(1 << 12):
        pass
    os._exit(PARENT_GONE)


def run_segment(job: dict, out: BinaryIO) -> None:
    """Decode and run the model on one segment, streaming progress and the result."""
    from hipcheck.io.video import FrameIndex, VideoInfo, VideoReader
    from hipcheck.landmarks import N_LANDMARKS
    from hipcheck.pose.backends import make_backend
    from hipcheck.pose.models import PoseModel

    info = VideoInfo(**job["info"])
    index = FrameIndex.from_dict(job["index"])
    warm, first, stop = job["warm"], job["first"], job["stop"]
    # one decoder thread: the other CPUs run the other segments
    reader = VideoReader(info, max_side=job.get("max_side"), decoder_threads=1)
    frames = reader.segment(index, warm, stop)  # decoding starts now, in its thread
    started = time.perf_counter()
    backend = make_backend(PoseModel.from_dict(job["model"]))  # loads while decoding
    loaded = time.perf_counter()
    raw = np.full((stop - first, N_LANDMARKS, 5), np.nan, dtype=np.float32)
    done, last_sent = 0, 0.0
    try:
        for frame in frames:
            res = backend.process(frame.image, round(frame.t_s * 1000))
            if frame.index < first:
                continue
            if res is not None:
                raw[frame.index - first] = res
            done += 1
            now = time.perf_counter()
            if now - last_sent >= PROGRESS_EVERY_S:
                send(out, b"P", struct.pack("<I", done))
                last_sent = now
    finally:
        reader.close()
        backend.close()
    finished = time.perf_counter()
    header = {
        "warm": warm,
        "first": first,
        "stop": stop,
        "shape": list(raw.shape),
        "model": backend.name,
        "load_s": loaded - started,
        "run_s": finished - loaded,
    }
    send(out, b"R", encode_result(header, raw))


def _preload() -> None:
    """Import what a segment needs (decoder, backends, MediaPipe's graph runtime)."""
    import hipcheck.io.video  # noqa: F401
    import hipcheck.pose.backends  # noqa: F401
    from hipcheck.pose.mp_graph import load_solution_base

    load_solution_base()


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m hipcheck.pose.worker PARENT_PID``."""
    argv = sys.argv if argv is None else argv
    die_with_parent(int(argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: stop now, no traceback
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything else printed goes to stderr, never into the message stream
    _preload()  # while the parent indexes the clip and plans the segments
    stdin = sys.stdin.buffer
    line = stdin.readline()
    if not line:
        return PARENT_GONE
    threading.Thread(target=_exit_on_eof, args=(stdin,), daemon=True).start()
    try:
        run_segment(json.loads(line), out)
    except Exception as exc:  # reported to the parent, which falls back or re-raises
        send(
            out,
            b"E",
            json.dumps(
                {
                    "type": type(exc).__name__,
                    "message": getattr(exc, "message", str(exc)),
                    "hint": getattr(exc, "hint", None),
                }
            ).encode(),
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
