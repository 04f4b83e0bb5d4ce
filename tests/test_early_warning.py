"""Early-warning signals: indicators against pandas, tau against scipy, the surrogate test's
power on critical slowing down and its calibration on stationary series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import signal, stats

from evalkit.change.longseries.early_warning import (
    INDICATORS,
    MIN_POINTS_FOR_TESTS,
    _trend_tau,
    early_warning,
    early_warning_trends,
)

HAND = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0, 8.0, 9.0, 7.0, 9.0]


def slowing_down(n: int, seed: int, start: float = 0.1, end: float = 0.95) -> np.ndarray:
    """AR(1) whose coefficient rises linearly from ``start`` to ``end``: critical slowing down."""
    rng = np.random.default_rng(seed)
    phi, shocks = np.linspace(start, end, n), rng.normal(size=n)
    values = np.zeros(n)
    for t in range(1, n):
        values[t] = phi[t] * values[t - 1] + shocks[t]
    return values


def stationary_ar1(n: int, seed: int, phi: float = 0.5) -> np.ndarray:
    return signal.lfilter([1.0], [1.0, -phi], np.random.default_rng(seed).normal(size=n))


def _pandas_indicators(residual: pd.Series, window: int) -> pd.DataFrame:
    rolling = residual.rolling(window)
    return pd.DataFrame(
        {
            "variance": rolling.var(),
            "ac1": rolling.apply(lambda w: w.autocorr(lag=1), raw=False),
            "skewness": rolling.skew(),
        }
    )


@pytest.mark.parametrize("window", [5, 0.5])
def test_indicators_match_pandas_rolling_without_detrending(window):
    table = early_warning(HAND, window=window, detrend="none")
    size = 5 if window == 5 else round(0.5 * len(HAND))
    expected = _pandas_indicators(pd.Series(HAND), size)
    for name in INDICATORS:
        np.testing.assert_allclose(table[name], expected[name], equal_nan=True, rtol=1e-10)
    assert table[list(INDICATORS)].iloc[: size - 1].isna().all().all()
    assert list(table.columns) == ["time", "value", "trend", "residual", *INDICATORS]


def test_linear_detrending_is_the_least_squares_line():
    x = np.arange(len(HAND))
    slope, intercept = np.polyfit(x, HAND, 1)
    residual = pd.Series(HAND - (intercept + slope * x))
    table = early_warning(HAND, window=6, detrend="linear", time=x + 2001)
    np.testing.assert_allclose(table["residual"], residual, atol=1e-12)
    expected = _pandas_indicators(residual, 6)
    for name in INDICATORS:
        np.testing.assert_allclose(table[name], expected[name], equal_nan=True, rtol=1e-10)
    assert table["time"].tolist() == (x + 2001).tolist()


def test_gaussian_trend_is_the_kernel_weighted_mean():
    bandwidth = 2.5
    table = early_warning(HAND, window=6, bandwidth=bandwidth)
    for i in (0, 7, len(HAND) - 1):
        weights = [np.exp(-0.5 * ((i - j) / bandwidth) ** 2) for j in range(len(HAND))]
        expected = sum(w * v for w, v in zip(weights, HAND, strict=True)) / sum(weights)
        assert table["trend"].iloc[i] == pytest.approx(expected)


def test_tau_is_scipys_kendall_tau_of_each_indicator_against_time():
    values = slowing_down(80, seed=4)
    table = early_warning(values, window=0.5)
    trends = early_warning_trends(values, window=0.5, n_surrogates=19).set_index("indicator")
    for name in INDICATORS:
        observed = table[name].dropna()
        expected = stats.kendalltau(np.arange(len(observed)), observed).statistic
        assert trends.loc[name, "tau"] == pytest.approx(expected)
    assert trends["n_windows"].iloc[0] == 80 - 40 + 1


def test_vectorised_tau_handles_ties_and_missing_values_as_scipy_does():
    rows = np.array([[1.0, 2.0, 2.0, 3.0, 1.0, 5.0], [3.0, np.nan, 1.0, 1.0, 4.0, 0.0]])
    taus = _trend_tau(rows)
    for row, tau in zip(rows, taus, strict=True):
        expected = stats.kendalltau(np.arange(len(row)), row, nan_policy="omit").statistic
        assert tau == pytest.approx(expected)


def test_critical_slowing_down_gives_a_strong_autocorrelation_trend_with_a_small_p():
    results = [
        early_warning_trends(slowing_down(200, seed), n_surrogates=199, seed=seed)
        .set_index("indicator")
        .loc["ac1"]
        for seed in range(10)
    ]
    taus = np.array([r["tau"] for r in results])
    p_values = np.array([r["p_value"] for r in results])
    assert np.median(taus) > 0.7
    assert np.mean(p_values < 0.05) >= 0.8
    assert all(r["alternative"] == "increasing" and not r["descriptive_only"] for r in results)


@pytest.mark.parametrize("surrogates", ["ar1", "phase"])
def test_surrogate_p_values_are_calibrated_on_stationary_series(surrogates):
    p_values = np.array(
        [
            early_warning_trends(
                stationary_ar1(100, 1000 + seed), surrogates=surrogates, n_surrogates=199, seed=seed
            )["p_value"].to_numpy()
            for seed in range(100)
        ]
    )
    rejections = (p_values < 0.05).mean(axis=0)
    assert np.all(rejections <= 0.08), dict(zip(INDICATORS, rejections, strict=True))
    assert np.all(np.abs(p_values.mean(axis=0) - 0.5) < 0.1)  # roughly uniform


def test_plain_kendall_p_values_would_cry_wolf_on_the_same_series():
    # why the surrogates: the textbook p-value of tau ignores the overlap of the windows
    naive = []
    for seed in range(40):
        table = early_warning(stationary_ar1(100, 1000 + seed))
        observed = table["ac1"].dropna()
        naive.append(stats.kendalltau(np.arange(len(observed)), observed).pvalue < 0.05)
    assert np.mean(naive) > 0.3


def test_short_series_are_descriptive_only_and_p_values_are_bounded():
    short = early_warning_trends(stationary_ar1(40, 1), n_surrogates=49)
    assert short["descriptive_only"].all()
    assert MIN_POINTS_FOR_TESTS == 60
    long = early_warning_trends(stationary_ar1(60, 1), n_surrogates=49)
    assert not long["descriptive_only"].any()
    assert long["p_value"].between(1 / 50, 1).all()
    assert long["alternative"].tolist() == ["increasing", "increasing", "two-sided"]


def test_same_seed_same_answer():
    values = stationary_ar1(70, 3)
    first = early_warning_trends(values, n_surrogates=99, seed=5)
    pd.testing.assert_frame_equal(first, early_warning_trends(values, n_surrogates=99, seed=5))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="missing"):
        early_warning([1.0, np.nan] * 20)
    with pytest.raises(ValueError, match="window"):
        early_warning(HAND, window=14)
    with pytest.raises(ValueError, match="detrend"):
        early_warning(HAND, detrend="loess")
    with pytest.raises(ValueError, match="surrogates"):
        early_warning_trends(HAND, surrogates="shuffle")
