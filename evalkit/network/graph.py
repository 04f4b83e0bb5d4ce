"""From tie reports to graphs: one organisation network per round, directed as reported and
undirected (two organisations tied if either reported the other), every organisation a node.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from evalkit.data.vocabulary import DEPTHS
from evalkit.exceptions import EvalkitError
from evalkit.privacy import organisations_shown, protect_ties

__all__ = ["RoundNetwork", "organisation_network"]


_LEVEL = {d: i + 1 for i, d in enumerate(DEPTHS)}  # networking = 1 ... collaborating = 4


@dataclass(frozen=True)
class RoundNetwork:
    """One round's organisation network.

    Attributes
    ----------
    round : int
    directed : networkx.DiGraph
        An edge organisation -> partner for every tie reported by someone from the organisation.
    undirected : networkx.Graph
        An edge wherever either side reported the other.

    Every organisation is a node (isolates included) with attributes ``name``, ``sector`` and
    ``nameable`` (at least ``k_min`` of its people reported ties that round, so it may be named:
    :func:`evalkit.privacy.organisations_shown`). Edges carry ``depth`` (the deepest reported,
    a name from :data:`DEPTHS`), ``depth_level`` (1 = networking ... 4 = collaborating),
    ``trust`` (the mean of the trust ratings given, NaN when none) and ``n_reports`` (how many
    answers named the tie); undirected edges also carry ``reciprocated`` (both sides reported
    it). Depth and trust come only from the reports of organisations with at least ``k_min``
    people reporting ties that round (:func:`evalkit.privacy.protect_ties`): where there are
    none, ``depth`` is None and ``depth_level`` and ``trust`` are NaN, and the tie is drawn
    without them. The graph's ``k_min`` attribute records the threshold.
    """

    round: int
    directed: nx.DiGraph
    undirected: nx.Graph


def organisation_frame(organisations) -> pd.DataFrame:
    """Organisations as a frame indexed by id with ``name`` and ``sector``, in the given order.

    Accepts a frame with ``id`` (or ``organisation``), ``name`` and ``sector`` columns, a place
    (its ``organisations``), or objects with ``id``, ``name`` and ``sector`` attributes.
    """
    if not isinstance(organisations, pd.DataFrame):  # a place, or its organisations
        organisations = getattr(organisations, "organisations", organisations)
    if isinstance(organisations, pd.DataFrame):
        frame = organisations.rename(columns={"organisation": "id"})
        missing = [c for c in ("id", "sector") if c not in frame.columns]
        if missing:
            raise EvalkitError(
                f"The organisations need columns id and sector (and name); {missing} missing."
            )
        if "name" not in frame.columns:
            frame = frame.assign(name=frame["id"])
        frame = frame[["id", "name", "sector"]]
    else:
        frame = pd.DataFrame(
            [(o.id, o.name, o.sector) for o in organisations], columns=["id", "name", "sector"]
        )
    if frame["id"].duplicated().any():
        twice = sorted(frame.loc[frame["id"].duplicated(), "id"].astype(str).unique())
        raise EvalkitError(f"Organisation ids appear twice: {', '.join(twice)}.")
    return frame.set_index("id")


def tie_reports(ties: pd.DataFrame, orgs: pd.DataFrame, k_min: int) -> pd.DataFrame:
    """Checked tie reports: round, organisation, partner, depth_level, trust (no respondent),
    with depth and trust only where :func:`evalkit.privacy.protect_ties` shows them."""
    needed = ["round", "organisation", "partner", "depth"]
    missing = [c for c in needed if c not in ties.columns]
    if missing:
        raise EvalkitError(f"The ties need columns {', '.join(missing)} (see read_ties).")
    rows = ties[needed].copy()
    rows["trust"] = ties["trust"].astype(float) if "trust" in ties else np.nan
    unknown = sorted(
        set(rows["organisation"].astype(str)).union(rows["partner"].astype(str))
        - set(orgs.index.astype(str))
    )
    if unknown:
        raise EvalkitError(
            f"Ties name organisations that are not in the place: {', '.join(unknown)}. "
            "Pass every organisation of place.yml."
        )
    depth = rows["depth"].map(_LEVEL)
    if depth.isna().any():
        bad = sorted(rows.loc[depth.isna(), "depth"].astype(str).unique())
        raise EvalkitError(f"Unknown depth(s) {', '.join(bad)}: use one of {', '.join(DEPTHS)}.")
    if (rows["organisation"] == rows["partner"]).any():
        raise EvalkitError("A tie names the respondent's own organisation as its partner.")
    rows["round"] = rows["round"].astype(int)
    if k_min > 0:
        with_people = rows.join(ties[["respondent"]]) if "respondent" in ties else rows
        rows = protect_ties(with_people, k_min=k_min).drop(columns="respondent", errors="ignore")
    rows["depth_level"] = rows["depth"].map(_LEVEL).astype(float)
    return rows.drop(columns="depth")


def tie_edges(reports: pd.DataFrame, *, directed: bool) -> pd.DataFrame:
    """One row per tie and round: source, target, depth_level (max), trust (mean), n_reports.

    Undirected ties have source < target and ``reciprocated``.
    """
    rows = reports.rename(columns={"organisation": "source", "partner": "target"})
    if not directed:
        forward = rows["source"] < rows["target"]
        rows = rows.assign(
            direction=np.where(forward, 1, 2),
            source=rows["source"].where(forward, rows["target"]),
            target=rows["target"].where(forward, rows["source"]),
        )
    keys = ["round", "source", "target"]
    agg = {"depth_level": ("depth_level", "max"), "trust": ("trust", "mean")}
    agg["n_reports"] = ("depth_level", "size")
    if not directed:
        agg["reciprocated"] = ("direction", lambda d: d.nunique() == 2)
    edges = rows.groupby(keys, sort=True).agg(**agg).reset_index()
    names = np.array([None, *DEPTHS], dtype=object)
    depth = names[edges["depth_level"].fillna(0).to_numpy(dtype=int)]
    edges["depth"] = pd.Series(depth, index=edges.index, dtype=object)
    return edges


def rounds_of(reports: pd.DataFrame, rounds: Iterable[int] | None) -> list[int]:
    if rounds is None:
        return sorted(int(r) for r in reports["round"].unique())
    return sorted({int(r) for r in rounds})


def organisation_network(
    ties: pd.DataFrame,
    organisations,
    *,
    rounds: Iterable[int] | None = None,
    k_min: int = 5,
) -> dict[int, RoundNetwork]:
    """Each round's organisation network, directed as reported and undirected.

    Parameters
    ----------
    ties : DataFrame
        Tie reports with ``round, organisation, partner, depth`` and optionally ``trust`` (as
        :func:`evalkit.data.store.read_ties` returns them; other columns are ignored).
    organisations : Place, sequence of Organisation, or DataFrame
        Every organisation of the place (``place.organisations``, or a frame with ``id``,
        ``name``, ``sector``): all of them become nodes, isolates included.
    rounds : iterable of int, optional
        Rounds to build (default: those in ``ties``); a round without ties is all isolates.
    k_min : int
        Smallest number of an organisation's people whose answers' depth and trust are used,
        and with whom it may be named (see :class:`RoundNetwork`); 0 shows everything, for
        ties that describe no one's answers. Counting people needs a ``respondent`` column.

    Returns
    -------
    dict of int to RoundNetwork
        In round order.

    Examples
    --------
    >>> orgs = pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", "C"],
    ...                      "sector": ["public", "public", "private"]})
    >>> ties = pd.DataFrame({"round": 1, "respondent": ["p1", "p2", "p3"],
    ...                      "organisation": ["a", "a", "b"], "partner": ["b", "b", "a"],
    ...                      "depth": ["networking", "cooperating", "collaborating"],
    ...                      "trust": [2.0, 4.0, None]})
    >>> net = organisation_network(ties, orgs, k_min=2)[1]
    >>> net.directed.edges["a", "b"]["depth"], net.directed.edges["a", "b"]["trust"]
    ('cooperating', 3.0)
    >>> net.undirected.number_of_edges(), net.undirected.edges["a", "b"]["depth"]
    (1, 'cooperating')
    >>> print(net.directed.edges["b", "a"]["depth"])  # b's one respondent's answer
    None
    >>> sorted(nx.isolates(net.undirected)), net.undirected.nodes["c"]["sector"]
    (['c'], 'private')
    """
    orgs = organisation_frame(organisations)
    reports = tie_reports(ties, orgs, k_min)
    shown = organisations_shown(reports.assign(respondent=ties.get("respondent")), k_min=k_min)
    directed, undirected = tie_edges(reports, directed=True), tie_edges(reports, directed=False)
    networks = {}
    for r in rounds_of(reports, rounds):
        graphs = []
        for kind, edges in ((nx.DiGraph, directed), (nx.Graph, undirected)):
            graph = kind(round=r, k_min=k_min)
            graph.add_nodes_from(
                (
                    o.Index,
                    {
                        "name": o.name,
                        "sector": o.sector,
                        "nameable": bool(shown.get((r, o.Index), k_min <= 0)),
                    },
                )
                for o in orgs.itertuples()
            )
            these = edges[edges["round"] == r]
            attributes = these.drop(columns=["round", "source", "target"]).to_dict("records")
            graph.add_edges_from(zip(these["source"], these["target"], attributes, strict=True))
            graphs.append(graph)
        networks[r] = RoundNetwork(r, *graphs)
    return networks
