"""Charts of one round: levels against last round, the spread of answers, groups side by side."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd

__all__ = [
    "SECTOR_COLOURS",
    "SECTOR_MARKERS",
    "plot_levels",
    "plot_distribution",
    "plot_group_heatmap",
    "show_figure",
]

#: One colour per sector in every chart of every report (Okabe-Ito, safe for colour-blind readers).
SECTOR_COLOURS = {
    "public": "#0072B2",
    "voluntary": "#009E73",
    "private": "#E69F00",
    "lived_experience": "#CC79A7",
}
SECTOR_MARKERS = {"public": "o", "voluntary": "s", "private": "D", "lived_experience": "^"}
_THIS_ROUND = "#0072B2"
_LAST_ROUND = "#7F7F7F"


def _ordered_behaviours(framework) -> pd.DataFrame:
    return framework.behaviours_frame().reset_index(drop=True)


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
        _, ax = plt.subplots(figsize=(7.5, 0.55 * len(order) + 1.2))
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
    ax.set_yticks(y, order["label"])
    for boundary in np.flatnonzero(order["group"].ne(order["group"].shift()).to_numpy())[1:]:
        ax.axhline(y[boundary] + 0.5, color="#DDDDDD", lw=1)
    for group, rows in order.groupby("group", sort=False):
        ax.annotate(
            framework.groups[group],
            xy=(1.01, y[rows.index].mean()),
            xycoords=("axes fraction", "data"),
            va="center",
            fontsize=9,
            color="#555555",
            rotation=-90,
        )
    ax.set_xlim(framework.scale_min - 0.2, framework.scale_max + 0.2)
    ax.set_xlabel(
        f"Average rating ({framework.scale_min} = {framework.low_label or 'lowest'}, "
        f"{framework.scale_max} = {framework.high_label or 'highest'})"
    )
    ax.grid(axis="x", color="#EEEEEE")
    ax.legend(loc="lower right", fontsize=9, frameon=False, bbox_to_anchor=(1.0, 1.0), ncol=2)
    if title:
        ax.set_title(title, loc="left", fontsize=11, pad=22)
    return ax


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
    table.index = order["label"]
    table.columns = [str(s) for s in scale]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 0.45 * len(order) + 1.2))
    sns.heatmap(
        table * 100,
        ax=ax,
        cmap="Blues",
        vmin=0,
        annot=True,
        fmt=".0f",
        annot_kws={"fontsize": 8},
        cbar_kws={"label": "% of answers"},
        linewidths=0.5,
    )
    ax.set_xlabel("Rating given")
    ax.set_ylabel("")
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    return ax


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
        _, ax = plt.subplots(figsize=(1.3 * len(groups) + 3.5, 0.45 * len(order) + 1.4))
    ax.set_facecolor("#F2F2F2")
    sns.heatmap(
        means.set_axis(order["label"]).set_axis(list(groups.values()), axis=1),
        ax=ax,
        cmap="viridis",
        vmin=framework.scale_min,
        vmax=framework.scale_max,
        annot=True,
        fmt=".1f",
        annot_kws={"fontsize": 8},
        linewidths=0.5,
        cbar_kws={"label": "Average rating"},
    )
    # seaborn leaves empty cells blank; say why each one is empty.
    for i, j in zip(*np.nonzero(means.isna().to_numpy()), strict=True):
        note = "hidden" if suppressed.iat[i, j] == 1 else "none"
        ax.text(j + 0.5, i + 0.5, note, ha="center", va="center", fontsize=8, color="#555555")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=20)
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    return ax


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
