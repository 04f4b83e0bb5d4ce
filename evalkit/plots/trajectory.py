"""Charts of change over rounds: one behaviour's trajectory, and small multiples of them all."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.plots.rounds import SECTOR_COLOURS, SECTOR_MARKERS
from evalkit.plots.style import MAX_WIDTH_IN, set_title, styled, thin_ticks, wrapped

__all__ = ["EVENT_COLOURS", "event_numbers", "plot_trajectory", "plot_trajectories"]

#: Event kinds on every time axis (Okabe-Ito, each 3:1 on white; kinds also differ by line style).
EVENT_COLOURS = {"intervention": "#009E73", "context": "#D55E00", "decision": "#0072B2"}
EVENT_STYLES = {"intervention": "-", "context": "--", "decision": ":"}
_OVERALL = "#333333"
_TURN = "#7A6A00"  # a turning point's line: dark yellow, 5.4:1 on white
_TURN_BAND = "#F0E442"


def event_numbers(events: pd.DataFrame | None) -> list[str]:
    """Each event as the chart numbers it: ``"1 Funding cut (round 4)"``, in time order.

    >>> events = pd.DataFrame({"round": [2, 4], "kind": ["decision", "context"],
    ...                        "description": ["Board formed", "Funding cut"]})
    >>> event_numbers(events)
    ['1 Board formed (round 2)', '2 Funding cut (round 4)']
    """
    if events is None or events.empty:
        return []
    return [
        f"{i} {event.description} (round {event.round})"
        for i, event in enumerate(events.itertuples(), start=1)
    ]


@styled
def plot_trajectory(
    levels: pd.DataFrame,
    *,
    fitted: pd.DataFrame | None = None,
    breakpoints: list[dict] | None = None,
    events: pd.DataFrame | None = None,
    by_group: pd.DataFrame | None = None,
    scale: tuple[int, int] | None = None,
    ax=None,
    title: str | None = None,
    label_events: bool = True,
    dates: dict | None = None,
):
    """A behaviour's mean per round with 95% intervals, its fitted shape and turning points.

    Parameters
    ----------
    levels : DataFrame
        ``round, mean, ci_low, ci_high`` (suppressed rounds have NaN and are skipped).
    fitted : DataFrame, optional
        ``time, fitted``: the chosen shape, drawn as a line.
    breakpoints : list of dict, optional
        ``{"time", "low", "high"}``: each turning point as a line with its interval as a band.
    events : DataFrame, optional
        ``round, kind, description``: drawn as vertical lines, by kind, numbered above the plot
        (so that no label covers the data) and named in the legend (:func:`event_numbers`).
    by_group : DataFrame, optional
        ``round, group, mean`` per sector, drawn thin in each sector's colour and marker.
    scale : (int, int), optional
        Rating scale, for the y limits.
    dates : dict, optional
        Round number -> date: rounds are then spaced by date (the fitted curve and turning
        points by their ``date`` fields, events at their own dates), ticks naming both.
    """
    import matplotlib.pyplot as plt

    alone = ax is None
    if alone:
        fig = plt.figure(figsize=(MAX_WIDTH_IN, 5.2), layout="constrained")
        ax = fig.add_subplot(fig.add_gridspec(2, 1)[0, 0])
    at = _Positions(dates)
    shown = levels.dropna(subset=["mean"])
    if by_group is not None:
        for group, rows in by_group.dropna(subset=["mean"]).groupby("group", sort=False):
            ax.plot(
                at.rounds(rows["round"]),
                rows["mean"],
                color=SECTOR_COLOURS.get(group, "#767676"),
                marker=SECTOR_MARKERS.get(group, "o"),
                markersize=4,
                lw=1.2,
                label=str(group).replace("_", " ").capitalize(),
            )
    ax.errorbar(
        at.rounds(shown["round"]),
        shown["mean"],
        yerr=[shown["mean"] - shown["ci_low"], shown["ci_high"] - shown["mean"]],
        fmt="o",
        color=_OVERALL,
        capsize=3,
        label="Everyone (95% interval)",
        zorder=3,
    )
    if fitted is not None and len(fitted):
        ax.plot(
            at.curve(fitted),
            fitted["fitted"],
            color=_OVERALL,
            lw=2.5,
            alpha=0.6,
            label="Best-fitting shape",
            zorder=2,
        )
    for point in breakpoints or []:
        low, time, high = at.point(point)
        ax.axvspan(low, high, color=_TURN_BAND, alpha=0.35, lw=0, zorder=0)
        ax.axvline(time, color=_TURN, lw=1.5, zorder=1)
    if breakpoints:
        ax.plot([], [], color=_TURN, lw=1.5, label="Turning point (band: its 95% interval)")
    if events is not None and len(events):
        whens = [at.event(event) for event in events.itertuples()]
        for event, when in zip(events.itertuples(), whens, strict=True):
            ax.axvline(
                when, color=EVENT_COLOURS.get(event.kind, "#767676"),
                ls=EVENT_STYLES.get(event.kind, "-"), lw=1.2,
            )  # fmt: skip
        if label_events:
            _number_events(ax, whens)
    rounds = np.sort(levels["round"].unique())
    ax.set_xticks(at.rounds(rounds), at.labels(rounds) if alone else [str(r) for r in rounds])
    thin_ticks(ax, 8 if alone else 7)
    ax.set_xlabel("Round (spaced by date)" if dates else "Round")
    ax.set_ylabel("Average rating")
    if scale is not None:
        ax.set_ylim(scale[0] - 0.2, scale[1] + 0.2)
    ax.grid(axis="y", color="#EEEEEE")
    if alone:
        _legends_below(ax, events if label_events else None, title)
    elif title:
        ax.set_title(wrapped(title, 30), loc="left")
    return ax


def _legends_below(ax, events: pd.DataFrame | None, title: str | None) -> None:
    """The series' legend (two columns) and the numbered events (one line each) in a panel
    under the chart, the figure made tall enough to hold them and the plot."""
    from matplotlib.lines import Line2D

    fig = ax.figure
    handles, names = ax.get_legend_handles_labels()
    names = [wrapped(n, 22) for n in names]
    lines = sum(max(n.count("\n") + 1 for n in names[i : i + 2]) for i in range(0, len(names), 2))
    marks, numbered = [], []
    if events is not None and len(events):
        marks = [
            Line2D([], [], color=EVENT_COLOURS.get(e.kind, "#767676"),
                   ls=EVENT_STYLES.get(e.kind, "-"), lw=1.2)
            for e in events.itertuples()
        ]  # fmt: skip
        numbered = [wrapped(n, 44) for n in event_numbers(events)]
    event_lines = sum(n.count("\n") + 1 for n in numbered) + (1.5 if numbered else 0)
    legend_in = 0.3 * (lines + event_lines) + 0.2
    title_lines = wrapped(title, 50).count("\n") + 1 if title else 0
    fig.set_figheight(3.9 + legend_in + 0.3 * title_lines)
    grid = ax.get_gridspec()
    grid.set_height_ratios([3.9, legend_in])
    panel = fig.add_subplot(grid[1, 0])
    panel.set_axis_off()
    series = panel.legend(handles, names, loc="upper left", bbox_to_anchor=(0, 1), ncol=2,
                          frameon=False, borderaxespad=0)  # fmt: skip
    if numbered:
        panel.add_artist(series)
        fig.canvas.draw()
        box = series.get_window_extent().transformed(panel.transAxes.inverted())
        panel.legend(marks, numbered, loc="upper left", bbox_to_anchor=(0, box.y0 - 0.02),
                     frameon=False, title="Events", alignment="left", borderaxespad=0)  # fmt: skip
    set_title(ax, title)


def _number_events(ax, whens) -> None:
    """Number the events above the plot, on an axis of their own: events close in time share
    one label ("1, 2"), so that labels never overlap each other or the data."""
    ax.figure.canvas.draw()  # the x limits as drawn
    low, high = ax.get_xlim()
    positions = [float(ax.convert_xunits(w)) for w in whens]
    close = 0.06 * (high - low)
    ticks: list[tuple[float, list[int]]] = []
    for number, x in sorted(enumerate(positions, start=1), key=lambda item: item[1]):
        if ticks and x - ticks[-1][0] < close:
            ticks[-1][1].append(number)
        else:
            ticks.append((x, [number]))
    top = ax.secondary_xaxis("top")
    top.set_xticks([x for x, _ in ticks], [", ".join(map(str, n)) for _, n in ticks])
    top.tick_params(length=3)


@styled
def plot_trajectories(
    series: pd.DataFrame,
    labels: dict[str, str],
    *,
    order: list[str],
    shapes: dict[str, str] | None = None,
    breakpoints: dict | None = None,
    events: pd.DataFrame | None = None,
    ncols: int = 2,
    title: str | None = None,
    dates: dict | None = None,
):
    """Small multiples: one panel per behaviour (``series``: behaviour, round, mean, ci_low,
    ci_high), in framework order, each titled with its label and shape; returns the Figure.
    ``dates`` (round -> date) spaces the rounds by date, as in :func:`plot_trajectory`; events
    are drawn as lines and numbered above each panel, and named in the legend."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    nrows = int(np.ceil(len(order) / ncols))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(MAX_WIDTH_IN, 3.0 * nrows + 1.2),
        sharex=True,
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    for i, (ax, behaviour) in enumerate(zip(axes.ravel(), order, strict=False)):
        rows = series[series["behaviour"] == behaviour]
        plot_trajectory(
            rows,
            breakpoints=(breakpoints or {}).get(behaviour),
            events=events,
            ax=ax,
            label_events=i < ncols,
            dates=dates,
        )
        shape = (shapes or {}).get(behaviour, "")
        ax.set_title(f"{wrapped(labels[behaviour], 22)}\n{shape}", loc="left")
        ax.set_xlabel("Round" if i >= len(order) - ncols else "")
        ax.set_ylabel("Average" if i % ncols == 0 else "")
        ax.xaxis.set_tick_params(labelbottom=True)
        thin_ticks(ax)
    for ax in axes.ravel()[len(order) :]:
        ax.set_visible(False)
    names = event_numbers(events)
    if names:
        handles = [
            Line2D([], [], color=EVENT_COLOURS.get(e.kind, "#767676"),
                   ls=EVENT_STYLES.get(e.kind, "-"), lw=1.2)
            for e in events.itertuples()
        ]  # fmt: skip
        fig.legend(handles, [wrapped(n, 40) for n in names], loc="outside lower left",
                   frameon=False, title="Events (numbered above the top charts)")  # fmt: skip
    if title:
        fig.suptitle(wrapped(title, 50), x=0.01, ha="left")
    return fig


class _Positions:
    """Where rounds, curves, turning points and events go on the time axis: at their round
    numbers, or at their dates when the rounds have dates."""

    def __init__(self, dates: dict | None):
        self.dates = {int(r): pd.Timestamp(d) for r, d in (dates or {}).items()}

    def rounds(self, rounds):
        if not self.dates:
            return np.asarray(rounds)
        return pd.to_datetime([self.dates[int(r)] for r in rounds])

    def curve(self, fitted: pd.DataFrame):
        if self.dates and "date" in fitted:
            return pd.to_datetime(fitted["date"])
        return fitted["time"]

    def point(self, point: dict) -> tuple:
        if self.dates and point.get("date"):
            return tuple(pd.Timestamp(point[k]) for k in ("date_low", "date", "date_high"))
        return point["low"], point["time"], point["high"]

    def event(self, event):
        if self.dates and getattr(event, "date", None):
            return pd.Timestamp(event.date)
        return event.round

    def labels(self, rounds) -> list[str]:
        if not self.dates:
            return [str(r) for r in rounds]
        return [f"{r}\n{self.dates[int(r)]:%b}\n{self.dates[int(r)]:%Y}" for r in rounds]
