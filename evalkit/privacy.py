"""Grouping keys and small-group suppression shared by the indicator modules.

Every indicator groups by round (and by ``place`` when the frame has that column) and by one
respondent grouping; a row describing fewer than ``k_min`` people keeps its keys and a
``suppressed`` flag, and loses every statistic. Groups shown beside their total are protected
from subtraction too: :func:`hidden_groups` hides enough of a small group's siblings that it
cannot be worked out from the total and the groups shown.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = [
    "GROUP_COLUMNS",
    "place_keys",
    "with_group",
    "hidden_groups",
    "shown_in_every_round",
    "suppress",
    "ordered",
    "mask_text",
]

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


def hidden_groups(
    table: pd.DataFrame,
    *,
    k_min: int,
    within: list[str],
    n: str = "n",
    group: str = "group",
    also: pd.Series | None = None,
) -> pd.Series:
    """Which rows to hide: groups under ``k_min``, and enough siblings that none can be worked out.

    Rows with the same values of ``within`` are sibling groups whose counts add up to a total
    that may be shown (e.g. the sectors of one round and behaviour, beside "all"). A group with
    fewer than ``k_min`` people (but at least one) is hidden; then, in its set, the smallest
    shown groups are hidden too until the hidden groups are at least two, hold at least
    ``k_min`` people together, and more people than there are hidden groups.

    Parameters
    ----------
    table : DataFrame
        One row per group, with the ``within`` columns, ``n`` and ``group``.
    k_min : int
        Smallest group shown.
    within : list of str
        Columns that define a set of siblings; include ``group_by``, so that the "all" row is a
        set of its own and different groupings (sector, role) are protected separately.
    n : str
        The column counting people (or answers) in each group; missing counts as 0.
    group : str
        Group names, which break ties between equal counts, so that tables with the same counts
        hide the same groups whatever their row order.
    also : Series of bool, optional
        Rows hidden for another reason, which count as hidden in their set.

    Returns
    -------
    Series of bool
        Aligned with ``table``: True where the row must be suppressed. A row with ``n`` 0
        (nobody) is always True and takes no part in protecting the others.

    Notes
    -----
    With the set's total shown, the groups shown subtract from it to give the hidden groups'
    total H. With at least two groups hidden, H >= ``k_min`` and H greater than the number of
    hidden groups h, each hidden group could hold anything from 1 to H - h + 1 people, so
    neither a small group's count nor, from the shown means, its mean can be worked out, and the
    hidden groups together are not a small group either. This is complementary (secondary) cell
    suppression for one-way tables, hiding the smallest cells first to lose the least
    information (Hundepool et al. 2012, ch. 4). Whether a group is hidden for being small or to
    protect another must not be shown: a reader who knew that a hidden group holds ``k_min``
    or more could narrow down the other.

    References
    ----------
    Hundepool, A. et al. (2012). Statistical Disclosure Control. Wiley, chapter 4.

    Examples
    --------
    >>> table = pd.DataFrame({"round": 1, "group_by": ["all"] + ["role"] * 4,
    ...                       "group": ["all", "elected", "senior", "manager", "frontline"],
    ...                       "n": [110, 3, 18, 29, 60]})
    >>> hidden_groups(table, k_min=5, within=["round", "group_by"]).tolist()
    [False, True, True, False, False]
    """
    counts = pd.to_numeric(table[n], errors="coerce").fillna(0).to_numpy(dtype=float)
    people = counts > 0
    hidden = people & (counts < k_min)
    if also is not None:
        hidden |= people & pd.Series(also, index=table.index).fillna(True).to_numpy(dtype=bool)
    keys = [f"_key{i}" for i in range(len(within))] or ["_key"]
    frame = pd.DataFrame(
        {
            **dict(zip(keys, [table[c].to_numpy() for c in within] or [0], strict=True)),
            "_n": counts,
            "_group": table[group].astype(str).to_numpy(),
            "_hidden": hidden,
            "_hidden_n": np.where(hidden, counts, 0),
        }
    )
    sets = frame.groupby(keys, sort=False, dropna=False)
    frame["_count"] = sets["_hidden"].transform("sum")
    frame["_total"] = sets["_hidden_n"].transform("sum")
    # The shown groups of a set with a hidden one, smallest first: each is hidden too while the
    # groups hidden before it do not yet protect each other.
    candidates = frame[people & ~hidden & (frame["_count"] > 0).to_numpy()]
    candidates = candidates.sort_values([*keys, "_n", "_group"], kind="stable")
    by_set = candidates.groupby(keys, sort=False, dropna=False)
    count = candidates["_count"] + by_set.cumcount()
    total = candidates["_total"] + by_set["_n"].cumsum() - candidates["_n"]
    protected = (count >= 2) & (total >= k_min) & (total > count)
    protected = protected.groupby([candidates[k] for k in keys], sort=False, dropna=False).cummax()
    hidden[protected.index[~protected.to_numpy()]] = True
    return pd.Series(hidden | ~people, index=table.index)


def shown_in_every_round(levels: pd.DataFrame, rounds) -> set[tuple]:
    """The (behaviour, group_by, group) series of a levels table shown in every one of ``rounds``.

    A trajectory is drawn, or assessed, only for such a series: a round hidden for being small
    must not reappear as a point of a line.

    Examples
    --------
    >>> levels = pd.DataFrame({"behaviour": "trust", "group_by": "sector", "round": [1, 2, 1, 2],
    ...     "group": ["public", "public", "private", "private"],
    ...     "suppressed": [False, False, False, True]})
    >>> shown_in_every_round(levels, [1, 2])
    {('trust', 'sector', 'public')}
    """
    wanted = set(rounds)
    shown = levels[~levels["suppressed"].astype(bool)]
    found = shown.groupby(["behaviour", "group_by", "group"])["round"].agg(set)
    return {key for key, seen in found.items() if wanted <= seen}


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


_EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")


_LINK = re.compile(r"(?<!\w)(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]']")


_PHONE = re.compile(
    r"(?<![\w+])"
    # a UK number: +44, +44 (0) or a leading 0, possibly in brackets as in (01632) 960 001 ...
    r"(?:(?:\+|00)\s?44[\s.-]?(?:\(0\)[\s.-]?)?|\(?0)"
    # ... then 9 or 10 more digits, grouped by spaces, dashes, dots or brackets
    r"\d(?:[\s.\-()]{0,2}\d){8,9}"
    r"(?!\d)"
    # or any other international number
    r"|(?<![\w+])\+\d(?:[\s.\-()]{0,2}\d){7,13}(?!\d)"
)


def _names(place) -> tuple[str, ...]:
    if hasattr(place, "organisations"):
        return tuple(n for o in place.organisations for n in (o.name, *o.aliases))
    return tuple(place)


def _name_regex(name: str) -> str:
    words = [re.escape(w) for w in unicodedata.normalize("NFC", name).split()]
    spelled = r"\s+".join(words)
    spelled = re.sub(r"['’]", "['’]", spelled)  # straight or curly apostrophe
    return spelled.replace(r"\&", r"(?:&|and)")


@functools.lru_cache(maxsize=64)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    names = tuple(n for n in dict.fromkeys(str(n).strip() for n in names) if n)
    if not names:
        return None
    # longest first, so "Northbridge City Council" wins over "Northbridge Council" at one position
    spelled = sorted((_name_regex(n) for n in names), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(spelled) + r")(?!\w)", re.IGNORECASE)


def mask_text(text: str, place, *, also: Iterable[str] = ()) -> str:
    """A reflection's text with contact details and names masked.

    Parameters
    ----------
    text : str
        The text (a missing value gives ``""``).
    place : Place or iterable of str
        The place whose organisation names and aliases are masked, or the names themselves.
    also : iterable of str
        Other names to mask, e.g. people's names (``place.yml`` has no field for them).

    Returns
    -------
    str
        The text with e-mail addresses as ``[email]``, web links as ``[link]``, phone numbers
        (UK mobiles and landlines, with or without +44, spaces, dashes or brackets; other
        numbers starting with +) as ``[phone]``, organisation names and aliases as
        ``[organisation]`` and the ``also`` names as ``[name]``.

    Notes
    -----
    Names are matched whole, in any case, with any spacing, a straight or curly apostrophe and
    ``&`` or "and": "open door" is masked in "the open door team" but "ICB" is not in
    "ICBs" or "iicb". An alias that is also an everyday phrase ("Second Step") is masked
    wherever it occurs: that costs some words but never leaves a name in place. The place's own
    name is not masked. Masking catches names and contact details, not every detail that could
    point to someone; a person still reads each quote before a report goes out.

    Examples
    --------
    >>> mask_text("Ask jo@example.org or ring 07700 900 123 at Open Door.", ["Open Door"])
    'Ask [email] or ring [phone] at [organisation].'
    >>> mask_text("The OPEN DOOR team, not the opendoorway.", ["Open Door"])
    'The [organisation] team, not the opendoorway.'
    """
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _EMAIL.sub("[email]", text)
    text = _LINK.sub("[link]", text)
    text = _PHONE.sub("[phone]", text)
    for names, token in ((_names(place), "[organisation]"), (tuple(also), "[name]")):
        pattern = _names_pattern(names)
        if pattern is not None:
            text = pattern.sub(token, text)
    return text
