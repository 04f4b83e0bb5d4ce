"""Plain-English sentences for the reports, built from indicator tables (never from raw ratings)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "format_p",
    "how_to_read",
    "levels_title",
    "largest_moves",
    "widest_sector_gap",
    "headline",
    "respondents_sentence",
    "suppression_note",
]


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def format_p(p: float) -> str:
    """A p-value as a reader should see it.

    Examples
    --------
    >>> format_p(0.0312), format_p(0.00001)
    ('p = 0.031', 'p < 0.001')
    """
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def how_to_read(framework, k_min: int) -> str:
    """The 'how to read this report' box, in markdown."""
    return (
        f"**How to read this report.** People rated how far each behaviour is present, from "
        f"{framework.scale_min} ({framework.low_label or 'not at all'}) to {framework.scale_max} "
        f"({framework.high_label or 'fully'}). Dots are averages. The line through each dot is its "
        f"95% interval: we are fairly sure the true average of everyone like those who answered "
        f"lies in that range, so when two lines overlap a lot, the difference may be chance. "
        f"The scores are prompts for discussion, not grades. To protect people's privacy, nothing "
        f"is shown for a group of fewer than {k_min} people."
    )


def levels_title(levels: pd.DataFrame, labels: dict[str, str]) -> str:
    """A chart title saying which behaviour is seen as most and least present.

    Examples
    --------
    >>> rows = pd.DataFrame({"behaviour": ["a", "b", "c"], "mean": [6.2, 4.1, 5.0],
    ...                      "suppressed": False})
    >>> levels_title(rows, {"a": "Trust", "b": "Power shared", "c": "Vision"})
    'Trust is seen as most present (6.2 on average); power shared least (4.1)'
    """
    shown = levels[~levels["suppressed"]].sort_values("mean")
    if shown.empty:
        return "Too few answers to show averages this round"
    top, bottom = shown.iloc[-1], shown.iloc[0]
    return (
        f"{labels[top['behaviour']]} is seen as most present ({_fmt(top['mean'])} on average); "
        f"{labels[bottom['behaviour']].lower()} least ({_fmt(bottom['mean'])})"
    )


def largest_moves(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Change in each behaviour's mean since the previous round, with a rough test.

    Returns ``behaviour, change, p_value, clear`` sorted by the size of the change. The test is
    Welch's t on the two rounds' summaries; panel respondents make it conservative.

    Examples
    --------
    >>> now = pd.DataFrame({"behaviour": ["a"], "n": [100], "mean": [6.0], "sd": [2.0],
    ...                     "suppressed": False})
    >>> before = now.assign(mean=[5.0])
    >>> row = largest_moves(now, before).iloc[0]
    >>> round(float(row["change"]), 2), bool(row["clear"])
    (1.0, True)
    """
    both = now[~now["suppressed"]].merge(
        before[~before["suppressed"]], on="behaviour", suffixes=("", "_before")
    )
    se2_now = both["sd"] ** 2 / both["n"]
    se2_before = both["sd_before"] ** 2 / both["n_before"]
    change = both["mean"] - both["mean_before"]
    t = change / np.sqrt(se2_now + se2_before)
    dof = (se2_now + se2_before) ** 2 / (
        se2_now**2 / (both["n"] - 1) + se2_before**2 / (both["n_before"] - 1)
    )
    p = 2 * stats.t.sf(np.abs(t), dof)
    result = pd.DataFrame({"behaviour": both["behaviour"], "change": change, "p_value": p})
    result["clear"] = result["p_value"] < 0.05
    return result.reindex(result["change"].abs().sort_values(ascending=False).index)


def widest_sector_gap(sector_levels: pd.DataFrame) -> pd.Series | None:
    """The behaviour whose shown sector averages differ most: ``behaviour, high, low, gap``."""
    shown = sector_levels[~sector_levels["suppressed"]]
    if shown["group"].nunique() < 2:
        return None
    spread = shown.groupby("behaviour")["mean"].agg(["idxmax", "idxmin"])
    spread["gap"] = [
        shown.at[hi, "mean"] - shown.at[lo, "mean"]
        for hi, lo in zip(spread["idxmax"], spread["idxmin"], strict=True)
    ]
    best = spread["gap"].idxmax()
    return pd.Series(
        {
            "behaviour": best,
            "high": shown.at[spread.at[best, "idxmax"], "group"],
            "low": shown.at[spread.at[best, "idxmin"], "group"],
            "gap": spread.at[best, "gap"],
        }
    )


def respondents_sentence(counts: pd.DataFrame, names: dict[str, str], k_min: int) -> str:
    """'212 people answered: Public sector 60, ...' with small groups said as 'fewer than k'."""
    total = counts.loc[counts["group_by"] == "all", "respondents"]
    parts = []
    for group, name in names.items():
        row = counts[counts["group"] == group]
        if row.empty:
            continue
        shown = row.iloc[0]
        parts.append(
            f"{name} fewer than {k_min}"
            if shown["suppressed"]
            else f"{name} {int(shown['respondents'])}"
        )
    n = "fewer than " + str(k_min) if total.isna().all() else str(int(total.sum()))
    return f"{n} people answered" + (f" ({', '.join(parts)})." if parts else ".")


def headline(report) -> list[str]:
    """The three or four findings most worth discussing, one sentence each."""
    labels = report.framework.labels
    now = report.levels_for("all")
    points = [levels_title(now, labels) + "."]
    if report.previous_round is not None:
        moves = largest_moves(now, report.levels_for("all", report.previous_round))
        clear = moves[moves["clear"]]
        if clear.empty:
            points.append(
                f"No behaviour moved clearly since round {report.previous_round}; the "
                "differences are within what chance alone would give."
            )
        else:
            top = clear.iloc[0]
            direction = "rose" if top["change"] > 0 else "fell"
            points.append(
                f"{labels[top['behaviour']]} {direction} by about "
                f"{_fmt(abs(top['change']))} points since round {report.previous_round} "
                f"(more than chance alone would likely give, {format_p(top['p_value'])})."
            )
    gap = widest_sector_gap(report.levels_for("sector"))
    if gap is not None:
        sectors = report.place.sectors
        points.append(
            f"The widest gap between sectors is on {labels[gap['behaviour']].lower()}: "
            f"{sectors.get(gap['high'], gap['high'])} rate it {_fmt(gap['gap'])} points "
            f"higher than {sectors.get(gap['low'], gap['low'])}."
        )
    return points


def suppression_note(levels: pd.DataFrame, names: dict[str, str], k_min: int) -> str:
    """Which groups are not shown, and why."""
    hidden = sorted(set(levels.loc[levels["suppressed"], "group"]))
    if not hidden:
        return f"Every group here has at least {k_min} answers, so all are shown."
    listed = ", ".join(names.get(g, g) for g in hidden)
    return (
        f"Not shown: {listed}. Fewer than {k_min} people in these groups answered, and "
        f"showing their averages could identify them."
    )
