"""Marker-based frontal-plane angles (clinical 2D marker definitions) in the pipeline's columns.

The angle formulas are those of :mod:`hipcheck.kinematics`, applied to marker
centres instead of pose landmarks:

- **pelvic drop**: the ASIS line against the image horizontal (``pelvic_drop_deg``
  with the two ASIS markers); the ASIS line is parallel to the hip-joint line;
- **FPPA**: hip point -> patella -> ankle marker (``fppa_deg``). The hip point is
  either the ASIS marker itself (``hip_point="asis"``, default; the rendered set's
  marker definition, and the literature's proximal marker), or the hip joint centre
  estimated from the two ASIS markers (``"hjc"``): Harrington et al. 2007 (J Biomech
  40:595-602) place the hip joint centre about 0.14 pelvis widths
  medial and 0.34 pelvis widths inferior of the ASIS (their regression evaluated at an
  inter-ASIS width of 0.27 m, the depth term dropped in a frontal 2D view). On the
  rendered set the ASIS point is the better of the two against both truths
  (VALIDATION.md): the patella marker sits in front of the knee joint and swings
  medially with hip internal rotation, so any marker FPPA reads more valgus than the
  joint-centre FPPA, and the lateral ASIS partly offsets that;
- **trunk lean**: pelvis centre -> sternum (jugular notch) marker against the image
  vertical (``trunk_lean_deg``); the pelvis centre is the ASIS midpoint
  (``trunk_base="asis"``, after DiCesare 2014's ASIS-based trunk angle; it reads about
  1.3 x the mid-hip -> mid-shoulder lean) or the estimated mid hip joint centre
  (``"hjc"``, default: the definition of the landmark metric, mid-hip ->
  mid-shoulder, which the rubric rates).

Signs follow the pipeline: pelvic drop + = non-stance side lower, FPPA + = valgus
(medial from geometry, toward the other hip point), trunk lean + = toward the stance
side; every column is computed for each possible stance side (``_left``/``_right`` =
the subject's stance side). Frame: image pixels, x right, y down. Mirror-safe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd

from hipcheck.filtering import DEFAULT_CUTOFF_HZ, DEFAULT_ORDER, butterworth_filter
from hipcheck.kinematics import fppa_deg, pelvic_drop_deg, trunk_lean_deg
from hipcheck.markers.identify import SITES
from hipcheck.metrics import METRICS

HipPoint = Literal["hjc", "asis"]

#: Hip joint centre from the ASIS markers, fractions of the inter-ASIS distance
#: (Harrington 2007 regression at a pelvis width of 0.27 m, frontal projection).
HJC_MEDIAL_PER_PW = 0.14
HJC_INFERIOR_PER_PW = 0.34

#: The angle columns markers measure: those of the registry's marker-measured metrics.
ANGLE_COLUMNS = tuple(
    m.column_for(s) for m in METRICS if m.marker_measured for s in ("left", "right")
)
#: Per-frame marker validity columns: True where every marker the metric needs has a
#: position (detected, or interpolated across a gap of at most ``max_gap_s``).
VALIDITY_COLUMNS = (
    "markers_ok_pelvic_drop",
    "markers_ok_fppa_left",
    "markers_ok_fppa_right",
    "markers_ok_trunk_lean",
)
#: Per-frame ASIS-to-ASIS distance (pixels): the marker pelvis width, for the
#: pelvis-rotation guard of marker-sourced metrics.
PELVIS_WIDTH_COLUMN = "markers_pelvis_width_px"
#: Sites each marker metric needs (FPPA: the stance side's ASIS, patella and ankle, and
#: the other ASIS, which tells medial from lateral).
NEEDED_SITES = {
    "markers_ok_pelvic_drop": ("asis_left", "asis_right"),
    "markers_ok_fppa_left": ("asis_left", "asis_right", "patella_left", "ankle_left"),
    "markers_ok_fppa_right": ("asis_left", "asis_right", "patella_right", "ankle_right"),
    "markers_ok_trunk_lean": ("asis_left", "asis_right", "sternum"),
}


def hip_centre_from_asis(asis: np.ndarray, asis_other: np.ndarray) -> np.ndarray:
    """Estimate a hip joint centre in the image from the two ASIS markers.

    The point lies ``HJC_MEDIAL_PER_PW`` pelvis widths medial of ``asis`` along the
    ASIS line (toward ``asis_other``) and ``HJC_INFERIOR_PER_PW`` pelvis widths below
    it, perpendicular to the ASIS line (pelvis width = the ASIS distance in the image).

    Frame: image pixels, x right, y down; "below" = the perpendicular pointing down in
    the image. Sides: ``asis`` is the hip of interest, ``asis_other`` the other one;
    mirror-safe.

    Parameters
    ----------
    asis, asis_other
        ``(n, 2)`` or ``(2,)`` marker centres, pixels.

    Returns
    -------
    numpy.ndarray
        Same shape as ``asis``; NaN where an input is NaN.
    """
    a = np.asarray(asis, dtype=np.float64)
    o = np.asarray(asis_other, dtype=np.float64)
    across = o - a
    width = np.linalg.norm(across, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = across / width
    down = np.stack([-unit[..., 1], unit[..., 0]], axis=-1)
    down = down * np.where(down[..., 1:2] < 0, -1.0, 1.0)  # point down the image
    return a + width * (HJC_MEDIAL_PER_PW * unit + HJC_INFERIOR_PER_PW * down)


def marker_angles(
    xy: np.ndarray, *, hip_point: HipPoint = "asis", trunk_base: HipPoint = "hjc"
) -> pd.DataFrame:
    """Return the per-frame marker-based angles in the pipeline's column names.

    Parameters
    ----------
    xy
        ``(n, 7, 2)`` marker centres in :data:`~hipcheck.markers.identify.SITES`
        order, pixels (NaN = missing).
    hip_point
        Proximal FPPA point: ``"hjc"`` (hip joint centre estimated from the ASIS) or
        ``"asis"`` (the ASIS marker).
    trunk_base
        Lower end of the trunk line: ``"hjc"`` (mid hip joint centre) or ``"asis"``
        (ASIS midpoint).

    Returns
    -------
    pandas.DataFrame
        ``pelvic_drop_{left,right}_deg``, ``fppa_{left,right}_deg``,
        ``trunk_lean_{left,right}_deg``, degrees; NaN where a marker is missing.
    """
    site = {name: np.asarray(xy[:, i], dtype=np.float64) for i, name in enumerate(SITES)}
    asis = {s: site[f"asis_{s}"] for s in ("left", "right")}
    hjc = {
        "left": hip_centre_from_asis(asis["left"], asis["right"]),
        "right": hip_centre_from_asis(asis["right"], asis["left"]),
    }
    hip = hjc if hip_point == "hjc" else asis
    base = hjc if trunk_base == "hjc" else asis
    base_mid = (base["left"] + base["right"]) / 2
    cols: dict[str, np.ndarray] = {}
    for s, o in (("left", "right"), ("right", "left")):
        cols[f"pelvic_drop_{s}_deg"] = pelvic_drop_deg(asis[s], asis[o])
        cols[f"fppa_{s}_deg"] = fppa_deg(hip[s], site[f"patella_{s}"], site[f"ankle_{s}"], hip[o])
        cols[f"trunk_lean_{s}_deg"] = trunk_lean_deg(site["sternum"], base_mid, asis[s], asis[o])
    return pd.DataFrame({c: np.atleast_1d(cols[c]) for c in ANGLE_COLUMNS})


def marker_validity(xy: np.ndarray) -> pd.DataFrame:
    """Return, per frame, which marker metric can be measured, and the marker pelvis width.

    Parameters
    ----------
    xy
        ``(n, 7, 2)`` marker centres in :data:`~hipcheck.markers.identify.SITES`
        order, pixels (NaN = no position).

    Returns
    -------
    pandas.DataFrame
        Bool columns :data:`VALIDITY_COLUMNS` (True = every marker the metric needs has
        a position) and ``markers_pelvis_width_px`` (ASIS distance, pixels; NaN where an
        ASIS is missing).
    """
    v = np.asarray(xy, dtype=np.float64)
    have = np.isfinite(v).all(axis=-1)
    cols: dict[str, np.ndarray] = {
        name: have[:, [SITES.index(s) for s in sites]].all(axis=1)
        for name, sites in NEEDED_SITES.items()
    }
    cols[PELVIS_WIDTH_COLUMN] = np.linalg.norm(
        v[:, SITES.index("asis_left")] - v[:, SITES.index("asis_right")], axis=1
    )
    return pd.DataFrame(cols)


def resample_track(xy: np.ndarray, t_s: np.ndarray, t_new: np.ndarray) -> np.ndarray:
    """Linearly resample ``(n, ...)`` tracks from ``t_s`` onto ``t_new``, never across NaN.

    A new time bracketed by a missing sample is NaN; times outside ``t_s`` take the
    end values (within half a frame) or NaN.
    """
    v = np.asarray(xy, dtype=np.float64)
    t = np.asarray(t_s, dtype=np.float64)
    tn = np.asarray(t_new, dtype=np.float64)
    flat = v.reshape(v.shape[0], -1)
    out = np.full((tn.size, flat.shape[1]), np.nan)
    if t.size < 2:
        return out.reshape((tn.size,) + v.shape[1:])
    half = 0.5 * float(np.median(np.diff(t)))
    inside = (tn >= t[0] - half) & (tn <= t[-1] + half)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        bad = ~np.isfinite(col)
        if bad.all():
            continue
        val = np.interp(tn, t, np.where(bad, 0.0, col))
        gap = np.interp(tn, t, bad.astype(float)) > 1e-9
        out[:, j] = np.where(inside & ~gap, val, np.nan)
    return out.reshape((tn.size,) + v.shape[1:])


def angles_on_grid(
    xy: np.ndarray,
    t_s: np.ndarray,
    t_grid: np.ndarray,
    *,
    cutoff_hz: float = DEFAULT_CUTOFF_HZ,
    order: int = DEFAULT_ORDER,
    hip_point: HipPoint = "asis",
    trunk_base: HipPoint = "hjc",
) -> pd.DataFrame:
    """Return marker angles and marker validity on the analysis time grid.

    The marker tracks are resampled onto ``t_grid``
    (:func:`resample_track`), low-passed like the landmarks (zero-lag Butterworth,
    :func:`hipcheck.filtering.butterworth_filter`) and turned into angles
    (:func:`marker_angles`), followed by the validity columns of
    :func:`marker_validity` (which metric the markers can measure at each grid time).
    """
    grid = np.asarray(t_grid, dtype=np.float64)
    on_grid = resample_track(xy, t_s, grid)
    if grid.size > 1:
        fs = 1.0 / float(np.median(np.diff(grid)))
        if cutoff_hz < fs / 2:
            on_grid = butterworth_filter(on_grid, fs, cutoff_hz, order)
    angles = marker_angles(on_grid, hip_point=hip_point, trunk_base=trunk_base)
    return pd.concat([angles, marker_validity(on_grid)], axis=1)


def angle_function(
    xy: np.ndarray,
    t_s: np.ndarray,
    *,
    cutoff_hz: float = DEFAULT_CUTOFF_HZ,
    order: int = DEFAULT_ORDER,
    hip_point: HipPoint = "asis",
    trunk_base: HipPoint = "hjc",
) -> Callable[[np.ndarray], pd.DataFrame]:
    """Return ``f(t_grid) -> DataFrame`` for :func:`hipcheck.pipeline.analyze_landmarks`."""

    def f(t_grid: np.ndarray) -> pd.DataFrame:
        return angles_on_grid(
            xy,
            t_s,
            t_grid,
            cutoff_hz=cutoff_hz,
            order=order,
            hip_point=hip_point,
            trunk_base=trunk_base,
        )

    return f
