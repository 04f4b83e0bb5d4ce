"""Davies' test for a change in slope at an unknown breakpoint, as R's ``segmented::davies.test``
computes it (kept to check the engine against R on published data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from evalkit.exceptions import EvalkitError

__all__ = ["DaviesResult", "davies_test"]


@dataclass(frozen=True)
class DaviesResult:
    """Result of :func:`davies_test`: the best breakpoint, the p-value, the process evaluated."""

    best: float
    p_value: float
    statistic: float
    values: np.ndarray
    process: np.ndarray


def davies_test(t, y, *, k: int = 10, alternative: str = "two-sided") -> DaviesResult:
    """Davies' test for a change in slope at an unknown breakpoint, as in R's ``segmented``.

    Parameters
    ----------
    t, y : array_like
        One observation per row (times may repeat); ordinary least squares.
    k : int
        Number of evaluation points, equally spaced from the second smallest to the second
        largest t (points with no observation on one side, possible with ties, are dropped).
    alternative : {"two-sided", "less", "greater"}
        Direction of the slope change tested.

    Returns
    -------
    DaviesResult

    Notes
    -----
    At each evaluation point psi_i the model y = b0 + b1 t + d (t - psi_i)+ is fitted and the
    t statistic S_i of d computed (residual df n - 3). With M = max |S_i| (or max, min for one
    side), the p-value is the upper bound of Davies (2002) for a process with t-distributed
    marginals::

        p <= P(t_df > M) + V (1 - u)^((df - 1) / 2) Gamma((df + 1) / 2) / (2 sqrt(pi) Gamma(df / 2))

    with u = M^2 / (df + M^2), and total variation V = sum |asin sqrt(b_{i+1}) - asin sqrt(b_i)|
    of b_i = Z_i^2 / (Z_i^2 + RSS_i), Z_i = d_i / sqrt([(X'X)^-1]_dd). The two-sided bound is
    doubled. Valid for classic regression only (independent errors, common variance).

    References
    ----------
    Davies, R. B. (1987). Hypothesis testing when a nuisance parameter is present only under the
    alternative. Biometrika 74, 33-43.
    Davies, R. B. (2002). Biometrika 89, 484-489.

    Examples
    --------
    >>> t = np.arange(1.0, 21.0)
    >>> y = 0.2 * t + 0.5 * np.maximum(t - 12, 0) + 0.1 * np.sin(7 * t)
    >>> davies_test(t, y).p_value < 1e-6
    True
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(t)
    sorted_t = np.sort(t)
    values = np.linspace(sorted_t[1], sorted_t[n - 2], k)
    # as in R, points with no observation on one side (ties at the ends) are dropped
    values = values[(t[None, :] < values[:, None]).any(1) & (t[None, :] > values[:, None]).any(1)]
    k = len(values)
    x = np.stack(
        [
            np.maximum(t[None, :] - values[:, None], 0.0),
            np.ones((k, n)),
            np.broadcast_to(t, (k, n)),
        ],
        axis=-1,
    )  # (k, n, 3), the slope-change column first as in R
    xtx_inv = np.linalg.inv(np.swapaxes(x, 1, 2) @ x)
    coef = np.einsum("kij,kj->ki", xtx_inv @ np.swapaxes(x, 1, 2), np.broadcast_to(y, (k, n)))
    resid = y[None, :] - np.einsum("kni,ki->kn", x, coef)
    dev = np.sum(resid**2, axis=1)
    df = n - 3
    z = coef[:, 0] / np.sqrt(xtx_inv[:, 0, 0])
    process = z / np.sqrt(dev / df)
    beta = z**2 / (z**2 + dev)
    variation = float(np.sum(np.abs(np.diff(np.arcsin(np.sqrt(beta))))))
    if alternative == "less":
        i = int(np.argmin(process))
        m, naive = process[i], stats.t.cdf(process[i], df)
    elif alternative == "greater":
        i = int(np.argmax(process))
        m, naive = process[i], stats.t.sf(process[i], df)
    elif alternative == "two-sided":
        i = int(np.argmax(np.abs(process)))
        m, naive = abs(process[i]), stats.t.sf(abs(process[i]), df)
    else:
        raise EvalkitError(f"alternative must be two-sided, less or greater, not {alternative!r}.")
    u = m**2 / (df + m**2)
    bound = (
        variation
        * (1 - u) ** ((df - 1) / 2)
        * np.exp(special.gammaln(df / 2 + 0.5) - special.gammaln(df / 2))
        / (2 * np.sqrt(np.pi))
    )
    p = (naive + bound) * (2 if alternative == "two-sided" else 1)
    return DaviesResult(
        best=float(values[i]),
        p_value=float(min(p, 1.0)),
        statistic=float(process[i]),
        values=values,
        process=process,
    )
