"""Intervals for breakpoints: a parametric bootstrap from the fitted shape."""

from __future__ import annotations

import numpy as np

from evalkit.change._linalg import design_rss
from evalkit.change.shapes.base import Shape
from evalkit.change.variance import VarianceModel

__all__ = ["breakpoint_interval"]


def breakpoint_interval(
    shape: Shape,
    t,
    cov=None,
    *,
    tau2: float = 0.0,
    n_boot: int = 199,
    confidence: float = 0.95,
    seed: int = 0,
) -> list[tuple[float, float]]:
    """Parametric-bootstrap intervals for the breakpoints of a fitted shape.

    Parameters
    ----------
    shape : Shape
        A fitted shape with at least one breakpoint (or a midpoint).
    t : array_like
        The times it was fitted at.
    cov : array_like, optional
        Sampling covariance of the means, as for :func:`nonlinearity_test`; None for classic
        regression, where the residual variance RSS / (n - n_params) is used.
    tau2 : float
        Between-round variance of the fitted model.
    n_boot : int
        Replicates.
    confidence : float
        Coverage.
    seed : int
        Seed.

    Returns
    -------
    list of (low, high)
        One interval per breakpoint, in time units, always containing the estimate.

    Notes
    -----
    Replicates y* = f(t) + C z are drawn from the fitted curve with C C' = V + tau^2 I; each is
    refitted on the shape's grid of locations (the weighted least-squares best grid point), and
    the interval is the percentile interval of the replicates' breakpoints, widened if needed to
    include the estimate itself. For a step the breakpoint is the first time of the new level, so
    its interval is made of observed times.

    Examples
    --------
    >>> from evalkit.change.shapes import Step
    >>> t = np.arange(1.0, 9.0)
    >>> step = Step().fit(t, 5 + 1.5 * (t >= 5), weights=np.full(8, 1 / 0.02))
    >>> breakpoint_interval(step, t, np.full(8, 0.02))
    [(5.0, 5.0)]
    """
    t = np.asarray(t, dtype=float)
    n = len(t)
    model = VarianceModel(cov, n)
    if model.known:
        s = model.covariance(tau2)
    else:
        df = max(n - shape.n_params, 1)
        s = shape.rss_ / df * np.eye(n)
    chol = np.linalg.cholesky(s)
    rng = np.random.default_rng(seed)
    ys = shape.predict(t)[:, None] + chol @ rng.standard_normal((n, n_boot))
    locations, x = shape.designs(t)
    inv = np.linalg.inv(chol)
    rss = design_rss(inv @ x, (inv @ (ys - ys.mean(axis=0)))[None])  # (D, B)
    picked = locations[np.argmin(rss, axis=0)]  # (B, m)
    alpha = 1 - confidence
    intervals = []
    for j, estimate in enumerate(shape.breakpoints_):
        times = np.array([shape.breakpoint_times(loc)[j] for loc in picked])
        low, high = np.quantile(times, [alpha / 2, 1 - alpha / 2], method="inverted_cdf")
        intervals.append((float(min(low, estimate)), float(max(high, estimate))))
    return intervals
