"""Brokers: the organisations that most often sit on the shortest paths between others
(betweenness centrality), named only where :func:`evalkit.privacy.organisations_shown` allows.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from evalkit.network.graph import organisation_network

__all__ = ["BROKER_COLUMNS", "brokers"]


#: Columns of :func:`brokers`, in order.
BROKER_COLUMNS = ["round", "rank", "organisation", "name", "sector", "betweenness", "degree"]


def top_brokers(graph: nx.Graph, n: int) -> list[tuple[str, float, int]]:
    """The ``n`` nameable nodes of highest betweenness above 0: (node, betweenness, degree).

    Betweenness is computed over the whole graph; only nodes whose ``nameable`` attribute is
    true (:func:`evalkit.privacy.organisations_shown`) are listed, best first.
    """
    if n <= 0:
        return []
    betweenness = nx.betweenness_centrality(graph, normalized=True)
    nameable = nx.get_node_attributes(graph, "nameable")
    ranked = sorted(
        (
            (node, b, graph.degree(node))
            for node, b in betweenness.items()
            if b > 0 and nameable.get(node, False)
        ),
        key=lambda t: (-t[1], -t[2], str(t[0])),
    )
    return ranked[:n]


def brokers(
    ties: pd.DataFrame, organisations, round: int, n: int = 5, *, k_min: int = 5
) -> pd.DataFrame:
    """The organisations that most often sit on the shortest path between two others.

    Parameters
    ----------
    ties, organisations, k_min
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
        then id). Only organisations with at least ``k_min`` people reporting ties that round
        are listed (see Notes), so ``rank`` counts the organisations that may be named.

    Notes
    -----
    Betweenness is computed over every tie of the round, since the ties themselves are shown.
    But an organisation's place in the network comes largely from who its own people said they
    work with: naming an organisation whose ties were reported by one or two people would
    attach those people's answers to a name. So an organisation is named only in a round when
    at least ``k_min`` of its people reported ties (:func:`evalkit.privacy.organisations_shown`),
    the same rule that decides whether the depth and trust of its reports are shown.

    Examples
    --------
    >>> orgs = pd.DataFrame({"id": list("abcd"), "name": ["Ash", "Birch", "Cedar", "Deal"],
    ...                      "sector": ["public", "voluntary", "voluntary", "private"]})
    >>> ties = pd.DataFrame({"round": 2, "respondent": ["p1", "p2", "p3"],
    ...                      "organisation": ["a", "b", "b"], "partner": ["b", "c", "d"],
    ...                      "depth": "coordinating"})
    >>> brokers(ties, orgs, round=2, k_min=2)[["rank", "name", "sector", "betweenness"]]
       rank   name     sector  betweenness
    0     1  Birch  voluntary          1.0
    >>> brokers(ties, orgs, round=2, k_min=3).empty  # Birch: two people reported its ties
    True
    """
    network = organisation_network(ties, organisations, rounds=[round], k_min=k_min)[int(round)]
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
