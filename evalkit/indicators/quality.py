"""Data quality of a round: who responded, which behaviours went unanswered, straight-lining."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from evalkit.privacy import hidden_groups, place_keys, suppress, with_group

__all__ = ["response_counts", "item_missingness", "straight_lining"]

_RATE_GROUPINGS = ("all", "sector", "role")


def response_counts(ratings: pd.DataFrame, place=None, *, k_min: int = 5) -> pd.DataFrame:
    """Respondents per round and sector (and role), with response rates where invitations are known.

    Parameters
    ----------
    ratings : DataFrame
        Tidy ratings: ``round, respondent, sector, role`` and optionally ``place``.
    place : Place or mapping, optional
        A :class:`~evalkit.config.Place` (its ``invited``) or the mapping itself, e.g.
        ``{"sector": {"public": 120, "voluntary": 80}, "role": {"frontline": 90},
        3: {"sector": {"public": 150}}}``: numbers under ``sector``/``role`` hold for every
        round, numbers under a round number override them for that round. With a ``place``
        column in ``ratings`` and a Place given, only that place's rows get invitations.
    k_min : int
        Groups with fewer respondents are ``suppressed`` with no statistics, and so are enough of
        their siblings that none can be worked out from the total (see
        :func:`~evalkit.privacy.hidden_groups`).

    Returns
    -------
    DataFrame
        ``[place,] round, group_by, group, respondents, invited, response_rate, suppressed``;
        ``respondents`` counts distinct people with any row that round, ``response_rate`` =
        respondents / invited (NaN when invitations are unknown).

    Examples
    --------
    >>> df = pd.DataFrame({"round": 1, "respondent": list("abcdef"), "sector": "public",
    ...                    "role": ["frontline"] * 5 + ["manager"]})
    >>> counts = response_counts(df, {"all": 20, "sector": {"public": 12}})
    >>> counts[["group", "respondents", "response_rate"]]
           group  respondents  response_rate
    0        all          6.0            0.3
    1     public          6.0            0.5
    2  frontline          NaN            NaN
    3    manager          NaN            NaN

    The one manager is hidden, and the frontline workers too: 6 - 5 would give the manager away.
    """
    pk = place_keys(ratings)
    keys = [*pk, "round", "group_by", "group"]
    parts = [
        with_group(ratings, group_by).groupby(keys)["respondent"].nunique().reset_index()
        for group_by in _RATE_GROUPINGS
        if group_by == "all" or group_by in ratings.columns
    ]
    table = pd.concat(parts, ignore_index=True).rename(columns={"respondent": "respondents"})
    every_round, by_round = _invitations(getattr(place, "invited", place) or {})
    table = table.merge(every_round, on=["group_by", "group"], how="left")
    table = table.merge(
        by_round, on=["round", "group_by", "group"], how="left", suffixes=("", "_r")
    )
    table["invited"] = table["invited_r"].fillna(table["invited"])
    if pk and hasattr(place, "id"):
        table["invited"] = table["invited"].where(table["place"] == place.id)
    table["response_rate"] = table["respondents"] / table["invited"]
    statistics = ["respondents", "invited", "response_rate"]
    hidden = hidden_groups(table, k_min=k_min, within=keys[:-1], n="respondents")
    table = suppress(table, hidden, statistics)
    return table[[*keys, *statistics, "suppressed"]]


def _invitations(invited: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The invited mapping as two frames: for every round, and per round number."""
    every_round, by_round = [], []
    for key, value in invited.items():
        if key == "all" and not isinstance(value, Mapping):
            every_round.append(("all", "all", float(value)))
        elif key in _RATE_GROUPINGS:
            every_round += [(key, str(g), float(n)) for g, n in value.items()]
        elif str(key).isdigit() and isinstance(value, Mapping):
            by_round += [
                (int(key), by, str(g), float(n))
                for by, groups in value.items()
                for g, n in groups.items()
            ]
        else:
            raise ValueError(
                f"invited: {key!r} is neither 'all', 'sector', 'role' nor a round number with a "
                "mapping"
            )
    return (
        pd.DataFrame(every_round, columns=["group_by", "group", "invited"]).astype({"group": str}),
        pd.DataFrame(by_round, columns=["round", "group_by", "group", "invited"]).astype(
            {"round": int, "group": str}
        ),
    )


def item_missingness(ratings: pd.DataFrame, *, k_min: int = 5) -> pd.DataFrame:
    """How many of a round's respondents left each behaviour unanswered.

    A respondent who took part in the round (any row) but has no answer to a behaviour (a NaN
    rating or no row) counts as missing it.

    Returns
    -------
    DataFrame
        ``[place,] round, behaviour, n_respondents, n_missing, share_missing, suppressed``;
        rounds with fewer than ``k_min`` respondents are ``suppressed`` with no statistics.

    Examples
    --------
    >>> df = pd.DataFrame({"round": 1, "respondent": list("abcde"), "behaviour": "trust",
    ...                    "rating": [4.0, None, 5, 7, None]})
    >>> item_missingness(df)[["n_respondents", "n_missing", "share_missing"]].values.tolist()
    [[5.0, 2.0, 0.4]]
    """
    by_round = [*place_keys(ratings), "round"]
    respondents = ratings.groupby(by_round)["respondent"].nunique().rename("n_respondents")
    answered = ratings.dropna(subset=["rating"]).groupby([*by_round, "behaviour"])["respondent"]
    table = (
        ratings[[*by_round, "behaviour"]]
        .drop_duplicates()
        .join(respondents, on=by_round)
        .join(answered.nunique().rename("n_answered"), on=[*by_round, "behaviour"])
        .sort_values(by_round, kind="stable")
        .reset_index(drop=True)
    )
    table["n_missing"] = table["n_respondents"] - table["n_answered"].fillna(0)
    table["share_missing"] = table["n_missing"] / table["n_respondents"]
    statistics = ["n_respondents", "n_missing", "share_missing"]
    table = suppress(table, table["n_respondents"] < k_min, statistics)
    return table[[*by_round, "behaviour", *statistics, "suppressed"]]


def straight_lining(ratings: pd.DataFrame, *, k_min: int = 5, min_items: int = 5) -> pd.DataFrame:
    """How many respondents gave the same rating to every behaviour they answered.

    Only respondents with at least ``min_items`` answers can count as straight-lining (with
    fewer, identical answers say little); the share is of all the round's respondents.

    Returns
    -------
    DataFrame
        ``[place,] round, n_respondents, n_straight, share_straight, suppressed``; rounds with
        fewer than ``k_min`` respondents are ``suppressed`` with no statistics.

    Examples
    --------
    >>> df = pd.DataFrame({"round": 1, "respondent": [p for p in "abcde" for _ in range(5)],
    ...                    "behaviour": list("vwxyz") * 5, "rating": [5.0] * 10 + [1, 2] * 7 + [3]})
    >>> straight_lining(df)[["n_respondents", "n_straight", "share_straight"]].values.tolist()
    [[5.0, 2.0, 0.4]]
    """
    by_round = [*place_keys(ratings), "round"]
    answers = ratings.dropna(subset=["rating"]).groupby([*by_round, "respondent"])["rating"]
    straight = (answers.count() >= min_items) & (answers.nunique() == 1)
    table = ratings.groupby(by_round)["respondent"].nunique().rename("n_respondents").to_frame()
    table["n_straight"] = straight.groupby(level=by_round).sum().reindex(table.index, fill_value=0)
    table["share_straight"] = table["n_straight"] / table["n_respondents"]
    table = table.reset_index()
    statistics = ["n_respondents", "n_straight", "share_straight"]
    table = suppress(table, table["n_respondents"] < k_min, statistics)
    return table[[*by_round, *statistics, "suppressed"]]
