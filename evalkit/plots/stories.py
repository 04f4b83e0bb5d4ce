"""Charts of stories: the mix of negative, mixed and positive stories per behaviour and round."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.plots.style import MAX_WIDTH_IN, on_colour, styled, wrapped
from evalkit.plots.trajectory import EVENT_COLOURS, EVENT_STYLES
from evalkit.stories.counts import VALENCES

__all__ = ["VALENCE_COLOURS", "plot_story_mix", "plot_story_mixes", "story_mix_alt"]

#: One colour per valence (Okabe-Ito vermillion and blue, and a grey between them, each 3:1 or more
#: on white); negative is always at the bottom of a bar and the legend names each.
VALENCE_COLOURS = {"negative": "#D55E00", "mixed": "#767676", "positive": "#0072B2"}
_HIDDEN_STYLE = {"color": "white", "edgecolor": "#767676", "hatch": "////", "lw": 0.6}
_WIDTH = 0.7


def _label(framework, behaviour: str) -> str:
    labels = framework.labels if framework is not None else {}
    return labels.get(behaviour, behaviour.replace("_", " ").capitalize())


def _k_min(counts: pd.DataFrame, k_min: int | None) -> int | None:
    return k_min if k_min is not None else counts.attrs.get("k_min")


@styled
def plot_story_mix(
    counts: pd.DataFrame,
    framework=None,
    *,
    behaviour: str,
    events: pd.DataFrame | None = None,
    k_min: int | None = None,
    ax=None,
    title: str | None = None,
    legend: bool = True,
    annotate: bool = True,
):
    """Stacked bars: the share of a behaviour's stories that were negative, mixed and positive.

    Parameters
    ----------
    counts : DataFrame
        :func:`evalkit.stories.story_counts` output (``round, behaviour, valence, n_behaviour,
        share, suppressed``).
    framework : Framework, optional
        For the behaviour's short label.
    behaviour : str
        The behaviour drawn.
    events : DataFrame, optional
        ``round, kind, description``: a line (by kind, as in the trajectory charts) just before
        the round each happened in; list the descriptions beside the chart.
    k_min : int, optional
        Threshold named on hidden rounds; by default ``counts.attrs["k_min"]``.
    ax : Axes, optional
        Where to draw; a new figure by default.
    title : str, optional
        A sentence stating the message; by default a description of the chart.
    legend, annotate : bool
        Draw the legend; write each share of 12% or more in its bar, and the number of stories
        above each bar.

    Returns
    -------
    Axes

    Notes
    -----
    A round whose stories are suppressed is drawn as an empty hatched bar marked "too few", so a
    gap is never mistaken for no stories.
    """
    import matplotlib.pyplot as plt

    rows = counts[counts["behaviour"] == behaviour]
    rounds = np.sort(rows["round"].unique()).astype(int)
    hidden = rows.groupby("round")["suppressed"].any().reindex(rounds).fillna(True).to_numpy()
    if ax is None:
        _, ax = plt.subplots(figsize=(MAX_WIDTH_IN, 3.8), layout="constrained")
    bottom = np.zeros(len(rounds))
    for valence in VALENCES:
        share = (
            rows[rows["valence"] == valence]
            .set_index("round")["share"]
            .reindex(rounds)
            .fillna(0.0)
            .to_numpy(dtype=float)
            * 100
        )
        ax.bar(
            rounds,
            share,
            bottom=bottom,
            width=_WIDTH,
            color=VALENCE_COLOURS[valence],
            edgecolor="white",
            lw=0.5,
            label=valence.capitalize(),
        )
        if annotate:
            for x, y, h in zip(rounds, bottom, share, strict=True):
                if h >= 16:
                    ax.text(
                        x,
                        y + h / 2,
                        f"{h:.0f}%",
                        ha="center",
                        va="center",
                        color=on_colour(VALENCE_COLOURS[valence]),
                    )
        bottom += share
    k = _k_min(counts, k_min)
    for x in rounds[hidden]:
        ax.bar(x, 100, width=_WIDTH, **_HIDDEN_STYLE)
        note = f"fewer than {k}" if annotate and k else "too few"
        ax.text(
            x, 50, note, rotation=90, ha="center", va="center", color="#4D4D4D",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )  # fmt: skip
    if annotate:
        totals = rows.groupby("round")["n_behaviour"].first().reindex(rounds).to_numpy()
        for x, n, is_hidden in zip(rounds, totals, hidden, strict=True):
            if not is_hidden:
                ax.text(x, 102, f"{n:.0f}", ha="center", va="bottom", color="#4D4D4D")
    kinds = []
    if events is not None and len(events):
        # just before the round: the event happened between that survey and the one before;
        # several events in one round sit side by side, not on top of each other
        same_round = events.groupby("round").cumcount().to_numpy()
        for event, nth in zip(events.itertuples(), same_round, strict=True):
            ax.axvline(
                event.round - 0.5 + 0.05 * nth,
                color=EVENT_COLOURS.get(event.kind, "#666666"),
                ls=EVENT_STYLES.get(event.kind, "-"),
                lw=1.5,
                label=None if event.kind in kinds else f"Event: {event.kind}",
            )
            kinds.append(event.kind)
    ax.set_xticks(rounds, [str(r) for r in rounds])
    if len(rounds):
        ax.set_xlim(rounds.min() - 0.6, rounds.max() + 0.6)
    ax.set_ylim(0, 110)
    ax.set_yticks([0, 50, 100], ["0%", "50%", "100%"])
    ax.set_xlabel("Round (number of stories above each bar)" if annotate else "Round")
    ax.set_ylabel("Share of stories")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    rows_of_legend = 0
    if legend:
        entries = len(VALENCES) + len(set(kinds))
        rows_of_legend = int(np.ceil(entries / 3))
        handles, names = ax.get_legend_handles_labels()
        first = sorted(range(len(names)), key=lambda i: names[i].startswith("Event"))  # bars first
        ax.legend(
            [handles[i] for i in first],
            [names[i] for i in first],
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncol=3,
            frameon=False,
        )
    ax.set_title(
        wrapped(
            title or f"Stories about {_label(framework, behaviour).lower()}, round by round", 40
        ),
        loc="left",
        pad=6 + 22 * rows_of_legend,
    )
    return ax


@styled
def plot_story_mixes(
    counts: pd.DataFrame,
    framework,
    *,
    behaviours: list[str] | None = None,
    events: pd.DataFrame | None = None,
    k_min: int | None = None,
    ncols: int = 2,
    title: str | None = None,
):
    """Small multiples of :func:`plot_story_mix`, one panel per behaviour in framework order.

    Returns
    -------
    Figure
    """
    import matplotlib.pyplot as plt

    order = [b for b in framework.behaviour_ids if behaviours is None or b in behaviours]
    nrows = int(np.ceil(len(order) / ncols))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(MAX_WIDTH_IN, 2.5 * nrows + 1.2),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    for ax, behaviour in zip(axes.ravel(), order, strict=False):
        plot_story_mix(
            counts,
            framework,
            behaviour=behaviour,
            events=events,
            k_min=k_min,
            ax=ax,
            title=_label(framework, behaviour),
            legend=False,
            annotate=False,
        )
        ax.set_title(wrapped(_label(framework, behaviour), 22), loc="left", pad=4)
        ax.set_xlabel("")
        ax.set_ylabel("")
    spare = axes.ravel()[len(order) :]
    for ax in spare:
        ax.set_axis_off()
    entries: dict = {}  # every panel's legend entries once: the tones first, then the events
    for ax in axes.ravel()[: len(order)]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    names = sorted(entries, key=lambda name: name.startswith("Event"))
    fig.suptitle(
        wrapped(
            title or "Share of stories that were negative, mixed or positive, round by round", 50
        ),
        x=0.01,
        ha="left",
        fontsize=15,
    )
    handles = [entries[name] for name in names]
    if len(spare):  # the legend in the panel left empty
        spare[0].legend(handles, names, loc="center left", frameon=False)
    else:
        fig.legend(handles, names, loc="outside lower left", ncol=2, frameon=False)
    return fig


def story_mix_alt(counts: pd.DataFrame, framework=None, *, behaviour: str | None = None) -> str:
    """Alt text for :func:`plot_story_mix` (one behaviour) or :func:`plot_story_mixes` (all):
    what the chart shows and its main point, in a sentence or two (the numbers are in
    :func:`evalkit.words.stories.story_numbers`).

    Examples
    --------
    >>> counts = pd.DataFrame({"round": [1, 1, 1, 2, 2, 2], "behaviour": "trust",
    ...                        "valence": ["negative", "mixed", "positive"] * 2,
    ...                        "n_behaviour": [10.0] * 3 + [None] * 3,
    ...                        "share": [0.1, 0.1, 0.8, None, None, None],
    ...                        "suppressed": [False] * 3 + [True] * 3})
    >>> story_mix_alt(counts, behaviour="trust")  # doctest: +NORMALIZE_WHITESPACE
    'Stacked bars, one per round, of the share of stories about trust that were negative, mixed
    or positive. Negative: 10% in round 1. Not shown for round 2: too few people wrote about it.'
    """
    shown = counts[~counts["suppressed"].astype(bool)]
    negative = shown[shown["valence"] == "negative"]
    if behaviour is not None:
        rows = negative[negative["behaviour"] == behaviour].sort_values("round")
        hidden = sorted(
            counts.loc[
                (counts["behaviour"] == behaviour) & counts["suppressed"].astype(bool), "round"
            ].unique()
        )
        text = (
            f"Stacked bars, one per round, of the share of stories about "
            f"{_label(framework, behaviour).lower()} that were negative, mixed or positive."
        )
        if len(rows):
            ends = rows.iloc[[0, -1]] if len(rows) > 1 else rows
            parts = [f"{r['share']:.0%} in round {r['round']}" for _, r in ends.iterrows()]
            text += f" Negative: {', '.join(parts)}."
        if hidden:
            which = f"round {hidden[0]}" if len(hidden) == 1 else f"{len(hidden)} rounds"
            text += f" Not shown for {which}: too few people wrote about it."
        return text
    text = (
        "Stacked bars, one panel per behaviour, of the share of stories that were negative, "
        "mixed or positive in each round."
    )
    if negative.empty:
        return text
    last = negative[negative["round"] == negative["round"].max()]
    most, least = last.loc[last["share"].idxmax()], last.loc[last["share"].idxmin()]
    return (
        f"{text} In round {most['round']}, stories about {_label(framework, most['behaviour'])} "
        f"were most often negative ({most['share']:.0%}), about "
        f"{_label(framework, least['behaviour']).lower()} least ({least['share']:.0%})."
    )
