"""The trajectory report's overview, tables and chart titles."""

from __future__ import annotations

import pandas as pd

from evalkit.indicators.transitions import LEVEL_LABELS, LEVELS
from evalkit.words.numbers import format_p, interval_text, one_decimal
from evalkit.words.shapes import shape_label

__all__ = [
    "behaviour_alt",
    "behaviour_numbers",
    "early_warning_note",
    "events_table",
    "how_to_read_trajectory",
    "moves_alt",
    "moves_numbers",
    "trajectories_alt",
    "trajectories_numbers",
    "trajectory_overview",
    "trajectory_table",
    "trajectory_title",
]


def trajectory_overview(trajectory) -> str:
    """One sentence on the whole picture: how many behaviours turned, stayed level or trended."""
    overall = trajectory.overall()
    early = overall[overall["shape"].isna()]
    if len(early) == len(overall) and len(overall):
        return _early_overview(trajectory, overall)
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


def _early_overview(trajectory, overall) -> str:
    """Too few rounds for any shape: what moved from the first round, and when shapes come."""
    labels = trajectory.framework.labels
    moves = {"rose": [], "fell": [], "within the noise": []}
    for behaviour, row in overall.iterrows():
        change = (row["changes"] or [{}])[0]
        if change.get("low", 0) > 0:
            moves["rose"].append(labels[behaviour].lower())
        elif change.get("high", 0) < 0:
            moves["fell"].append(labels[behaviour].lower())
        else:
            moves["within the noise"].append(labels[behaviour].lower())
    parts = [
        f"{len(names)} {'moved' if how == 'within the noise' else how}"
        + (" within the noise" if how == "within the noise" else "")
        + f" ({', '.join(names)})"
        for how, names in moves.items()
        if names
    ]
    rounds = trajectory.rounds
    needed = int(overall["rounds_needed"].max())
    return (
        f"From round {rounds[0]} to round {rounds[-1]}: " + "; ".join(parts) + ". "
        f"With {len(rounds)} rounds no shape can be told yet (a turn looks like a straight line "
        f"until there are more rounds): {needed} more round{'s are' if needed != 1 else ' is'} "
        "needed."
    )


def trajectory_table(trajectory) -> pd.DataFrame:
    """Every behaviour's shape, turning round and evidence, in framework order."""
    table = []
    for behaviour, row in trajectory.overall().iterrows():
        turning = ""
        if row["nonlinear"] and row["breakpoints"]:
            point = row["breakpoints"][0]
            when = f", {pd.Timestamp(point['date']):%b %Y}" if point.get("date") else ""
            turning = f"round {point['time']:.1f}{when} ({point['low']:.1f} to {point['high']:.1f})"
        near = row.get("events_near") or []
        if row["nonlinear"] and row["breakpoints"]:  # the two nearest the estimated turn
            at = row["breakpoints"][0]["time"]
            near = sorted(near, key=lambda e: abs(e["round"] - at))[:2]
        around = "; ".join(f"{e['description']} (round {e['round']})" for e in near)
        table.append(
            {
                "Behaviour": trajectory.framework.labels[behaviour],
                "Shape": shape_label(row["shape"]),
                "Change since the first round (95% interval)": _first_change(row),
                "Turned at (95% interval)": turning,
                "Nearest events": around,
                "Evidence against a straight line": format_p(row["p_adjusted"]),
            }
        )
    return pd.DataFrame(table)


def _first_change(row) -> str:
    changes = row.get("changes") or []
    if not changes:
        return ""
    c = changes[0]
    return f"{c['change']:+.1f} ({c['low']:+.1f} to {c['high']:+.1f})"


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
    words = shape_label(row["shape"]).lower()
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
        "coloured lines mark recorded events, numbered above the chart and named under it."
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


def _cell(row) -> str:
    """A round's average with its interval, or "not shown" for a hidden group."""
    if bool(row["suppressed"]) or pd.isna(row["mean"]):
        return "not shown"
    return f"{one_decimal(row['mean'])} ({interval_text(row['ci_low'], row['ci_high'])})"


def _round_name(trajectory, round: int) -> str:
    date = trajectory.dates.get(round) if trajectory.dates else None
    return f"Round {round} ({date:%b %Y})" if date else f"Round {round}"


def trajectories_alt(trajectory) -> str:
    """The alt text of the small charts of every behaviour: what they show, in a breath."""
    overall = trajectory.overall()
    turned = int(overall["nonlinear"].astype(bool).sum())
    first, last = trajectory.rounds[0], trajectory.rounds[-1]
    return (
        f"One small chart per behaviour of everyone's average rating, rounds {first} to {last}, "
        f"with its shape; {turned} of {len(overall)} behaviours turned. The table gives every "
        "round's average and interval."
    )


def trajectories_numbers(trajectory) -> pd.DataFrame:
    """The small charts' numbers: each behaviour's average (95% interval) in each round."""
    everyone = trajectory.levels[trajectory.levels["group_by"] == "all"]
    rows = []
    for behaviour, label in trajectory.framework.labels.items():
        mine = everyone[everyone["behaviour"] == behaviour].sort_values("round")
        if mine.empty:
            continue
        rows.append(
            {"Behaviour": label}
            | {_round_name(trajectory, int(r["round"])): _cell(r) for _, r in mine.iterrows()}
        )
    return pd.DataFrame(rows)


def behaviour_alt(trajectory, behaviour: str) -> str:
    """The alt text of one behaviour's chart: where it started and ended, and its shape.

    Hidden rounds are skipped; the table beside the chart holds every round and every sector.
    """
    label = trajectory.framework.labels[behaviour]
    series = trajectory.series(behaviour).dropna(subset=["mean"]).sort_values("round")
    shape = trajectory.overall().loc[behaviour, "shape"]
    text = f"{label}: everyone's average rating"
    if len(series):
        start, end = series.iloc[0], series.iloc[-1]
        text += (
            f" went from {start['mean']:.1f} in round {int(start['round'])} to "
            f"{end['mean']:.1f} in round {int(end['round'])}"
        )
    text += f"; shape: {shape_label(shape).lower()}." if isinstance(shape, str) else "."
    return text + " Sectors are drawn thin; the table gives every number."


def behaviour_numbers(trajectory, behaviour: str) -> pd.DataFrame:
    """One behaviour's chart as numbers: a row per round, everyone and each sector's average
    (95% interval), "not shown" where a group was too small."""
    levels = trajectory.levels[trajectory.levels["behaviour"] == behaviour]
    names = trajectory.place.sectors
    rows = []
    for round_, here in levels.groupby("round", sort=True):
        row = {"Round": _round_name(trajectory, int(round_))}
        for _, level in here[here["group_by"] == "all"].iterrows():
            row["Everyone"] = _cell(level)
        for _, level in here[here["group_by"] == "sector"].iterrows():
            name = names.get(level["group"], str(level["group"]).replace("_", " ").capitalize())
            row[name] = _cell(level)
        rows.append(row)
    return pd.DataFrame(rows)


def moves_alt(trajectory, behaviour: str) -> str:
    """The alt text of a chart of moves between levels."""
    label = trajectory.framework.labels[behaviour]
    moves = trajectory.transitions[trajectory.transitions["behaviour"] == behaviour]
    first, last = int(moves["round_from"].min()), int(moves["round_to"].max())
    return (
        f"Where people at each level of {label.lower()} one round stood the next, rounds {first} "
        f"to {last}, for people rated in both; the table gives each move's count."
    )


def moves_numbers(trajectory, behaviour: str) -> pd.DataFrame:
    """The moves chart's numbers: for each step and each starting level, how many people were
    at that level and how many of them moved to each level; "not shown" where hidden."""
    moves = trajectory.transitions[trajectory.transitions["behaviour"] == behaviour]
    hidden = "not shown"

    def count(value) -> str | int:
        return hidden if pd.isna(value) else int(value)

    rows = []
    for (start, end, level), cells in moves.groupby(
        ["round_from", "round_to", "level_from"], sort=False
    ):
        cells = cells.set_index("level_to")
        row = {
            "Rounds": f"{start} to {end}",
            "Level at the start": LEVEL_LABELS[level],
            "People": count(cells["n_from"].iloc[0]),
        }
        row |= {f"Then {LEVEL_LABELS[t].lower()}": count(cells.loc[t, "n"]) for t in LEVELS}
        rows.append(row)
    order = {level: i for i, level in enumerate(LEVEL_LABELS[lv] for lv in LEVELS)}
    table = pd.DataFrame(rows)
    return table.sort_values(
        ["Rounds", "Level at the start"],
        key=lambda c: c.map(order) if c.name == "Level at the start" else c.map(_step_key),
        kind="stable",
    ).reset_index(drop=True)


def _step_key(step: str) -> int:
    return int(step.split(" ")[0])
