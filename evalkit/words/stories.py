"""What people said, in the report's words: where numbers and stories disagree, and the quotes."""

from __future__ import annotations

import html

import pandas as pd

__all__ = [
    "words_points",
    "quotes_table",
    "story_numbers",
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


def story_numbers(counts: pd.DataFrame, framework) -> pd.DataFrame:
    """The stories charts' numbers: per behaviour and round, how many wrote and the share of
    their stories that were negative, mixed and positive; "not shown" where too few wrote.

    Examples
    --------
    >>> counts = pd.DataFrame({"round": [2, 2, 2, 3, 3, 3], "behaviour": "trust",
    ...                        "valence": ["negative", "mixed", "positive"] * 2,
    ...                        "n_behaviour": [20.0] * 3 + [None] * 3,
    ...                        "share": [0.25, 0.25, 0.5, None, None, None],
    ...                        "suppressed": [False] * 3 + [True] * 3})
    >>> story_numbers(counts, None).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'Behaviour': 'Trust', 'Round': 2, 'Stories': '20', 'Negative': '25%', 'Mixed': '25%',
      'Positive': '50%'},
     {'Behaviour': 'Trust', 'Round': 3, 'Stories': 'not shown', 'Negative': '', 'Mixed': '',
      'Positive': ''}]
    """
    labels = framework.labels if framework is not None else {}
    order = list(framework.behaviour_ids) if framework is not None else []
    rows = []
    present = set(counts["behaviour"])
    behaviours = [b for b in order if b in present] + sorted(present - set(order))
    for behaviour in behaviours:
        mine = counts[counts["behaviour"] == behaviour]
        for number, one in mine.groupby("round", sort=True):
            cells = {
                "Behaviour": labels.get(behaviour, str(behaviour).replace("_", " ").capitalize()),
                "Round": int(number),
            }
            if one["suppressed"].astype(bool).any():
                rows.append(
                    cells | {"Stories": "not shown", "Negative": "", "Mixed": "", "Positive": ""}
                )
                continue
            share = one.set_index("valence")["share"]
            cells["Stories"] = f"{one['n_behaviour'].iloc[0]:.0f}"
            for valence in ("negative", "mixed", "positive"):
                cells[valence.capitalize()] = f"{share.get(valence, 0.0):.0%}"
            rows.append(cells)
    return pd.DataFrame(rows)
