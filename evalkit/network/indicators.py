"""Indicators of each round's organisation network: density, reciprocity, ties across sectors
(share and Krackhardt's E-I index), degree centralisation, isolates and components, trust and the
mix of depths, one row per round.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd

from evalkit.data.vocabulary import DEPTHS
from evalkit.exceptions import EvalkitError
from evalkit.network.graph import organisation_frame, organisation_network, tie_edges, tie_reports

__all__ = ["NETWORK_COLUMNS", "network_indicators", "network_summary"]


#: Columns of :func:`network_indicators`, in order.
NETWORK_COLUMNS = [
    "round",
    "n_orgs",
    "n_reported",
    "n_ties",
    "density",
    "reciprocity",
    "cross_sector_share",
    "ei_index",
    "degree_centralisation",
    "n_isolates",
    "n_components",
    "largest_component_share",
    "mean_trust",
    "depth_shown",
    *(f"depth_{d}" for d in DEPTHS),
]


def network_indicators(
    ties: pd.DataFrame,
    organisations,
    *,
    rounds: Iterable[int] | None = None,
    k_min: int = 5,
) -> pd.DataFrame:
    """Indicators of each round's organisation network, one row per round.

    Parameters
    ----------
    ties, organisations, rounds, k_min
        As for :func:`organisation_network`.

    Returns
    -------
    DataFrame
        :data:`NETWORK_COLUMNS`:

        - ``n_orgs``: organisations in the place (nodes, isolates included);
        - ``n_reported``: directed ties as reported (organisation -> partner);
        - ``n_ties``: undirected ties (either side reported);
        - ``density``: ``n_ties / (n (n - 1) / 2)``;
        - ``reciprocity``: share of reported ties whose partner also reported the tie;
        - ``cross_sector_share``: share of ties between organisations of different sectors;
        - ``ei_index``: Krackhardt and Stern's E-I index, ``(E - I) / (E + I)``;
        - ``degree_centralisation``: Freeman's degree centralisation of the undirected graph;
        - ``n_isolates``: organisations with no tie;
        - ``n_components``: connected components (each isolate counts as one);
        - ``largest_component_share``: share of all organisations in the largest component;
        - ``mean_trust``: mean of every trust rating shown (NaN when none);
        - ``depth_shown``: share of ties whose depth is shown;
        - ``depth_<level>``: share of the ties whose depth is shown whose deepest reported
          depth is that level.

        Shares and indices are NaN for a round without ties.

    Notes
    -----
    With E ties between sectors and I within, ``cross_sector_share = E / (E + I)`` and
    ``ei_index = (E - I) / (E + I) = 2 cross_sector_share - 1``, from -1 (all ties within
    sectors) to +1 (all across) (Krackhardt and Stern 1988). Reciprocity is networkx's
    ``reciprocity`` of the directed graph: ``2 m_both / m``, ``m`` the reported ties and
    ``m_both`` the pairs reported by both sides. Degree centralisation (Freeman 1978) is
    ``sum_i (d_max - d_i) / ((n - 1)(n - 2))``, 1 for a star and 0 when every organisation has the
    same number of partners.

    Ties come from who answered: an organisation whose staff did not answer in a round can only
    appear through its partners' answers, so its outgoing ties, and the reciprocity of its ties,
    are missing that round. Read changes in density and reciprocity beside the response.

    Depth and trust count only from organisations with at least ``k_min`` people reporting
    ties that round (:func:`evalkit.privacy.protect_ties`), so the mix of depths and the mean
    trust describe those ties; ``depth_shown`` says how many they are.

    References
    ----------
    Krackhardt, D. and Stern, R. N. (1988). Social Psychology Quarterly 51, 123-140.
    Freeman, L. C. (1978). Social Networks 1, 215-239.

    Examples
    --------
    >>> orgs = pd.DataFrame({"id": list("abcd"), "name": list("ABCD"),
    ...                      "sector": ["public", "public", "private", "private"]})
    >>> ties = pd.DataFrame({"round": 1, "organisation": ["a", "b", "a"],
    ...                      "partner": ["b", "a", "c"], "depth": "networking"})
    >>> table = network_indicators(ties, orgs, k_min=0)
    >>> table[["n_ties", "density", "reciprocity", "ei_index", "n_isolates"]].round(3)
       n_ties  density  reciprocity  ei_index  n_isolates
    0       2    0.333        0.667       0.0           1
    """
    orgs = organisation_frame(organisations)
    reports = tie_reports(ties, orgs, k_min)
    directed, undirected = tie_edges(reports, directed=True), tie_edges(reports, directed=False)
    sector = orgs["sector"]
    networks = organisation_network(ties, orgs.reset_index(), rounds=rounds, k_min=k_min)
    rows = []
    for r, network in networks.items():
        graph = network.undirected
        n = graph.number_of_nodes()
        edges = undirected[undirected["round"] == r]
        m, m_reported = len(edges), int((directed["round"] == r).sum())
        across = (
            edges["source"].map(sector).to_numpy() != edges["target"].map(sector).to_numpy()
        ).sum()
        components = [len(c) for c in nx.connected_components(graph)] if n else []
        trust = reports.loc[reports["round"] == r, "trust"]
        known = int(edges["depth"].notna().sum())
        depths = edges["depth"].value_counts().reindex(DEPTHS, fill_value=0)
        shares = depths / known if known else None
        rows.append(
            {
                "round": r,
                "n_orgs": n,
                "n_reported": m_reported,
                "n_ties": m,
                "density": 2 * m / (n * (n - 1)) if n > 1 else np.nan,
                "reciprocity": 2 * int(edges["reciprocated"].sum()) / m_reported
                if m_reported
                else np.nan,
                "cross_sector_share": across / m if m else np.nan,
                "ei_index": (across - (m - across)) / m if m else np.nan,
                "degree_centralisation": _degree_centralisation(graph),
                "n_isolates": nx.number_of_isolates(graph),
                "n_components": len(components),
                "largest_component_share": max(components) / n if n else np.nan,
                "mean_trust": float(trust.mean()) if trust.notna().any() else np.nan,
                "depth_shown": known / m if m else np.nan,
                **{
                    f"depth_{d}": float(shares[d]) if shares is not None else np.nan for d in DEPTHS
                },
            }
        )
    return pd.DataFrame(rows, columns=NETWORK_COLUMNS)


def _degree_centralisation(graph: nx.Graph) -> float:
    """Freeman's degree centralisation: sum(max deg - deg_i) / ((n - 1)(n - 2))."""
    n = graph.number_of_nodes()
    if n < 3:
        return float("nan")
    degrees = np.array([d for _, d in graph.degree()], dtype=float)
    return float((degrees.max() - degrees).sum() / ((n - 1) * (n - 2)))


def network_summary(indicators: pd.DataFrame, round: int) -> dict:
    """A round's indicators as plain JSON-ready values (for ``summary.json``'s ``network``).

    Returns
    -------
    dict
        Every column of :data:`NETWORK_COLUMNS` but ``round``: counts as int, the rest as float,
        undefined values as None.

    Examples
    --------
    >>> indicators = pd.DataFrame({"round": [1], "n_orgs": [5], "n_ties": [4],
    ...                            "density": [0.4], "reciprocity": [float("nan")]})
    >>> network_summary(indicators, 1)
    {'n_orgs': 5, 'n_ties': 4, 'density': 0.4, 'reciprocity': None}
    """
    rows = indicators[indicators["round"] == round]
    if rows.empty:
        raise EvalkitError(f"There are no network indicators for round {round}.")
    row = rows.iloc[0]
    counts = {"n_orgs", "n_reported", "n_ties", "n_isolates", "n_components"}
    return {
        column: None if pd.isna(row[column]) else (int if column in counts else float)(row[column])
        for column in indicators.columns
        if column != "round"
    }
