"""Who moved first: behaviours (or sectors within a behaviour) ordered by when they turned.

Works on the per-series assessments of the shape engine: only series judged non-linear with a
breakpoint are ordered, and every comparison says whether the breakpoints' intervals overlap,
in which case the order is uncertain and the words say so.
"""

from __future__ import annotations

import math
from itertools import combinations

import pandas as pd

__all__ = ["who_moved_first", "moved_first_pairs", "order_sentence"]

_NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_NUMBER_WORDS += ["ten"]
_EXACT = 0.05  # a gap or breakpoint this close to a whole number is read as whole


def who_moved_first(
    assessments: pd.DataFrame, *, by: str = "behaviour", within: str | list[str] | None = None
) -> pd.DataFrame:
    """The series that turned, ordered by their breakpoint, with a rank.

    Parameters
    ----------
    assessments : DataFrame
        One row per series, with the ``by`` column, ``breakpoint``, ``breakpoint_low``,
        ``breakpoint_high`` (its interval) and ``nonlinear``; other columns are kept.
    by : str
        The column naming what is ordered: "behaviour", or e.g. "group" for sectors.
    within : str or list of str, optional
        Order separately within each value of these columns (e.g. ``within="behaviour"`` to
        order the sectors of each behaviour).

    Returns
    -------
    DataFrame
        The rows with ``nonlinear`` true and a breakpoint, sorted by ``within`` then
        ``breakpoint``, with ``rank`` (1 = first; equal breakpoints share the smaller rank).

    Examples
    --------
    >>> assessments = pd.DataFrame({
    ...     "behaviour": ["power_shared", "trusting_relationships", "shared_vision"],
    ...     "nonlinear": [True, True, False], "breakpoint": [5.1, 3.0, None],
    ...     "breakpoint_low": [4.2, 2.4, None], "breakpoint_high": [6.0, 3.8, None]})
    >>> who_moved_first(assessments)[["behaviour", "breakpoint", "rank"]].to_dict("records")
    [{'behaviour': 'trusting_relationships', 'breakpoint': 3.0, 'rank': 1}, \
{'behaviour': 'power_shared', 'breakpoint': 5.1, 'rank': 2}]
    """
    within = _as_list(within)
    missing = {by, "nonlinear", "breakpoint", "breakpoint_low", "breakpoint_high", *within}
    missing -= set(assessments.columns)
    if missing:
        raise ValueError(f"assessments lack columns {sorted(missing)}")
    turned = assessments["nonlinear"].fillna(False).astype(bool) & assessments["breakpoint"].notna()
    ordered = assessments[turned].sort_values([*within, "breakpoint"], kind="stable")
    ranks = ordered.groupby(within)["breakpoint"] if within else ordered["breakpoint"]
    ordered = ordered.assign(rank=ranks.rank(method="min").astype(int))
    return ordered.reset_index(drop=True)


def moved_first_pairs(
    ordered: pd.DataFrame, *, by: str = "behaviour", within: str | list[str] | None = None
) -> pd.DataFrame:
    """Every pair of series that turned, the earlier first, with the gap and whether it is clear.

    Parameters
    ----------
    ordered : DataFrame
        The result of :func:`who_moved_first`.
    by, within
        As given to it.

    Returns
    -------
    DataFrame
        One row per pair: ``[within...,] first, second, first_breakpoint, second_breakpoint,
        gap`` (second minus first), ``overlap`` (the two 95% intervals overlap, or one is
        unknown: the order is uncertain) and ``gap_words`` (e.g. "about two rounds").

    Examples
    --------
    >>> ordered = pd.DataFrame({"behaviour": ["trust", "power"], "breakpoint": [3.0, 5.0],
    ...                         "breakpoint_low": [2.5, 4.6], "breakpoint_high": [3.6, 5.5]})
    >>> moved_first_pairs(ordered)[["first", "second", "gap", "overlap", "gap_words"]].to_dict(
    ...     "records")
    [{'first': 'trust', 'second': 'power', 'gap': 2.0, 'overlap': False, 'gap_words': 'two rounds'}]
    """
    within = _as_list(within)
    rows = []
    groups = ordered.groupby(within, sort=False) if within else [((), ordered)]
    for key, frame in groups:
        key = key if isinstance(key, tuple) else (key,)
        records = frame.sort_values("breakpoint", kind="stable").to_dict("records")
        for first, second in combinations(records, 2):
            overlap = _overlap(first, second)
            gap = float(second["breakpoint"] - first["breakpoint"])
            rows.append(
                {
                    **dict(zip(within, key, strict=True)),
                    "first": first[by],
                    "second": second[by],
                    "first_breakpoint": first["breakpoint"],
                    "second_breakpoint": second["breakpoint"],
                    "gap": gap,
                    "overlap": overlap,
                    "gap_words": _gap_words(gap, hedge=overlap),
                }
            )
    columns = [*within, "first", "second", "first_breakpoint", "second_breakpoint", "gap"]
    return pd.DataFrame(rows, columns=[*columns, "overlap", "gap_words"])


def order_sentence(
    ordered: pd.DataFrame, labels: dict[str, str], *, by: str = "behaviour", unit: str = "round"
) -> str:
    """One plain-English sentence on who moved first, hedged when the order is uncertain.

    Parameters
    ----------
    ordered : DataFrame
        The result of :func:`who_moved_first` for one ordering (one ``within`` value).
    labels : dict
        The name to print for each value of ``by``, e.g. a framework's labels or
        ``{"voluntary": "the voluntary sector"}``.
    by : str
        As given to :func:`who_moved_first`.
    unit : str
        What the time axis counts ("round", "month").

    Returns
    -------
    str

    Notes
    -----
    Two series: "A turned about two rounds before B." Three or more: "A moved first (round 3);
    B last (round 6)." The gap is hedged with "about" unless it is a whole number of rounds and
    the intervals do not overlap; when the intervals of the first and the last overlap, the
    sentence adds that the order is uncertain. A label keeps its capitals except at the start of
    a sentence, where the first letter is raised; a label whose first word is capitalised only
    by convention ("Trusting relationships") is lowered in the middle of a sentence.

    Examples
    --------
    >>> labels = {"trust": "Trusting relationships", "power": "Power shared"}
    >>> ordered = pd.DataFrame({"behaviour": ["trust", "power"], "breakpoint": [3.2, 5.1],
    ...                         "breakpoint_low": [2.5, 4.0], "breakpoint_high": [4.3, 6.0]})
    >>> order_sentence(ordered, labels)
    'Trusting relationships turned about two rounds before power shared; their intervals \
overlap, so the order is not certain.'
    >>> sectors = pd.DataFrame({"group": ["voluntary", "public", "private"],
    ...                         "breakpoint": [3.0, 4.0, 6.0], "breakpoint_low": [2.5, 3.5, 5.5],
    ...                         "breakpoint_high": [3.4, 4.6, 6.5]})
    >>> order_sentence(sectors, {"voluntary": "the voluntary sector",
    ...                          "public": "the public sector", "private": "the private sector"},
    ...                by="group")
    'The voluntary sector moved first (round 3); the private sector last (round 6).'
    """
    if ordered.empty:
        return "Nothing has clearly turned yet, so there is no order to report."
    records = ordered.sort_values("breakpoint", kind="stable").to_dict("records")
    first, last = records[0], records[-1]
    first_name = _capitalised(labels.get(first[by], str(first[by])))
    last_name = _in_sentence(labels.get(last[by], str(last[by])))
    if len(records) == 1:
        return f"Only {_in_sentence(first_name)} has clearly turned ({_when(first, unit)})."
    uncertain = _overlap(first, last)
    if len(records) == 2:
        gap = float(last["breakpoint"] - first["breakpoint"])
        if round(gap) == 0:
            sentence = f"{first_name} and {last_name} turned at about the same time"
        else:
            words = _gap_words(gap, hedge=uncertain, unit=unit)
            sentence = f"{first_name} turned {words} before {last_name}"
        caveat = "their intervals overlap, so the order is not certain"
    else:
        sentence = (
            f"{first_name} moved first ({_when(first, unit)}); "
            f"{last_name} last ({_when(last, unit)})"
        )
        caveat = "but their intervals overlap, so the order is not certain"
    return f"{sentence}; {caveat}." if uncertain else f"{sentence}."


def _as_list(columns) -> list[str]:
    if columns is None:
        return []
    return [columns] if isinstance(columns, str) else list(columns)


def _overlap(first: dict, second: dict) -> bool:
    bounds = [first["breakpoint_high"], second["breakpoint_low"]]
    bounds += [first["breakpoint_low"], second["breakpoint_high"]]
    if any(pd.isna(b) for b in bounds):
        return True  # an interval we do not know cannot show the order is clear
    return bool(
        max(first["breakpoint_low"], second["breakpoint_low"])
        <= min(first["breakpoint_high"], second["breakpoint_high"])
    )


def _gap_words(gap: float, *, hedge: bool, unit: str = "round") -> str:
    whole = round(abs(gap))
    hedge = hedge or abs(abs(gap) - whole) > _EXACT
    if whole == 0:
        return f"less than one {unit}"
    count = _NUMBER_WORDS[whole] if whole < len(_NUMBER_WORDS) else str(whole)
    plural = unit if whole == 1 else f"{unit}s"
    return f"{'about ' if hedge else ''}{count} {plural}"


def _when(record: dict, unit: str) -> str:
    value = float(record["breakpoint"])
    if abs(value - round(value)) <= _EXACT:
        return f"{unit} {round(value)}"
    return f"about {unit} {math.floor(value + 0.5)}"


def _capitalised(label: str) -> str:
    return label[:1].upper() + label[1:]


def _in_sentence(label: str) -> str:
    first_word = label.split(" ", 1)[0]
    if first_word[:1].isupper() and first_word[1:].islower():
        return label[:1].lower() + label[1:]
    return label
