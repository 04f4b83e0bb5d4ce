"""Network indicators through the change engine: each indicator's series over the rounds, with
sampling errors from the pairs and ties behind each share, assessed like a behaviour.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd

from evalkit.data.vocabulary import DEPTHS
from evalkit.exceptions import EvalkitError

__all__ = ["TREND_INDICATORS", "assess_network", "network_series", "pair_observations"]


#: The indicators :func:`assess_network` assesses by default.
TREND_INDICATORS = ("density", "ei_index", "cross_sector_share")


_PAIR_INDICATORS = ("density", "ei_index", "cross_sector_share")


_PERCENT = (100.0, "percentage points")


# indicator -> (label in a sentence, multiplier, unit) for assess_network
_WORDING = {
    "n_ties": ("The number of ties", 1.0, "ties"),
    "density": ("The share of possible ties that exist (density)", *_PERCENT),
    "reciprocity": ("The share of reported ties the partner also reported", *_PERCENT),
    "cross_sector_share": ("The share of ties that cross sectors", *_PERCENT),
    "ei_index": ("The E-I index (ties across minus within sectors)", 1.0, "points"),
    "degree_centralisation": ("Degree centralisation", 1.0, "points"),
    "largest_component_share": (
        "The share of organisations in the largest connected group",
        *_PERCENT,
    ),
    "mean_trust": ("Average trust between partners", 1.0, "points"),
    "depth_shown": ("The share of ties whose depth is shown", *_PERCENT),
    **{f"depth_{d}": (f"The share of ties at {d}", *_PERCENT) for d in DEPTHS},
}


def network_series(indicators: pd.DataFrame, which: Iterable[str] | None = None) -> pd.DataFrame:
    """Network indicators as tidy series for :func:`evalkit.change.assess_trends`.

    Parameters
    ----------
    indicators : DataFrame
        From :func:`network_indicators`.
    which : iterable of str, optional
        Indicator columns to keep (default: every column but ``round``).

    Returns
    -------
    DataFrame
        ``round, indicator, value``, one value per round and indicator (rounds where an indicator
        is undefined are left out), ready for
        ``assess_trends(series, time="round", value="value", by="indicator")``.

    Examples
    --------
    >>> indicators = pd.DataFrame({"round": [1, 2], "density": [0.1, 0.2], "n_ties": [5, 10]})
    >>> network_series(indicators, ["density"])
       round indicator  value
    0      1   density    0.1
    1      2   density    0.2
    """
    columns = [c for c in indicators.columns if c != "round"] if which is None else list(which)
    missing = [c for c in columns if c not in indicators.columns]
    if missing:
        raise EvalkitError(f"No network indicator called {', '.join(missing)}.")
    long = indicators.melt(
        id_vars="round", value_vars=columns, var_name="indicator", value_name="value"
    )
    long["value"] = long["value"].astype(float)
    return long.dropna(subset=["value"]).reset_index(drop=True)


def assess_network(
    indicators: pd.DataFrame,
    which: Iterable[str] = TREND_INDICATORS,
    *,
    n_boot: int = 199,
    seed: int = 0,
    networks: dict | None = None,
) -> pd.DataFrame:
    """Has the network changed in a straight line or turned, and when? One row per indicator.

    Parameters
    ----------
    indicators : DataFrame
        From :func:`network_indicators`, one row per round.
    which : iterable of str
        Indicators to assess (default: density, E-I index and cross-sector share).
    n_boot, seed
        As for :func:`evalkit.change.assess_trends`.
    networks : dict, optional
        The rounds' networks (:func:`organisation_network`): the share indicators are then
        assessed from their pairs and ties (:func:`pair_observations`), with each round's
        sampling error, instead of from the round values alone.

    Returns
    -------
    DataFrame
        ``indicator, label, unit`` then :data:`evalkit.change.TREND_COLUMNS`, in the order of
        ``which``, with ``assessment``, the :class:`~evalkit.change.Assessment` of each row.
        Shares (density and every
        ``*_share``, reciprocity, depth mix) are assessed in percentage points (the indicator
        x 100), so slopes, level shifts and sentences are in those units.

    Notes
    -----
    Without ``networks`` each indicator is one value per round, so the change engine fits the
    shapes by ordinary least squares on the round values, estimating the noise from eight points
    at most. With them, each share's round mean has a sampling error from its pairs or ties, and
    variation between rounds beyond it is estimated as for any series (a round's ties are
    treated as independent: a tie that persists makes rounds alike, so this errs on the cautious
    side).
    p-values are adjusted across the indicators assessed together (Benjamini-Hochberg). As for
    every series, a turning point needs at least 6 rounds.

    Examples
    --------
    >>> indicators = pd.DataFrame({"round": range(1, 6), "density": [0.1, 0.11, 0.1, 0.12, 0.11]})
    >>> table = assess_network(indicators, ["density"])
    >>> table[["indicator", "shape", "nonlinear"]]
      indicator shape  nonlinear
    0   density  flat      False
    """
    from evalkit.change import assess_trends

    which = list(which)
    series = network_series(indicators, which)
    if networks is not None:
        shares = [i for i in which if i in _PAIR_INDICATORS or i.startswith("depth_")]
        series = pd.concat(
            [series[~series["indicator"].isin(shares)], pair_observations(networks, shares)],
            ignore_index=True,
        )
    wording = {i: _WORDING.get(i, (i.replace("_", " ").capitalize(), 1.0, "points")) for i in which}
    series["value"] = series["value"] * series["indicator"].map(
        {i: w[1] for i, w in wording.items()}
    )
    table = assess_trends(
        series, time="round", value="value", by="indicator", n_boot=n_boot, seed=seed
    )
    labels = [wording[i][0] for i in table["indicator"]]
    units = [wording[i][2] for i in table["indicator"]]
    table["assessment"] = [
        dataclasses.replace(a, label=label, value_unit=unit)
        for a, label, unit in zip(table["assessment"], labels, units, strict=True)
    ]
    table["sentence"] = [a.sentence() for a in table["assessment"]]
    table.insert(1, "label", labels)
    table.insert(2, "unit", units)
    order = np.argsort(table["indicator"].map(which.index).to_numpy(), kind="stable")
    return table.iloc[order].reset_index(drop=True)


def pair_observations(networks: dict, which: Iterable[str] = TREND_INDICATORS) -> pd.DataFrame:
    """The observations behind the share indicators, one row each: ``round, indicator, value``.

    ``density`` has one 0/1 row per pair of organisations (1 when tied), ``cross_sector_share``
    and ``ei_index`` one per tie (1 when it crosses sectors; the E-I index is 2 x that share - 1,
    so its rows are -1 or +1), ``depth_<name>`` one per tie whose depth is shown (1 at that
    depth), ``depth_shown`` one per tie (1 when its depth is shown). Their round means
    are the indicators, and the change engine gets each round's sampling error from them, which
    eight round values alone cannot give.

    Examples
    --------
    >>> g = nx.Graph([("a", "b"), ("b", "c")])
    >>> nx.set_node_attributes(g, {"a": "public", "b": "public", "c": "private"}, "sector")
    >>> nx.set_edge_attributes(g, "collaborating", "depth")
    >>> from evalkit.network.graph import RoundNetwork
    >>> obs = pair_observations({1: RoundNetwork(1, g.to_directed(), g)}, ["density", "ei_index"])
    >>> obs.groupby("indicator")["value"].mean().round(3).to_dict()
    {'density': 0.667, 'ei_index': 0.0}
    """
    frames = []
    for number, network in networks.items():
        graph = network.undirected
        sector = nx.get_node_attributes(graph, "sector")
        crosses = np.array([sector[u] != sector[v] for u, v in graph.edges()], dtype=float)
        depths = np.array([d for _, _, d in graph.edges(data="depth")], dtype=object)
        shown = np.array([d is not None for d in depths], dtype=bool)
        n = graph.number_of_nodes()
        for indicator in which:
            if indicator == "density":
                values = np.zeros(n * (n - 1) // 2)
                values[: graph.number_of_edges()] = 1.0
            elif indicator == "cross_sector_share":
                values = crosses
            elif indicator == "ei_index":
                values = 2 * crosses - 1
            elif indicator == "depth_shown":
                values = shown.astype(float)
            elif indicator.startswith("depth_"):
                # a depth not shown (too few people answered) is not an observation of it
                values = (depths[shown] == indicator.removeprefix("depth_")).astype(float)
            else:
                raise EvalkitError(f"'{indicator}' is not a share of pairs or ties.")
            frames.append(pd.DataFrame({"round": number, "indicator": indicator, "value": values}))
    return pd.concat(frames, ignore_index=True)
