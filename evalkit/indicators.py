"""Indicators over the tidy ratings frame (one row per respondent x behaviour x round).

Every function takes ``k_min``: a group with fewer respondents than that yields a row marked
``suppressed`` whose statistics are missing, so no code path can show them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["GROUPINGS", "level", "rating_distribution", "respondent_counts", "missing_share"]

#: The groupings a round report breaks results down by, with the column each reads.
GROUPINGS = {"all": None, "sector": "sector", "role": "role"}

_STAT_COLUMNS = ["n", "mean", "sd", "ci_low", "ci_high"]


def level(
    ratings: pd.DataFrame,
    *,
    group_by: str = "all",
    k_min: int = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean rating of each behaviour per round and group, with a t-based confidence interval.

    Parameters
    ----------
    ratings : DataFrame
        Tidy ratings with columns ``round``, ``behaviour``, ``rating`` (NaN = no answer) and the
        grouping column (``sector`` or ``role``) unless ``group_by="all"``.
    group_by : {"all", "sector", "role"}
        What to break results down by.
    k_min : int
        Smallest group shown; smaller groups come back ``suppressed=True`` with no statistics.
    confidence : float
        Coverage of the interval.

    Returns
    -------
    DataFrame
        One row per round x behaviour x group: ``round, behaviour, group_by, group, n, mean, sd,
        ci_low, ci_high, suppressed``. ``n`` counts answers (missing ratings are not counted).

    Notes
    -----
    The interval is mean +/- t(1 - alpha/2, n - 1) * sd / sqrt(n).

    Examples
    --------
    >>> df = pd.DataFrame({"round": 1, "behaviour": "trust", "rating": [4.0, 6, 5, 7, 8, None]})
    >>> level(df, k_min=5)[["n", "mean", "suppressed"]].to_dict("records")
    [{'n': 5, 'mean': 6.0, 'suppressed': False}]
    >>> bool(level(df, k_min=6)["mean"].isna().all())
    True
    """
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {list(GROUPINGS)}, not {group_by!r}")
    answered = ratings.dropna(subset=["rating"])
    column = GROUPINGS[group_by]
    keys = ["round", "behaviour"] + ([column] if column else [])
    table = (
        answered.groupby(keys, observed=True, sort=True)["rating"]
        .agg(n="count", mean="mean", sd="std")
        .reset_index()
    )
    table["group"] = table[column].astype(str) if column else "all"
    table["group_by"] = group_by
    half_width = (
        stats.t.ppf(0.5 + confidence / 2, table["n"] - 1) * table["sd"] / np.sqrt(table["n"])
    )
    table["ci_low"] = table["mean"] - half_width
    table["ci_high"] = table["mean"] + half_width
    table["n"] = table["n"].astype(int)
    return _suppress(table, k_min)[
        ["round", "behaviour", "group_by", "group", *_STAT_COLUMNS, "suppressed"]
    ]


def _suppress(table: pd.DataFrame, k_min: int) -> pd.DataFrame:
    table = table.copy()
    table["suppressed"] = table["n"] < k_min
    stat_columns = [c for c in table.columns if c in _STAT_COLUMNS and c != "n"]
    table[stat_columns] = table[stat_columns].astype(float)
    table.loc[table["suppressed"], stat_columns] = np.nan
    return table


def rating_distribution(ratings: pd.DataFrame, *, k_min: int = 5) -> pd.DataFrame:
    """Share of answers at each rating, per round and behaviour.

    Returns ``round, behaviour, rating, count, share``; behaviours answered by fewer than
    ``k_min`` people in a round are left out.

    Examples
    --------
    >>> df = pd.DataFrame({"round": 1, "behaviour": "trust", "rating": [4.0, 4, 5, 7, 8]})
    >>> rating_distribution(df).query("rating == 4")["share"].item()
    0.4
    """
    answered = ratings.dropna(subset=["rating"])
    counts = answered.groupby(["round", "behaviour", "rating"]).size().rename("count").reset_index()
    totals = counts.groupby(["round", "behaviour"])["count"].transform("sum")
    counts["share"] = counts["count"] / totals
    return counts[totals >= k_min].reset_index(drop=True)


def respondent_counts(
    ratings: pd.DataFrame, *, group_by: str = "sector", k_min: int = 5
) -> pd.DataFrame:
    """How many people answered per round and group; groups under ``k_min`` are suppressed.

    Returns ``round, group_by, group, respondents, suppressed`` (``respondents`` is missing when
    suppressed).

    Examples
    --------
    >>> df = pd.DataFrame({"round": 1, "respondent": list("abcdefg"), "behaviour": "trust",
    ...                    "sector": ["x"] * 5 + ["y"] * 2, "rating": 5.0})
    >>> respondent_counts(df, k_min=5)["respondents"].tolist()
    [5.0, nan]
    """
    column = GROUPINGS[group_by] if group_by in GROUPINGS else group_by
    keys = ["round"] + ([column] if column else [])
    counts = ratings.groupby(keys, observed=True)["respondent"].nunique().rename("respondents")
    table = counts.reset_index()
    table["group"] = table[column].astype(str) if column else "all"
    table["group_by"] = group_by
    table["suppressed"] = table["respondents"] < k_min
    table["respondents"] = table["respondents"].astype(float).mask(table["suppressed"])
    return table[["round", "group_by", "group", "respondents", "suppressed"]]


def missing_share(ratings: pd.DataFrame) -> pd.DataFrame:
    """Share of unanswered ratings per round and behaviour: ``round, behaviour, missing_share``.

    Examples
    --------
    >>> df = pd.DataFrame({"round": 1, "behaviour": "trust", "rating": [4.0, None, 5, 7]})
    >>> missing_share(df)["missing_share"].item()
    0.25
    """
    return (
        ratings.assign(missing=ratings["rating"].isna())
        .groupby(["round", "behaviour"])["missing"]
        .mean()
        .rename("missing_share")
        .reset_index()
    )
