"""Agreement and polarisation within groups, computed from rating histograms.

A group can have a middling mean because its members agree on the middle, or because half rate a
behaviour high and half low. These indicators tell the two apart: spread (``sd``, ``iqr``),
agreement against no agreement at all (``r_wg``), and two signals of a split group (the bimodality
coefficient and Hartigan's dip test). Everything works on a (groups x scale points) count array,
so a whole programme (about 100,000 groups) takes well under a second.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from evalkit.indicators.histograms import (
    GROUP_COLUMNS,
    Histograms,
    counts_quantile,
    rating_histograms,
)
from evalkit.privacy import hidden_groups, suppress

__all__ = ["AGREEMENT_COLUMNS", "agreement", "agreement_from_counts", "dip_from_counts"]

#: The statistics :func:`agreement` reports for every group, in order.
AGREEMENT_COLUMNS = ["n", "sd", "iqr", "r_wg", "bc", "bimodal", "dip", "dip_p", "split"]
_BC_THRESHOLD = 5 / 9  # the bimodality coefficient of a continuous uniform distribution
_NULL_GRID = tuple(int(n) for n in np.unique(np.geomspace(4, 5000, 30).round()))
_NULL_REPEATS = 2000
_NULL_SEED = 1985
_CHUNK = 4096  # rows per matrix product in the dip: a work array of about 30 MB


def agreement(
    ratings: pd.DataFrame,
    framework,
    *,
    group_by: str | tuple[str, ...] = "all",
    k_min: int = 5,
    alpha: float = 0.05,
    histograms: Histograms | None = None,
) -> pd.DataFrame:
    """Agreement and polarisation of each behaviour per (place,) round and group.

    Parameters
    ----------
    ratings : DataFrame
        Tidy ratings with ``round``, ``behaviour``, ``rating`` (NaN = no answer), optionally
        ``place``, and the grouping column unless ``group_by="all"``.
    framework : Framework
        Supplies the scale (``scale_min``, ``scale_max``).
    group_by : str or tuple of {"all", "sector", "role", "organisation"}
        What to break results down by; several groupings are stacked.
    k_min : int
        Smallest group shown; smaller groups come back ``suppressed=True`` with every statistic,
        ``n`` included, missing, and so do the same siblings as in :func:`level`.
    alpha : float
        Level of the dip test behind ``split``.
    histograms : Histograms, optional
        The ratings' histograms, when already built (e.g. for :func:`level`); ``ratings`` and
        ``group_by`` are then not read again.

    Returns
    -------
    DataFrame
        ``[place,] round, behaviour, group_by, group, n, sd, iqr, r_wg, bc, bimodal, dip, dip_p,
        split, suppressed``, as :func:`agreement_from_counts` defines them. ``n`` is float and
        ``bimodal``, ``split`` are pandas' ``boolean``, so that a suppressed row holds NaN and
        ``<NA>``, never a misleading False.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> fw = SimpleNamespace(scale_min=1, scale_max=10)
    >>> df = pd.DataFrame({"round": 1, "behaviour": "trust",
    ...                    "rating": [2.0, 2, 3, 2, 9, 9, 8, 9, 2, 9, 3, 8, 2, 9, 9, 2]})
    >>> agreement(df, fw)[["n", "r_wg", "bimodal", "split"]].to_dict("records")
    [{'n': 16.0, 'r_wg': 0.0, 'bimodal': True, 'split': True}]
    >>> agreement(df, fw, k_min=20)[["n", "sd", "split", "suppressed"]]
        n  sd  split  suppressed
    0 NaN NaN   <NA>        True
    """
    group_bys = (group_by,) if isinstance(group_by, str) else tuple(group_by)
    for name in group_bys:
        if name not in GROUP_COLUMNS:
            raise ValueError(f"group_by must be one of {list(GROUP_COLUMNS)}, not {name!r}")
    if histograms is None:
        scale = (framework.scale_min, framework.scale_max)
        histograms = rating_histograms(ratings, scale=scale, group_bys=group_bys)
    stats = agreement_from_counts(
        histograms.counts, histograms.values, scale_points=len(histograms.values), alpha=alpha
    )
    table = pd.concat([histograms.index, stats], axis=1)
    within = [c for c in histograms.index.columns if c != "group"]
    return suppress(table, hidden_groups(table, k_min=k_min, within=within), AGREEMENT_COLUMNS)


def agreement_from_counts(
    counts: np.ndarray, values: np.ndarray, *, scale_points: int, alpha: float = 0.05
) -> pd.DataFrame:
    """Spread, agreement and bimodality of every row of a (groups x scale points) count array.

    Parameters
    ----------
    counts : (G, K) int array
        ``counts[g, j]`` answers in group ``g`` equal ``values[j]``.
    values : (K,) float array
        The scale points, increasing and equally spaced.
    scale_points : int
        A, the number of points on the scale (K); used by ``r_wg`` and the dip test's null.
    alpha : float
        Level of the dip test behind ``split``.

    Returns
    -------
    DataFrame
        One row per group: ``n``; ``sd`` (ddof=1); ``iqr`` (q3 - q1, numpy's default linear
        quantiles of the answers); ``r_wg``; ``bc`` (bimodality coefficient); ``bimodal``
        (bc > 5/9); ``dip`` (see :func:`dip_from_counts`); ``dip_p``; ``split``
        (dip_p < alpha and bimodal).

    Notes
    -----
    ``r_wg = 1 - s^2 / sigma_EU^2`` with ``sigma_EU^2 = (A^2 - 1) / 12``, the variance of answers
    spread evenly over the A scale points (James, Demaree & Wolf 1984). It is truncated at 0, as
    is conventional (LeBreton & Senter 2008): a group more spread out than "no agreement" shows 0.

    ``BC = (g1^2 + 1) / (g2 + 3 (n-1)^2 / ((n-2)(n-3)))``, with ``g1``, ``g2`` the sample-size
    adjusted skewness and excess kurtosis (SAS; Pfister et al. 2013), as
    ``scipy.stats.skew(bias=False)`` and ``scipy.stats.kurtosis(bias=False)`` give them. Above
    5/9, the value for a uniform distribution, it suggests two modes; answers spread evenly over
    a short scale sit just above it (0.563 on 10 points), so it cannot flag a split on its own.

    ``dip_p`` calibrates the dip by simulation: answers drawn evenly over the scale points,
    2,000 groups at each of 30 sizes from 4 to 5,000 (seeded, built once per scale), and
    ``p = (1 + #{null >= observed}) / 2001`` comparing ``sqrt(n) * dip``, which barely depends on
    n, with the null at the nearest simulated size at or below n. The test holds its level for
    evenly spread answers (4-6% at 5%) and is conservative for peaked ones, but even spread is
    not the least favourable unimodal case: a spike at one end of the scale over an otherwise
    flat spread is rejected up to a quarter of the time.

    A group is reported as ``split`` only when both signals agree: the dip test rejects
    unimodality and the bimodality coefficient exceeds 5/9.

    Degenerate groups get defined values, never warnings: with n < 2, ``sd`` and ``r_wg`` are NaN
    (``iqr`` is 0 for n = 1); when every answer is equal, ``sd`` and ``iqr`` are 0, ``r_wg`` is 1
    and ``dip`` is 0; ``bc`` is NaN, so ``bimodal`` is False, when n < 4 or every answer is
    equal; ``dip_p`` is 1 when n < 4, where the test cannot reject. A group with no answers
    gives NaN in every float column.

    References
    ----------
    James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. Journal of Applied Psychology, 69, 85-98.
    LeBreton, J. M., & Senter, J. L. (2008). Answers to 20 questions about interrater reliability
    and interrater agreement. Organizational Research Methods, 11, 815-852.
    Pfister, R., et al. (2013). Good things peak in pairs: a note on the bimodality coefficient.
    Frontiers in Psychology, 4, 700.

    Examples
    --------
    >>> counts = np.array([[0, 0, 0, 1, 2, 1, 0, 0, 0, 0],    # 4, 5, 5, 6: close agreement
    ...                    [0, 8, 0, 0, 0, 0, 0, 0, 8, 0]])   # half at 2, half at 9
    >>> table = agreement_from_counts(counts, np.arange(1.0, 11), scale_points=10)
    >>> table[["n", "sd", "r_wg", "bimodal", "dip", "split"]].round(3).to_dict("records")[1]
    {'n': 16, 'sd': 3.615, 'r_wg': 0.0, 'bimodal': True, 'dip': 0.214, 'split': True}
    >>> float(table["r_wg"][0].round(3))
    0.919
    """
    counts = np.asarray(counts, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[1] != len(values) or len(values) != scale_points:
        raise ValueError(
            f"counts must have one column per scale point ({scale_points}); "
            f"got shape {counts.shape} for {len(values)} values"
        )
    if scale_points > 1 and not np.allclose(np.diff(values), values[1] - values[0]):
        raise ValueError(f"scale points must be equally spaced, not {values.tolist()}")
    n = counts.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = counts @ values / n
        deviation = values - mean[:, None]
        weighted = counts * deviation**2
        m2, m3, m4 = (
            weighted.sum(axis=1) / n,
            (weighted * deviation).sum(axis=1) / n,
            (weighted * deviation**2).sum(axis=1) / n,
        )
        g1 = np.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5
        g2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * m4 / m2**2 - 3 * (n - 1))
        bc = (g1**2 + 1) / (g2 + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
        variance = np.where(n >= 2, m2 * n / (n - 1), np.nan)
    varied = (counts > 0).sum(axis=1) > 1
    variance[~varied & (n >= 2)] = 0.0  # exactly, whatever the rounding in m2
    bc = np.where((n >= 4) & varied, bc, np.nan)
    bimodal = bc > _BC_THRESHOLD
    dip = dip_from_counts(counts)
    dip_p = _dip_pvalue(dip, n, scale_points)
    return pd.DataFrame(
        {
            "n": n,
            "sd": np.sqrt(variance),
            "iqr": counts_quantile(counts, values, 0.75) - counts_quantile(counts, values, 0.25),
            "r_wg": np.clip(1 - variance / ((scale_points**2 - 1) / 12), 0, 1),
            "bc": bc,
            "bimodal": bimodal,
            "dip": dip,
            "dip_p": dip_p,
            "split": bimodal & (dip_p < alpha),
        }
    )


def dip_from_counts(counts: np.ndarray, *, spread: bool = True) -> np.ndarray:
    """Hartigan's dip of every row's answers, on a scale of equally spaced points.

    Parameters
    ----------
    counts : (G, K) int array
        Answers at each of K equally spaced scale points (the dip does not depend on where the
        scale starts or on its step).
    spread : bool
        If True (the default), each answer counts as spread evenly over its scale unit (a 7 over
        6.5 to 7.5), so the distribution function is the histogram's, piecewise linear, and is
        unimodal whenever the counts rise then fall. If False, the dip of the answers as they
        are, as ``diptest.dipstat`` computes it. Every scale point but the mode then counts
        against unimodality, so this dip reflects the largest share outside the mode more than
        any split: half at 5 and half at 6 gives 0.25, as does half at 2 and half at 9.

    Returns
    -------
    (G,) float array
        ``D = inf_G sup_x |F(x) - G(x)|`` over unimodal distribution functions G; NaN for rows
        with no answers.

    Notes
    -----
    Let ``t_0 < t_1 < ...`` be the points where F bends (the unit edges when spread, else the
    scale points), and ``A_j``, ``B_j`` the values of F at and just below ``t_j`` (equal when
    spread). A unimodal G with mode at ``t_k`` is convex below it and concave above, and G fits
    in the band ``F +/- d`` iff linear inequalities in F hold, with
    ``lam = (t_q - t_j) / (t_q - t_i)``:

    - convex part: ``A_j - lam B_i - (1 - lam) B_q <= 2d`` for ``i <= j < q <= k``;
    - concave part: ``lam A_i + (1 - lam) A_q - B_j <= 2d`` for ``k <= i < j <= q``;
    - the two join without G falling at ``t_k``: the lowest left limit the convex part allows
      (``B_k - d``, or any chord (i, q) left of ``t_k`` extrapolated from ``B_i + d`` through
      ``A_q - d``) is at most the highest value the concave part allows (``A_k + d``, or a chord
      right of ``t_k`` extrapolated back).

    So ``2D = min_k`` of the largest bound for mode k: one matrix product gives every bound for
    every row. With ``spread=False`` this equals ``diptest.dipstat(x, allow_zero=False)`` on the
    expanded answers x whenever they take two or more values (the package's default,
    ``allow_zero=True``, gives 0 rather than ``1/(2n)`` for n distinct, equally spaced answers).

    References
    ----------
    Hartigan, J. A., & Hartigan, P. M. (1985). The dip test of unimodality. The Annals of
    Statistics, 13, 70-84.

    Examples
    --------
    >>> counts = np.array([[2, 0, 0, 2], [0, 2, 2, 0], [1, 3, 2, 0]])
    >>> dip_from_counts(counts).round(4).tolist()
    [0.1667, 0.0, 0.0]
    >>> dip_from_counts(counts, spread=False).round(4).tolist()
    [0.25, 0.25, 0.1667]
    """
    counts = np.asarray(counts)
    weights, starts = _dip_bounds(counts.shape[1], spread)
    with np.errstate(divide="ignore", invalid="ignore"):
        cumulative = np.cumsum(counts, axis=1) / counts.sum(axis=1, keepdims=True)
    cumulative = np.concatenate([np.zeros((len(counts), 1)), cumulative], axis=1)
    dip = np.empty(len(counts))
    for start in range(0, len(counts), _CHUNK):
        bounds = np.maximum.reduceat(cumulative[start : start + _CHUNK] @ weights, starts, axis=1)
        convex, concave, junction = np.split(bounds, 3, axis=1)
        # A convex-part bound up to point q holds for every mode k >= q; mirror for concave.
        need = np.maximum(
            np.maximum.accumulate(convex, axis=1),
            np.maximum.accumulate(concave[:, ::-1], axis=1)[:, ::-1],
        )
        dip[start : start + _CHUNK] = np.maximum(need, junction).min(axis=1) / 2
    return dip


@lru_cache
def _dip_bounds(k: int, spread: bool) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients on (F_0, ..., F_k) of every bound on 2d, and where each group starts.

    The groups are: convex-part bounds by their last point, concave-part bounds by their first
    point, junction bounds by mode. Each opens with a zero column (2d >= 0), so none is empty.
    """
    identity = np.eye(k + 1)
    at, below = (identity, identity) if spread else (identity[1:], identity[:-1])
    t = np.arange(len(at), dtype=float)
    p = len(t)

    def lam(i, j, q):  # weight on point i when interpolating at j between points i and q
        return (t[q] - t[j]) / (t[q] - t[i])

    convex = [
        [
            at[j] - lam(i, j, q) * below[i] - (1 - lam(i, j, q)) * below[q]
            for j in range(q)
            for i in range(j + 1)
        ]
        for q in range(p)
    ]
    concave = [
        [
            lam(i, j, q) * at[i] + (1 - lam(i, j, q)) * at[q] - below[j]
            for j in range(i + 1, p)
            for q in range(j, p)
        ]
        for i in range(p)
    ]
    junction = []
    for m in range(p):  # the mode
        # (value without d, coefficient of d); low - a d <= high + b d
        # is 2d >= 2 (low - high) / (a + b).
        lows = [(below[m], 1)] + [
            (at[q] + (at[q] - below[i]) * r, 1 + 2 * r)
            for q in range(m)
            for i in range(q)
            for r in [(t[m] - t[q]) / (t[q] - t[i])]
        ]
        highs = [(at[m], 1)] + [
            (below[j] * (1 + s) - at[q] * s, 1 + 2 * s)
            for j in range(m + 1, p)
            for q in range(j + 1, p)
            for s in [(t[j] - t[m]) / (t[q] - t[j])]
        ]
        junction.append([2 * (low - high) / (a + b) for low, a in lows for high, b in highs])
    groups = [[np.zeros(k + 1), *g] for g in (*convex, *concave, *junction)]
    weights = np.column_stack([column for g in groups for column in g])
    return weights, np.cumsum([0] + [len(g) for g in groups[:-1]])


@lru_cache
def _null_dips(
    scale_points: int, grid: tuple[int, ...] = _NULL_GRID, repeats: int = _NULL_REPEATS
) -> np.ndarray:
    """Sorted ``sqrt(n) * dip`` of answers drawn evenly over the scale, one row per grid size."""
    rng = np.random.default_rng([_NULL_SEED, scale_points])
    even = np.full(scale_points, 1 / scale_points)
    counts = np.concatenate([rng.multinomial(n, even, size=repeats) for n in grid])
    scaled = np.sqrt(np.repeat(grid, repeats)) * dip_from_counts(counts)
    table = np.sort(scaled.reshape(len(grid), repeats), axis=1)
    table.flags.writeable = False  # shared by every caller through the cache
    return table


def _dip_pvalue(dip: np.ndarray, n: np.ndarray, scale_points: int) -> np.ndarray:
    """Monte Carlo p-value of each dip (1 when n < 4, NaN when n = 0)."""
    grid = np.array(_NULL_GRID)
    table = _null_dips(scale_points)
    row = np.clip(np.searchsorted(grid, n, side="right") - 1, 0, len(grid) - 1)
    scaled = np.sqrt(n) * dip - 1e-9  # equal dips must count as equal despite rounding
    p = np.where(n > 0, 1.0, np.nan)
    for g in np.unique(row[n >= 4]):
        rows = (row == g) & (n >= 4)
        at_least = table.shape[1] - np.searchsorted(table[g], scaled[rows], side="left")
        p[rows] = (1 + at_least) / (1 + table.shape[1])
    return p
