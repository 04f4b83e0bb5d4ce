"""What people said, in the report's words: where numbers and stories disagree, and the quotes."""

from __future__ import annotations

import html

import pandas as pd

__all__ = [
    "words_points",
    "quotes_table",
]


def words_points(report) -> list[str]:
    """Behaviours whose ratings and stories moved in opposite directions this round."""
    words = report.words
    if words.empty:
        return []
    here = words[(words["span"] == "step") & (words["round"] == report.round) & words["disagree"]]
    points = []
    for row in here.itertuples():
        label = report.framework.labels.get(row.behaviour, row.behaviour)
        rose = row.rating_change > 0
        tone, before, after = (
            ("negative", row.negative_before, row.negative_after)
            if rose
            else ("positive", row.positive_before, row.positive_after)
        )
        points.append(
            f"**{html.escape(label)}**: the average rating {'rose' if rose else 'fell'} from "
            f"{row.mean_before:.1f} to {row.mean_after:.1f}, while {tone} stories went from "
            f"{before:.0%} of {int(row.n_before)} to {after:.0%} of {int(row.n_after)}."
        )
    return points


def quotes_table(report) -> pd.DataFrame:
    """Quotes on the behaviours that moved: consented, masked, attributed to large groups only."""
    quotes = report.quotes
    if quotes.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "Behaviour": [report.framework.labels.get(b, b) for b in quotes["behaviour"]],
            "Tone": quotes["valence"].str.capitalize(),
            "Who": quotes["group"],
            "What they said": quotes["text"],
        }
    )
