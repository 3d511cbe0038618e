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
- **Bounded magnitudes**: a baseline-relative value beyond what a standing person can
  do in these tasks is a tracking error, not a movement fault: ``MAX_ABS`` (FPPA: 2D
  single-leg-squat values reach about 20-30 deg in people with knee pain; trunk lean
  about 15-20 deg; pelvic drop about 10-15 deg), and the knee/ankle separation ratio
  within ``KASR_RANGE``.
- **The reference**: values are relative to the rep's standing reference; a rep
  without one cannot be measured.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hipcheck.reps import RepWindow

#: Frontal-plane metrics (refused in non-frontal views).
FRONTAL_METRICS: tuple[str, ...] = ("pelvic_drop_deg", "knee_valgus_deg", "trunk_lean_deg", "kasr")
#: Largest stance-leg shortening (knee flexion proxy, leg lengths) at which FPPA is read:
#: 0.21 is about 75 deg of knee flexion (module docstring).
FPPA_MAX_KNEE_FLEXION = 0.21
#: Largest plausible magnitude of a baseline-relative value (deg).
MAX_ABS: dict[str, float] = {
    "knee_valgus_deg": 35.0,
    "trunk_lean_deg": 25.0,
    "pelvic_drop_deg": 20.0,
}
#: Plausible knee/ankle separation ratio at the bottom of a double-leg squat: knees
#: touching with feet hip-width apart reads about 0.3; knees pushed out to twice the
#: ankle width is already extreme.
KASR_RANGE = (0.25, 2.5)

_LABEL = {
    "knee_valgus_deg": "knee valgus (FPPA)",
    "kasr": "the knee/ankle separation ratio",
    "pelvic_drop_deg": "pelvic drop",
    "trunk_lean_deg": "trunk lean",
}


def _deg(value: float) -> str:
    return f"{value:+.0f} deg"


def domain_problem(
    metric: str,
    kin: pd.DataFrame,
    rep: RepWindow,
    *,
    limb: str | None = None,
    value: float | None = None,
) -> str | None:
    """Return why ``metric`` cannot be measured on ``rep`` (plain language), or None.

    Parameters
    ----------
    metric
        ``knee_valgus_deg``, ``kasr``, ``pelvic_drop_deg`` or ``trunk_lean_deg``.
    kin
        Per-frame kinematics of the clip (not used by every rule; kept so rules that
        look at the frames need no new interface).
    rep
        The repetition, with its ``view``, ``knee_flexion`` and ``reference``.
    limb
        For per-limb metrics, the limb (``left``/``right``).
    value
        The value that would be reported: baseline-relative degrees, or for ``kasr``
        the ratio at the bottom. None skips the magnitude check.

    Returns
    -------
    str or None
        The reason, or None when the value is in its domain.
    """
    del kin, limb  # part of the interface for rules that need them
    label = _LABEL.get(metric, metric)
    if metric in FRONTAL_METRICS and rep.view is not None and not rep.view.frontal_metrics:
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
    if value is None or not np.isfinite(value):
        return None
    if metric == "kasr":
        lo, hi = KASR_RANGE
        if not lo <= value <= hi:
            return (
                f"The knee/ankle separation ratio {value:.2f} is outside what knees and "
                f"ankles can show ({lo}-{hi}): probably a tracking error."
            )
        return None
    bound = MAX_ABS.get(metric)
    if bound is not None and abs(value) > bound:
        return (
            f"The {label} value {_deg(value)} is beyond what a person shows in this task "
            f"(at most about {bound:.0f} deg): probably a tracking error, not a movement."
        )
    return None
