"""Indicators over the tidy ratings frame (one row per respondent x behaviour x round).

Every function takes ``k_min``: a group with fewer respondents than that yields a row marked
``suppressed`` whose statistics are missing, so no code path can show them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .bootstrap import bootstrap_mean_interval
from .histograms import GROUP_COLUMNS, Histograms, counts_quantile, rating_histograms

__all__ = [
    "GROUPINGS",
    "LEVEL_COLUMNS",
    "level",
    "index_level",
    "rating_distribution",
    "respondent_counts",
    "missing_share",
    "suppress",
]

#: The groupings reports break results down by, with the column each reads.
GROUPINGS = GROUP_COLUMNS
#: The statistic columns of :func:`level` and :func:`index_level`, all missing when suppressed.
LEVEL_COLUMNS = ["n", "mean", "median", "sd", "ci_low", "ci_high", "share_strong", "share_absent"]


def level(
    ratings: pd.DataFrame,
    framework,
    *,
    group_by: str | tuple[str, ...] = "all",
    k_min: int = 5,
    confidence: float = 0.95,
    n_resamples: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """How present each behaviour is, per round and group, with a bootstrap interval.

    Parameters
    ----------
    ratings : DataFrame
        Tidy ratings: ``round``, ``behaviour``, ``rating`` (NaN = no answer), the grouping
        columns, and optionally ``place``.
    framework : Framework
        Gives the scale and the "strongly present" and "largely absent" thresholds.
    group_by : str or tuple of {"all", "sector", "role", "organisation"}
        Grouping(s) to compute; several are stacked.
    k_min : int
        Smallest group shown; smaller groups come back ``suppressed=True`` with no statistics.
    confidence : float
        Coverage of the interval.
    n_resamples, seed : int, optional
        Monte Carlo resampling instead of the exact bootstrap distribution (see
        :mod:`evalkit.indicators.bootstrap`).

    Returns
    -------
    DataFrame
        One row per (place,) round, behaviour and group: ``round, behaviour, group_by, group, n,
        mean, median, sd, ci_low, ci_high, share_strong, share_absent, suppressed``. ``n``
        counts answers; ``share_strong`` is the share at or above the framework's
        ``strongly_present`` threshold, ``share_absent`` at or below ``largely_absent``.

    Notes
    -----
    The interval is the percentile bootstrap interval of the mean, from the exact bootstrap
    distribution (Efron and Tibshirani 1993), so it needs no seed and has no Monte Carlo error.

    Examples
    --------
    >>> from evalkit.config import load_framework
    >>> df = pd.DataFrame({"round": 1, "behaviour": "trust", "rating": [4.0, 6, 5, 7, 8, None]})
    >>> row = level(df, load_framework("system-behaviours"), k_min=5).iloc[0]
    >>> int(row["n"]), float(row["mean"]), float(row["share_strong"]), bool(row["suppressed"])
    (5, 6.0, 0.2, False)
    >>> bool(level(df, load_framework("system-behaviours"), k_min=6)["mean"].isna().all())
    True
    """
    group_bys = (group_by,) if isinstance(group_by, str) else tuple(group_by)
    histograms = rating_histograms(ratings, scale=(framework.scale_min, framework.scale_max),
                                   group_bys=group_bys)
    return _level_table(histograms, histograms.values, framework, k_min=k_min,
                        confidence=confidence, n_resamples=n_resamples, seed=seed)


def index_level(
    ratings: pd.DataFrame,
    framework,
    *,
    group_by: str | tuple[str, ...] = "all",
    k_min: int = 5,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The same as :func:`level` for each framework group's index and an overall index.

    A respondent's index is the mean of their ratings of the behaviours in the group (all nine
    for ``overall``); only respondents who rated every one of them count (complete cases).

    Returns
    -------
    DataFrame
        As :func:`level`, with ``behaviour`` holding the framework group id or ``"overall"``.

    Examples
    --------
    >>> from evalkit.config import load_framework
    >>> fw = load_framework("system-behaviours")
    >>> df = pd.DataFrame({"round": 1, "respondent": ["a", "a", "a", "b", "b", "b"],
    ...                    "behaviour": ["power_shared", "devolved_decisions",
    ...                                  "mutual_accountability"] * 2,
    ...                    "rating": [3.0, 4, 8, 5, 5, 6]})
    >>> round(index_level(df, fw, k_min=2).query("behaviour == 'power'")["mean"].item(), 3)
    5.167
    """
    group_bys = (group_by,) if isinstance(group_by, str) else tuple(group_by)
    keys = [k for k in ("place", "round") if k in ratings.columns]
    columns = [c for c in dict.fromkeys(GROUP_COLUMNS[g] for g in group_bys) if c]
    answered = ratings[ratings["rating"].notna()]
    indexes = {g: [b.id for b in framework.behaviours if b.group == g] for g in framework.groups}
    indexes["overall"] = framework.behaviour_ids
    tables = []
    for name, behaviours in indexes.items():
        rows = answered[answered["behaviour"].isin(behaviours)]
        people = (rows.groupby([*keys, "respondent", *columns], observed=True, sort=False)
                  ["rating"].agg(["sum", "count"]).reset_index())
        people = people[people["count"] == len(behaviours)].assign(behaviour=name)
        m = len(behaviours)
        histograms = rating_histograms(
            people, scale=(m * framework.scale_min, m * framework.scale_max),
            group_bys=group_bys, keys=(*keys, "behaviour"), value="sum")
        tables.append(_level_table(histograms, histograms.values / m, framework, k_min=k_min,
                                   confidence=confidence))
    return pd.concat(tables, ignore_index=True)


def _level_table(histograms: Histograms, values: np.ndarray, framework, *, k_min: int,
                 confidence: float, n_resamples: int | None = None, seed: int = 0):
    counts = histograms.counts
    n = counts.sum(axis=1)
    mean = counts @ values / n
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = (counts @ values**2 - n * mean**2) / (n - 1)
    ci_low, ci_high = bootstrap_mean_interval(counts, values, confidence=confidence,
                                              n_resamples=n_resamples, seed=seed)
    table = histograms.index.assign(
        n=n,
        mean=mean,
        median=counts_quantile(counts, values, 0.5),
        sd=np.sqrt(np.clip(variance, 0, None)),
        ci_low=ci_low,
        ci_high=ci_high,
        share_strong=counts[:, values >= framework.strongly_present].sum(axis=1) / n,
        share_absent=counts[:, values <= framework.largely_absent].sum(axis=1) / n,
    )
    return suppress(table, k_min)


def suppress(table: pd.DataFrame, k_min: int, *, size: str = "n") -> pd.DataFrame:
    """Mark rows whose group is smaller than ``k_min`` and blank every statistic in them.

    Statistics are the :data:`LEVEL_COLUMNS` present in ``table``; ``size`` names the column
    holding the group size (it is blanked too).
    """
    table = table.copy()
    table["suppressed"] = table[size] < k_min
    columns = [c for c in LEVEL_COLUMNS if c in table.columns]
    table[columns] = table[columns].astype(float)
    table.loc[table["suppressed"], columns] = np.nan
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
