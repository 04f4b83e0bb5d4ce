"""Charts of one round: levels against last round, the spread of answers, groups side by side."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd

from evalkit.plots.style import DECORATION, MAX_WIDTH_IN, label_cells, set_title, styled, wrapped

__all__ = [
    "SECTOR_COLOURS",
    "SECTOR_MARKERS",
    "plot_levels",
    "plot_distribution",
    "plot_group_heatmap",
    "show_figure",
]

#: One colour per sector in every chart of every report: Okabe and Ito's, safe for colour-blind
#: readers, with the orange darkened to reach 3:1 on white (each sector has its marker too).
SECTOR_COLOURS = {
    "public": "#0072B2",
    "voluntary": "#009E73",
    "private": "#B35900",
    "lived_experience": "#CC79A7",
}
SECTOR_MARKERS = {"public": "o", "voluntary": "s", "private": "D", "lived_experience": "^"}
_THIS_ROUND = "#0072B2"
_LAST_ROUND = "#7F7F7F"


def _ordered_behaviours(framework) -> pd.DataFrame:
    return framework.behaviours_frame().reset_index(drop=True)


@styled
def plot_levels(
    levels: pd.DataFrame,
    framework,
    *,
    previous: pd.DataFrame | None = None,
    ax=None,
    title: str | None = None,
):
    """Each behaviour's mean with its 95% interval, grouped as in the framework, beside last round.

    ``levels`` and ``previous`` are rows of :func:`evalkit.indicators.level` for one round and
    ``group == "all"``; suppressed rows are drawn as a note, not a point.
    """
    import matplotlib.pyplot as plt

    order = _ordered_behaviours(framework)
    y = np.arange(len(order))[::-1].astype(float)
    position = dict(zip(order["behaviour"], y, strict=True))
    if ax is None:
        _, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 0.62 * len(order) + 1.6), layout="constrained")
    series = [(levels, _THIS_ROUND, "o", 0.12)]
    if previous is not None and len(previous):
        series.append((previous, _LAST_ROUND, "s", -0.12))
    for frame, colour, marker, offset in series:
        name = f"Round {int(frame['round'].iloc[0])}" if "round" in frame else None
        shown = frame[~frame["suppressed"]]
        ys = shown["behaviour"].map(position) + offset
        ax.errorbar(
            shown["mean"],
            ys,
            xerr=[shown["mean"] - shown["ci_low"], shown["ci_high"] - shown["mean"]],
            fmt=marker,
            color=colour,
            mfc=colour if colour == _THIS_ROUND else "white",
            capsize=3,
            label=name,
        )
    ax.set_yticks(y, [wrapped(label) for label in order["label"]])
    for boundary in np.flatnonzero(order["group"].ne(order["group"].shift()).to_numpy())[1:]:
        ax.axhline(y[boundary] + 0.5, color="#DDDDDD", lw=1, gid=DECORATION)
    for group, rows in order.groupby("group", sort=False):
        ax.annotate(
            framework.groups[group],
            xy=(1.01, y[rows.index].mean()),
            xycoords=("axes fraction", "data"),
            va="center",
            color="#4D4D4D",
            rotation=-90,
        )
    ax.set_xlim(framework.scale_min - 0.2, framework.scale_max + 0.2)
    ax.set_xlabel(
        wrapped(
            f"Average rating ({framework.scale_min} = {framework.low_label or 'lowest'}, "
            f"{framework.scale_max} = {framework.high_label or 'highest'})",
            44,
        )
    )
    ax.grid(axis="x", color="#EEEEEE")
    ax.legend(loc="lower right", frameon=False, bbox_to_anchor=(1.0, 1.0), ncol=2)
    set_title(ax, title)
    return ax


@styled
def plot_distribution(distribution: pd.DataFrame, framework, *, ax=None, title: str | None = None):
    """Heat map of the share of answers at each rating (columns) for each behaviour (rows)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    order = _ordered_behaviours(framework)
    scale = range(framework.scale_min, framework.scale_max + 1)
    table = (
        distribution.pivot_table(index="behaviour", columns="rating", values="share", aggfunc="sum")
        .reindex(index=order["behaviour"], columns=[float(s) for s in scale])
        .fillna(0.0)
    )
    table.index = [wrapped(label) for label in order["label"]]
    table.columns = [str(s) for s in scale]
    if ax is None:
        _, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 0.62 * len(order) + 1.4), layout="constrained")
    sns.heatmap(
        table * 100,
        ax=ax,
        cmap="Blues",
        vmin=0,
        annot=True,
        fmt=".0f",
        cbar=False,  # every cell says its number
        linewidths=0.5,
    )
    label_cells(ax)
    ax.set_xlabel("Rating given (% of answers in each cell)")
    ax.set_ylabel("")
    ax.tick_params(axis="both", length=0)
    set_title(ax, title)
    return ax


@styled
def plot_group_heatmap(
    levels: pd.DataFrame,
    framework,
    *,
    groups: dict[str, str],
    k_min: int,
    ax=None,
    title: str | None = None,
):
    """Mean rating per behaviour (rows) and group (columns); suppressed cells are marked, not drawn.

    ``groups`` maps group id -> label in the order to show them.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    order = _ordered_behaviours(framework)
    means = levels.pivot_table(index="behaviour", columns="group", values="mean", aggfunc="first")
    means = means.reindex(index=order["behaviour"], columns=list(groups))
    suppressed = (
        levels.assign(suppressed=levels["suppressed"].astype(float))
        .pivot_table(index="behaviour", columns="group", values="suppressed")
        .reindex(index=order["behaviour"], columns=list(groups))
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 0.62 * len(order) + 1.8), layout="constrained")
    ax.set_facecolor("#F2F2F2")
    sns.heatmap(
        means.set_axis([wrapped(label) for label in order["label"]]).set_axis(
            [wrapped(label, 14) for label in groups.values()], axis=1
        ),
        ax=ax,
        cmap="viridis",
        vmin=framework.scale_min,
        vmax=framework.scale_max,
        annot=True,
        fmt=".1f",
        cbar=False,  # every cell says its number
        linewidths=0.5,
    )
    label_cells(ax)
    # seaborn leaves empty cells blank; say why each one is empty.
    for i, j in zip(*np.nonzero(means.isna().to_numpy()), strict=True):
        note = "hidden" if suppressed.iat[i, j] == 1 else "none"
        ax.text(j + 0.5, i + 0.5, note, ha="center", va="center", color="#4D4D4D")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.xaxis.tick_top()
    ax.tick_params(axis="y", length=0, rotation=0)
    ax.tick_params(axis="x", rotation=0, color="#767676")
    if len(groups) > 3:
        _stagger(ax)
    set_title(ax, title)
    return ax


def _stagger(ax) -> None:
    """Every other column label raised, with a line down to its column, so that long group
    names have two columns' width each on a narrow chart."""
    lines = max(label.get_text().count("\n") + 1 for label in ax.get_xticklabels())
    raise_by = lines * ax.xaxis.get_ticklabels()[0].get_fontsize() * 1.25 + 4
    for i, tick in enumerate(ax.xaxis.get_major_ticks()):
        tick.tick2line.set_markersize(raise_by if i % 2 else 0)
        tick.set_pad(raise_by + 3 if i % 2 else 3)


def show_figure(fig, alt: str) -> None:
    """Display a figure in the notebook as a PNG that carries ``alt`` text, then close it.

    The report template writes ``alt`` into the image tag so screen readers can describe the chart.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    display({"image/png": data, "text/plain": alt}, raw=True, metadata={"image/png": {"alt": alt}})
