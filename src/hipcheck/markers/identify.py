"""Which blob is which marker: expected sites from the pose landmarks, and assignment.

Marker sites (subject's sides; the usual clinical set for frontal 2D video analysis):

========================= ==========================================================
site                      where, and where it is expected from the landmarks
========================= ==========================================================
``asis_{left,right}``     anterior superior iliac spine: about 7 cm above and 3 cm
                          lateral of the hip joint centre (the hip landmark)
``patella_{left,right}``  mid-patella: at the knee landmark
``ankle_{left,right}``    ankle midpoint (front of the ankle): at the ankle landmark
``sternum``               jugular notch: midline, at the height of the shoulders
========================= ==========================================================

"Lateral" is away from the other hip and "up" is the image up, both taken from the
landmarks' geometry, never from image left/right: a marker's side is the side of
the landmark it is found at, so mirrored video and either stance side keep the
subject's sides. Frame: image pixels, x right, y down.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from hipcheck.landmarks import LM

#: Marker sites, in the column order of every per-site array.
SITES: tuple[str, ...] = (
    "asis_left",
    "asis_right",
    "patella_left",
    "patella_right",
    "ankle_left",
    "ankle_right",
    "sternum",
)
SITE_INDEX = {name: i for i, name in enumerate(SITES)}

#: ASIS offset from the hip joint centre as fractions of the leg length (hip joint to
#: ankle, about 0.9 m): 7 cm up, 3 cm lateral (README of the rendered set; Harrington
#: 2007 gives similar offsets).
ASIS_UP_PER_LEG = 0.078
ASIS_LATERAL_PER_LEG = 0.033
#: Search radius around each expected site, fraction of the leg length: the landmarks
#: themselves are off by a few centimetres, the ASIS prediction most, and the ankle
#: marker sits on the foot, which points down when lifted (up to 0.1 leg lengths below
#: the ankle joint on the rendered set).
SEARCH_RADIUS_PER_LEG = np.array([0.14, 0.14, 0.12, 0.12, 0.15, 0.15, 0.14])


def _lm(xy: np.ndarray, index: int) -> np.ndarray:
    return np.asarray(xy[..., int(index), :], dtype=np.float64)


def expected_sites(landmarks_xy: np.ndarray, leg_length_px: float) -> np.ndarray:
    """Return where each marker is expected from the pose landmarks.

    Parameters
    ----------
    landmarks_xy
        ``(33, 2)`` or ``(n, 33, 2)`` BlazePose landmarks, pixels, subject's sides.
    leg_length_px
        Body scale (standing hip-to-ankle distance), pixels.

    Returns
    -------
    numpy.ndarray
        ``(7, 2)`` or ``(n, 7, 2)`` expected centres in :data:`SITES` order; NaN where
        the landmarks needed are missing.
    """
    xy = np.asarray(landmarks_xy, dtype=np.float64)
    hip_l, hip_r = _lm(xy, LM.LEFT_HIP), _lm(xy, LM.RIGHT_HIP)
    # lateral = away from the other hip: mirror-safe
    lat_l = np.sign(hip_l[..., 0] - hip_r[..., 0])[..., None] * np.array([1.0, 0.0])
    up = np.array([0.0, -1.0])
    scale = float(leg_length_px)
    asis_l = hip_l + scale * (ASIS_UP_PER_LEG * up + ASIS_LATERAL_PER_LEG * lat_l)
    asis_r = hip_r + scale * (ASIS_UP_PER_LEG * up - ASIS_LATERAL_PER_LEG * lat_l)
    sternum = (_lm(xy, LM.LEFT_SHOULDER) + _lm(xy, LM.RIGHT_SHOULDER)) / 2
    return np.stack(
        [
            asis_l,
            asis_r,
            _lm(xy, LM.LEFT_KNEE),
            _lm(xy, LM.RIGHT_KNEE),
            _lm(xy, LM.LEFT_ANKLE),
            _lm(xy, LM.RIGHT_ANKLE),
            sternum,
        ],
        axis=-2,
    )


def assign_blobs(
    blobs_xy: np.ndarray,
    expected: np.ndarray,
    predicted: np.ndarray,
    *,
    search_radius: np.ndarray,
    track_radius: float,
) -> np.ndarray:
    """Assign blobs to marker sites (Hungarian, ``scipy.optimize.linear_sum_assignment``).

    A blob may take a site only if it lies within the site's ``search_radius`` of the
    landmark-expected position, and, when the site was tracked in the previous frames
    (finite ``predicted``), within ``track_radius`` of the prediction: identity comes
    from the subject-side landmarks and is kept by temporal continuity. The cost is
    the squared distance to the prediction (or to the expected position when there is
    none) in units of the gate.

    Parameters
    ----------
    blobs_xy
        ``(m, 2)`` blob centres.
    expected
        ``(k, 2)`` landmark-expected site positions (NaN = landmarks missing).
    predicted
        ``(k, 2)`` positions predicted from the tracks (NaN = not tracked).
    search_radius
        ``(k,)`` gate around ``expected``, pixels.
    track_radius
        Gate around ``predicted``, pixels.

    Returns
    -------
    numpy.ndarray
        ``(k,)`` blob index per site, -1 where no blob was assigned.
    """
    k, m = expected.shape[0], blobs_xy.shape[0]
    out = np.full(k, -1, dtype=int)
    if m == 0:
        return out
    d_exp = np.linalg.norm(blobs_xy[None, :, :] - expected[:, None, :], axis=2)
    d_pred = np.linalg.norm(blobs_xy[None, :, :] - predicted[:, None, :], axis=2)
    tracked = np.isfinite(predicted[:, 0])[:, None]
    radius = np.asarray(search_radius, dtype=np.float64)[:, None]
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(d_exp) & (d_exp <= radius)
        ok &= ~tracked | (d_pred <= track_radius)
    cost = np.where(tracked, (d_pred / track_radius) ** 2, (d_exp / radius) ** 2)
    big = 1e6
    cost = np.where(ok, cost, big)
    rows, cols = linear_sum_assignment(cost)
    good = cost[rows, cols] < big
    out[rows[good]] = cols[good]
    return out
