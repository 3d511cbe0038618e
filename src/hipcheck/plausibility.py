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
  good one. For deep double-leg squats the knee/ankle separation ratio carries the
  valgus judgement instead (it does not need the thigh's direction).
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


def domain_problem(metric: str, rep: RepWindow) -> str | None:
    """Return why ``metric`` cannot be measured on ``rep`` (plain language), or None.

    Every metric of the registry is a frontal-plane measure, so all are refused when the
    rep's view is not frontal; all need the rep's standing reference; FPPA also needs the
    knee within the flexion range the 2D angle is valid in.

    Parameters
    ----------
    metric
        A metric name of :mod:`hipcheck.metrics`.
    rep
        The repetition, with its ``view``, ``knee_flexion`` and ``reference``.

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
        if np.isfinite(kf) and kf > FPPA_MAX_KNEE_FLEXION:
            extra = (
                " The knee/ankle separation ratio gives the valgus judgement for this squat."
                if rep.side == "both"
                else ""
            )
            return (
                "The knee bends further than the range in which the 2D knee angle (FPPA) "
                "is valid (up to about 60-75 deg of knee flexion in single-leg squat "
                "studies): at this depth the thigh points at the camera and the angle no "
                "longer shows knee valgus." + extra
            )
    return None
