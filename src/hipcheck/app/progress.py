"""Progress of an analysis job: one bar and one time estimate for the whole job.

A job is one or two clips; each clip has two frame-by-frame phases (finding the pose,
then drawing the annotated video). :class:`JobEstimate` turns the phases' frame counts
and the rates measured so far into the time left for the whole job, so the estimate covers
every phase and every clip, not only the current one. :class:`JobProgress` draws it
with Streamlit; the estimate itself is pure and tested without a page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: Time to draw one annotated-video frame relative to finding the pose in one frame,
#: used until the drawing phase has run long enough to measure its own rate. Measured
#: (bundled BlazePose full, 2 busy cores, a 342-frame synthetic clip): 0.14 at 360x480
#: and 0.64 at 720x1280 (drawing and encoding grow with the frame size, the pose model
#: does not); 0.4 is the middle.
DRAW_COST = 0.4
#: A phase's own rate is used once it has run this long.
MIN_PHASE_S = 1.0
#: No time estimate before this much time has passed and this fraction of the frames is
#: done: early rates include the model start-up and give wild estimates.
MIN_ELAPSED_S = 2.0
MIN_FRACTION = 0.03
#: Phases of one clip, in order, and their assumed cost per frame relative to ``pose``.
PHASES: dict[str, float] = {"pose": 1.0, "draw": DRAW_COST}
PHASE_LABELS: dict[str, str] = {
    "pose": "Finding the pose",
    "draw": "Drawing the annotated video",
}


def format_duration(seconds: float) -> str:
    """Return ``seconds`` as ``"12 s"`` or ``"2 min 05 s"``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"


def progress_text(label: str, done: int, total: int | None, elapsed_s: float) -> str:
    """Return one phase's progress line: frames done (of total), time left for the phase.

    Kept for single-phase callers (the live page's offline pass); the app's job bar uses
    :meth:`JobEstimate.text`.
    """
    if not total:
        return f"{label}: frame {done}"
    text = f"{label}: frame {done} of {total}"
    if 0 < done < total and elapsed_s > 0.5:
        left = elapsed_s / done * (total - done)
        text += f", about {format_duration(left)} left"
    return text


@dataclass
class JobEstimate:
    """Frames done and time left over a job of ``n_clips`` clips (pure: times are given).

    The time left is the frames left of each phase over that phase's rate: the rate
    measured so far in this job, or, for a phase that has not run for
    :data:`MIN_PHASE_S` yet, the pose rate scaled by the phase's cost (:data:`PHASES`).
    A clip whose frame count is not known yet is assumed as long as the known ones.

    Attributes
    ----------
    n_clips
        Clips in the job.
    frames
        Frame count per clip index (from the first progress call of the clip).
    """

    n_clips: int = 1
    frames: dict[int, int] = field(default_factory=dict)
    current: tuple[int, str] | None = None
    current_done: int = 0
    #: phase -> [frames done, seconds spent] over finished and running phases
    _spent: dict[str, list[float]] = field(default_factory=dict)
    _finished: set[tuple[int, str]] = field(default_factory=set)
    _phase_start: tuple[float, int] = (0.0, 0)

    def _clip_frames(self, clip: int) -> int | None:
        if clip in self.frames:
            return self.frames[clip]
        known = list(self.frames.values())
        return round(sum(known) / len(known)) if known else None  # assume a similar clip

    def update(self, clip: int, phase: str, done: int, total: int | None, now: float) -> None:
        """Record ``done`` of ``total`` frames of one phase of one clip at time ``now``."""
        if self.current != (clip, phase):
            if self.current is not None:
                self._finished.add(self.current)
            self.current, self.current_done = (clip, phase), 0
            self._phase_start = (now, 0)
        if total and clip not in self.frames:
            self.frames[clip] = int(total)
        t0, d0 = self._phase_start
        spent = self._spent.setdefault(phase, [0.0, 0.0])
        spent[0] += done - self.current_done
        spent[1] += max(now - t0, 0.0)
        self._phase_start = (now, done)
        self.current_done = int(done)

    def _rate(self, phase: str) -> float | None:
        """Frames per second of ``phase`` (measured, else derived from the pose rate)."""
        frames, seconds = self._spent.get(phase, [0.0, 0.0])
        if seconds >= MIN_PHASE_S and frames > 0:
            return frames / seconds
        pf, ps = self._spent.get("pose", [0.0, 0.0])
        if ps > 0 and pf > 0:
            return pf / ps / PHASES.get(phase, 1.0)
        return None

    def frames_total(self) -> int | None:
        """Frames of every phase of every clip (None until a frame count is known)."""
        counts = [self._clip_frames(c) for c in range(self.n_clips)]
        if any(n is None for n in counts):
            return None
        return sum(n for n in counts if n is not None) * len(PHASES)

    def frames_left(self) -> dict[str, float]:
        """Frames left per phase over the whole job."""
        left = dict.fromkeys(PHASES, 0.0)
        for clip in range(self.n_clips):
            n = self._clip_frames(clip) or 0
            for phase in PHASES:
                if (clip, phase) in self._finished:
                    continue
                done = self.current_done if self.current == (clip, phase) else 0
                left[phase] += max(n - done, 0)
        return left

    def fraction(self) -> float:
        """Fraction of the job's frames done (every phase counted alike; 0 if unknown)."""
        total = self.frames_total()
        if not total:
            return 0.0
        return min(max(1.0 - sum(self.frames_left().values()) / total, 0.0), 1.0)

    def seconds_left(self, elapsed_s: float) -> float | None:
        """Time left for the whole job (None while it would be a guess)."""
        if elapsed_s < MIN_ELAPSED_S or self.fraction() < MIN_FRACTION:
            return None
        total = 0.0
        for phase, n in self.frames_left().items():
            if n <= 0:
                continue
            rate = self._rate(phase)
            if rate is None:
                return None
            total += n / rate
        return total

    def text(self, elapsed_s: float) -> str:
        """Return the progress line: clip, phase, frames, time left for the whole job."""
        if self.current is None:
            return "Opening the video..."
        clip, phase = self.current
        where = f"Clip {clip + 1} of {self.n_clips}: " if self.n_clips > 1 else ""
        total = self.frames.get(clip)
        frames = f"frame {self.current_done}" + (f" of {total}" if total else "")
        text = f"{where}{PHASE_LABELS.get(phase, phase)}, {frames}"
        left = self.seconds_left(elapsed_s)
        if left is not None:
            text += f". About {format_duration(left)} left for the whole analysis"
        return text


class JobProgress:
    """A Streamlit progress bar for a whole job, updated from the script thread.

    ``callback(clip, phase)`` returns the ``(frames_done, frames_total)`` function of one
    phase; updates are throttled so a long clip sends few messages.
    """

    def __init__(self, n_clips: int = 1, min_interval_s: float = 0.25) -> None:
        import streamlit as st

        self.estimate = JobEstimate(n_clips=n_clips)
        self._bar = st.progress(0.0, text="Opening the video...")
        self._min_interval_s = min_interval_s
        self._started = time.perf_counter()
        self._last = float("-inf")

    def callback(self, clip: int, phase: str) -> Callable[[int, int | None], None]:
        """Return the progress function of one phase of one clip."""

        def update(done: int, total: int | None) -> None:
            now = time.perf_counter()
            self.estimate.update(clip, phase, done, total, now - self._started)
            if now - self._last < self._min_interval_s and done != total:
                return
            self._last = now
            elapsed = now - self._started
            self._bar.progress(self.estimate.fraction(), text=self.estimate.text(elapsed))

        return update

    def close(self) -> None:
        """Remove the bar."""
        self._bar.empty()
