"""Connections: who works with whom, across which boundaries and how deeply, round by round.

Each round's ties (a respondent's organisation, a partner organisation, the depth of working on
the continuum networking < coordinating < cooperating < collaborating, and an optional trust
rating) become an organisation network: a directed graph of the ties as reported and an undirected
one in which two organisations are tied if either reported the other. Organisations, not
respondents, are the nodes, so nothing here is subject to the privacy threshold and no respondent
id ever reaches an output. Indicators per round, tie churn between rounds and the trend of any
indicator (through :mod:`evalkit.change`) are tidy frames.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from .exceptions import EvalkitError
from .ingest import DEPTHS

__all__ = [
    "DEPTHS",
    "NETWORK_COLUMNS",
    "CHURN_COLUMNS",
    "BROKER_COLUMNS",
    "TREND_INDICATORS",
    "pair_observations",
    "RoundNetwork",
    "organisation_network",
    "network_indicators",
    "brokers",
    "tie_churn",
    "network_series",
    "assess_network",
    "describe_network",
    "network_summary",
]

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
    *(f"depth_{d}" for d in DEPTHS),
]
#: Columns of :func:`tie_churn`, in order.
CHURN_COLUMNS = [
    "round_from",
    "round_to",
    "new",
    "lost",
    "deepened",
    "weakened",
    "unchanged",
    "n_ties_from",
    "n_ties_to",
]
#: Columns of :func:`brokers`, in order.
BROKER_COLUMNS = ["round", "rank", "organisation", "name", "sector", "betweenness", "degree"]
#: The indicators :func:`assess_network` assesses by default.
TREND_INDICATORS = ("density", "ei_index", "cross_sector_share")
_PAIR_INDICATORS = ("density", "ei_index", "cross_sector_share")

_LEVEL = {d: i + 1 for i, d in enumerate(DEPTHS)}  # networking = 1 ... collaborating = 4
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
    **{f"depth_{d}": (f"The share of ties at {d}", *_PERCENT) for d in DEPTHS},
}


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

    Every organisation is a node (isolates included) with attributes ``name`` and ``sector``.
    Edges carry ``depth`` (the deepest reported, a name from :data:`DEPTHS`), ``depth_level``
    (1 = networking ... 4 = collaborating), ``trust`` (the mean of the trust ratings given, NaN
    when none) and ``n_reports`` (how many answers named the tie); undirected edges also carry
    ``reciprocated`` (both sides reported it).
    """

    round: int
    directed: nx.DiGraph
    undirected: nx.Graph


# --- from rows to ties ---------------------------------------------------------------------------


def _organisation_frame(organisations) -> pd.DataFrame:
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


def _reports(ties: pd.DataFrame, orgs: pd.DataFrame) -> pd.DataFrame:
    """Checked tie reports: round, organisation, partner, depth_level, trust (no respondent)."""
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
    rows["depth_level"] = depth.astype(int)
    rows["round"] = rows["round"].astype(int)
    return rows.drop(columns="depth")


def _edges(reports: pd.DataFrame, *, directed: bool) -> pd.DataFrame:
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
    edges["depth"] = np.array(DEPTHS, dtype=object)[edges["depth_level"].to_numpy() - 1]
    return edges


def _rounds(reports: pd.DataFrame, rounds: Iterable[int] | None) -> list[int]:
    if rounds is None:
        return sorted(int(r) for r in reports["round"].unique())
    return sorted({int(r) for r in rounds})


# --- the graphs ----------------------------------------------------------------------------------


def organisation_network(
    ties: pd.DataFrame, organisations, *, rounds: Iterable[int] | None = None
) -> dict[int, RoundNetwork]:
    """Each round's organisation network, directed as reported and undirected.

    Parameters
    ----------
    ties : DataFrame
        Tie reports with ``round, organisation, partner, depth`` and optionally ``trust`` (as
        :func:`evalkit.store.read_ties` returns them; other columns are ignored).
    organisations : Place, sequence of Organisation, or DataFrame
        Every organisation of the place (``place.organisations``, or a frame with ``id``,
        ``name``, ``sector``): all of them become nodes, isolates included.
    rounds : iterable of int, optional
        Rounds to build (default: those in ``ties``); a round without ties is all isolates.

    Returns
    -------
    dict of int to RoundNetwork
        In round order.

    Examples
    --------
    >>> orgs = pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", "C"],
    ...                      "sector": ["public", "public", "private"]})
    >>> ties = pd.DataFrame({"round": 1, "organisation": ["a", "a", "b"],
    ...                      "partner": ["b", "b", "a"],
    ...                      "depth": ["networking", "cooperating", "collaborating"],
    ...                      "trust": [2.0, 4.0, None]})
    >>> net = organisation_network(ties, orgs)[1]
    >>> net.directed.edges["a", "b"]["depth"], net.directed.edges["a", "b"]["trust"]
    ('cooperating', 3.0)
    >>> net.undirected.number_of_edges(), net.undirected.edges["a", "b"]["depth"]
    (1, 'collaborating')
    >>> sorted(nx.isolates(net.undirected)), net.undirected.nodes["c"]["sector"]
    (['c'], 'private')
    """
    orgs = _organisation_frame(organisations)
    reports = _reports(ties, orgs)
    directed, undirected = _edges(reports, directed=True), _edges(reports, directed=False)
    networks = {}
    for r in _rounds(reports, rounds):
        graphs = []
        for kind, edges in ((nx.DiGraph, directed), (nx.Graph, undirected)):
            graph = kind(round=r)
            graph.add_nodes_from(
                (o.Index, {"name": o.name, "sector": o.sector}) for o in orgs.itertuples()
            )
            these = edges[edges["round"] == r]
            attributes = these.drop(columns=["round", "source", "target"]).to_dict("records")
            graph.add_edges_from(zip(these["source"], these["target"], attributes, strict=True))
            graphs.append(graph)
        networks[r] = RoundNetwork(r, *graphs)
    return networks


# --- indicators ----------------------------------------------------------------------------------


def network_indicators(
    ties: pd.DataFrame, organisations, *, rounds: Iterable[int] | None = None
) -> pd.DataFrame:
    """Indicators of each round's organisation network, one row per round.

    Parameters
    ----------
    ties, organisations, rounds
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
        - ``mean_trust``: mean of every trust rating given (NaN when none);
        - ``depth_<level>``: share of ties whose deepest reported depth is that level.

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
    >>> table = network_indicators(ties, orgs)
    >>> table[["n_ties", "density", "reciprocity", "ei_index", "n_isolates"]].round(3)
       n_ties  density  reciprocity  ei_index  n_isolates
    0       2    0.333        0.667       0.0           1
    """
    orgs = _organisation_frame(organisations)
    reports = _reports(ties, orgs)
    directed, undirected = _edges(reports, directed=True), _edges(reports, directed=False)
    sector = orgs["sector"]
    rows = []
    for r, network in organisation_network(ties, orgs.reset_index(), rounds=rounds).items():
        graph = network.undirected
        n = graph.number_of_nodes()
        edges = undirected[undirected["round"] == r]
        m, m_reported = len(edges), int((directed["round"] == r).sum())
        across = (
            edges["source"].map(sector).to_numpy() != edges["target"].map(sector).to_numpy()
        ).sum()
        components = [len(c) for c in nx.connected_components(graph)] if n else []
        trust = reports.loc[reports["round"] == r, "trust"]
        shares = edges["depth"].value_counts().reindex(DEPTHS, fill_value=0) / m if m else None
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


def _top_brokers(graph: nx.Graph, n: int) -> list[tuple[str, float, int]]:
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
        for i, (node, b, degree) in enumerate(_top_brokers(graph, n))
    ]
    return pd.DataFrame(rows, columns=BROKER_COLUMNS)


# --- between rounds ------------------------------------------------------------------------------


def tie_churn(
    ties: pd.DataFrame, organisations, *, rounds: Iterable[int] | None = None
) -> pd.DataFrame:
    """Ties new, lost, deepened, weakened and unchanged between consecutive rounds.

    Parameters
    ----------
    ties, organisations, rounds
        As for :func:`organisation_network`; consecutive means next in ``rounds`` (default:
        the rounds in ``ties``).

    Returns
    -------
    DataFrame
        :data:`CHURN_COLUMNS`, one row per pair of consecutive rounds: ``new`` (tied in
        ``round_to`` only), ``lost`` (in ``round_from`` only), and of the ties in both,
        ``deepened``, ``weakened`` or ``unchanged`` by their deepest reported depth on the
        continuum networking < coordinating < cooperating < collaborating; ``n_ties_from`` and
        ``n_ties_to`` are the undirected ties of each round.

    Notes
    -----
    ``n_ties_to = n_ties_from + new - lost`` and ``deepened + weakened + unchanged`` counts the
    ties present in both rounds. A tie "lost" may only mean that nobody from either organisation
    answered the second time.

    Examples
    --------
    >>> orgs = pd.DataFrame({"id": list("abc"), "sector": ["public", "public", "private"]})
    >>> ties = pd.DataFrame({"round": [1, 1, 2, 2], "organisation": ["a", "a", "a", "b"],
    ...                      "partner": ["b", "c", "b", "c"],
    ...                      "depth": ["networking", "cooperating", "collaborating", "networking"]})
    >>> tie_churn(ties, orgs)[["new", "lost", "deepened", "weakened", "unchanged"]]
       new  lost  deepened  weakened  unchanged
    0    1     1         1         0          0
    """
    orgs = _organisation_frame(organisations)
    reports = _reports(ties, orgs)
    edges = _edges(reports, directed=False).set_index(["source", "target"])
    order = _rounds(reports, rounds)
    rows = []
    for before, after in zip(order[:-1], order[1:], strict=True):
        old = edges.loc[edges["round"] == before, "depth_level"]
        now = edges.loc[edges["round"] == after, "depth_level"]
        both = old.index.intersection(now.index)
        change = now.loc[both].to_numpy() - old.loc[both].to_numpy()
        rows.append(
            {
                "round_from": before,
                "round_to": after,
                "new": len(now.index.difference(old.index)),
                "lost": len(old.index.difference(now.index)),
                "deepened": int((change > 0).sum()),
                "weakened": int((change < 0).sum()),
                "unchanged": int((change == 0).sum()),
                "n_ties_from": len(old),
                "n_ties_to": len(now),
            }
        )
    return pd.DataFrame(rows, columns=CHURN_COLUMNS)


# --- through the change engine -------------------------------------------------------------------


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
        ``which``; ``attrs["assessments"]`` holds the
        :class:`~evalkit.change.Assessment` objects in row order. Shares (density and every
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
    from .change import assess_trends

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
    assessments = [
        dataclasses.replace(a, label=label, value_unit=unit)
        for a, label, unit in zip(table.attrs["assessments"], labels, units, strict=True)
    ]
    table["sentence"] = [a.sentence() for a in assessments]
    table.insert(1, "label", labels)
    table.insert(2, "unit", units)
    order = np.argsort(table["indicator"].map(which.index).to_numpy(), kind="stable")
    out = table.iloc[order].reset_index(drop=True)
    out.attrs = {**table.attrs, "assessments": [assessments[k] for k in order]}
    return out


def pair_observations(networks: dict, which: Iterable[str] = TREND_INDICATORS) -> pd.DataFrame:
    """The observations behind the share indicators, one row each: ``round, indicator, value``.

    ``density`` has one 0/1 row per pair of organisations (1 when tied), ``cross_sector_share``
    and ``ei_index`` one per tie (1 when it crosses sectors; the E-I index is 2 x that share - 1,
    so its rows are -1 or +1), ``depth_<name>`` one per tie (1 at that depth). Their round means
    are the indicators, and the change engine gets each round's sampling error from them, which
    eight round values alone cannot give.

    Examples
    --------
    >>> g = nx.Graph([("a", "b"), ("b", "c")])
    >>> nx.set_node_attributes(g, {"a": "public", "b": "public", "c": "private"}, "sector")
    >>> nx.set_edge_attributes(g, "collaborating", "depth")
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
        n = graph.number_of_nodes()
        for indicator in which:
            if indicator == "density":
                values = np.zeros(n * (n - 1) // 2)
                values[: graph.number_of_edges()] = 1.0
            elif indicator == "cross_sector_share":
                values = crosses
            elif indicator == "ei_index":
                values = 2 * crosses - 1
            elif indicator.startswith("depth_"):
                values = (depths == indicator.removeprefix("depth_")).astype(float)
            else:
                raise EvalkitError(f"'{indicator}' is not a share of pairs or ties.")
            frames.append(pd.DataFrame({"round": number, "indicator": indicator, "value": values}))
    return pd.concat(frames, ignore_index=True)


# --- words and summaries -------------------------------------------------------------------------


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
