"""Who works with whom, in words: the network's indicators as a readable table, churn and brokers
as sentences, and a short description of a round's map for its alt text.
"""

from __future__ import annotations

import html

import pandas as pd

from evalkit.exceptions import EvalkitError

__all__ = [
    "network_table",
    "network_points",
    "network_rounds_table",
    "describe_network",
]


_NETWORK_ROWS = (
    ("n_orgs", "Organisations", "{:.0f}"),
    ("n_ties", "Ties between organisations (either side reported)", "{:.0f}"),
    ("density", "Density: share of all possible ties", "{:.0%}"),
    ("cross_sector_share", "Ties that cross sectors", "{:.0%}"),
    ("ei_index", "E-I index (-1 all within sectors, +1 all across)", "{:+.2f}"),
    ("reciprocity", "Ties reported by both sides", "{:.0%}"),
    ("depth_shown", "Ties whose depth is shown (enough people answered)", "{:.0%}"),
    ("depth_collaborating", "Of those, ties described as collaborating", "{:.0%}"),
    ("n_isolates", "Organisations with no tie", "{:.0f}"),
)


def network_table(report) -> pd.DataFrame:
    """This round's network indicators beside last round's, in plain words."""
    return _network_columns(report.network, [report.previous_round, report.round])


def _network_columns(network: pd.DataFrame, rounds) -> pd.DataFrame:
    network = network.set_index("round")
    table = {"Measure": [label for _, label, _ in _NETWORK_ROWS]}
    for number in [r for r in rounds if r in network.index]:
        table[f"Round {number}"] = [
            "" if pd.isna(network.loc[number, column]) else fmt.format(network.loc[number, column])
            for column, _, fmt in _NETWORK_ROWS
        ]
    return pd.DataFrame(table)


def network_points(report) -> list[str]:
    """Ties whose depth is not shown, ties that started, ended, deepened or weakened since last
    round, and the brokers that may be named.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> report = SimpleNamespace(
    ...     round=2, k_min=5, place=SimpleNamespace(sectors={"public": "Public sector"}),
    ...     network=pd.DataFrame({"round": [2], "depth_shown": [0.6]}),
    ...     churn=pd.DataFrame({"round_from": [1], "new": [3], "lost": [1], "deepened": [2],
    ...                         "weakened": [0], "unchanged": [5], "depth_hidden": [4]}),
    ...     brokers=pd.DataFrame({"name": ["Ash Council"], "sector": ["public"]}))
    >>> for point in network_points(report):
    ...     print(point)  # doctest: +NORMALIZE_WHITESPACE
    Dashed lines are ties whose depth is not shown (40% of them): fewer than 5 people from the
    organisations that reported them answered, and their depth would be those few people's
    answers.
    Since round 1: 3 ties new, 1 no longer reported, 2 deepened and 0 weakened (5 unchanged, 4
    whose depth is not shown). A tie can also drop out when nobody from either organisation
    answered.
    Organisations that most often sit on the paths between others (brokers), of those with at
    least 5 people answering: Ash Council (Public sector).
    """
    points = []
    network = report.network
    now = network[network["round"] == report.round] if "depth_shown" in network else network[:0]
    if not now.empty and pd.notna(now["depth_shown"].iloc[0]) and now["depth_shown"].iloc[0] < 1:
        points.append(
            f"Dashed lines are ties whose depth is not shown ({1 - now['depth_shown'].iloc[0]:.0%}"
            f" of them): fewer than {report.k_min} people from the organisations that reported "
            "them answered, and their depth would be those few people's answers."
        )
    if not report.churn.empty:
        c = report.churn.iloc[-1]
        hidden = int(c.get("depth_hidden", 0))
        unchanged = f"{int(c['unchanged'])} unchanged" + (
            f", {hidden} whose depth is not shown" if hidden else ""
        )
        points.append(
            f"Since round {int(c['round_from'])}: {int(c['new'])} ties new, {int(c['lost'])} "
            f"no longer reported, {int(c['deepened'])} deepened and {int(c['weakened'])} weakened "
            f"({unchanged}). A tie can also drop out when nobody from either organisation "
            "answered."
        )
    if not report.brokers.empty:
        names = [
            f"{html.escape(str(b['name']))} ({report.place.sectors.get(b['sector'], b['sector'])})"
            for _, b in report.brokers.head(3).iterrows()
        ]
        points.append(
            "Organisations that most often sit on the paths between others (brokers), of those "
            f"with at least {report.k_min} people answering: " + ", ".join(names) + "."
        )
    return points


def network_rounds_table(trajectory) -> pd.DataFrame:
    """The network's main indicators, one column per round."""
    return _network_columns(trajectory.network, sorted(trajectory.network["round"]))


def describe_network(indicators: pd.DataFrame, round: int) -> str:
    """One plain sentence about a round's network, e.g. for a map's alt text.

    Examples
    --------
    >>> indicators = pd.DataFrame({"round": [3], "n_orgs": [58], "n_ties": [190],
    ...                            "density": [0.115], "cross_sector_share": [0.42],
    ...                            "n_isolates": [4]})
    >>> print(describe_network(indicators, 3))  # doctest: +NORMALIZE_WHITESPACE
    In round 3, 58 organisations had 190 ties between them (12% of all possible ties); 42% of
    the ties crossed sectors and 4 organisations had none.
    """
    rows = indicators[indicators["round"] == round]
    if rows.empty:
        raise EvalkitError(f"There are no network indicators for round {round}.")
    row = rows.iloc[0]
    text = (
        f"In round {round}, {int(row['n_orgs'])} organisations had {int(row['n_ties'])} ties "
        f"between them ({row['density']:.0%} of all possible ties)"
    )
    if pd.notna(row["cross_sector_share"]):
        text += f"; {row['cross_sector_share']:.0%} of the ties crossed sectors"
    isolated = int(row["n_isolates"])
    if isolated:
        text += f" and {isolated} organisation{'s' if isolated != 1 else ''} had none"
    return text + "."
