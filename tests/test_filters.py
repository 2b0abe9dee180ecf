"""One contract every smoother passes, plus what is specific to each."""

from __future__ import annotations

import numpy as np
import pytest

from hipthrust_cam.analysis.filters import FILTERS, SmootherParams, make_smoother

FPS = 30.0
PARAMS = SmootherParams(window_frames=7, max_gap_frames=6)


def stream(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Push (N, C) samples at FPS; returns output times and values, in order."""
    f = make_smoother(name, x.shape[1], PARAMS)
    out = []
    for i, row in enumerate(x):
        got = f.push(i / FPS, row)
        assert len(got) <= 1
        out += got
    out += f.finish()
    return np.array([t for t, _ in out]), np.array([v for _, v in out])


@pytest.fixture(params=sorted(FILTERS))
def name(request) -> str:
    return request.param


def test_contract_one_output_per_input_in_order_with_its_time(name: str) -> None:
    x = np.random.default_rng(0).normal(size=(50, 3))
    t, y = stream(name, x)
    np.testing.assert_allclose(t, np.arange(50) / FPS)
    assert y.shape == x.shape


def test_contract_lag_is_how_long_outputs_are_held_back(name: str) -> None:
    f = make_smoother(name, 1, PARAMS)
    held = 0
    for i in range(30):
        held += 1 - len(f.push(i / FPS, np.array([1.0])))
    assert held == f.lag_frames
    assert len(f.finish()) == f.lag_frames


def test_contract_constant_in_constant_out(name: str) -> None:
    _, y = stream(name, np.full((40, 2), 7.5))
    np.testing.assert_allclose(y, 7.5)


def test_contract_reduces_noise_on_a_held_position(name: str) -> None:
    rng = np.random.default_rng(1)
    noisy = 300.0 + rng.normal(0, 2.0, (200, 2))
    _, y = stream(name, noisy)
    assert np.std(y[20:-20] - 300.0) < 0.6 * np.std(noisy[20:-20] - 300.0)


def test_contract_follows_a_moving_joint(name: str) -> None:
    t = np.arange(300) / FPS
    base = (200 * np.sin(2 * np.pi * 0.4 * t))[:, None]  # hips moving ~500 px/s at most
    _, y = stream(name, base)
    assert np.max(np.abs(y[20:-20] - base[20:-20])) < 10.0


def test_contract_unseen_stays_unseen(name: str) -> None:
    x = np.ones((60, 2))
    x[:, 1] = np.nan  # a channel never seen
    x[20:40, 0] = np.nan  # a long gap
    _, y = stream(name, x)
    assert np.isnan(y[:, 1]).all()
    assert np.isnan(y[25:35, 0]).all()
    assert np.isfinite(y[:20, 0]).all() and np.isfinite(y[41:, 0]).all()


def test_centred_filter_is_zero_phase_and_fills_short_gaps() -> None:
    ramp = np.arange(60, dtype=float)[:, None]
    _, y = stream("centred", ramp)
    np.testing.assert_allclose(y[5:-5], ramp[5:-5], atol=1e-9)  # no delay on a ramp
    gappy = ramp.copy()
    gappy[30:34] = np.nan  # 4 frames <= max_gap_frames
    _, y = stream("centred", gappy)
    np.testing.assert_allclose(y[30:34, 0], np.arange(30, 34), atol=1e-9)


def test_one_euro_is_causal() -> None:
    x = np.zeros((40, 1))
    x[20:] = 10.0
    _, y = stream("one_euro", x)
    assert np.all(y[:20] == 0.0)  # nothing from the future
    assert 0 < y[20, 0] < 10.0 and y[-1, 0] == pytest.approx(10.0, abs=0.1)


def test_unknown_filter_name() -> None:
    with pytest.raises(ValueError, match="one_euro"):
        make_smoother("kalman", 1, PARAMS)


def test_centred_filter_streaming_equals_the_whole_series_at_once() -> None:
    """Streams many times the buffer long give the batch Gaussian window on the filled data."""
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.normal(size=(300, 3)), axis=0)
    x[100:130, 1] = np.nan  # long gap: stays unseen
    x[200, :] = np.nan  # a single dropped frame
    _, y = stream("centred", x)
    half = PARAMS.window_frames // 2
    w = np.exp(-0.5 * (np.arange(-half, half + 1) / (half / 2.0)) ** 2)
    filled = x.copy()
    for c in range(3):
        good = np.isfinite(x[:, c])
        idx = np.arange(len(x))
        filled[~good, c] = np.interp(idx[~good], idx[good], x[good, c])
    filled[100:130, 1] = np.nan
    for i in range(half, len(x) - half):
        window = filled[i - half : i + half + 1]
        ok = np.isfinite(window)
        with np.errstate(invalid="ignore"):  # 0/0 in the long gap: NaN, as expected
            expect = (np.where(ok, window, 0) * w[:, None]).sum(0) / (ok * w[:, None]).sum(0)
        expect[np.isnan(filled[i])] = np.nan
        np.testing.assert_allclose(y[i], expect, rtol=1e-12, atol=1e-9)
