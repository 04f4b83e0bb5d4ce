"""Early-warning signals of a coming transition in a long series (critical slowing down).

As a system nears a tipping point it recovers more slowly from small shocks, so its
fluctuations grow (variance), become more persistent (lag-1 autocorrelation) and, near some
transitions, lopsided (skewness). These are read in rolling windows over the detrended series,
and the trend of each indicator is summarised by Kendall's tau, judged against surrogate series
that have the same short-range memory but no trend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import signal

from evalkit.change.longseries.changepoints import values_and_times

__all__ = ["INDICATORS", "MIN_POINTS_FOR_TESTS", "early_warning", "early_warning_trends"]

#: The indicators, in the order of the columns of :func:`early_warning`.
INDICATORS = ("variance", "ac1", "skewness")
#: Below this many points the trends are descriptive only (Dakos et al. 2012).
MIN_POINTS_FOR_TESTS = 60
_DETRENDS = ("gaussian", "linear", "none")
_SURROGATES = ("ar1", "phase")
# variance and autocorrelation rise before a transition; skewness may move either way
_ALTERNATIVES = {"variance": "increasing", "ac1": "increasing", "skewness": "two-sided"}


def early_warning(
    series,
    *,
    time=None,
    window: float = 0.5,
    detrend: str = "gaussian",
    bandwidth: float | None = None,
) -> pd.DataFrame:
    """Rolling variance, lag-1 autocorrelation and skewness of a detrended series.

    Parameters
    ----------
    series : array-like or Series
        Evenly spaced values in time order, with no missing values.
    time : array-like, optional
        The time of each value; by default the Series' index, or 0, 1, ...
    window : float
        Rolling window: a share of the series (below 1; 0.5 is about half, as Dakos et al.
        advise) or a number of points.
    detrend : {"gaussian", "linear", "none"}
        Remove a Gaussian-kernel smooth, a straight line, or nothing.
    bandwidth : float, optional
        Standard deviation of the Gaussian kernel, in points; by default a tenth of the series
        (at least 2). Too small a bandwidth absorbs the fluctuations the indicators measure.

    Returns
    -------
    DataFrame
        One row per point: ``time``, ``value``, ``trend``, ``residual`` (value minus trend), and
        ``variance``, ``ac1``, ``skewness`` of the residuals in the window ending at that point
        (missing until the first full window).

    Notes
    -----
    In each window of w residuals: the variance with divisor w - 1; the lag-1 autocorrelation
    as the Pearson correlation of (r_1 .. r_{w-1}) with (r_2 .. r_w), as pandas'
    ``Series.autocorr``; the adjusted Fisher-Pearson skewness G1, as pandas' ``skew`` and
    ``scipy.stats.skew(bias=False)``. The Gaussian trend at point i is the kernel-weighted mean
    sum_j K((i - j) / h) x_j / sum_j K((i - j) / h) (Nadaraya-Watson), which needs no special
    care at the ends.

    References
    ----------
    Scheffer, M. et al. (2009). Early-warning signals for critical transitions. Nature 461,
    53-59.
    Dakos, V. et al. (2012). Methods for detecting early warnings of critical transitions in time
    series illustrated using simulated ecological data. PLoS ONE 7, e41010.

    Examples
    --------
    >>> values = [1.0, 3.0, 2.0, 5.0, 4.0, 7.0, 5.0, 9.0]
    >>> table = early_warning(values, window=4, detrend="none")
    >>> table["variance"].round(3).tolist()
    [nan, nan, nan, 2.917, 1.667, 4.333, 1.583, 4.917]
    """
    values, times = values_and_times(series, time, drop_missing=False)
    size = _window_size(window, len(values))
    trend = _trend(values, detrend, bandwidth)
    residual = values - trend
    table = pd.DataFrame({"time": times, "value": values, "trend": trend, "residual": residual})
    indicators = _indicators(residual[None, :], size)
    for name in INDICATORS:
        table[name] = np.r_[np.full(size - 1, np.nan), indicators[name][0]]
    return table


def early_warning_trends(
    series,
    *,
    time=None,
    window: float = 0.5,
    detrend: str = "gaussian",
    bandwidth: float | None = None,
    surrogates: str = "ar1",
    n_surrogates: int = 500,
    seed: int = 0,
) -> pd.DataFrame:
    """Kendall's tau for the trend of each early-warning indicator, with a surrogate p-value.

    Parameters
    ----------
    series, time, window, detrend, bandwidth
        As for :func:`early_warning`.
    surrogates : {"ar1", "phase"}
        Null series: an AR(1) process fitted to the residuals, or the residuals with their
        Fourier phases randomised (same power spectrum, hence the same autocorrelation).
    n_surrogates : int
        How many null series.
    seed : int
        Seed for the surrogates.

    Returns
    -------
    DataFrame
        One row per indicator (``variance``, ``ac1``, ``skewness``): ``indicator``, ``tau``,
        ``p_value``, ``alternative`` ("increasing" for variance and autocorrelation, which
        rise before a transition; "two-sided" for skewness), ``n_points``, ``window`` (points
        per window), ``n_windows``, ``n_surrogates``, ``descriptive_only`` (fewer than
        :data:`MIN_POINTS_FOR_TESTS` points: read tau as a description, not as evidence).

    Notes
    -----
    tau is Kendall's tau-b between the window's end and the indicator (as
    ``scipy.stats.kendalltau``). Successive windows share most of their points, so the
    indicators are strongly autocorrelated and the usual p-value of tau is far too small. The
    p-value instead compares tau with its distribution over surrogate series that share the
    residuals' variance and short-range memory but have no trend (Dakos et al. 2012):
    p = (1 + #{tau* >= tau}) / (1 + N), or with |tau| for two-sided. The AR(1) surrogate is
    x_t = mu + phi (x_{t-1} - mu) + e_t with phi the lag-1 autocorrelation of the residuals and
    Var(e) = s^2 (1 - phi^2), started from its stationary law; the indicators are computed on
    each surrogate as on the residuals.

    References
    ----------
    Dakos, V. et al. (2012). PLoS ONE 7, e41010.
    Theiler, J. et al. (1992). Testing for nonlinearity in time series: the method of surrogate
    data. Physica D 58, 77-94.
    Davison, A. C. and Hinkley, D. V. (1997). Bootstrap Methods and their Application, ch. 4.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> values = signal.lfilter([1.0], [1.0, -0.3], rng.normal(size=120))
    >>> table = early_warning_trends(values, n_surrogates=99)
    >>> table[["indicator", "alternative", "n_windows", "descriptive_only"]].to_dict("records")[0]
    {'indicator': 'variance', 'alternative': 'increasing', 'n_windows': 61, \
'descriptive_only': False}
    """
    if surrogates not in _SURROGATES:
        raise ValueError(f"surrogates must be one of {list(_SURROGATES)}, not {surrogates!r}")
    if n_surrogates < 1:
        raise ValueError("n_surrogates must be at least 1")
    table = early_warning(series, time=time, window=window, detrend=detrend, bandwidth=bandwidth)
    n = len(table)
    size = _window_size(window, n)
    residual = table["residual"].to_numpy()
    rng = np.random.default_rng(seed)
    null = _ar1_surrogates if surrogates == "ar1" else _phase_surrogates
    null_taus = {name: [] for name in INDICATORS}
    chunk = max(1, int(2e7 // (n * n)))  # bounds the memory of the pairwise signs
    for start in range(0, n_surrogates, chunk):
        batch = null(residual, min(chunk, n_surrogates - start), rng)
        for name, values in _indicators(batch, size).items():
            null_taus[name].append(_trend_tau(values))
    rows = []
    for name in INDICATORS:
        observed = table[name].to_numpy()[size - 1 :]
        tau = float(_trend_tau(observed[None, :])[0])
        taus = np.concatenate(null_taus[name])
        taus = taus[~np.isnan(taus)]
        if _ALTERNATIVES[name] == "increasing":
            beyond = np.sum(taus >= tau - 1e-12)
        else:
            beyond = np.sum(np.abs(taus) >= abs(tau) - 1e-12)
        p_value = (1 + beyond) / (1 + len(taus)) if not np.isnan(tau) else np.nan
        rows.append(
            {
                "indicator": name,
                "tau": tau,
                "p_value": float(p_value),
                "alternative": _ALTERNATIVES[name],
                "n_points": n,
                "window": size,
                "n_windows": n - size + 1,
                "n_surrogates": n_surrogates,
                "descriptive_only": n < MIN_POINTS_FOR_TESTS,
            }
        )
    return pd.DataFrame(rows)


def _window_size(window: float, n: int) -> int:
    size = int(round(window * n)) if 0 < window < 1 else int(window)
    if not 4 <= size <= n - 2:
        raise ValueError(
            f"a window of {size} points does not fit a series of {n}: it needs at least 4 "
            "points and the series at least 3 windows"
        )
    return size


def _trend(values: np.ndarray, detrend: str, bandwidth: float | None) -> np.ndarray:
    n = len(values)
    position = np.arange(n, dtype=float)
    if detrend == "none":
        return np.zeros(n)
    if detrend == "linear":
        slope, intercept = np.polyfit(position, values, 1)
        return intercept + slope * position
    if detrend != "gaussian":
        raise ValueError(f"detrend must be one of {list(_DETRENDS)}, not {detrend!r}")
    h = max(2.0, n / 10) if bandwidth is None else float(bandwidth)
    if not h > 0:
        raise ValueError(f"bandwidth must be positive, not {bandwidth!r}")
    weights = np.exp(-0.5 * ((position[:, None] - position[None, :]) / h) ** 2)
    return weights @ values / weights.sum(axis=1)


def _indicators(series: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """Each indicator for every window of every row of ``series`` (rows x windows)."""
    windows = np.lib.stride_tricks.sliding_window_view(series, size, axis=-1)
    centred = windows - windows.mean(axis=-1, keepdims=True)
    squares = (centred**2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lead, lag = windows[..., 1:], windows[..., :-1]
        lead = lead - lead.mean(axis=-1, keepdims=True)
        lag = lag - lag.mean(axis=-1, keepdims=True)
        ac1 = (lead * lag).sum(axis=-1) / np.sqrt((lead**2).sum(axis=-1) * (lag**2).sum(axis=-1))
        m2, m3 = squares / size, (centred**3).sum(axis=-1) / size
        g1 = m3 / m2**1.5
        skewness = g1 * np.sqrt(size * (size - 1)) / (size - 2)
    return {"variance": squares / (size - 1), "ac1": ac1, "skewness": skewness}


def _trend_tau(values: np.ndarray) -> np.ndarray:
    """Kendall's tau-b of each row against its position (pairs with a missing value omitted)."""
    m = values.shape[-1]
    upper = np.triu(np.ones((m, m), dtype=bool), k=1)
    difference = values[:, None, :] - values[:, :, None]  # [s, i, j] = y_j - y_i
    valid = ~np.isnan(difference) & upper
    sign = np.where(valid, np.sign(np.nan_to_num(difference)), 0.0)
    pairs = valid.sum(axis=(1, 2)).astype(float)
    ties = (valid & (difference == 0)).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = sign.sum(axis=(1, 2)) / np.sqrt(pairs * (pairs - ties))
    return np.where(pairs > 0, tau, np.nan)


def _ar1_surrogates(residual: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    mean, sd = residual.mean(), residual.std()
    centred = residual - mean
    denominator = (centred**2).sum()
    phi = (centred[1:] * centred[:-1]).sum() / denominator if denominator > 0 else 0.0
    phi = float(np.clip(phi, -0.99, 0.99))
    shocks = rng.normal(0.0, sd * np.sqrt(1 - phi**2), (count, len(residual)))
    shocks[:, 0] = rng.normal(0.0, sd, count)  # start from the stationary law
    return mean + signal.lfilter([1.0], [1.0, -phi], shocks, axis=1)


def _phase_surrogates(residual: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    n = len(residual)
    spectrum = np.fft.rfft(residual - residual.mean())
    phases = rng.uniform(0, 2 * np.pi, (count, len(spectrum)))
    phases[:, 0] = 0.0
    if n % 2 == 0:
        phases[:, -1] = 0.0  # the Nyquist term stays real
    return residual.mean() + np.fft.irfft(np.abs(spectrum) * np.exp(1j * phases), n=n, axis=1)
