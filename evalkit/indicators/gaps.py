"""Voice gaps: how far apart two groups' ratings of the same behaviour are, with Welch intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from evalkit.privacy import hidden_groups, place_keys, suppress, with_group

__all__ = ["voice_gaps", "widest_gaps"]

_STATISTICS = ["n_a", "n_b", "mean_a", "mean_b", "gap", "t", "df", "ci_low", "ci_high", "p_value"]


def voice_gaps(
    ratings: pd.DataFrame, *, group_by: str = "sector", k_min: int = 5, confidence: float = 0.95
) -> pd.DataFrame:
    """Difference in mean rating between every pair of groups, per round and behaviour.

    Parameters
    ----------
    ratings : DataFrame
        Tidy ratings: ``round, behaviour, rating`` (NaN = no answer), the grouping column, and
        optionally ``place``.
    group_by : {"sector", "role", "organisation"}
        The groups compared.
    k_min : int
        A pair where either group has fewer answers than this, or is hidden to protect such a
        group (as in :func:`~evalkit.indicators.level`), is ``suppressed`` with no statistics.
    confidence : float
        Coverage of the interval.

    Returns
    -------
    DataFrame
        ``[place,] round, behaviour, group_by, group_a, group_b, n_a, n_b, mean_a, mean_b, gap,
        t, df, ci_low, ci_high, p_value, suppressed``: one row per unordered pair, ``group_a``
        first in sorted order, ``gap = mean_a - mean_b`` (either sign), ``n_*`` answers.

    Notes
    -----
    Welch: se = sqrt(s_a^2/n_a + s_b^2/n_b), df = se^4 / ((s_a^2/n_a)^2/(n_a-1) +
    (s_b^2/n_b)^2/(n_b-1)), t = gap / se, interval gap +/- t(1 - alpha/2, df) * se, two-sided
    p = 2 P(T_df > |t|).

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. Biometrika 34, 28-35.

    Examples
    --------
    >>> df = pd.DataFrame({"round": 1, "behaviour": "trust", "sector": ["x"] * 3 + ["y"] * 5,
    ...                    "rating": [4.0, 6, 8, 1, 2, 3, 4, 5]})
    >>> voice_gaps(df, k_min=3)[["group_a", "gap", "df", "p_value"]].round(3).to_dict("records")
    [{'group_a': 'x', 'gap': 3.0, 'df': 3.533, 'p_value': 0.1}]
    """
    if group_by == "all":
        raise ValueError("voice_gaps compares groups: group_by must not be 'all'")
    keys = [*place_keys(ratings), "round", "behaviour", "group_by"]
    summary = (
        with_group(ratings.dropna(subset=["rating"]), group_by)
        .groupby([*keys, "group"])["rating"]
        .agg(n="count", mean="mean", var="var")
        .reset_index()
    )
    summary["hidden"] = hidden_groups(summary, k_min=k_min, within=keys)
    pairs = summary.merge(summary, on=keys, suffixes=("_a", "_b"))
    pairs = pairs[pairs["group_a"] < pairs["group_b"]].reset_index(drop=True)
    share_a, share_b = pairs["var_a"] / pairs["n_a"], pairs["var_b"] / pairs["n_b"]
    se = np.sqrt(share_a + share_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        pairs["df"] = se**4 / (share_a**2 / (pairs["n_a"] - 1) + share_b**2 / (pairs["n_b"] - 1))
        pairs["gap"] = pairs["mean_a"] - pairs["mean_b"]
        pairs["t"] = pairs["gap"] / se
    pairs["p_value"] = 2 * stats.t.sf(np.abs(pairs["t"]), pairs["df"])
    half_width = stats.t.ppf(0.5 + confidence / 2, pairs["df"]) * se
    pairs["ci_low"] = pairs["gap"] - half_width
    pairs["ci_high"] = pairs["gap"] + half_width
    small = pairs["hidden_a"] | pairs["hidden_b"]
    pairs = suppress(pairs, small, _STATISTICS)
    return pairs[[*keys, "group_a", "group_b", *_STATISTICS, "suppressed"]]


def widest_gaps(gaps: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The ``n`` widest shown gaps of each round, ranked by absolute size.

    Parameters
    ----------
    gaps : DataFrame
        The output of :func:`voice_gaps`.
    n : int
        How many rows to keep per round (and place).

    Returns
    -------
    DataFrame
        The unsuppressed rows of ``gaps`` with the largest ``|gap|``, plus ``rank`` (1 = widest;
        ties keep their order in ``gaps``), sorted by round and rank.

    Examples
    --------
    >>> df = pd.DataFrame({"round": 1, "behaviour": "trust", "sector": ["x"] * 3 + ["y"] * 5,
    ...                    "rating": [4.0, 6, 8, 1, 2, 3, 4, 5]})
    >>> widest_gaps(voice_gaps(df, k_min=3))[["group_a", "group_b", "rank"]].values.tolist()
    [['x', 'y', 1]]
    """
    by = [*place_keys(gaps), "round"]
    shown = gaps[~gaps["suppressed"] & gaps["gap"].notna()]
    shown = shown.assign(_size=shown["gap"].abs()).sort_values(
        [*by, "_size"], ascending=[True] * len(by) + [False], kind="stable"
    )
    shown["rank"] = shown.groupby(by).cumcount() + 1
    return shown[shown["rank"] <= n].drop(columns="_size").reset_index(drop=True)
