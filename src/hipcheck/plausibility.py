"""Plausibility: the domain in which each 2D metric means what it says.

A number outside its domain is not measurable (with the reason), never rated. The
assessment stage calls :func:`domain_problem` once per repetition, metric and limb.

Domains and why:

- **View**: knee valgus (FPPA and the knee/ankle separation ratio), pelvic drop and
  trunk lean are frontal-plane angles. From the side, from behind, or with the person
  turned about 30 deg or more (:func:`hipcheck.kinematics.view.view_verdict`) their 2D
  projections are something else.
- **FPPA and knee flexion**: the frontal plane projection angle was defined and
  validated at moderate knee flexion: single-leg squat and step-down studies read it
  at 45 deg (Willson & Davis 2008) or at the lowest point of squats to about 60 deg
  (Munro, Herrington & Carolan 2012). A frontal camera cannot see knee flexion, so the
  proxy is the shortening of the stance leg's hip-ankle distance, ``1 - cos(k / 2)`` for
  knee flexion ``k`` with equal thigh and shank: 0.13 at 60 deg, 0.21 at 75 deg, 0.29 at
  90 deg. Beyond ``FPPA_MAX_KNEE_FLEXION`` the thigh points at the camera, its
  projection is short and the angle between thigh and shank projections follows hip
  rotation and landmark noise, not knee valgus: the labelled real deep single-leg squats
  (leg shortening 0.29-0.44) read FPPA from -14 deg on a marked knee collapse to +8 on a
  good one. A deeper single-leg rep is therefore read where the knee passes through
  the studies' range on the way down (:func:`fppa_read_frame`: the last frame before the
  bottom with a shortening of ``FPPA_READ_MIN``-``FPPA_READ_MAX``, 45-60 deg), and the
  value says when it was read. On those real clips this separates the labelled marked
  knee collapse (+22 deg) from the good reps (-7 to +4 deg). For
  deep double-leg squats the knee/ankle separation ratio carries the valgus judgement
  instead (it does not need the thigh's direction).
- **Bounded magnitudes**: a value beyond what a person can do in these tasks is a
  tracking error, not a movement fault. Those bounds are each metric's
  :attr:`hipcheck.metrics.MetricSpec.domain`, applied with every rating by
  :func:`hipcheck.assessment.rules.judge`.
- **The reference**: values are relative to the rep's standing reference; a rep
  without one cannot be measured.
"""

from __future__ import annotations

import numpy as np

from hipcheck.metrics import spec
from hipcheck.reps import RepWindow

#: Largest stance-leg shortening (knee flexion proxy, leg lengths) at which FPPA is read:
#: 0.21 is about 75 deg of knee flexion (module docstring).
FPPA_MAX_KNEE_FLEXION = 0.21
#: Stance-leg shortening range in which a deeper single-leg rep's FPPA is read instead
#: (``1 - cos(k / 2)``: 0.076 at 45 deg, 0.134 at 60 deg of knee flexion, the depths of
#: Willson & Davis 2008 and Munro et al. 2012).
FPPA_READ_MIN = 0.076
FPPA_READ_MAX = 0.134


def fppa_read_frame(shortening: np.ndarray, rep: RepWindow) -> int | None:
    """Return the frame a deep single-leg rep's FPPA is read at, or None.

    None when the rep is a double-leg squat, when its bottom is within the valid range
    (FPPA is read at the bottom) or when its knee flexion is unknown. Otherwise the last
    frame from the rep's start to its bottom whose stance-leg shortening is at most
    :data:`FPPA_READ_MAX`, if that frame is at least :data:`FPPA_READ_MIN` deep (a clip
    that starts below 45 deg, or a jump in the leg length, gives None: not measurable).

    Parameters
    ----------
    shortening
        Per-frame shortening of the stance leg's hip-ankle distance against its standing
        length (leg lengths; the ``leg_shortening_<side>`` kinematics column).
    rep
        The repetition, with ``side``, ``start``, ``bottom`` and ``knee_flexion``.
    """
    if rep.side not in ("left", "right"):
        return None
    kf = rep.knee_flexion
    if not np.isfinite(kf) or kf <= FPPA_MAX_KNEE_FLEXION:
        return None
    seg = np.asarray(shortening, dtype=float)[rep.start : rep.bottom + 1]
    ok = np.flatnonzero(np.isfinite(seg) & (seg <= FPPA_READ_MAX))
    if not ok.size or seg[ok[-1]] < FPPA_READ_MIN:
        return None
    return rep.start + int(ok[-1])


def domain_problem(metric: str, rep: RepWindow, read_frame: int | None = None) -> str | None:
    """Return why ``metric`` cannot be measured on ``rep`` (plain language), or None.

    Every metric of the registry is a frontal-plane measure, so all are refused when the
    rep's view is not frontal; all need the rep's standing reference; FPPA also needs the
    knee within the flexion range the 2D angle is valid in, at the bottom or (single-leg
    reps) at ``read_frame``.

    Parameters
    ----------
    metric
        A metric name of :mod:`hipcheck.metrics`.
    rep
        The repetition, with its ``view``, ``knee_flexion`` and ``reference``.
    read_frame
        :func:`fppa_read_frame` of the rep (FPPA only), or None.

    Returns
    -------
    str or None
        The reason, or None when the metric can be measured on this rep.
    """
    label = spec(metric).label
    if rep.view is not None and not rep.view.frontal_metrics:
        return rep.view.reason
    if rep.reference is None:
        return (
            f"No upright standing was seen before or after this repetition, so {label} "
            "has no reference to be measured against."
        )
    if metric == "knee_valgus_deg":
        kf = rep.knee_flexion
        if np.isfinite(kf) and kf > FPPA_MAX_KNEE_FLEXION and read_frame is None:
            extra = (
                " The knee/ankle separation ratio gives the valgus judgement for this squat."
                if rep.side == "both"
                else " The clip does not show this rep passing 45-60 deg of knee flexion "
                "on the way down, where it could be read instead."
            )
            return (
                "The knee bends further than the range in which the 2D knee angle (FPPA) "
                "is valid (up to about 60-75 deg of knee flexion in single-leg squat "
                "studies): at this depth the thigh points at the camera and the angle no "
                "longer shows knee valgus." + extra
            )
    return None
