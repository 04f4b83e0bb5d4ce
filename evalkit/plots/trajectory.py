"""Charts of change over rounds: one behaviour's trajectory, and small multiples of them all."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.plots.rounds import SECTOR_COLOURS, SECTOR_MARKERS

__all__ = ["EVENT_COLOURS", "plot_trajectory", "plot_trajectories"]

#: Event kinds on every time axis (Okabe-Ito; kinds also differ by line style).
EVENT_COLOURS = {"intervention": "#009E73", "context": "#D55E00", "decision": "#0072B2"}
EVENT_STYLES = {"intervention": "-", "context": "--", "decision": ":"}
_OVERALL = "#333333"


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
        ``round, kind, description``: drawn as vertical lines, by kind.
    by_group : DataFrame, optional
        ``round, group, mean`` per sector, drawn thin in each sector's colour and marker.
    scale : (int, int), optional
        Rating scale, for the y limits.
    dates : dict, optional
        Round number -> date: rounds are then spaced by date (the fitted curve and turning
        points by their ``date`` fields, events at their own dates), ticks naming both.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.8))
    at = _Positions(dates)
    shown = levels.dropna(subset=["mean"])
    if by_group is not None:
        for group, rows in by_group.dropna(subset=["mean"]).groupby("group", sort=False):
            ax.plot(
                at.rounds(rows["round"]),
                rows["mean"],
                color=SECTOR_COLOURS.get(group, "#999999"),
                marker=SECTOR_MARKERS.get(group, "o"),
                markersize=3,
                lw=1,
                alpha=0.8,
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
            lw=2,
            alpha=0.6,
            label="Best-fitting shape",
            zorder=2,
        )
    for point in breakpoints or []:
        low, time, high = at.point(point)
        ax.axvspan(low, high, color="#F0E442", alpha=0.35, lw=0, zorder=0)
        ax.axvline(time, color="#B8A200", lw=1.2, zorder=1)
    if events is not None and len(events):
        top = ax.get_ylim()[1] if scale is None else scale[1]
        same_round = events.groupby("round").cumcount().to_numpy()
        for event, nth in zip(events.itertuples(), same_round, strict=True):
            colour = EVENT_COLOURS.get(event.kind, "#666666")
            when = at.event(event)
            ax.axvline(when, color=colour, ls=EVENT_STYLES.get(event.kind, "-"), lw=1)
            if label_events:  # several events in one round: labels side by side, not on top
                ax.annotate(
                    event.description,
                    xy=(when, top),
                    xytext=(2 + 10 * nth, -2),
                    textcoords="offset points",
                    rotation=90,
                    va="top",
                    ha="left",
                    fontsize=7,
                    color=colour,
                )
    rounds = np.sort(levels["round"].unique())
    ax.set_xticks(at.rounds(rounds), at.labels(rounds))
    ax.set_xlabel("Round (spaced by date)" if dates else "Round")
    ax.set_ylabel("Average rating")
    if scale is not None:
        ax.set_ylim(scale[0] - 0.2, scale[1] + 0.2)
    ax.grid(axis="y", color="#EEEEEE")
    if title:
        ax.set_title(title, loc="left", fontsize=11)
    return ax


def plot_trajectories(
    series: pd.DataFrame,
    labels: dict[str, str],
    *,
    order: list[str],
    shapes: dict[str, str] | None = None,
    breakpoints: dict | None = None,
    events: pd.DataFrame | None = None,
    ncols: int = 3,
    title: str | None = None,
    dates: dict | None = None,
):
    """Small multiples: one panel per behaviour (``series``: behaviour, round, mean, ci_low,
    ci_high), in framework order, each titled with its label and shape; returns the Figure.
    ``dates`` (round -> date) spaces the rounds by date, as in :func:`plot_trajectory`."""
    import matplotlib.pyplot as plt

    nrows = int(np.ceil(len(order) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.1 * ncols, 2.3 * nrows), sharex=True, sharey=True, squeeze=False
    )
    for ax, behaviour in zip(axes.ravel(), order, strict=False):
        rows = series[series["behaviour"] == behaviour]
        plot_trajectory(
            rows,
            breakpoints=(breakpoints or {}).get(behaviour),
            events=events,
            ax=ax,
            label_events=False,
            dates=dates,
        )
        shape = (shapes or {}).get(behaviour, "")
        ax.set_title(f"{labels[behaviour]}\n{shape}", fontsize=9, loc="left")
        ax.set_xlabel("")
        ax.set_ylabel("")
    for ax in axes.ravel()[len(order) :]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=11)
    fig.tight_layout()
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
        return [f"{r}\n{self.dates[int(r)]:%b %Y}" for r in rounds]
