"""The trajectory report's overview, tables and chart titles."""

from __future__ import annotations

import pandas as pd

from evalkit.words.numbers import format_p
from evalkit.words.shapes import SHAPE_WORDS

__all__ = [
    "early_warning_note",
    "events_table",
    "how_to_read_trajectory",
    "trajectory_overview",
    "trajectory_table",
    "trajectory_title",
]


def trajectory_overview(trajectory) -> str:
    """One sentence on the whole picture: how many behaviours turned, stayed level or trended."""
    overall = trajectory.overall()
    turned = overall[overall["nonlinear"].astype(bool)]
    flat = overall[~overall["nonlinear"].astype(bool) & (overall["shape"] == "flat")]
    linear = overall[~overall["nonlinear"].astype(bool) & (overall["shape"] == "linear")]
    labels = trajectory.framework.labels
    parts = []
    if len(turned):
        parts.append(
            f"{len(turned)} of {len(overall)} behaviours changed in a non-linear way "
            f"({', '.join(labels[b].lower() for b in turned.index)})"
        )
    if len(linear):
        parts.append(
            f"{len(linear)} moved in a straight line "
            f"({', '.join(labels[b].lower() for b in linear.index)})"
        )
    if len(flat):
        parts.append(
            f"{len(flat)} stayed about level ({', '.join(labels[b].lower() for b in flat.index)})"
        )
    return (
        "Over rounds "
        + f"{trajectory.rounds[0]} to {trajectory.rounds[-1]}: "
        + "; ".join(parts)
        + "."
    )


def trajectory_table(trajectory) -> pd.DataFrame:
    """Every behaviour's shape, turning round and evidence, in framework order."""
    table = []
    for behaviour, row in trajectory.overall().iterrows():
        turning = ""
        if row["nonlinear"] and row["breakpoints"]:
            point = row["breakpoints"][0]
            turning = f"round {point['time']:.1f} ({point['low']:.1f} to {point['high']:.1f})"
        near = row.get("events_near") or []
        if row["nonlinear"] and row["breakpoints"]:  # the two nearest the estimated turn
            at = row["breakpoints"][0]["time"]
            near = sorted(near, key=lambda e: abs(e["round"] - at))[:2]
        around = "; ".join(f"{e['description']} (round {e['round']})" for e in near)
        table.append(
            {
                "Behaviour": trajectory.framework.labels[behaviour],
                "Shape": SHAPE_WORDS.get(row["shape"], row["shape"]),
                "Turned at (95% interval)": turning,
                "Nearest events": around,
                "Evidence against a straight line": format_p(row["p_adjusted"]),
            }
        )
    return pd.DataFrame(table)


def events_table(trajectory) -> pd.DataFrame:
    """The events log, as recorded."""
    events = trajectory.events
    return pd.DataFrame(
        {
            "Round": events["round"],
            "Date": events["date"].astype(str),
            "Kind": events["kind"].str.capitalize(),
            "What happened": events["description"],
        }
    )


def trajectory_title(trajectory, behaviour: str) -> str:
    """A chart title saying the behaviour's shape and, if it turned, when."""
    row = trajectory.overall().loc[behaviour]
    words = SHAPE_WORDS.get(row["shape"], row["shape"]).lower()
    title = f"{trajectory.framework.labels[behaviour]}: {words}"
    if row["nonlinear"] and row["breakpoints"]:
        title += f", turning around round {row['breakpoints'][0]['time']:.0f}"
    return title


def how_to_read_trajectory() -> str:
    """The trajectory report's "how to read" box, in markdown."""
    return (
        "**How to read this report.** Plans often assume steady, straight-line progress. Here "
        "each behaviour's averages over the rounds are compared with a straight line and with "
        "shapes that turn: a step, a change of pace, a tipping point (S-curve), a turn in "
        "direction, a shock. A turn is only claimed when a straight line fits clearly worse than "
        "chance and ordinary round-to-round wobble would allow (the p-value, adjusted for looking "
        "at every behaviour at once). Yellow bands show when a turn happened, give or take; "
        "coloured lines mark recorded events."
    )


def early_warning_note(trajectory) -> str:
    """Why early-warning signals are (not yet) shown for this place."""
    from evalkit.limits import MIN_EARLY_WARNING_POINTS

    return (
        "Early-warning signals of a coming transition (rising variance and autocorrelation) "
        f"need a long series, such as a monthly pulse survey of {MIN_EARLY_WARNING_POINTS} or "
        f"more points. This place has {len(trajectory.rounds)} rounds, so they are not computed "
        "here."
    )
