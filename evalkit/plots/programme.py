"""Charts comparing places: the same behaviour's trajectory in each place, side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.plots.style import MAX_WIDTH_IN, styled, thin_ticks, wrapped

__all__ = ["PLACE_COLOURS", "PLACE_MARKERS", "plot_places"]

#: Places take colours in programme order: Okabe-Ito's and Paul Tol's, those of at least 3:1 on
#: white; both schemes are safe for colour-blind readers. Markers and line styles differ too.
PLACE_COLOURS = ("#000000", "#0072B2", "#D55E00", "#882255", "#117733", "#AA4499", "#332288")
PLACE_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_PLACE_LINES = ("-", "--", "-.", ":")


@styled
def plot_places(
    levels: pd.DataFrame,
    labels: dict[str, str],
    *,
    order: list[str],
    place_names: dict[str, str] | None = None,
    turning: pd.DataFrame | None = None,
    ncols: int = 2,
    title: str | None = None,
):
    """Small multiples: one panel per behaviour, one line per place; returns the Figure.

    Parameters
    ----------
    levels : DataFrame
        ``place, behaviour, round, mean, ci_low, ci_high`` for everyone in each place
        (:func:`evalkit.reports.programme.programme_levels` with ``group_by="all"``); suppressed
        rounds have no mean and are left out.
    labels : dict
        Behaviour id -> short label, for the panel titles.
    order : list of str
        Behaviours to draw, in this order.
    place_names : dict, optional
        Place id -> name, for the legend; places keep their colour and marker in the order they
        first appear in ``levels``.
    turning : DataFrame, optional
        ``place, behaviour, turning_round``: where a place's series turned, drawn as a dotted
        line in the place's colour with its marker at the foot (missing: no turn).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    places = list(dict.fromkeys(levels["place"].tolist()))
    names = place_names or {}
    style = {
        p: (
            PLACE_COLOURS[i % len(PLACE_COLOURS)],
            PLACE_MARKERS[i % len(PLACE_MARKERS)],
            _PLACE_LINES[i % len(_PLACE_LINES)],
        )
        for i, p in enumerate(places)
    }
    # side by side within a round, so that the intervals do not hide each other
    offset = {p: 0.12 * (i - (len(places) - 1) / 2) for i, p in enumerate(places)}
    nrows = int(np.ceil(len(order) / ncols))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(MAX_WIDTH_IN, 2.9 * nrows + 0.4 * len(places) + 1.0),
        sharex=True,
        sharey=True,
        layout="constrained",
    )
    axes = np.atleast_1d(axes).ravel()
    turns = turning.dropna(subset=["turning_round"]) if turning is not None else None
    for ax, behaviour in zip(axes, order, strict=False):
        rows = levels[levels["behaviour"] == behaviour].dropna(subset=["mean"])
        for place in places:
            colour, marker, line = style[place]
            mine = rows[rows["place"] == place].sort_values("round")
            ax.errorbar(
                mine["round"] + offset[place],
                mine["mean"],
                yerr=[mine["mean"] - mine["ci_low"], mine["ci_high"] - mine["mean"]],
                color=colour,
                marker=marker,
                ls=line,
                markersize=5,
                lw=1.4,
                capsize=2,
                elinewidth=0.8,
                label=names.get(place, place),
            )
        if turns is not None:
            here = turns[turns["behaviour"] == behaviour]
            for place, when in zip(here["place"], here["turning_round"], strict=True):
                colour, marker, _ = style.get(place, ("#666666", "o", "-"))
                ax.axvline(when, color=colour, ls=":", lw=1)
                ax.plot(
                    [when], [0.03], marker=marker, color=colour, transform=ax.get_xaxis_transform()
                )
        ax.set_title(wrapped(labels.get(behaviour, behaviour), 22), loc="left")
        ax.grid(axis="y", color="#EEEEEE")
    rounds = np.sort(levels["round"].unique())
    for ax in axes[: len(order)]:
        ax.set_xticks(rounds, [str(r) for r in rounds])
        thin_ticks(ax)
    for i, ax in enumerate(axes):
        if i >= len(order):
            ax.set_visible(False)
            continue
        if i % ncols == 0:
            ax.set_ylabel("Average")
        if i + ncols >= len(order):
            ax.set_xlabel("Round")
            ax.xaxis.set_tick_params(labelbottom=True)
    handles, legend_labels = axes[0].get_legend_handles_labels()
    if turns is not None and len(turns):
        handles.append(Line2D([], [], color="#666666", ls=":", lw=1))
        legend_labels.append("Dotted line: where it turned")
    fig.legend(
        handles,
        [wrapped(name, 22) for name in legend_labels],
        loc="outside lower left",
        ncol=2,
        frameon=False,
    )
    if title:
        fig.suptitle(wrapped(title, 50), x=0.01, ha="left")
    return fig
