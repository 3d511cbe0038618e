"""Motion timelines: what the figure does at every instant of a clip.

A timeline is a list of :class:`Phase` objects laid end to end: a standing baseline,
optional set-up steps, a weight shift and free-leg lift (single-leg tasks), the
repetitions, and a return to standing. Each phase maps time to a
:class:`~hipcheck.synth.figure.Pose` with raised-cosine profiles, so every rep's
targets peak together at the rep's bottom (lowest pelvis).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hipcheck.synth.figure import Pose


def raised_cosine(x: float) -> float:
    """Smooth 0 -> 1 ramp on ``x`` in [0, 1] (clipped outside), zero slope at both ends."""
    x = min(max(x, 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * x)


@dataclass(frozen=True)
class RepPlan:
    """One planned repetition: times (s) and requested peak targets at the bottom."""

    index: int
    side: str
    t_start: float
    t_bottom: float  # start of the bottom hold
    t_bottom_end: float
    t_end: float  # end of the ascent (a top pause may follow)
    targets: dict[str, float]


@dataclass(frozen=True)
class Phase:
    """A span of the timeline: ``name`` with its time range and the poses it blends."""

    name: str
    t0: float
    t1: float
    start: Pose
    end: Pose
    rep: RepPlan | None = None

    def pose_at(self, t: float) -> Pose:
        """Pose at time ``t`` (clipped to the phase)."""
        if self.rep is not None:
            return _rep_pose(self.start, self.end, self.rep, t)
        u = raised_cosine((t - self.t0) / max(self.t1 - self.t0, 1e-9))
        return _blend(self.start, self.end, u)


def _blend(a: Pose, b: Pose, u: float) -> Pose:
    def mix(x: float, y: float) -> float:
        return x + (y - x) * u

    return Pose(
        stance=b.stance if u >= 0.5 else a.stance,
        depth=mix(a.depth, b.depth),
        pelvic_drop_deg=mix(a.pelvic_drop_deg, b.pelvic_drop_deg),
        fppa_deg=mix(a.fppa_deg, b.fppa_deg),
        trunk_lean_deg=mix(a.trunk_lean_deg, b.trunk_lean_deg),
        shift=mix(a.shift, b.shift),
        lift=mix(a.lift, b.lift),
        free_leg=b.free_leg,
        support_h=b.support_h,
    )


def rep_profile(rep: RepPlan, t: float) -> float:
    """0 at the top, 1 during the bottom hold: raised cosine down and back up."""
    if t <= rep.t_start or t >= rep.t_end:
        return 0.0
    if t < rep.t_bottom:
        return raised_cosine((t - rep.t_start) / (rep.t_bottom - rep.t_start))
    if t <= rep.t_bottom_end:
        return 1.0
    return 1.0 - raised_cosine((t - rep.t_bottom_end) / (rep.t_end - rep.t_bottom_end))


def _rep_pose(top: Pose, bottom: Pose, rep: RepPlan, t: float) -> Pose:
    return _blend(top, bottom, rep_profile(rep, t))


@dataclass
class Timeline:
    """The phases of a clip, their total duration and the planned reps."""

    phases: list[Phase]
    reps: list[RepPlan] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        """End time of the last phase (s)."""
        return self.phases[-1].t1

    def phase_at(self, t: float) -> Phase:
        """Return the phase containing time ``t`` (the last one after the end)."""
        for ph in self.phases:
            if t < ph.t1:
                return ph
        return self.phases[-1]

    def pose_at(self, t: float) -> Pose:
        """Return the figure's pose at time ``t`` seconds."""
        return self.phase_at(t).pose_at(t)


def _jittered(value: float, jitter: float, rng: np.random.Generator) -> float:
    """``value`` scaled by 1 + jitter * N(0, 1), the factor kept within 1 +- 2.5 jitter."""
    factor = 1.0 + float(np.clip(rng.normal(0.0, 1.0), -2.5, 2.5)) * jitter
    return value * factor


def build_timeline(
    task: str,
    side: str,
    reps: int,
    targets: dict[str, float],
    *,
    tempo_s: float = 2.0,
    pause_bottom_s: float = 0.2,
    pause_top_s: float = 0.4,
    baseline_s: float = 1.5,
    setup_steps: int = 0,
    end_s: float = 0.6,
    jitter: float = 0.1,
    free_leg: str = "forward",
    support_h: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Timeline:
    """Plan a clip.

    Parameters
    ----------
    task
        ``single_leg_squat``, ``step_down`` or ``double_leg_squat``.
    side
        Stance side (``left``/``right``); ignored (``both``) for a double-leg squat.
    reps
        Number of repetitions.
    targets
        Peak values at each rep's bottom: ``depth``, ``pelvic_drop_deg``, ``fppa_deg``,
        ``trunk_lean_deg``.
    tempo_s
        Mean duration of one rep (descent + bottom hold + ascent), seconds.
    pause_bottom_s, pause_top_s
        Holds at the bottom of each rep and between reps.
    baseline_s
        Standing on both feet before anything moves (>= 1 s recommended).
    setup_steps
        Small alternate foot lifts after the baseline (walking into place).
    end_s
        Standing at the end, seconds.
    jitter
        Relative per-rep variation of targets and tempo (SD of a Gaussian factor).
    free_leg, support_h
        See :class:`~hipcheck.synth.figure.Pose`.
    rng
        Random generator for the jitter (default: seeded with 0).
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    bilateral = task == "double_leg_squat"
    stance = "both" if bilateral else side
    leg = "step" if task == "step_down" else free_leg
    stand = Pose(stance=stance, free_leg=leg, support_h=support_h)
    phases: list[Phase] = []
    t = 0.0

    def add(name: str, dur: float, a: Pose, b: Pose) -> None:
        nonlocal t
        phases.append(Phase(name, t, t + dur, a, b))
        t += dur

    add("baseline", baseline_s, stand, stand)
    for i in range(setup_steps):
        step_side = "right" if (i % 2 == 0) == (side == "left") else "left"
        up = Pose(stance=step_side, lift=0.25, free_leg="forward", support_h=support_h)
        down = Pose(stance=step_side, lift=0.0, free_leg="forward", support_h=support_h)
        add("setup", 0.3, down, up)
        add("setup", 0.3, up, down)
    ready = stand
    if not bilateral:
        shifted = Pose(stance=stance, shift=1.0, free_leg=leg, support_h=support_h)
        ready = Pose(stance=stance, shift=1.0, lift=1.0, free_leg=leg, support_h=support_h)
        add("shift", 0.5, stand, shifted)
        add("lift", 0.5, shifted, ready)
        add("hold", 0.3, ready, ready)
    plans: list[RepPlan] = []
    for i in range(reps):
        dur = max(0.6, _jittered(tempo_s, 0.5 * jitter, rng))
        hold = min(pause_bottom_s, 0.5 * dur)
        half = 0.5 * (dur - hold)
        rep_targets = {k: _jittered(v, jitter, rng) for k, v in targets.items()}
        rep_targets["depth"] = max(0.02, rep_targets.get("depth", 0.15))
        plan = RepPlan(
            index=i,
            side=stance,
            t_start=t,
            t_bottom=t + half,
            t_bottom_end=t + half + hold,
            t_end=t + dur,
            targets=rep_targets,
        )
        bottom = Pose(
            stance=stance,
            depth=rep_targets["depth"],
            pelvic_drop_deg=rep_targets.get("pelvic_drop_deg", 0.0),
            fppa_deg=rep_targets.get("fppa_deg", 0.0),
            trunk_lean_deg=rep_targets.get("trunk_lean_deg", 0.0),
            shift=ready.shift,
            lift=ready.lift,
            free_leg=leg,
            support_h=support_h,
        )
        phases.append(Phase("rep", t, t + dur, ready, bottom, rep=plan))
        plans.append(plan)
        t += dur
        add("top", pause_top_s, ready, ready)
    if not bilateral:
        lowered = Pose(stance=stance, shift=1.0, free_leg=leg, support_h=support_h)
        add("lower", 0.5, ready, lowered)
        add("unshift", 0.5, lowered, stand)
    add("end", end_s, stand, stand)
    return Timeline(phases=phases, reps=plans)
