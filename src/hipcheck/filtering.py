"""Signal cleaning for landmark trajectories (docs/EVIDENCE.md).

The offline chain (:func:`clean_series`) is: visibility gate -> fill short gaps ->
resample to a uniform time grid -> zero-lag Butterworth low-pass. Each step exists as
an array-level function (time-first arrays: ``values`` of shape ``(n, ...)``, ``t_s``
of shape ``(n,)``, NaN = missing) and as a :class:`~hipcheck.landmarks.LandmarkSeries`
wrapper that appends an entry (operation and parameters) to the series ``log``, so
every derived series records what produced it.

:class:`CausalFilter` is the online counterpart for live use: one sample in, one
sample out, with a documented lag.

Filter order convention
-----------------------
``order`` is the **effective** order of the zero-lag filter. A Butterworth of order
``order / 2`` is designed and run forward and backward (``scipy.signal.sosfiltfilt``),
which doubles the order and cancels the phase lag. This is the convention of Winter
(Biomechanics and Motor Control of Human Movement, "a 2nd-order filter run twice is
4th order"), of Pose2Sim (perfanalytics/pose2sim ``Pose2Sim/filtering.py``,
``signal.butter(order/2, ...)`` with ``filtfilt``; ``Utilities/trc_filter.py``
documents it as "Butterworth filter, low-pass, 4th order, cut off frequency 6 Hz")
and of OpenCap's ``lowPassFilter``. As in those tools the cut-off is not corrected for
the double pass: the combined gain at ``cutoff_hz`` is 0.5 (-6 dB) and the -3 dB point
lies at about 0.8 x ``cutoff_hz``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import signal

from hipcheck.landmarks import LandmarkSeries

#: (engineering default) visibility below this removes a landmark from a frame (docs/EVIDENCE.md).
DEFAULT_VISIBILITY_THRESHOLD = 0.5
#: (engineering default) longest gap bridged by interpolation, seconds (docs/EVIDENCE.md).
DEFAULT_MAX_GAP_S = 0.2
#: low-pass cut-off for slow tasks (SLS, step-down, squat), Hz (docs/EVIDENCE.md).
DEFAULT_CUTOFF_HZ = 6.0
#: effective order of the zero-lag filter (docs/EVIDENCE.md: "4th-order, zero-lag").
DEFAULT_ORDER = 4
#: order of the causal live filter (one pass: its lag grows with the order).
DEFAULT_CAUSAL_ORDER = 2

# Slack for comparing float timestamps against gap limits and grid ends.
_T_EPS = 1e-9


def _logged(series: LandmarkSeries, operation: str, **changes: Any) -> LandmarkSeries:
    """Return a copy of ``series`` with ``changes`` applied and one more log entry."""
    params = changes.pop("params", {})
    entry = {"operation": operation, **params}
    return replace(series, **changes, video=dict(series.video), log=[*series.log, entry])


def _as_time(t_s: ArrayLike, n: int) -> np.ndarray:
    t = np.asarray(t_s, dtype=np.float64)
    if t.shape != (n,):
        raise ValueError(f"t_s must have shape ({n},), got {t.shape}.")
    if n > 1 and not np.all(np.diff(t) > 0):
        raise ValueError("t_s must be strictly increasing.")
    return t


# --- visibility gate ---------------------------------------------------------------


def gate_by_visibility(
    series: LandmarkSeries, threshold: float = DEFAULT_VISIBILITY_THRESHOLD
) -> LandmarkSeries:
    """Return a series with landmarks of low visibility removed (docs/EVIDENCE.md).

    Where ``visibility < threshold`` the landmark's x, y and z become NaN. Visibility
    itself is kept, so later steps can still see why a point is missing. A NaN
    visibility (a backend without the score) does not gate the point.

    Parameters
    ----------
    series
        Landmarks in pixels.
    threshold
        Minimum visibility (0-1) to keep a landmark; default 0.5 (heuristic).
    """
    with np.errstate(invalid="ignore"):
        low = np.asarray(series.visibility) < threshold
    xy = np.array(series.xy, dtype=np.float64)
    z = np.array(series.z, dtype=np.float64)
    xy[low] = np.nan
    z[low] = np.nan
    return _logged(
        series,
        "gate_by_visibility",
        xy=xy,
        z=z,
        params={
            "threshold": float(threshold),
            "points_removed": int((low & np.isfinite(series.xy[..., 0])).sum()),
        },
    )


# --- gap filling -------------------------------------------------------------------


def fill_gaps(
    values: ArrayLike, t_s: ArrayLike, max_gap_s: float = DEFAULT_MAX_GAP_S
) -> np.ndarray:
    """Linearly interpolate interior runs of NaN that are no longer than ``max_gap_s``.

    A gap's length is the time between the valid samples on either side of it
    (``t_after - t_before``), which works for variable frame rates: at 30 fps a 0.2 s
    limit bridges up to 5 missing frames. Longer gaps, and leading or trailing NaN,
    stay NaN. Each channel (every index of the trailing axes) is treated on its own.

    Parameters
    ----------
    values
        Time-first array ``(n, ...)``.
    t_s
        Timestamps ``(n,)`` in seconds, strictly increasing.
    max_gap_s
        Longest gap to bridge, seconds.

    Returns
    -------
    numpy.ndarray
        A float copy of ``values`` with the short gaps filled.
    """
    v = np.array(values, dtype=np.float64)
    n = v.shape[0]
    t = _as_time(t_s, n)
    flat = v.reshape(n, -1)
    idx = np.arange(n)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        ok = np.isfinite(col)
        if ok.all() or ok.sum() < 2:
            continue
        prev = np.maximum.accumulate(np.where(ok, idx, -1))
        nxt = np.minimum.accumulate(np.where(ok, idx, n)[::-1])[::-1]
        interior = ~ok & (prev >= 0) & (nxt < n)
        span = t[np.clip(nxt, 0, n - 1)] - t[np.clip(prev, 0, n - 1)]
        fill = interior & (span <= max_gap_s + _T_EPS)
        if fill.any():
            col[fill] = np.interp(t[fill], t[ok], col[ok])
    return flat.reshape(v.shape)


def fill_landmark_gaps(
    series: LandmarkSeries, max_gap_s: float = DEFAULT_MAX_GAP_S
) -> LandmarkSeries:
    """Return a series whose x, y and z have gaps up to ``max_gap_s`` interpolated.

    See :func:`fill_gaps`. Visibility and presence are left as measured, so a filled
    point keeps the low visibility that removed it.
    """
    xy = fill_gaps(series.xy, series.t_s, max_gap_s)
    z = fill_gaps(series.z, series.t_s, max_gap_s)
    filled = int(np.isnan(series.xy[..., 0]).sum() - np.isnan(xy[..., 0]).sum())
    return _logged(
        series,
        "fill_gaps",
        xy=xy,
        z=z,
        params={"max_gap_s": float(max_gap_s), "points_filled": filled},
    )


# --- resampling --------------------------------------------------------------------


def nominal_fps(t_s: ArrayLike) -> float:
    """Return ``round(1 / median(diff(t_s)))``, the frame rate a clip was meant to have.

    Raises
    ------
    ValueError
        With fewer than two timestamps.
    """
    t = np.asarray(t_s, dtype=np.float64)
    if t.size < 2:
        raise ValueError("At least two timestamps are needed to estimate a frame rate.")
    return float(max(1, round(1.0 / float(np.median(np.diff(t))))))


def uniform_grid(t_s: ArrayLike, fps: float) -> np.ndarray:
    """Return the evenly spaced times ``t0 + k / fps`` that lie within ``[t0, t_end]``."""
    t = np.asarray(t_s, dtype=np.float64)
    n_out = int(np.floor((t[-1] - t[0]) * fps + _T_EPS)) + 1
    return t[0] + np.arange(n_out) / fps


def _bracket(t: np.ndarray, t_u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the left sample index and interpolation weight of each grid time."""
    i = np.clip(np.searchsorted(t, t_u, side="right") - 1, 0, t.size - 2)
    w = np.clip((t_u - t[i]) / (t[i + 1] - t[i]), 0.0, 1.0)
    return i, w


def resample_uniform(
    values: ArrayLike, t_s: ArrayLike, fps: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Resample a time-first array onto an evenly spaced time grid.

    Linear interpolation between the two samples that bracket each grid time. It never
    interpolates across NaN: a grid time between a NaN sample and a valid one is NaN
    (a grid time that coincides with a valid sample takes its value).

    Parameters
    ----------
    values
        Time-first array ``(n, ...)``, ``n >= 2``.
    t_s
        Timestamps ``(n,)``, seconds, strictly increasing (variable frame rate is fine).
    fps
        Output rate; default ``round(1 / median(dt))`` (:func:`nominal_fps`).

    Returns
    -------
    values_u, t_u
        Resampled values ``(m, ...)`` and the grid ``t_u = t0 + k / fps`` ``(m,)``.
    """
    v = np.asarray(values, dtype=np.float64)
    t = _as_time(t_s, v.shape[0])
    if t.size < 2:
        raise ValueError("At least two samples are needed to resample.")
    fps = nominal_fps(t) if fps is None else float(fps)
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}.")
    t_u = uniform_grid(t, fps)
    i, w = _bracket(t, t_u)
    w = w.reshape((-1,) + (1,) * (v.ndim - 1))
    left, right = v[i], v[i + 1]
    out = left * (1.0 - w) + right * w
    out = np.where(w == 0.0, left, out)
    out = np.where(w == 1.0, right, out)
    return out, t_u


def resample_series(series: LandmarkSeries, fps: float | None = None) -> LandmarkSeries:
    """Return the series resampled onto a uniform grid (see :func:`resample_uniform`).

    x, y and z are interpolated linearly (never across NaN); visibility and presence,
    being scores rather than positions, take the nearest original sample.
    """
    t = np.asarray(series.t_s, dtype=np.float64)
    fps = nominal_fps(t) if fps is None else float(fps)
    xy, t_u = resample_uniform(series.xy, t, fps)
    z, _ = resample_uniform(series.z, t, fps)
    i, w = _bracket(t, t_u)
    nearest = np.where(w > 0.5, i + 1, i)
    return _logged(
        series,
        "resample_uniform",
        t_s=t_u,
        xy=xy,
        z=z,
        visibility=np.asarray(series.visibility)[nearest],
        presence=np.asarray(series.presence)[nearest],
        params={"fps": fps, "n_in": int(t.size), "n_out": int(t_u.size)},
    )


# --- zero-lag Butterworth ----------------------------------------------------------


def _design(fs: float, cutoff_hz: float, order: int) -> np.ndarray:
    """Return SOS coefficients of a Butterworth low-pass, checking the parameters."""
    if order < 1:
        raise ValueError(f"order must be >= 1, got {order}.")
    if fs <= 0 or cutoff_hz <= 0:
        raise ValueError(f"fs and cutoff_hz must be > 0, got fs={fs}, cutoff_hz={cutoff_hz}.")
    if cutoff_hz >= fs / 2:
        raise ValueError(
            f"cutoff_hz={cutoff_hz} must be below the Nyquist frequency fs/2={fs / 2:g} Hz."
        )
    return signal.butter(order, cutoff_hz, btype="low", fs=fs, output="sos")


def _padlen(sos: np.ndarray) -> int:
    """Default ``sosfiltfilt`` edge padding: segments must be longer than this."""
    n_zeros = min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    return 3 * (2 * len(sos) + 1 - n_zeros)


def _finite_runs(ok: np.ndarray) -> list[tuple[int, int]]:
    """Return ``(start, stop)`` of each run of True in a 1-D boolean array."""
    edges = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def butterworth_filter(
    values: ArrayLike,
    fs: float,
    cutoff_hz: float = DEFAULT_CUTOFF_HZ,
    order: int = DEFAULT_ORDER,
) -> np.ndarray:
    """Zero-lag low-pass Butterworth filter along axis 0, per contiguous finite segment.

    ``order`` is the effective order: an ``order / 2`` Butterworth run forward and
    backward (``scipy.signal.sosfiltfilt``), see the module docstring for the
    convention and its sources. NaN samples stay NaN and split the signal into
    segments filtered independently; **segments not longer than the filter's edge
    padding** (``sosfiltfilt``'s default ``padlen``, 9 samples for the default order
    4) **are returned unfiltered**.

    Parameters
    ----------
    values
        Uniformly sampled time-first array ``(n, ...)``.
    fs
        Sampling rate, Hz.
    cutoff_hz
        Cut-off of the designed filter, Hz (must be below ``fs / 2``).
    order
        Effective (two-pass) order; must be even.

    Returns
    -------
    numpy.ndarray
        Filtered float copy of ``values``.
    """
    if order < 2 or order % 2:
        raise ValueError(f"order is the effective two-pass order and must be even, got {order}.")
    sos = _design(float(fs), float(cutoff_hz), order // 2)
    pad = _padlen(sos)
    v = np.array(values, dtype=np.float64)
    flat = v.reshape(v.shape[0], -1)
    for j in range(flat.shape[1]):
        for start, stop in _finite_runs(np.isfinite(flat[:, j])):
            if stop - start > pad:
                flat[start:stop, j] = signal.sosfiltfilt(sos, flat[start:stop, j])
    return flat.reshape(v.shape)


def sampling_rate(t_s: ArrayLike, rtol: float = 0.01) -> float:
    """Return the sampling rate of uniformly spaced timestamps, Hz.

    Raises
    ------
    ValueError
        If the spacing varies by more than ``rtol`` (resample first).
    """
    t = np.asarray(t_s, dtype=np.float64)
    if t.size < 2:
        raise ValueError("At least two timestamps are needed for a sampling rate.")
    dt = np.diff(t)
    med = float(np.median(dt))
    if np.max(np.abs(dt - med)) > rtol * med:
        raise ValueError(
            "Timestamps are not evenly spaced; resample the series first (resample_series)."
        )
    return 1.0 / med


def smooth_series(
    series: LandmarkSeries,
    cutoff_hz: float = DEFAULT_CUTOFF_HZ,
    order: int = DEFAULT_ORDER,
) -> LandmarkSeries:
    """Return the series with x, y and z low-passed by :func:`butterworth_filter`.

    The series must be uniformly sampled (:func:`resample_series`). Visibility and
    presence are unchanged.
    """
    fs = sampling_rate(series.t_s)
    xy = butterworth_filter(series.xy, fs, cutoff_hz, order)
    z = butterworth_filter(series.z, fs, cutoff_hz, order)
    return _logged(
        series,
        "butterworth_filter",
        xy=xy,
        z=z,
        params={
            "cutoff_hz": float(cutoff_hz),
            "order": int(order),
            "design": f"butter({order // 2}) forward-backward (sosfiltfilt)",
            "fs": fs,
        },
    )


def clean_series(
    series: LandmarkSeries,
    *,
    visibility_threshold: float = DEFAULT_VISIBILITY_THRESHOLD,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    cutoff_hz: float = DEFAULT_CUTOFF_HZ,
    order: int = DEFAULT_ORDER,
    fps: float | None = None,
) -> LandmarkSeries:
    """Run the offline cleaning chain: gate -> fill gaps -> resample -> Butterworth.

    Each step appends its own entry to the returned series' ``log``.

    Parameters
    ----------
    series
        Raw landmarks in pixels (any frame timing).
    visibility_threshold
        See :func:`gate_by_visibility`.
    max_gap_s
        See :func:`fill_gaps`.
    cutoff_hz, order
        See :func:`butterworth_filter`.
    fps
        Output frame rate; default the clip's nominal rate (:func:`nominal_fps`).
    """
    gated = gate_by_visibility(series, visibility_threshold)
    filled = fill_landmark_gaps(gated, max_gap_s)
    uniform = resample_series(filled, fps)
    return smooth_series(uniform, cutoff_hz, order)


# --- causal filter for live use ----------------------------------------------------


class CausalFilter:
    """One-pass (causal) Butterworth low-pass for streaming samples, e.g. the webcam.

    Each channel is filtered independently with ``scipy.signal.sosfilt`` and a carried
    state. The first valid sample of a channel initialises the state at steady state
    (``sosfilt_zi`` scaled by the sample), so there is no start-up transient.

    NaN handling: a NaN input returns NaN for that channel and leaves its state
    untouched; after more than ``max_gap_s`` of NaN the channel is reset, so the next
    valid sample restarts it at steady state instead of ringing from stale state.

    Lag: a causal filter delays the signal. For slow movements the delay is the
    filter's group delay at 0 Hz, :attr:`lag_s`: for the default 2nd order at 6 Hz it
    is 0.032 s at 30 fps and 0.036 s at 60 fps (the analogue prototype's
    ``sqrt(2) / (2 pi fc)`` = 0.038 s); it grows with order and shrinks with a higher
    cut-off. A ramp input comes out as the
    same ramp shifted by ``lag_s``.

    Parameters
    ----------
    n_channels
        Number of values per sample (e.g. 33 landmarks x 2 coordinates = 66).
    fs
        Sampling rate, Hz.
    cutoff_hz
        Cut-off, Hz (below ``fs / 2``).
    order
        Butterworth order (single pass).
    max_gap_s
        NaN run after which a channel restarts.
    """

    def __init__(
        self,
        n_channels: int,
        fs: float,
        cutoff_hz: float = DEFAULT_CUTOFF_HZ,
        order: int = DEFAULT_CAUSAL_ORDER,
        max_gap_s: float = DEFAULT_MAX_GAP_S,
    ) -> None:
        if n_channels < 1:
            raise ValueError(f"n_channels must be >= 1, got {n_channels}.")
        self.n_channels = int(n_channels)
        self.fs = float(fs)
        self.cutoff_hz = float(cutoff_hz)
        self.order = int(order)
        self.max_gap_s = float(max_gap_s)
        self._sos = _design(self.fs, self.cutoff_hz, self.order)
        self._zi_unit = signal.sosfilt_zi(self._sos)  # (n_sections, 2)
        self._zi = np.zeros((len(self._sos), self.n_channels, 2))
        self._started = np.zeros(self.n_channels, dtype=bool)
        self._nan_run = np.zeros(self.n_channels, dtype=np.int64)

    @property
    def lag_s(self) -> float:
        """Group delay of the filter at 0 Hz, seconds (the lag of slow movements)."""
        b, a = signal.sos2tf(self._sos)
        _, gd = signal.group_delay((b, a), w=[0.0], fs=self.fs)
        return float(gd[0]) / self.fs

    def reset(self) -> None:
        """Forget all state; the next valid sample of each channel restarts it."""
        self._zi[:] = 0.0
        self._started[:] = False
        self._nan_run[:] = 0

    def update(self, sample: ArrayLike) -> np.ndarray:
        """Filter one sample of ``n_channels`` values (any shape of that size).

        Returns
        -------
        numpy.ndarray
            The filtered sample, same shape as the input; NaN where the input is NaN.
        """
        x = np.asarray(sample, dtype=np.float64)
        if x.size != self.n_channels:
            raise ValueError(f"Expected {self.n_channels} values, got {x.size}.")
        flat = x.reshape(-1)
        ok = np.isfinite(flat)
        self._nan_run = np.where(ok, 0, self._nan_run + 1)
        stale = self._nan_run > self.max_gap_s * self.fs
        self._started[stale] = False

        new = ok & ~self._started
        if new.any():
            self._zi[:, new, :] = self._zi_unit[:, None, :] * flat[new][None, :, None]
            self._started[new] = True

        out = np.full(self.n_channels, np.nan)
        if ok.any():
            y, zf = signal.sosfilt(self._sos, flat[ok][:, None], axis=-1, zi=self._zi[:, ok, :])
            out[ok] = y[:, 0]
            self._zi[:, ok, :] = zf
        return out.reshape(x.shape)
