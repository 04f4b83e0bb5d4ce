"""Brokers: the organisations that most often sit on the shortest paths between others
(betweenness centrality), named only where :mod:`evalkit.privacy` allows.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from evalkit.network.graph import organisation_network

__all__ = ["BROKER_COLUMNS", "brokers"]


#: Columns of :func:`brokers`, in order.
BROKER_COLUMNS = ["round", "rank", "organisation", "name", "sector", "betweenness", "degree"]


def top_brokers(graph: nx.Graph, n: int) -> list[tuple[str, float, int]]:
    """The ``n`` nodes of highest betweenness above 0: (node, betweenness, degree), best first."""
    if n <= 0:
        return []
    betweenness = nx.betweenness_centrality(graph, normalized=True)
    ranked = sorted(
        ((node, b, graph.degree(node)) for node, b in betweenness.items() if b > 0),
        key=lambda t: (-t[1], -t[2], str(t[0])),
    )
    return ranked[:n]


def brokers(ties: pd.DataFrame, organisations, round: int, n: int = 5) -> pd.DataFrame:
    """The organisations that most often sit on the shortest path between two others.

    Parameters
    ----------
    ties, organisations
        As for :func:`organisation_network`.
    round : int
        The round.
    n : int
        How many to return at most; organisations that broker no path (betweenness 0) are left
        out, so fewer may come back.

    Returns
    -------
    DataFrame
        :data:`BROKER_COLUMNS`: ``round, rank, organisation`` (id), ``name, sector,
        betweenness`` (networkx's normalised betweenness centrality of the undirected network)
        and ``degree`` (number of partners), highest betweenness first (ties broken by degree,
        then id).

    Examples
    --------
    >>> orgs = pd.DataFrame({"id": list("abcd"), "name": ["Ash", "Birch", "Cedar", "Deal"],
    ...                      "sector": ["public", "voluntary", "voluntary", "private"]})
    >>> ties = pd.DataFrame({"round": 2, "organisation": ["a", "b", "b"],
    ...                      "partner": ["b", "c", "d"], "depth": "coordinating"})
    >>> brokers(ties, orgs, round=2)[["rank", "name", "sector", "betweenness", "degree"]]
       rank   name     sector  betweenness  degree
    0     1  Birch  voluntary          1.0       3
    """
    network = organisation_network(ties, organisations, rounds=[round])[int(round)]
    graph = network.undirected
    rows = [
        {
            "round": int(round),
            "rank": i + 1,
            "organisation": node,
            "name": graph.nodes[node]["name"],
            "sector": graph.nodes[node]["sector"],
            "betweenness": b,
            "degree": degree,
        }
        for i, (node, b, degree) in enumerate(top_brokers(graph, n))
    ]
    return pd.DataFrame(rows, columns=BROKER_COLUMNS)
