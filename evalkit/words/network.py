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
    ("depth_collaborating", "Ties described as collaborating", "{:.0%}"),
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
    """Ties that started, ended, deepened or weakened since last round, and the brokers."""
    points = []
    if not report.churn.empty:
        c = report.churn.iloc[-1]
        points.append(
            f"Since round {int(c['round_from'])}: {int(c['new'])} ties new, {int(c['lost'])} "
            f"no longer reported, {int(c['deepened'])} deepened and {int(c['weakened'])} weakened "
            f"({int(c['unchanged'])} unchanged). A tie can also drop out when nobody from either "
            "organisation answered."
        )
    if not report.brokers.empty:
        names = [
            f"{html.escape(str(b['name']))} ({report.place.sectors.get(b['sector'], b['sector'])})"
            for _, b in report.brokers.head(3).iterrows()
        ]
        points.append(
            "Organisations that most often sit on the paths between others (brokers): "
            + ", ".join(names)
            + "."
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
