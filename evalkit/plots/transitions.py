"""Alluvial chart of panel respondents' moves between levels, round to round, for one behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.indicators.transitions import LEVEL_LABELS, LEVELS
from evalkit.plots.style import MAX_WIDTH_IN, on_colour, set_title, styled, wrapped

__all__ = ["LEVEL_COLOURS", "plot_alluvial"]

#: One colour per level (Okabe-Ito and a neutral grey, each 3:1 on white, safe for colour-blind
#: readers); the legend carries the meaning too.
LEVEL_COLOURS = {
    "largely_absent": "#D55E00",
    "in_between": "#767676",
    "strongly_present": "#009E73",
}
_HIDDEN_STYLE = {"facecolor": "white", "edgecolor": "#595959", "hatch": "////", "lw": 0.6}
_LABELLED = 0.12  # blocks at least this share of the widest stack carry their count
_BAR = 0.15  # thickness of a stack, in rounds
_GAP = 0.04  # space between levels in a stack, as a share of the tallest stack


@styled
def plot_alluvial(
    transitions: pd.DataFrame,
    framework=None,
    *,
    behaviour: str,
    k_min: int | None = None,
    ax=None,
    title: str | None = None,
):
    """Alluvial chart: where the people at each level in one round stood in the next.

    Parameters
    ----------
    transitions : DataFrame
        The result of :func:`evalkit.indicators.transitions.transition_matrix` (one place).
    framework : Framework, optional
        For the behaviour's label and the thresholds in the level labels.
    behaviour : str
        The behaviour drawn.
    k_min : int, optional
        The threshold named in the note; by default ``transitions.attrs["k_min"]``.
    ax : Axes, optional
        Where to draw; a new figure by default.
    title : str, optional
        A sentence stating the message; by default a description of the chart.

    Returns
    -------
    Axes

    Notes
    -----
    Rounds run down the page (so that the chart fits a phone however many rounds there are),
    people across it. For each step between rounds, a stack at the earlier round shows everyone
    rated in both rounds by their earlier level (a block per level, from largely absent to
    strongly present, left to right), and a stack at the later round shows where the shown
    moves arrived; a
    ribbon, coloured by the earlier level, joins each shown move. A round in the middle has its
    arriving stack above and its leaving stack below: the two are different panels
    (people rated in that round and the one before, or the one after), so their heights differ
    a little. Suppressed moves are not drawn: in the leaving stack they appear as a hatched grey
    block at the end of their level ("fewer than k_min"), and levels hidden entirely are left
    out, as the note under the chart says. Only matplotlib is used (rectangles and polygons),
    so the chart has no extra dependency.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    data = transitions[transitions["behaviour"] == behaviour]
    if "place" in data.columns and data["place"].nunique() > 1:
        raise ValueError("plot_alluvial draws one place: filter the transitions first")
    if data.empty:
        raise ValueError(f"no transitions for behaviour {behaviour!r}")
    k_min = transitions.attrs.get("k_min") if k_min is None else k_min
    rounds = sorted(set(data["round_from"]) | set(data["round_to"]))
    x_of = {r: float(i) for i, r in enumerate(rounds)}
    tallest = data.groupby(["round_from", "level_from"])["n_from"].first().groupby(level=0).sum()
    gap = _GAP * max(float(tallest.max()), 1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 1.5 * len(rounds) + 2.6), layout="constrained")

    steps = [
        _draw_step(ax, step.set_index(["level_from", "level_to"]), x_of[r_from], x_of[r_to], gap)
        for (r_from, r_to), step in data.groupby(["round_from", "round_to"], sort=True)
    ]
    hidden_moves = any(s["hidden_moves"] for s in steps)
    hidden_levels = any(s["hidden_levels"] for s in steps)
    widest = max(1.0, *(s["height"] for s in steps))
    for step in steps:
        for blocks, at, below in ((step["leaving"], step["x_out"], True),
                                  (step["arriving"], step["x_in"], False)):  # fmt: skip
            for middle, size, level in blocks:
                if size >= _LABELLED * widest:
                    y = at + (_BAR / 2 if below else -_BAR / 2)
                    colour = on_colour(LEVEL_COLOURS[level])
                    ax.text(middle, y, f"{size:.0f}", ha="center", va="center", color=colour)

    ax.set_yticks([x_of[r] for r in rounds], [f"Round {r}" for r in rounds])
    ax.set_ylim(x_of[rounds[-1]] + 0.25, -0.25)
    ax.set_xlim(0, widest)
    ax.set_xticks([])
    for side in ("left", "right", "top", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    note = _note(hidden_moves, hidden_levels, k_min)
    ax.set_xlabel(
        wrapped("People rated in both rounds (numbers: people in a block). " + note, 46),
        loc="left",
    )
    handles = [
        Patch(color=LEVEL_COLOURS[lv], label=wrapped(_level_label(lv, framework), 24))
        for lv in LEVELS
    ]
    if hidden_moves:
        handles.append(Patch(label="Moves not shown", **_HIDDEN_STYLE))
    ax.figure.legend(handles=handles, loc="outside lower left", ncol=2, frameon=False)
    label = framework.labels.get(behaviour, behaviour) if framework is not None else behaviour
    default = f"{label}: where people at each level one round stood the next"
    set_title(ax, title or default)
    return ax


def _draw_step(ax, cells: pd.DataFrame, x_out: float, x_in: float, gap: float) -> dict:
    """Draw one step's leaving stack, arriving stack and ribbons; say what was drawn.

    ``cells`` is the step's nine rows indexed by (level_from, level_to). Returns the x of each
    stack, the (middle, size, level) of each block of both stacks, the taller stack's height,
    and whether any moves or whole levels were hidden.
    """
    from matplotlib.patches import Polygon, Rectangle

    drawn = {"x_out": x_out, "x_in": x_in, "leaving": [], "arriving": []}
    drawn["hidden_moves"] = drawn["hidden_levels"] = False
    # leaving: a block per shown level, split by destination, the suppressed remainder hatched
    slots, y = {}, 0.0
    for source in LEVELS:
        total = cells.loc[(source, LEVELS[0]), "n_from"]
        if pd.isna(total):
            drawn["hidden_levels"] = True
            continue
        ax.add_patch(Rectangle((y, x_out), total, _BAR, color=LEVEL_COLOURS[source], lw=0))
        drawn["leaving"].append((y + total / 2, total, source))
        shown = 0.0
        for target in LEVELS:
            n = cells.loc[(source, target), "n"]
            if not pd.isna(n) and n > 0:
                slots[(source, target)] = (y + shown, y + shown + n)
                shown += n
        if total > shown:
            drawn["hidden_moves"] = True
            ax.add_patch(Rectangle((y + shown, x_out), total - shown, _BAR, **_HIDDEN_STYLE))
        y += total + gap
    height = y
    # arriving: a block per level, built from the shown moves only
    y = 0.0
    for target in LEVELS:
        arriving = 0.0
        for source in LEVELS:
            if (source, target) in slots:
                low, high = slots[(source, target)]
                end = (y + arriving, y + arriving + high - low)
                ax.add_patch(_ribbon(Polygon, x_out + _BAR, x_in - _BAR, (low, high), end, source))
                arriving += high - low
        if arriving > 0:
            ax.add_patch(
                Rectangle((y, x_in - _BAR), arriving, _BAR, color=LEVEL_COLOURS[target], lw=0)
            )
            drawn["arriving"].append((y + arriving / 2, arriving, target))
            y += arriving + gap
    drawn["height"] = max(height, y)
    return drawn


def _ribbon(polygon, x0: float, x1: float, start, end, level: str):
    """A band from ``start`` (low, high) at x0 to ``end`` at x1, easing in and out."""
    t = np.linspace(0, 1, 30)
    ease = (1 - np.cos(np.pi * t)) / 2
    xs = x0 + (x1 - x0) * t
    low = start[0] + (end[0] - start[0]) * ease
    high = start[1] + (end[1] - start[1]) * ease
    points = np.column_stack([np.r_[low, high[::-1]], np.r_[xs, xs[::-1]]])  # rounds down
    return polygon(points, closed=True, facecolor=LEVEL_COLOURS[level], alpha=0.45, lw=0)


def _level_label(level: str, framework) -> str:
    if framework is None:
        return LEVEL_LABELS[level]
    if level == "largely_absent":
        return f"{LEVEL_LABELS[level]} ({framework.largely_absent:g} or less)"
    if level == "strongly_present":
        return f"{LEVEL_LABELS[level]} ({framework.strongly_present:g} or more)"
    return LEVEL_LABELS[level]


def _note(hidden_moves: bool, hidden_levels: bool, k_min) -> str:
    fewer = f"fewer than {k_min} people" if k_min is not None else "too few people"
    parts = []
    if hidden_moves:
        parts.append(f"Hatched: people whose moves are not shown, because {fewer} made them.")
    if hidden_levels:
        parts.append(f"Levels held by {fewer} in a round are left out.")
    return " ".join(parts)
