"""Indicators over the tidy ratings frame (one row per respondent x behaviour x round).

Every function takes ``k_min``: a group with fewer respondents than that yields a row marked
``suppressed`` whose statistics are missing, so no code path can show them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.indicators.bootstrap import bootstrap_mean_interval
from evalkit.indicators.histograms import (
    GROUP_COLUMNS,
    Histograms,
    _codes,
    _combine,
    counts_quantile,
    rating_histograms,
)
from evalkit.privacy import hidden_groups, suppress

__all__ = [
    "GROUPINGS",
    "LEVEL_COLUMNS",
    "level",
    "index_level",
    "rating_distribution",
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
    histograms: Histograms | None = None,
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
        Smallest group shown; smaller groups come back ``suppressed=True`` with no statistics,
        and so do enough of their siblings that none can be worked out by subtracting the
        others from the total (see :func:`~evalkit.privacy.hidden_groups`).
    confidence : float
        Coverage of the interval.
    n_resamples, seed : int, optional
        Monte Carlo resampling instead of the exact bootstrap distribution (see
        :mod:`evalkit.indicators.bootstrap`).
    histograms : Histograms, optional
        The ratings' histograms, when already built (e.g. for
        :func:`~evalkit.indicators.agreement`); ``ratings`` and ``group_by`` are then not read.

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
    if histograms is None:
        group_bys = (group_by,) if isinstance(group_by, str) else tuple(group_by)
        histograms = rating_histograms(
            ratings, scale=(framework.scale_min, framework.scale_max), group_bys=group_bys
        )
    return _level_table(
        histograms,
        histograms.values,
        framework,
        k_min=k_min,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
    )


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
    people = _index_scores(ratings, framework, group_bys)
    tables = []
    for name, size in people.attrs["index_sizes"].items():
        scored = people[people[name].notna()]
        scored = scored.assign(
            behaviour=pd.Categorical.from_codes(np.zeros(len(scored), int), [name])
        )
        histograms = rating_histograms(
            scored,
            scale=(size * framework.scale_min, size * framework.scale_max),
            group_bys=group_bys,
            keys=(*people.attrs["keys"], "behaviour"),
            value=name,
        )
        tables.append(
            _level_table(
                histograms, histograms.values / size, framework, k_min=k_min, confidence=confidence
            )
        )
    return pd.concat(tables, ignore_index=True)


def _index_scores(ratings: pd.DataFrame, framework, group_bys) -> pd.DataFrame:
    """One row per respondent and round: their summed ratings per framework group and overall,
    missing unless they rated every behaviour in it. Built with integer codes and bincount, so
    it scales to programme-sized frames."""
    keys = [k for k in ("place", "round") if k in ratings.columns]
    columns = [c for c in dict.fromkeys(GROUP_COLUMNS[g] for g in group_bys) if c]
    person_parts = [_codes(ratings[k]) for k in (*keys, "respondent")]
    shape = tuple(len(labels) for _, labels in person_parts)
    person = _combine([codes for codes, _ in person_parts], shape)
    n_people = int(np.prod(shape, dtype=np.float64))
    dense = n_people <= 4 * len(ratings)
    if not dense:  # sparse ids: number only the people who are there
        person, _ = pd.factorize(person)
        n_people = int(person.max()) + 1 if len(person) else 0

    # One row per person, one column per behaviour: a blank makes every sum it enters NaN,
    # which is exactly the complete-case rule.
    behaviour_codes, behaviour_labels = _codes(ratings["behaviour"])
    grid = np.full((n_people, len(behaviour_labels)), np.nan, dtype=np.float32)  # sums exact
    flat = person.astype(np.int64) * len(behaviour_labels) + behaviour_codes
    grid.ravel()[flat] = ratings["rating"].to_numpy(dtype=np.float64, na_value=np.nan)
    position = {b: i for i, b in enumerate(behaviour_labels)}
    groups = list(framework.groups)
    members = {
        g: [position.get(b.id) for b in framework.behaviours if b.group == g] for g in groups
    }
    members["overall"] = [position.get(b) for b in framework.behaviour_ids]
    frame = {}
    if dense:  # a person's number spells out their place and round
        for column, (_, labels), codes in zip(
            keys, person_parts, np.unravel_index(np.arange(n_people), shape)[:-1], strict=False
        ):
            frame[column] = pd.Categorical.from_codes(codes, labels)
    attributes = {} if dense else dict(zip(keys, person_parts, strict=False))
    attributes.update({column: _codes(ratings[column]) for column in columns})
    for column, (codes, labels) in attributes.items():
        # every row of a person carries the same value, so the last write is as good as any
        of_person = np.zeros(n_people, dtype=codes.dtype)
        of_person[person] = codes
        frame[column] = pd.Categorical.from_codes(of_person, labels)
    for name, columns_in in members.items():
        if None in columns_in:  # a behaviour nobody rated: nobody is a complete case
            frame[name] = np.full(n_people, np.nan)
        else:
            frame[name] = grid[:, columns_in].sum(axis=1, dtype=np.float64)
    people = pd.DataFrame(frame)
    people.attrs["keys"] = tuple(keys)
    people.attrs["index_sizes"] = {name: len(columns_in) for name, columns_in in members.items()}
    return people


def _level_table(
    histograms: Histograms,
    values: np.ndarray,
    framework,
    *,
    k_min: int,
    confidence: float,
    n_resamples: int | None = None,
    seed: int = 0,
):
    counts = histograms.counts
    n = counts.sum(axis=1)
    mean = counts @ values / n
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = (counts @ values**2 - n * mean**2) / (n - 1)
    ci_low, ci_high = bootstrap_mean_interval(
        counts, values, confidence=confidence, n_resamples=n_resamples, seed=seed
    )
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
    within = [c for c in histograms.index.columns if c != "group"]
    return suppress(table, hidden_groups(table, k_min=k_min, within=within), LEVEL_COLUMNS)


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
