"""Grouping keys and small-group suppression shared by the indicator modules.

Every indicator groups by round (and by ``place`` when the frame has that column) and by one
respondent grouping; a row describing fewer than ``k_min`` people keeps its keys and a
``suppressed`` flag, and loses every statistic.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["GROUP_COLUMNS", "place_keys", "with_group", "suppress", "ordered"]

#: ``group_by`` value -> the column it reads (None: everyone in one group named "all").
GROUP_COLUMNS = {"all": None, "sector": "sector", "role": "role", "organisation": "organisation"}


def place_keys(ratings: pd.DataFrame) -> list[str]:
    """``["place"]`` for a programme-scale frame with a ``place`` column, else ``[]``."""
    return ["place"] if "place" in ratings.columns else []


def with_group(ratings: pd.DataFrame, group_by: str) -> pd.DataFrame:
    """A copy of ``ratings`` with ``group_by`` and ``group`` (the group's name, as text) columns."""
    if group_by not in GROUP_COLUMNS:
        raise ValueError(f"group_by must be one of {list(GROUP_COLUMNS)}, not {group_by!r}")
    column = GROUP_COLUMNS[group_by]
    group = ratings[column].astype(str) if column else "all"
    return ratings.assign(group_by=group_by, group=group)


def suppress(
    table: pd.DataFrame, small: pd.Series, columns: list[str], flag: str = "suppressed"
) -> pd.DataFrame:
    """Set ``flag`` where ``small`` and blank ``columns`` there (NaN, or NA for yes/no columns).

    Counts become float so that they can be missing; yes/no columns become pandas' nullable
    ``boolean`` so that a hidden flag is NA, not a misleading False.
    """
    small = pd.Series(small, index=table.index).fillna(True).astype(bool)
    table = table.assign(**{flag: small})
    for column in columns:
        is_flag = pd.api.types.is_bool_dtype(table[column])
        table[column] = table[column].astype("boolean" if is_flag else float).mask(small)
    return table


def ordered(table: pd.DataFrame, by: list[str], column: str, order: list[str]) -> pd.DataFrame:
    """``table`` sorted by ``by``, with ``column`` in the given ``order`` (e.g. framework order)."""
    rank = table[column].map({value: i for i, value in enumerate(order)})
    return (
        table.assign(_rank=rank)
        .sort_values([*by, "_rank"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )
