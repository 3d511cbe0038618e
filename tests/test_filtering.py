"""Signal cleaning: visibility gate, gap filling, resampling, Butterworth, causal filter."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from hipcheck.filtering import (
    CausalFilter,
    butterworth_filter,
    clean_series,
    fill_gaps,
    fill_landmark_gaps,
    gate_by_visibility,
    resample_series,
    resample_uniform,
    smooth_series,
)
from hipcheck.landmarks import N_LANDMARKS, LandmarkSeries

FS = 30.0


def amplitude_at(x: np.ndarray, t: np.ndarray, freq: float) -> float:
    """Least-squares amplitude of a sinusoid of ``freq`` in ``x``."""
    basis = np.column_stack([np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t)])
    coef, *_ = np.linalg.lstsq(basis, x, rcond=None)
    return float(np.hypot(*coef))


# --- Butterworth -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "low", "high"),
    [
        pytest.param(0.5, 0.99, 1.01, id="0.5Hz-passed"),
        pytest.param(2.0, 0.97, 1.01, id="2Hz-passed"),
        pytest.param(6.0, 0.45, 0.55, id="6Hz-half-gain-at-cutoff"),
        pytest.param(10.0, 0.0, 0.15, id="10Hz-attenuated"),
        pytest.param(13.0, 0.0, 0.06, id="13Hz-attenuated"),
    ],
)
def test_butterworth_gain(freq: float, low: float, high: float, rng) -> None:
    t = np.arange(600) / FS
    x = np.sin(2 * np.pi * freq * t) + 0.05 * rng.standard_normal(t.size)
    y = butterworth_filter(x, FS, cutoff_hz=6.0, order=4)
    core = slice(60, -60)  # away from the edges
    assert low <= amplitude_at(y[core], t[core], freq) <= high


def test_butterworth_removes_noise_keeps_movement(rng) -> None:
    t = np.arange(900) / FS
    movement = 80 * np.sin(2 * np.pi * 0.5 * t)
    noisy = movement + 3 * rng.standard_normal(t.size)
    smooth = butterworth_filter(noisy, FS)
    err_before = np.std(noisy - movement)
    err_after = np.std(smooth - movement)
    assert err_after < 0.7 * err_before  # white noise to 15 Hz keeps ~0.6 of its std


def test_butterworth_zero_lag_peak_time() -> None:
    t = np.arange(301) / FS
    pulse = np.exp(-0.5 * ((t - 5.0) / 0.4) ** 2)
    y = butterworth_filter(pulse, FS)
    assert abs(int(np.argmax(y)) - int(np.argmax(pulse))) <= 1


def test_butterworth_segments_and_short_runs_unfiltered(rng) -> None:
    x = rng.standard_normal((100, 2))
    x[40:43] = np.nan  # splits into 0:40 and 43:100
    x[90, 0] = np.nan  # leaves a 9-sample run 91:100 in channel 0 (not > padlen 9)
    y = butterworth_filter(x, FS)
    assert np.isnan(y[40:43]).all() and np.isnan(y[90, 0])
    assert np.isfinite(y[:40]).all() and np.isfinite(y[43:90]).all()
    np.testing.assert_array_equal(y[91:, 0], x[91:, 0])  # too short: unchanged
    assert not np.allclose(y[91:, 1], x[91:, 1])  # channel 1 run 43:100 is filtered
    assert not np.allclose(y[:40, 0], x[:40, 0])


def test_butterworth_matches_scipy_on_clean_signal(rng) -> None:
    x = rng.standard_normal((200, 3, 2))
    sos = signal.butter(2, 6.0, fs=FS, output="sos")
    np.testing.assert_allclose(butterworth_filter(x, FS), signal.sosfiltfilt(sos, x, axis=0))


@pytest.mark.parametrize(
    ("fs", "cutoff", "order", "match"),
    [
        pytest.param(30.0, 6.0, 3, "even", id="odd-order"),
        pytest.param(10.0, 6.0, 4, "Nyquist", id="cutoff-above-nyquist"),
        pytest.param(30.0, 0.0, 4, "> 0", id="zero-cutoff"),
    ],
)
def test_butterworth_bad_parameters(fs, cutoff, order, match) -> None:
    with pytest.raises(ValueError, match=match):
        butterworth_filter(np.zeros(50), fs, cutoff, order)


# --- gap filling -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "filled"),
    [
        pytest.param(slice(10, 14), True, id="4-frames-0.167s"),
        pytest.param(slice(10, 15), True, id="5-frames-span-0.2s"),
        pytest.param(slice(10, 16), False, id="6-frames-span-0.233s"),
        pytest.param(slice(10, 40), False, id="1s-gap"),
        pytest.param(slice(0, 3), False, id="leading"),
        pytest.param(slice(57, 60), False, id="trailing"),
    ],
)
def test_fill_gaps_30fps(missing: slice, filled: bool) -> None:
    t = np.arange(60) / FS
    truth = 3.0 * t + 100.0
    x = truth.copy()
    x[missing] = np.nan
    y = fill_gaps(x, t, max_gap_s=0.2)
    if filled:
        np.testing.assert_allclose(y, truth)
    else:
        assert np.isnan(y[missing]).all()
        np.testing.assert_array_equal(np.isnan(y), np.isnan(x))


def test_fill_gaps_variable_frame_rate_and_channels() -> None:
    t = np.array([0.0, 0.03, 0.05, 0.12, 0.2, 0.24, 0.5, 0.55, 0.6])
    x = np.column_stack([2 * t, -t])
    x[[2, 3, 4], 0] = np.nan  # span 0.03 -> 0.24 = 0.21 s: too long
    x[[2, 3], 1] = np.nan  # span 0.03 -> 0.2 = 0.17 s: filled
    x[6, 1] = np.nan  # span 0.24 -> 0.55 = 0.31 s: too long
    y = fill_gaps(x, t, max_gap_s=0.2)
    assert np.isnan(y[[2, 3, 4], 0]).all()
    np.testing.assert_allclose(y[[2, 3], 1], -t[[2, 3]])
    assert np.isnan(y[6, 1])


def test_fill_gaps_rejects_unsorted_time() -> None:
    with pytest.raises(ValueError, match="increasing"):
        fill_gaps(np.zeros(3), np.array([0.0, 0.2, 0.1]))


# --- resampling ------------------------------------------------------------------------


def test_resample_vfr_recovers_linear_signal_exactly(rng) -> None:
    t = np.cumsum(rng.uniform(0.025, 0.042, 200))  # phone-like VFR around 30 fps
    x = np.stack([5.0 * t - 2.0, 300 - 40 * t], axis=-1)[:, None, :]  # (n, 1, 2)
    y, t_u = resample_uniform(x, t)
    assert t_u[0] == t[0] and t_u[-1] <= t[-1] + 1e-9
    np.testing.assert_allclose(np.diff(t_u), 1 / 30.0, rtol=1e-9)
    np.testing.assert_allclose(y[:, 0, 0], 5.0 * t_u - 2.0, atol=1e-9)
    np.testing.assert_allclose(y[:, 0, 1], 300 - 40 * t_u, atol=1e-9)


def test_resample_default_fps_is_rounded_median_rate() -> None:
    t = np.arange(100) / 59.94
    _, t_u = resample_uniform(np.zeros(100), t)
    np.testing.assert_allclose(np.diff(t_u), 1 / 60.0)


def test_resample_never_interpolates_across_nan() -> None:
    t = np.array([0.0, 0.1, 0.2, 0.3, 0.4])
    x = np.array([0.0, 1.0, np.nan, 3.0, 4.0])
    y, t_u = resample_uniform(x, t, fps=20.0)  # grid every 0.05 s
    expected = {0.0: 0.0, 0.05: 0.5, 0.1: 1.0, 0.15: np.nan, 0.2: np.nan, 0.25: np.nan}
    expected |= {0.3: 3.0, 0.35: 3.5, 0.4: 4.0}
    np.testing.assert_allclose(t_u, list(expected))
    np.testing.assert_allclose(y, list(expected.values()))


@pytest.mark.parametrize(
    ("values", "t_s", "fps", "match"),
    [
        pytest.param(np.zeros(1), np.zeros(1), None, "two", id="single-sample"),
        pytest.param(np.zeros(3), np.arange(4.0), None, "shape", id="length-mismatch"),
        pytest.param(np.zeros(3), np.arange(3.0), -5.0, "fps", id="negative-fps"),
    ],
)
def test_resample_bad_input(values, t_s, fps, match) -> None:
    with pytest.raises(ValueError, match=match):
        resample_uniform(values, t_s, fps)


# --- causal filter -----------------------------------------------------------------------


def test_causal_constant_input_has_no_transient() -> None:
    f = CausalFilter(2, FS)
    out = [f.update(np.array([400.0, 650.0])) for _ in range(5)]
    np.testing.assert_allclose(out, [[400.0, 650.0]] * 5)


def test_causal_matches_scipy_sosfilt(rng) -> None:
    x = 100 + rng.standard_normal(120)
    f = CausalFilter(1, FS, cutoff_hz=6.0, order=2)
    online = np.array([f.update(v)[()] for v in x])
    sos = signal.butter(2, 6.0, fs=FS, output="sos")
    offline, _ = signal.sosfilt(sos, x, zi=signal.sosfilt_zi(sos) * x[0])
    np.testing.assert_allclose(online, offline)


@pytest.mark.parametrize("fs", [pytest.param(30.0, id="30fps"), pytest.param(60.0, id="60fps")])
def test_causal_ramp_lags_by_documented_lag(fs: float) -> None:
    f = CausalFilter(1, fs)
    t = np.arange(int(3 * fs)) / fs
    out = np.array([f.update(np.array([50.0 * ti])) for ti in t])[:, 0]
    settled = t > 1.0
    lag = (50.0 * t[settled] - out[settled]) / 50.0
    np.testing.assert_allclose(lag, f.lag_s, atol=1e-6)
    assert 0.02 < f.lag_s < 0.05


def test_causal_step_converges() -> None:
    f = CausalFilter(1, FS)
    f.update(np.array([0.0]))
    out = [f.update(np.array([10.0]))[0] for _ in range(30)]
    assert abs(out[-1] - 10.0) < 0.05
    assert out[0] < 5.0  # a causal filter cannot jump


def test_causal_nan_keeps_state_then_resets_after_long_gap() -> None:
    f = CausalFilter(2, FS, max_gap_s=0.2)
    for _ in range(10):
        f.update(np.array([5.0, 5.0]))
    out = f.update(np.array([np.nan, 5.0]))
    assert np.isnan(out[0]) and out[1] == pytest.approx(5.0)
    # short gap (1 frame): state kept, so a jump to 20 is smoothed
    assert f.update(np.array([20.0, 5.0]))[0] < 20.0
    # long gap (> 0.2 s = 6 frames): the channel restarts at the new value
    for _ in range(8):
        f.update(np.array([np.nan, 5.0]))
    assert f.update(np.array([40.0, 5.0]))[0] == pytest.approx(40.0)


def test_causal_reset_and_shape() -> None:
    f = CausalFilter(4, FS)
    f.update(np.zeros((2, 2)))
    f.reset()
    assert f.update(np.full((2, 2), 7.0)).shape == (2, 2)
    with pytest.raises(ValueError, match="Expected 4"):
        f.update(np.zeros(3))


# --- LandmarkSeries wrappers and provenance -----------------------------------------------


def make_series(t: np.ndarray, rng: np.random.Generator) -> LandmarkSeries:
    n = t.size
    base = np.array([360.0, 640.0]) + 50 * rng.standard_normal((1, N_LANDMARKS, 2))
    xy = base + 20 * np.sin(2 * np.pi * 0.5 * t)[:, None, None] + rng.normal(0, 1, (n, 33, 2))
    vis = np.full((n, N_LANDMARKS), 0.95)
    return LandmarkSeries(
        t_s=t,
        xy=xy,
        z=np.zeros((n, N_LANDMARKS)),
        visibility=vis,
        presence=vis.copy(),
        frame_size=(720, 1280),
        model="synthetic",
        log=[{"operation": "pose"}],
    )


def test_gate_by_visibility(rng) -> None:
    s = make_series(np.arange(30) / FS, rng)
    s.visibility[5, 25] = 0.3
    s.visibility[6, :] = 0.49
    g = gate_by_visibility(s, 0.5)
    assert np.isnan(g.xy[5, 25]).all() and np.isnan(g.xy[6]).all()
    assert np.isfinite(g.xy[5, 24]).all() and np.isfinite(g.xy[7]).all()
    assert g.log[-1] == {"operation": "gate_by_visibility", "threshold": 0.5, "points_removed": 34}
    assert np.isfinite(s.xy).all()  # input untouched


def test_resample_series_visibility_nearest(rng) -> None:
    t = np.array([0.0, 0.03, 0.06, 0.1, 0.13])
    s = make_series(t, rng)
    s.visibility[:, 0] = [0.1, 0.2, 0.3, 0.4, 0.5]
    r = resample_series(s, fps=20.0)  # grid 0, .05, .1
    np.testing.assert_allclose(r.t_s, [0.0, 0.05, 0.1])
    np.testing.assert_allclose(r.visibility[:, 0], [0.1, 0.3, 0.4])
    assert r.log[-1] == {"operation": "resample_uniform", "fps": 20.0, "n_in": 5, "n_out": 3}


def test_smooth_series_requires_uniform_time(rng) -> None:
    s = make_series(np.array([0.0, 0.03, 0.07, 0.1, 0.13, 0.2]), rng)
    with pytest.raises(ValueError, match="resample"):
        smooth_series(s)


def test_clean_series_chain_and_log(rng) -> None:
    t = np.cumsum(rng.uniform(0.03, 0.037, 150))
    s = make_series(t, rng)
    s.visibility[40:44, 27] = 0.2  # short dropout: gated, then filled
    s.visibility[80:100, 28] = 0.2  # long dropout: stays missing
    c = clean_series(s, fps=30.0)
    ops = [e["operation"] for e in c.log]
    assert ops == [
        "pose",
        "gate_by_visibility",
        "fill_gaps",
        "resample_uniform",
        "butterworth_filter",
    ]
    assert c.log[-1]["cutoff_hz"] == 6.0 and c.log[-1]["order"] == 4
    np.testing.assert_allclose(np.diff(c.t_s), 1 / 30.0)
    assert np.isfinite(c.xy[:, 27]).all()
    gap = (c.t_s > t[81]) & (c.t_s < t[98])
    assert np.isnan(c.xy[gap, 28]).all()
    # smoother than the input: frame-to-frame jitter drops
    assert np.std(np.diff(c.xy[:, 0, 0], 2)) < 0.5 * np.std(np.diff(s.xy[:, 0, 0], 2))


def test_fill_landmark_gaps_logs_count(rng) -> None:
    s = make_series(np.arange(30) / FS, rng)
    s.xy[10:12, 3] = np.nan
    f = fill_landmark_gaps(s, 0.2)
    assert np.isfinite(f.xy).all()
    assert f.log[-1] == {"operation": "fill_gaps", "max_gap_s": 0.2, "points_filled": 2}
