"""Is a bend near the top (or bottom) of the scale real, or the scale running out?

Ratings cannot go above the scale's top, so a steady rise in what people think flattens in the
round means as more of them reach it: an S-curve or a slowing that is only the ceiling. An ordinal
model works on the latent scale instead, where a steady rise stays a straight line. The check
takes the non-linear part of the shape the change engine found (its curve minus the best straight
line through it) and asks whether it still adds anything to an ordered probit model of the
ratings on time (statsmodels ``OrderedModel``). If it does not, the bend is put down to the
ceiling, not called a tipping point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from evalkit.change.series import numeric_time

__all__ = [
    "CeilingCheck",
    "ceiling_check",
    "near_bound",
    "NEAR",
]

#: Round means within this many points of the scale's top or bottom count as near it.
NEAR = 1.5


@dataclass(frozen=True)
class CeilingCheck:
    """The result of :func:`ceiling_check`.

    ``p_value`` tests the found shape's non-linear part on the ordinal (latent) scale;
    ``explained_by_bound`` is True when it adds nothing there (p > alpha), so the bend in the
    means is the scale's bound at work.
    """

    statistic: float
    p_value: float
    explained_by_bound: bool


def near_bound(means, scale_min: float, scale_max: float, margin: float = NEAR) -> bool:
    """Whether any round mean is within ``margin`` points of the scale's top or bottom.

    >>> near_bound([6.1, 7.9, 8.8], 1, 10), near_bound([4.0, 6.0], 1, 10)
    (True, False)
    """
    means = np.asarray(means, dtype=float)
    return bool(np.any(means >= scale_max - margin) or np.any(means <= scale_min + margin))


def ceiling_check(
    data: pd.DataFrame, curve, *, time: str, value: str, alpha: float = 0.05
) -> CeilingCheck:
    """Test a found shape's non-linear part on the latent scale of an ordered probit model.

    Parameters
    ----------
    data : DataFrame
        The ratings of one series: a time column and integer ratings.
    curve : callable
        The found shape's curve at given times, e.g. ``Assessment.predict``.
    time, value : str
        Column names.
    alpha : float
        Level of the likelihood-ratio test (1 degree of freedom).

    Notes
    -----
    Ratings are treated as independent; with panel respondents the test's p-value is on the small
    side, so the check errs towards keeping the shape found, never towards explaining it away.

    Examples
    --------
    A latent line rising 0.8 a round, rated on a 1-10 scale: the means bend under the ceiling.

    >>> rng = np.random.default_rng(3)
    >>> t = np.repeat(np.arange(1, 9), 200)
    >>> ratings = np.clip(np.rint(5 + 0.8 * t + rng.normal(0, 1.5, t.size)), 1, 10)
    >>> df = pd.DataFrame({"round": t, "rating": ratings})
    >>> means = df.groupby("round")["rating"].mean()
    >>> bend = np.polyfit(means.index, means, 2)[0]  # the means' curvature
    >>> curve = lambda x: np.polyval(np.polyfit(means.index, means, 2), x)
    >>> check = ceiling_check(df, curve, time="round", value="rating")
    >>> bool(bend < 0), check.explained_by_bound
    (True, True)
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    rows = data[[time, value]].dropna()
    x, _ = numeric_time(rows[time])
    x = np.asarray(x, dtype=float)
    levels = np.unique(x)
    fitted = np.asarray(curve(rows[time].drop_duplicates().sort_values().to_numpy()), dtype=float)
    line = np.c_[np.ones_like(levels), levels]
    bend = fitted - line @ np.linalg.lstsq(line, fitted, rcond=None)[0]
    bend_at = dict(zip(levels, bend / (np.abs(bend).max() or 1.0), strict=True))
    y = pd.Series(pd.Categorical(rows[value].astype(int), ordered=True))
    t = (x - x.mean()) / (x.std() or 1.0)
    base = OrderedModel(y, t[:, None], distr="probit").fit(method="bfgs", disp=False)
    both = np.c_[t, [bend_at[v] for v in x]]
    full = OrderedModel(y, both, distr="probit").fit(method="bfgs", disp=False)
    statistic = max(0.0, 2 * (full.llf - base.llf))
    p_value = float(stats.chi2.sf(statistic, 1))
    return CeilingCheck(float(statistic), p_value, p_value > alpha)
