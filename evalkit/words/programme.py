"""The programme view in words: how alike the places' trajectories are, which are hidden, and
the table of shapes and turning rounds, place by place."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from evalkit.words.numbers import join_names
from evalkit.words.shapes import SHAPE_WORDS

__all__ = [
    "comparison_table",
    "comparison_title",
    "hidden_note",
    "how_to_read_programme",
    "places_chart_alt",
    "places_numbers",
    "places_table",
    "programme_overview",
]


def _unique(values: pd.Series) -> list:
    """The distinct values in the order they first appear."""
    return list(dict.fromkeys(values.tolist()))


def programme_overview(
    trends: pd.DataFrame, labels: Mapping[str, str], place_names: Mapping[str, str]
) -> str:
    """A few plain sentences on how alike the places' trajectories are.

    Examples
    --------
    >>> trends = pd.DataFrame({"place": ["a", "b", "a", "b"],
    ...     "behaviour": ["trust", "trust", "vision", "vision"],
    ...     "shape": ["step", "flat", "flat", "flat"], "nonlinear": [True, False, False, False],
    ...     "suppressed": False})
    >>> print(programme_overview(trends, {"trust": "Trust", "vision": "Vision"},
    ...                          {"a": "Ashby", "b": "Bexley"}))
    Across Ashby and Bexley, 1 of 2 behaviours took a different shape in different places. \
The same shape everywhere: vision (flat). Behaviours that turned: 1 in Ashby and none in Bexley.
    """
    from evalkit.reports.programme import shape_agreement

    agreement = shape_agreement(trends)
    compared = agreement[agreement["n_places"] >= 2]
    places = _unique(trends["place"])
    text = (
        f"Across {join_names([place_names.get(p, p) for p in places])}, "
        f"{int((~compared['same']).sum())} of {len(compared)} behaviours took a different shape "
        "in different places."
    )
    same = compared[compared["same"]]
    if len(same):
        alike = [
            f"{labels.get(b, b).lower()} ({SHAPE_WORDS.get(s[0], s[0]).lower()})"
            for b, s in zip(same["behaviour"], same["shapes"], strict=True)
        ]
        text += f" The same shape everywhere: {join_names(alike)}."
    turned = trends["nonlinear"].astype("boolean").fillna(False).astype(bool)
    counts = [
        f"{int(turned[trends['place'] == p].sum()) or 'none'} in {place_names.get(p, p)}"
        for p in places
    ]
    return text + f" Behaviours that turned: {join_names(counts)}."


def comparison_title(trends: pd.DataFrame) -> str:
    """A chart title saying how many behaviours took a different shape in different places.

    Examples
    --------
    >>> trends = pd.DataFrame({"place": ["a", "b"], "behaviour": "trust",
    ...     "shape": ["step", "flat"], "suppressed": False})
    >>> comparison_title(trends)
    'Each behaviour, place by place: 1 of 1 took a different shape in different places'
    """
    from evalkit.reports.programme import shape_agreement

    agreement = shape_agreement(trends)
    compared = agreement[agreement["n_places"] >= 2]
    if len(compared) and compared["same"].all():
        return "Each behaviour, place by place: every one took the same shape everywhere"
    return (
        f"Each behaviour, place by place: {int((~compared['same']).sum())} of {len(compared)} "
        "took a different shape in different places"
    )


def hidden_note(
    trends: pd.DataFrame, labels: Mapping[str, str], place_names: Mapping[str, str]
) -> str:
    """Which places' behaviours are not shown, and why; or that every one is.

    Examples
    --------
    >>> trends = pd.DataFrame({"place": ["a", "b"], "behaviour": "trust",
    ...     "suppressed": [False, True]})
    >>> hidden_note(trends, {"trust": "Trust"}, {"a": "Ashby", "b": "Bexley"})
    "Not shown, because a round had fewer answers than the place's privacy threshold: trust in \
Bexley."
    """
    hidden = trends[trends["suppressed"].astype(bool)]
    if hidden.empty:
        return "Every behaviour is shown in every place: each round had enough answers."
    which = [
        f"{labels.get(b, b).lower()} in {place_names.get(p, p)}"
        for p, b in zip(hidden["place"], hidden["behaviour"], strict=True)
    ]
    return (
        "Not shown, because a round had fewer answers than the place's privacy threshold: "
        f"{join_names(which)}."
    )


def _round_text(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def comparison_table(
    trends: pd.DataFrame, labels: Mapping[str, str], place_names: Mapping[str, str]
) -> pd.DataFrame:
    """Words for a table: one row per behaviour, one column per place, the shape and turn.

    Examples
    --------
    >>> trends = pd.DataFrame({"place": ["a", "b"], "behaviour": "trust", "shape": ["step", None],
    ...     "nonlinear": [True, pd.NA], "turning_round": [5.0, None],
    ...     "turning_low": [4.5, None], "turning_high": [5.0, None],
    ...     "suppressed": [False, True]})
    >>> comparison_table(trends, {"trust": "Trust"}, {"a": "Ashby", "b": "Bexley"}).iloc[0].tolist()
    ['Trust', 'Step change, around round 5 (between 4.5 and 5)', 'Not shown: too few answers']
    """
    cells = {}
    for row in trends.to_dict("records"):
        if row["suppressed"]:
            text = "Not shown: too few answers"
        elif row["shape"] is None or pd.isna(row["shape"]):
            text = "Too few rounds to tell"
        else:
            text = SHAPE_WORDS.get(row["shape"], row["shape"])
            if pd.notna(row["turning_round"]):
                low, high = _round_text(row["turning_low"]), _round_text(row["turning_high"])
                text += (
                    f", at round {high}"
                    if low == high
                    else f", around round {_round_text(row['turning_round'])} "
                    f"(between {low} and {high})"
                )
        cells[row["behaviour"], row["place"]] = text
    places = _unique(trends["place"])
    rows = [
        {"Behaviour": labels.get(b, b)}
        | {place_names.get(p, p): cells.get((b, p), "Not asked") for p in places}
        for b in _unique(trends["behaviour"])
    ]
    return pd.DataFrame(rows)


def how_to_read_programme() -> str:
    """The programme view's "how to read" box, in markdown."""
    return (
        "**How to read this report.** Each place ran the same survey of the same behaviours. "
        "Here the places sit side by side: for each behaviour, one line per place shows its "
        "average rating per round, with a bar for the range we are fairly sure the true average "
        "lies in (95% interval). Each place's change is compared with a straight line and with "
        "shapes that turn (a step, a change of pace, a tipping point, a turn in direction, a "
        "shock), by the same test as its own trajectory report; a turn is only claimed when a "
        "straight line fits clearly worse than chance allows. Places differ in who answers, so "
        "compare the shapes and timing more than the levels. This is not a league table: each "
        "place's path is a prompt for reflection."
    )


def places_table(places: pd.DataFrame) -> pd.DataFrame:
    """The places compared: name, rounds and the smallest group shown in each."""
    return pd.DataFrame(
        {
            "Place": places["name"],
            "Rounds": [f"{min(r)} to {max(r)}" for r in places["rounds"]],
            "Smallest group shown": places["k_min"],
        }
    )


def places_chart_alt(place_names: Mapping[str, str]) -> str:
    """The alt text of the small charts comparing places (the places named when few).

    >>> len(places_chart_alt({f"p{i}": f"Place number {i}" for i in range(100)})) <= 250
    True
    """
    names = list(place_names.values())
    which = f"({join_names(names)})" if len(names) <= 4 else f"({len(names)} places)"
    return (
        f"Small charts, one per behaviour, one line per place {which}: the average rating per "
        "round with its interval; dotted lines mark where a place turned. The table has the "
        "numbers."
    )


def places_numbers(
    levels: pd.DataFrame, labels: Mapping[str, str], place_names: Mapping[str, str]
) -> pd.DataFrame:
    """The comparison's numbers: a row per behaviour and place, each round's average (95%
    interval), "not shown" where a place's group was too small.

    >>> levels = pd.DataFrame({"place": ["a", "a"], "behaviour": ["trust", "trust"],
    ...     "round": [1, 2], "mean": [5.0, float("nan")], "ci_low": [4.6, None],
    ...     "ci_high": [5.4, None], "suppressed": [False, True]})
    >>> places_numbers(levels, {"trust": "Trust"}, {"a": "Ashby"}).to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'Behaviour': 'Trust', 'Place': 'Ashby', 'Round 1': '5.0 (4.6 to 5.4)',
      'Round 2': 'not shown'}]
    """
    rows = []
    places = list(dict.fromkeys(levels["place"]))
    for behaviour, label in labels.items():
        for place in places:
            mine = levels[(levels["behaviour"] == behaviour) & (levels["place"] == place)]
            if mine.empty:
                continue
            row = {"Behaviour": label, "Place": place_names.get(place, place)}
            for _, r in mine.sort_values("round").iterrows():
                shown = not bool(r["suppressed"]) and pd.notna(r["mean"])
                row[f"Round {int(r['round'])}"] = (
                    f"{r['mean']:.1f} ({r['ci_low']:.1f} to {r['ci_high']:.1f})"
                    if shown
                    else "not shown"
                )
            rows.append(row)
    return pd.DataFrame(rows)
