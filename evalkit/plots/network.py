"""Maps of the organisation network: one round, or small multiples over rounds in one layout.

Organisations keep their place from round to round (:func:`stable_positions` lays out all rounds
at once), so what changes between maps is the ties, not the drawing. Sectors keep the colours and
markers of every other chart; deeper ties are drawn wider and darker, and a tie whose depth is
not shown (too few people from the organisations reporting it answered:
:func:`evalkit.privacy.protect_ties`) thin and dashed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from evalkit.config import DEFAULT_SECTORS
from evalkit.network.brokers import top_brokers
from evalkit.plots.rounds import SECTOR_COLOURS, SECTOR_MARKERS

__all__ = [
    "DEPTH_STYLES",
    "HIDDEN_DEPTH_STYLE",
    "stable_positions",
    "plot_network_map",
    "plot_network_small_multiples",
]

#: Line width and opacity of a tie at each depth, networking (faint) to collaborating (bold).
DEPTH_STYLES = {
    "networking": (0.4, 0.18),
    "coordinating": (0.8, 0.3),
    "cooperating": (1.4, 0.5),
    "collaborating": (2.4, 0.8),
}
#: A tie whose depth is not shown: (line width, opacity), drawn dashed.
HIDDEN_DEPTH_STYLE = (0.9, 0.45)
_DASHES = (0, (3, 2))
_EDGE_COLOUR = "#4D4D4D"
_OTHER_COLOUR = "#999999"
_LAYOUT_SEED = 2024


def _graph(network):
    """The undirected graph of a :class:`~evalkit.network.RoundNetwork`, or the graph itself."""
    return getattr(network, "undirected", network)


def _graphs(graphs) -> list:
    values = graphs.values() if isinstance(graphs, Mapping) else graphs
    return [_graph(g) for g in values]


def stable_positions(graphs, *, seed: int = _LAYOUT_SEED) -> dict:
    """One layout for every round, so each organisation keeps its place from map to map.

    Parameters
    ----------
    graphs : mapping or iterable of networkx.Graph or RoundNetwork
        The rounds' networks (e.g. what :func:`evalkit.network.organisation_network` returns).
    seed : int
        Seed of the spring layout: the same networks always give the same map.

    Returns
    -------
    dict
        Organisation id -> (x, y), for every organisation of any round.

    Notes
    -----
    networkx's ``spring_layout`` (Fruchterman-Reingold) over the union of all rounds' ties, each
    weighted by the number of rounds it was present in, so long-standing partners sit close.
    Organisations are added in sorted order, so the layout does not depend on the order in which
    the rounds list them.

    Examples
    --------
    >>> import networkx as nx
    >>> positions = stable_positions([nx.path_graph(3), nx.Graph([(0, 2), (2, 3)])])
    >>> sorted(positions), len(positions[3])
    ([0, 1, 2, 3], 2)
    """
    import networkx as nx

    union = nx.Graph()
    for graph in _graphs(graphs):
        union.add_nodes_from(graph.nodes)
        for u, v in graph.edges:
            weight = union.edges[u, v]["weight"] + 1 if union.has_edge(u, v) else 1
            union.add_edge(u, v, weight=weight)
    ordered = nx.Graph()
    ordered.add_nodes_from(sorted(union.nodes, key=str))
    ordered.add_edges_from(sorted(union.edges(data=True), key=lambda e: (str(e[0]), str(e[1]))))
    layout = nx.spring_layout(ordered, seed=seed, weight="weight")
    return {node: (float(x), float(y)) for node, (x, y) in layout.items()}


def _sector_styles(graphs, sectors: Mapping[str, str]) -> dict[str, tuple[str, str, str]]:
    """Sector -> (colour, marker, label) for every sector in the graphs, in legend order.

    The usual sectors keep their colours and markers everywhere; any other sector is grey with a
    marker of its own.
    """
    present = {s for graph in graphs for _, s in graph.nodes(data="sector")}
    order = [s for s in sectors if s in present]
    order += sorted((s for s in present if s not in sectors), key=str)
    styles, spare = {}, iter("vpPX*h<>" * 4)
    for sector in order:
        label = sectors.get(sector, str(sector).replace("_", " ").capitalize())
        if sector in SECTOR_COLOURS:
            styles[sector] = (SECTOR_COLOURS[sector], SECTOR_MARKERS[sector], label)
        else:
            styles[sector] = (_OTHER_COLOUR, next(spare), label)
    return styles


def _legend_handles(styles: dict, hidden: str | None = None) -> tuple[list, list]:
    """Handles of the sector legend and of the depth legend (``hidden``: the label of ties
    whose depth is not shown, when the maps have any)."""
    from matplotlib.lines import Line2D

    sector_handles = [
        Line2D([], [], ls="", marker=marker, color=colour, markersize=7, label=label)
        for colour, marker, label in styles.values()
    ]
    depth_handles = [
        Line2D([], [], color=_EDGE_COLOUR, lw=w, alpha=max(a, 0.35), label=d.capitalize())
        for d, (w, a) in DEPTH_STYLES.items()
    ]
    if hidden:
        width, alpha = HIDDEN_DEPTH_STYLE
        depth_handles.append(
            Line2D([], [], color=_EDGE_COLOUR, lw=width, alpha=alpha, ls=_DASHES, label=hidden)
        )
    return sector_handles, depth_handles


def _hidden_depth_label(graphs) -> str | None:
    """The legend's words for ties drawn without their depth, if any graph has one."""
    if not any(d is None for graph in graphs for _, _, d in graph.edges(data="depth")):
        return None
    k_min = next((g.graph["k_min"] for g in graphs if "k_min" in g.graph), None)
    fewer = f"fewer than {k_min}" if k_min else "too few"
    return f"Not shown ({fewer}\npeople answered)"


def plot_network_map(
    graph,
    positions: Mapping,
    *,
    sectors: Mapping[str, str] | None = None,
    labels: Iterable | None = None,
    n_labels: int = 3,
    legend: bool = True,
    scale: float = 1.0,
    ax=None,
    title: str | None = None,
):
    """One round's organisations and their ties, coloured by sector, deeper ties bolder.

    Parameters
    ----------
    graph : networkx.Graph or RoundNetwork
        The round's (undirected) network from :func:`evalkit.network.organisation_network`:
        nodes with ``sector`` (and ``name``), edges with ``depth``.
    positions : mapping
        Organisation id -> (x, y), from :func:`stable_positions` over all rounds; the axes span
        every position, so maps of different rounds line up.
    sectors : mapping, optional
        Sector id -> label, in legend order (default: the four usual sectors; place.sectors).
    labels : iterable, optional
        Organisations to name on the map (ids). By default the ``n_labels`` with the highest
        betweenness among those that may be named (the brokers of
        :func:`evalkit.network.brokers`); organisations are named, never respondents.
    n_labels : int
        How many brokers to name when ``labels`` is not given (0: none).
    legend : bool
        Draw the legends of sectors and depths.
    scale : float
        Multiplies the marker sizes (and, by its square root, the line widths): smaller for
        small multiples.

    Returns
    -------
    matplotlib Axes
        With ``ax.legend_`` the sector legend (the depth legend is an artist of its own).
    """
    import matplotlib.patheffects as effects
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    graph = _graph(graph)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 6.5))
    lines = {None: (*HIDDEN_DEPTH_STYLE, _DASHES)}
    lines.update({d: (*style, "solid") for d, style in DEPTH_STYLES.items()})
    for depth, (width, alpha, dashes) in lines.items():  # shallow ties first, deep on top
        segments = [
            (positions[u], positions[v])
            for u, v, d in graph.edges(data="depth")
            if d == depth and u in positions and v in positions
        ]
        if segments:
            ax.add_collection(
                LineCollection(
                    segments,
                    linewidths=width * np.sqrt(scale),
                    colors=_EDGE_COLOUR,
                    alpha=alpha,
                    linestyles=dashes,
                    zorder=1,
                )
            )
    degree = dict(graph.degree())
    styles = _sector_styles([graph], dict(DEFAULT_SECTORS if sectors is None else sectors))
    for sector, (colour, marker, _) in styles.items():
        nodes = [n for n, s in graph.nodes(data="sector") if s == sector and n in positions]
        xy = np.array([positions[n] for n in nodes], dtype=float).reshape(-1, 2)
        tied = np.array([degree[n] > 0 for n in nodes], dtype=bool)
        size = scale * np.array([18 + 4 * degree[n] for n in nodes], dtype=float)
        ax.scatter(*xy[tied].T, s=size[tied], c=colour, marker=marker, edgecolors="white",
                   linewidths=0.6 * scale, zorder=2)  # fmt: skip
        # organisations without a tie this round: hollow, so they do not read as missing
        ax.scatter(*xy[~tied].T, s=24 * scale, facecolors="white", edgecolors=colour,
                   marker=marker, linewidths=1.2, zorder=2)  # fmt: skip
    named = (
        [node for node, _, _ in top_brokers(graph, n_labels)] if labels is None else list(labels)
    )
    xy = np.array(list(positions.values()), dtype=float).reshape(-1, 2)
    centre = xy.mean(axis=0) if len(xy) else np.zeros(2)
    for node in named:
        if node in positions and node in graph:
            # names point away from the centre of the map, where the ties are thickest
            away = np.asarray(positions[node], dtype=float) - centre
            away = away / np.hypot(*away) if np.hypot(*away) > 1e-9 else np.array([1.0, 0.0])
            ax.annotate(
                graph.nodes[node].get("name", str(node)),
                positions[node],
                xytext=tuple(14 * away),
                textcoords="offset points",
                ha="left" if away[0] >= 0 else "right",
                va="bottom" if away[1] >= 0 else "top",
                fontsize=8,
                zorder=3,
                path_effects=[effects.withStroke(linewidth=3, foreground="white")],
            )
    if len(xy):
        low, high = xy.min(axis=0), xy.max(axis=0)
        pad = 0.08 * np.maximum(high - low, 1e-9)
        ax.set_xlim(low[0] - pad[0], high[0] + pad[0])
        ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
    ax.set_aspect("equal", adjustable="box")
    ax.set_axis_off()
    if legend:
        sector_handles, depth_handles = _legend_handles(styles, _hidden_depth_label([graph]))
        # the depth legend is kept as an artist of its own; the sector legend is ax.legend_
        for handles, heading, loc, anchor in (
            (depth_handles, "How closely they work", "upper left", 0.45),
            (sector_handles, "Sector", "lower left", 0.5),
        ):
            shown = ax.legend(
                handles=handles,
                title=heading,
                loc=loc,
                bbox_to_anchor=(1.0, anchor),
                fontsize=8,
                title_fontsize=8,
                frameon=False,
            )
            if handles is depth_handles:
                ax.add_artist(shown)
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    return ax


def plot_network_small_multiples(
    graphs,
    positions: Mapping,
    rounds: Iterable[int] | None = None,
    *,
    sectors: Mapping[str, str] | None = None,
    ncols: int = 4,
    n_labels: int = 0,
    captions: Mapping[int, str] | None = None,
    title: str | None = None,
):
    """The network of each round side by side, in one layout; returns the Figure.

    Parameters
    ----------
    graphs : mapping of int to networkx.Graph or RoundNetwork
        Round -> network (from :func:`evalkit.network.organisation_network`).
    positions : mapping
        From :func:`stable_positions` over the same rounds.
    rounds : iterable of int, optional
        Rounds to show, in order (default: every round of ``graphs``).
    sectors : mapping, optional
        Sector id -> label (default: the four usual sectors).
    ncols : int
        Maps per row.
    n_labels : int
        Brokers named on each map (default none: small maps have no room).
    captions : mapping of int to str, optional
        Round -> a few words after "Round N:" above its map (default: its number of ties),
        e.g. ``"36% across sectors"``.
    title : str, optional
        The figure's title, a sentence saying what changed.

    Returns
    -------
    matplotlib Figure
        One Axes per round titled "Round N: caption", and legends of sectors and depths.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    rounds = list(graphs) if rounds is None else list(rounds)
    ncols = max(1, min(ncols, len(rounds)))
    nrows = int(np.ceil(len(rounds) / ncols)) if rounds else 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.2 * ncols, 2.3 * nrows + 0.8), squeeze=False)
    for ax, r in zip(axes.flat, rounds, strict=False):
        graph = _graph(graphs[r])
        plot_network_map(
            graph,
            positions,
            sectors=sectors,
            n_labels=n_labels,
            legend=False,
            scale=0.35,
            ax=ax,
        )
        caption = f"{graph.number_of_edges()} ties" if captions is None else captions.get(r)
        ax.set_title(f"Round {r}: {caption}" if caption else f"Round {r}", fontsize=9, loc="left")
    for ax in axes.flat[len(rounds) :]:
        ax.set_axis_off()
    shown = [_graph(graphs[r]) for r in rounds]
    styles = _sector_styles(shown, dict(DEFAULT_SECTORS if sectors is None else sectors))
    sector_handles, depth_handles = _legend_handles(styles, _hidden_depth_label(shown))
    # one legend of two rows (sectors above depths): filled column by column, so interleave
    width = max(len(sector_handles), len(depth_handles))
    blank = Line2D([], [], ls="", label=" ")
    rows = [h + [blank] * (width - len(h)) for h in (sector_handles, depth_handles)]
    fig.legend(
        handles=[h for pair in zip(*rows, strict=True) for h in pair],
        loc="lower center",
        ncol=width,
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    )
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=11)
    fig.tight_layout(rect=(0, 0.08, 1, 0.96 if title else 1))
    return fig
