"""Every privacy rule of evalkit: what each kind of table may show, and the function applying it.

``k`` is the place's ``k_min`` (``place.yml``, default 5; a report may raise it, never lower it).
A row hidden by a rule keeps its keys and a ``suppressed`` flag and loses every number
(:func:`suppress`); reports say that groups are hidden and why, never which were small.

1. **Groups beside their total** (levels, framework-group indexes, agreement, response counts,
   reliability and item-rest; per round, behaviour and grouping): a group of fewer than ``k``
   people (answers, respondents or complete cases) shows nothing; then its smallest siblings
   are hidden too until the hidden groups are at least two, hold at least ``k`` people
   together and more people than there are hidden groups, so none can be worked out from the
   total (:func:`hidden_groups`). Tables of the same round hide the same groups.
2. **Gaps between groups** (``voice_gaps``): shown only between two groups that rule 1 shows.
3. **Change since last round** (``change_since_last_round``): a group hidden, or empty, in
   either round shows no change; its panel (the people rated in both rounds) is protected by
   rule 1 over the panel's counts, and hidden whenever the group is.
4. **Trajectories** (the shape of a series over the rounds, its chart and sentence): drawn or
   assessed only for a behaviour and group shown by rule 1 in every round of the series, so a
   round hidden for being small never reappears as a point of a line
   (:func:`shown_in_every_round`).
5. **Whole-round tables** (missing answers, straight-lining, the distribution of answers):
   nothing for a round, or a behaviour in a round, with fewer than ``k`` people.
6. **Story counts** (``story_counts``): a behaviour written about by fewer than ``k`` people in
   a round shows no numbers, not even its total; the mix of ``k`` or more writers' stories is
   shown whole (a story's valence says nothing about who wrote it).
7. **Moves between levels** (``transition_matrix``): the levels moved from are groups beside
   the panel (rule 1); in each level shown, every move of fewer than ``k`` people (none
   included) is hidden, then the smallest shown until the hidden moves are at least two and
   hold at least ``k`` people together (:func:`hidden_cells`). The counts of moves up, down
   and staying (``transition_balance``), and the p-values they could be worked back from, are
   hidden when they would pin a hidden move, or the hidden moves of one direction, to 1 to
   ``k - 1`` people (:func:`balance_discloses`).
8. **Ties between organisations** (maps, network indicators, churn): a tie is shown whoever
   reported it (that two organisations work together is about the organisations); its depth
   and trust count only from the reports of organisations with at least ``k`` people reporting
   ties that round (:func:`protect_ties`), in maps (drawn without a depth otherwise), the mix
   of depths, mean trust and ties deepened or weakened.
9. **Brokers and names on maps**: an organisation is named only in a round when at least ``k``
   of its people reported ties (:func:`organisations_shown`), since its place in the network
   comes from who its people said they work with.
10. **Quotes** (``select_quotes``): only with consent; attributed to a sector or role only
    where rule 1 over the round's people shows it, otherwise to "A partner"
    (:func:`quote_groups`); never to an organisation; masked.
11. **Masking** (:func:`mask_text`): e-mail addresses, web links, phone numbers in any
    country's format (numbers without a country code read as the place's ``country``), UK
    postcodes, the names and aliases of the place's organisations and the people's names
    listed under ``redact:`` in ``place.yml``.

Respondent ids are replaced at ingest by a keyed hash (:mod:`evalkit.data.keys`) and never
reach a report. The grouping helpers (:data:`GROUP_COLUMNS`, :func:`place_keys`,
:func:`with_group`, :func:`ordered`) give every indicator the same keys to protect.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import Leniency
from scipy import optimize

from evalkit.config import DEFAULT_COUNTRY
from evalkit.exceptions import EvalkitError

__all__ = [
    "GROUP_COLUMNS",
    "place_keys",
    "with_group",
    "hidden_groups",
    "shown_in_every_round",
    "suppress",
    "hidden_cells",
    "balance_discloses",
    "organisations_shown",
    "protect_ties",
    "quote_groups",
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


def ordered(table: pd.DataFrame, by: list[str], column: str, order: list[str]) -> pd.DataFrame:
    """``table`` sorted by ``by``, with ``column`` in the given ``order`` (e.g. framework order)."""
    rank = table[column].map({value: i for i, value in enumerate(order)})
    return (
        table.assign(_rank=rank)
        .sort_values([*by, "_rank"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def hidden_groups(
    table: pd.DataFrame,
    *,
    k_min: int,
    within: list[str],
    n: str = "n",
    group: str = "group",
    also: pd.Series | None = None,
    zeros: str = "apart",
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
    zeros : {"apart", "cells"}
        What a row with ``n`` 0 is. "apart" (groups of people): nobody, always hidden and no
        part of protecting the others. "cells" (the cells of a two-way table, as in
        :func:`hidden_cells`): a count like any other, hidden as under ``k_min``, and a reader
        cannot tell a hidden zero from a hidden one, so the hidden cells need only be at least
        two and hold at least ``k_min`` people together.

    Returns
    -------
    Series of bool
        Aligned with ``table``: True where the row must be suppressed.

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
    if zeros not in ("apart", "cells"):
        raise ValueError(f"zeros must be 'apart' or 'cells', not {zeros!r}")
    counts = pd.to_numeric(table[n], errors="coerce").fillna(0).to_numpy(dtype=float)
    people = counts > 0 if zeros == "apart" else np.ones(len(counts), dtype=bool)
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
    protected = (count >= 2) & (total >= k_min) & ((total > count) | (zeros == "cells"))
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


def hidden_cells(
    counts: pd.DataFrame,
    *,
    k_min: int,
    within: list[str],
    row: str,
    column: str,
    n: str = "n",
) -> tuple[pd.Series, pd.Series]:
    """Which cells, and which row totals, of two-way tables of counts to hide.

    Rows with the same values of ``within`` form one table (e.g. the moves between levels of one
    behaviour from one round to the next), with one row per ``row`` value and one cell per
    (``row``, ``column``). The row totals are groups beside the table's total, protected as
    :func:`hidden_groups` protects any groups; in each row shown, every cell under ``k_min``
    (a zero too) is hidden, then the row's smallest shown cells until its hidden cells are at
    least two and hold at least ``k_min`` people together.

    Parameters
    ----------
    counts : DataFrame
        One row per cell, with the ``within`` columns, ``row``, ``column`` and ``n`` (every
        cell present, zeros included).
    k_min : int
        Smallest count shown.
    within, row, column : str
        The columns naming each table, each of its rows, each cell of a row.
    n : str
        The count.

    Returns
    -------
    cells, totals : Series of bool
        Aligned with ``counts``: True where the cell is hidden, and where its row's total is.
        A cell of a hidden row is hidden.

    Notes
    -----
    A row shown gives its total, so its hidden cells' sum is the total minus the cells shown:
    at least ``k_min`` people, shared by at least two cells that could each hold anything from
    none to all of them. Rows hidden (beside the table total, which another table may show)
    hold at least ``k_min`` people together by the same rule. So no hidden count can be worked
    out from the totals, and no small number of people is pinned to a hidden set of cells.

    Examples
    --------
    >>> moves = pd.DataFrame({"step": 1, "before": list("aaabbb"), "after": list("xyzxyz"),
    ...                       "n": [6, 0, 2, 1, 9, 30]})
    >>> cells, totals = hidden_cells(moves, k_min=5, within=["step"], row="before",
    ...                              column="after")
    >>> cells.tolist(), totals.tolist()
    ([True, True, True, True, True, False], [False, False, False, False, False, False])
    """
    keys = [*within, row]
    sums = counts.groupby(keys, sort=False, dropna=False)[n].sum().reset_index()
    sums["_hidden"] = hidden_groups(sums, k_min=k_min, within=within, n=n, group=row)
    totals = counts[keys].merge(sums[[*keys, "_hidden"]], on=keys, how="left")["_hidden"]
    totals = pd.Series(totals.to_numpy(dtype=bool), index=counts.index)
    cells = hidden_groups(
        counts, k_min=k_min, within=keys, n=n, group=column, also=totals, zeros="cells"
    )
    return cells, totals


def balance_discloses(
    counts: np.ndarray, hidden: np.ndarray, total_shown: np.ndarray, k_min: int
) -> bool:
    """Would publishing how many moved up, down and stayed disclose a small number of people?

    Parameters
    ----------
    counts : array (k, k)
        A square table of moves between ordered levels (rows: from, columns: to).
    hidden : array of bool (k, k)
        Its cells hidden by :func:`hidden_cells`.
    total_shown : array of bool (k,)
        Whether each row's total is shown.
    k_min : int
        Smallest number of people shown.

    Returns
    -------
    bool
        True when, given the cells and totals shown, the table's total and the three counts
        (above the diagonal, below it, on it), the hidden cells of one direction would hold
        from 1 to ``k_min - 1`` people, or one hidden cell would be pinned to such a value.

    Notes
    -----
    Each hidden cell's least and greatest possible value come from two linear programmes over
    the hidden cells (non-negative), with the shown cells subtracted from every sum a reader
    knows, as statistical offices' audit tools for tables do (Hundepool et al. 2012, ch. 4).
    A hidden zero, or a hidden cell of ``k_min`` or more, may be pinned: it describes nobody,
    or a group large enough to show.

    Examples
    --------
    >>> counts = np.array([[6, 2, 1], [1, 7, 5], [0, 1, 5]])
    >>> balance_discloses(counts, counts < 5, np.ones(3, bool), k_min=5)  # 1 + 0 + 1 fell
    True
    >>> counts = np.array([[9, 3, 2], [3, 9, 4], [1, 2, 9]])
    >>> balance_discloses(counts, np.ones((3, 3), bool), np.zeros(3, bool), k_min=5)
    False
    """
    counts, hidden = np.asarray(counts), np.asarray(hidden, dtype=bool)
    if not hidden.any():
        return False
    size = counts.shape[0]
    directions = [np.triu(np.ones((size, size), bool), 1), np.eye(size, dtype=bool)]
    directions.append(directions[0].T)
    for cells in directions:
        held = counts[cells & hidden].sum()
        if (cells & hidden).any() and 0 < held < k_min:
            return True
    rows = [np.eye(size, dtype=bool)[i][:, None] & np.ones(size, bool) for i in range(size)]
    known = [(np.ones((size, size), bool), counts.sum())]
    known += [(rows[i], counts[i].sum()) for i in range(size) if total_shown[i]]
    known += [(cells, counts[cells].sum()) for cells in directions]
    small = hidden & (counts > 0) & (counts < k_min)
    return bool((_fixed_cells(counts, hidden, known) & small).any())


def _fixed_cells(counts: np.ndarray, hidden: np.ndarray, known: list) -> np.ndarray:
    """Which hidden cells have one possible value, given sums over masks of cells.

    ``known`` is a list of (mask, total): the cells under each mask add up to its total.
    """
    unknown = np.flatnonzero(hidden)
    a_eq = np.array([mask.ravel()[unknown] for mask, _ in known], dtype=float)
    b_eq = [total - counts[mask & ~hidden].sum() for mask, total in known]
    fixed = np.zeros(counts.size, bool)
    for k in range(len(unknown)):
        cost = np.zeros(len(unknown))
        cost[k] = 1.0
        low, high = (optimize.linprog(sign * cost, A_eq=a_eq, b_eq=b_eq) for sign in (1, -1))
        fixed[unknown[k]] = -high.fun - low.fun < 0.5
    return fixed.reshape(counts.shape)


def _reporting_people(ties: pd.DataFrame) -> pd.Series:
    """Distinct respondents who reported ties, per round and organisation."""
    if "respondent" not in ties.columns:
        raise EvalkitError(
            "The ties need a respondent column, to count each organisation's respondents for "
            "k_min (as evalkit.data.store.read_ties gives them); pass k_min=0 only for ties "
            "that describe no one's answers."
        )
    return ties.groupby(["round", "organisation"])["respondent"].nunique()


def organisations_shown(ties: pd.DataFrame, *, k_min: int) -> pd.Series:
    """Per round and organisation: may its people's tie answers be shown, and it be named?

    Parameters
    ----------
    ties : DataFrame
        Tie reports: ``round, respondent, organisation`` (the reporting organisation), ...
    k_min : int
        Smallest number of an organisation's people whose answers are shown.

    Returns
    -------
    Series of bool
        Indexed by ``round, organisation`` (the organisations that reported ties that round):
        True where at least ``k_min`` of its people reported ties. Only then do the depth and
        trust of its reports count (:func:`protect_ties`), and may it be named as a broker or
        on a map: its betweenness comes from who its people said they work with.

    Examples
    --------
    >>> ties = pd.DataFrame({"round": 1, "respondent": list("abcdef"),
    ...                      "organisation": ["x"] * 5 + ["y"], "partner": "z"})
    >>> organisations_shown(ties, k_min=5).to_dict()
    {(1, 'x'): True, (1, 'y'): False}
    """
    if k_min <= 1:
        keys = ties[["round", "organisation"]].drop_duplicates()
        return pd.Series(True, index=pd.MultiIndex.from_frame(keys)).sort_index()
    return _reporting_people(ties) >= k_min


def protect_ties(ties: pd.DataFrame, *, k_min: int) -> pd.DataFrame:
    """Tie reports with their depth and trust blanked where the organisation is too small.

    Parameters
    ----------
    ties : DataFrame
        Tie reports with ``round, respondent, organisation, partner, depth`` and optionally
        ``trust`` (as :func:`evalkit.data.store.read_ties` returns them).
    k_min : int
        Smallest number of an organisation's people (reporting ties that round) whose answers'
        depth and trust are shown.

    Returns
    -------
    DataFrame
        A copy, with ``depth`` and ``trust`` missing in the reports of organisations that
        :func:`organisations_shown` does not show that round. The tie itself is kept: that two
        organisations work together is a fact about the organisations, which their partners
        can report too.

    Notes
    -----
    A tie's depth is the deepest reported and its trust the mean of the ratings given, so from
    an organisation of one respondent both are that person's answers. Blanking them before any
    aggregation keeps them out of every map, indicator (the mix of depths, mean trust) and
    churn count (ties deepened or weakened), which could otherwise be subtracted from one
    another. A tie that both sides reported keeps the depth the larger side gave.

    Examples
    --------
    >>> ties = pd.DataFrame({"round": 1, "respondent": list("abcdef"),
    ...                      "organisation": ["x"] * 5 + ["y"], "partner": "z",
    ...                      "depth": "collaborating", "trust": 4.0})
    >>> protect_ties(ties, k_min=5)[["organisation", "depth", "trust"]].tail(2)
      organisation          depth  trust
    4            x  collaborating    4.0
    5            y            NaN    NaN
    """
    shown = organisations_shown(ties, k_min=k_min)
    keys = pd.MultiIndex.from_frame(ties[["round", "organisation"]])
    answered = shown.reindex(keys, fill_value=False).to_numpy(dtype=bool)
    protected = ties.copy()
    protected["depth"] = ties["depth"].astype(object).where(answered)
    if "trust" in ties.columns:
        protected["trust"] = ties["trust"].astype(float).where(answered)
    return protected


def quote_groups(people: pd.DataFrame, *, attribute: str, k_min: int) -> pd.Series:
    """Per round and group: may a quote be attributed to the group?

    Parameters
    ----------
    people : DataFrame
        Everyone who took part: ``round, respondent`` and the ``attribute`` column (e.g. the
        round's ratings and reflections together).
    attribute : str
        The grouping quotes are attributed to ("sector" or "role").
    k_min : int
        Smallest group named.

    Returns
    -------
    Series of bool
        Indexed by ``round`` and the group: True where a quote may name the group. The groups
        are protected as any groups beside their total (:func:`hidden_groups`), so a quote
        attributed to no group ("A partner") could come from at least two groups holding at
        least ``k_min`` people together, never from one small group alone.

    Examples
    --------
    >>> people = pd.DataFrame({"round": 1, "respondent": range(48),
    ...                        "sector": ["public"] * 30 + ["voluntary"] * 15 + ["private"] * 3})
    >>> quote_groups(people, attribute="sector", k_min=5).to_dict()
    {(1, 'private'): False, (1, 'public'): True, (1, 'voluntary'): False}
    """
    people = people[["round", "respondent", attribute]].dropna(subset=[attribute])
    sizes = people.drop_duplicates().groupby(["round", attribute])["respondent"].nunique()
    sizes = sizes.rename("n").reset_index()
    hidden = hidden_groups(sizes, k_min=k_min, within=["round"], group=attribute)
    index = pd.MultiIndex.from_frame(sizes[["round", attribute]])
    return pd.Series(~hidden.to_numpy(dtype=bool), index=index)


_EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")


_LINK = re.compile(r"(?<!\w)(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]']")


# a year or a range of years ("2019-2023"), or a date written with digits: never a phone number
_DATE_LIKE = re.compile(
    r"\(?(?:(?:19|20)\d\d(?:\s*[-/–]\s*(?:19|20)?\d\d)?"
    r"|\d{4}[-/.]\d\d?[-/.]\d\d?|\d\d?[-/.]\d\d?[-/.]\d{2,4})\)?"
)

# a full UK postcode (outward and inward code); districts alone ("SW1A") point to no address
_POSTCODE = re.compile(
    r"(?<![\w-])(?:GIR\s?0AA|[A-PR-UWYZ][A-HK-Y]?\d[\dA-Z]?\s?\d[ABD-HJLNP-UW-Z]{2})(?![\w-])",
    re.IGNORECASE,
)

_MARKS = "[\u0300-\u036f]*"  # combining accents, which a name may or may not carry


def _is_phone(match, country: str) -> bool:
    """Whether a possible number that phonenumbers found is to be masked (see mask_text)."""
    raw = match.raw_string
    if _DATE_LIKE.fullmatch(raw.strip()):
        return False
    digits = sum(c.isdigit() for c in raw)
    if raw.lstrip("( ").startswith(("+", "00")):
        return True
    valid = phonenumbers.is_valid_number_for_region(match.number, country)
    return digits >= 9 or (digits >= 7 and valid)


def _mask_phones(text: str, country: str) -> str:
    matches = phonenumbers.PhoneNumberMatcher(text, country, leniency=Leniency.POSSIBLE)
    spans = [
        # "(+33 1 ...)": the bracket before the number is the writer's, not the number's
        (m.start + (m.raw_string.startswith("(") and ")" not in m.raw_string), m.end)
        for m in matches
        if _is_phone(m, country)
    ]
    for start, end in reversed(spans):
        text = text[:start] + "[phone]" + text[end:]
    return text


def _mask_postcodes(text: str) -> str:
    def token(match: re.Match) -> str:
        letters = [c for c in match.group() if c.isalpha()]
        same_case = all(c.isupper() for c in letters) or all(c.islower() for c in letters)
        return "[postcode]" if same_case else match.group()

    return _POSTCODE.sub(token, text)


def _organisation_names(place) -> tuple[str, ...]:
    if hasattr(place, "organisations"):
        return tuple(n for o in place.organisations for n in (o.name, *o.aliases))
    return tuple(place)


def _name_regex(name: str) -> str:
    """A name spelled in any case and spacing, with or without accents, ' or ’, & or "and"."""
    bare = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))

    def letter(c: str) -> str:
        if c in "'’":
            return "['’]"
        if c == "&":
            return "(?:&|and)"
        return re.escape(c) + _MARKS

    return r"\s+".join("".join(letter(c) for c in word) for word in bare.split())


@functools.lru_cache(maxsize=64)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    names = tuple(n for n in dict.fromkeys(str(n).strip() for n in names) if n)
    if not names:
        return None
    # longest first, so "Northbridge City Council" wins over "Northbridge Council" at one position
    spelled = sorted((_name_regex(n) for n in names), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(spelled) + r")(?!\w)", re.IGNORECASE)


def mask_text(text: str, place, *, also: Iterable[str] = (), country: str | None = None) -> str:
    """A reflection's text with contact details, postcodes and names masked.

    Parameters
    ----------
    text : str
        The text (a missing value gives ``""``).
    place : Place or iterable of str
        The place whose organisation names and aliases, and ``redact`` names, are masked; or
        the organisation names themselves.
    also : iterable of str
        More people's names to mask, beside the place's ``redact`` list.
    country : str, optional
        The region (two letters, e.g. "GB") that numbers written without an international
        prefix belong to; by default the place's ``country``, else "GB".

    Returns
    -------
    str
        The text with e-mail addresses as ``[email]``, web links as ``[link]``, phone numbers
        as ``[phone]``, UK postcodes as ``[postcode]``, organisation names and aliases as
        ``[organisation]`` and people's names (``redact`` and ``also``) as ``[name]``.

    Notes
    -----
    Phone numbers are found by Google's libphonenumber (the ``phonenumbers`` package), which
    knows every country's numbering plan: a number written with ``+`` or ``00`` and a country
    code is masked in any country's format; one written without is read as a number of
    ``country`` and masked when it has at least 9 digits, or 7 and is a valid number there.
    Years, ranges of years and dates written in digits are never masked as phone numbers;
    other long digit strings (a reference number, an NHS number) are, which costs a number
    but never leaves a contact in place. A postcode is masked whole (outward and inward code,
    in capitals or in lower case); a district alone ("SW1A") points to no address and stays.

    Names are matched whole, in any case, with any spacing, with or without accents, a straight
    or curly apostrophe and ``&`` or "and": "open door" is masked in "the open door team" but
    "ICB" is not in "ICBs" or "iicb". A name that is also an everyday phrase ("Second Step") is
    masked wherever it occurs: that costs some words but never leaves a name in place. List
    each form of a person's name to mask ("Jo Bloggs", "Bloggs"). The place's own name is not
    masked. Masking catches names and contact details, not every detail that could point to
    someone; a person still reads each quote before a report goes out.

    Examples
    --------
    >>> mask_text("Ask jo@example.org or ring 07700 900 123 at Open Door.", ["Open Door"])
    'Ask [email] or ring [phone] at [organisation].'
    >>> mask_text("The OPEN DOOR team, not the opendoorway.", ["Open Door"])
    'The [organisation] team, not the opendoorway.'
    >>> mask_text("Zoe Hart (+33 1 23 45 67 89) moved to LS1 4AP.", [], also=["Zoë Hart"])
    '[name] ([phone]) moved to [postcode].'
    """
    if not isinstance(text, str):
        return ""
    country = (country or getattr(place, "country", None) or DEFAULT_COUNTRY).upper()
    text = unicodedata.normalize("NFC", text)
    text = _EMAIL.sub("[email]", text)
    text = _LINK.sub("[link]", text)
    text = _mask_phones(text, country)
    text = _mask_postcodes(text)
    people = (*getattr(place, "redact", ()), *also)
    text = unicodedata.normalize("NFD", text)
    for names, token in ((_organisation_names(place), "[organisation]"), (people, "[name]")):
        pattern = _names_pattern(tuple(names))
        if pattern is not None:
            text = pattern.sub(token, text)
    return unicodedata.normalize("NFC", text)
