"""The round report's sentences and readable tables, from its privacy-checked indicator tables."""

from __future__ import annotations

import html

import pandas as pd

from evalkit.words.numbers import format_p, interval_text, one_decimal

__all__ = [
    "agreement_notes",
    "change_table",
    "gaps_table",
    "headline",
    "how_to_read",
    "index_table",
    "levels_title",
    "quality_notes",
    "respondents_sentence",
    "suppression_note",
    "question_points",
    "box",
    "heatmap_alt",
    "heatmap_title",
    "levels_alt",
    "responses_table",
]


def how_to_read(framework, k_min: int) -> str:
    """The 'how to read this report' box, in markdown."""
    return (
        f"**How to read this report.** People rated how far each behaviour is present, from "
        f"{framework.scale_min} ({framework.low_label or 'not at all'}) to {framework.scale_max} "
        f"({framework.high_label or 'fully'}). Dots are averages. The line through each dot is its "
        f"95% interval: we are fairly sure the true average of everyone like those who answered "
        f"lies in that range, so when two lines overlap a lot, the difference may be chance. "
        f"The scores are prompts for discussion, not grades. To protect people's privacy, nothing "
        f"is shown for a group of fewer than {k_min} people, nor for a group that would let "
        "someone work such a group out from the totals."
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
        f"{labels[top['behaviour']]} is seen as most present "
        f"({one_decimal(top['mean'])} on average); "
        f"{labels[bottom['behaviour']].lower()} least ({one_decimal(bottom['mean'])})"
    )


def _group_name(report, group_by: str, group: str) -> str:
    names = {"sector": report.place.sectors, "role": report.place.roles}.get(group_by, {})
    return names.get(group, group)


def headline(report) -> list[str]:
    """The three or four findings most worth discussing, one sentence each."""
    labels = report.framework.labels
    points = [levels_title(report.levels_for("all"), labels) + "."]
    if report.previous_round is not None:
        change = report.change
        everyone = change[(change["group_by"] == "all") & ~change["suppressed"]]
        clear = everyone[everyone["clear"].fillna(False).astype(bool)]
        if clear.empty:
            points.append(
                f"No behaviour moved clearly since round {report.previous_round}: the "
                "differences are within what chance alone would give."
            )
        else:
            top = clear.reindex(clear["cliffs_delta"].abs().sort_values(ascending=False).index)
            top = top.iloc[0]
            now = report.levels_for("all").set_index("behaviour")["mean"]
            before = report.levels_for("all", report.previous_round).set_index("behaviour")["mean"]
            change = now[top["behaviour"]] - before[top["behaviour"]]
            direction = "rose" if change > 0 else "fell"
            others = len(clear) - 1
            points.append(
                f"{labels[top['behaviour']]} {direction} by about "
                f"{one_decimal(abs(change))} points "
                f"since round {report.previous_round}, more than chance alone would likely give "
                f"({format_p(top['p_adjusted'])}, allowing for testing every behaviour)"
                + (
                    f"; {others} other behaviour{'s' if others > 1 else ''} also moved."
                    if others
                    else "."
                )
            )
    widest = report.widest_gaps(1)
    if len(widest):
        gap = widest.iloc[0]
        high, low = (
            (gap["group_a"], gap["group_b"]) if gap["gap"] > 0 else (gap["group_b"], gap["group_a"])
        )
        points.append(
            f"The widest gap between voices is on {labels[gap['behaviour']].lower()}: "
            f"{_group_name(report, gap['group_by'], high)} respondents rate it about "
            f"{one_decimal(abs(gap['gap']))} points higher than "
            f"{_group_name(report, gap['group_by'], low)} respondents."
        )
    split = report.split_groups()
    split = split[split["group_by"] == "all"]
    if len(split):
        names = ", ".join(labels[b].lower() for b in split["behaviour"])
        points.append(
            f"People are split on {names}: answers bunch at both ends of the scale, so the "
            "average hides two different experiences."
        )
    return points


def respondents_sentence(counts: pd.DataFrame, names: dict[str, str], k_min: int) -> str:
    """'212 people answered (Public sector 60, ...)', hidden groups said as 'not shown'.

    A hidden group may have k or more people: it is hidden beside a smaller one so that the
    smaller cannot be worked out from the total, so the sentence never says 'fewer than k'.
    """
    total = counts.loc[counts["group_by"] == "all", "respondents"]
    parts = []
    for group, name in names.items():
        row = counts[(counts["group"] == group) & (counts["group_by"] != "all")]
        if row.empty:
            continue
        shown = row.iloc[0]
        parts.append(
            f"{name} not shown" if shown["suppressed"] else f"{name} {int(shown['respondents'])}"
        )
    n = f"fewer than {k_min}" if total.isna().all() else str(int(total.sum()))
    return f"{n} people answered" + (f" ({', '.join(parts)})." if parts else ".")


def suppression_note(levels: pd.DataFrame, names: dict[str, str], k_min: int) -> str:
    """Which groups are not shown, and why."""
    hidden = sorted(set(levels.loc[levels["suppressed"], "group"]))
    if not hidden:
        return f"Every group here has at least {k_min} answers, so all are shown."
    listed = ", ".join(names.get(g, g) for g in hidden)
    return (
        f"Not shown: {listed}. Some of these groups had fewer than {k_min} answers; the others "
        "are hidden with them so that the small ones cannot be worked out from the totals."
    )


def index_table(report) -> pd.DataFrame:
    """The framework groups' indexes and the overall index, this round beside last round."""
    rows = report.indexes[report.indexes["group_by"] == "all"]
    groups = {**report.framework.groups, "overall": "All nine behaviours"}
    table = []
    for index, label in groups.items():
        now = rows[(rows["behaviour"] == index) & (rows["round"] == report.round)]
        before = rows[(rows["behaviour"] == index) & (rows["round"] == report.previous_round)]
        if now.empty or bool(now["suppressed"].iloc[0]):
            continue
        now = now.iloc[0]
        table.append(
            {
                "Index": label,
                "Average": one_decimal(now["mean"]),
                "95% interval": interval_text(now["ci_low"], now["ci_high"]),
                "Strongly present": f"{now['share_strong']:.0%}",
                "Last round": ""
                if before.empty or bool(before["suppressed"].iloc[0])
                else one_decimal(before["mean"].iloc[0]),
                "People (all items answered)": int(now["n"]),
            }
        )
    return pd.DataFrame(table)


def change_table(report) -> pd.DataFrame:
    """What moved since last round, for everyone: readable columns, in framework order."""
    labels = report.framework.labels
    everyone = report.change[report.change["group_by"] == "all"].set_index("behaviour")
    table = []
    for behaviour in report.framework.behaviour_ids:
        if behaviour not in everyone.index or bool(everyone.at[behaviour, "suppressed"]):
            continue
        row = everyone.loc[behaviour]
        panel = not bool(row["suppressed_panel"])
        table.append(
            {
                "Behaviour": labels[behaviour],
                "Change (same people)": f"{row['mean_change']:+.1f}" if panel else "not shown",
                "95% interval": interval_text(row["ci_low"], row["ci_high"]) if panel else "",
                "Improved / declined (reliably)": (
                    f"{row['share_improved']:.0%} / {row['share_declined']:.0%}" if panel else ""
                ),
                "Clear change?": "yes" if bool(row["clear"]) else "within the noise",
            }
        )
    return pd.DataFrame(table)


def gaps_table(report, n: int = 5) -> pd.DataFrame:
    """The widest gaps between sectors or roles, with intervals."""
    labels = report.framework.labels
    table = []
    for gap in report.widest_gaps(n).itertuples():
        high, low = (gap.group_a, gap.group_b) if gap.gap > 0 else (gap.group_b, gap.group_a)
        sign = 1 if gap.gap > 0 else -1  # the interval of the gap as "higher minus lower"
        low_ci, high_ci = sorted((sign * gap.ci_low, sign * gap.ci_high))
        table.append(
            {
                "Behaviour": labels[gap.behaviour],
                "Higher": _group_name(report, gap.group_by, high),
                "Lower": _group_name(report, gap.group_by, low),
                "Gap (points)": one_decimal(abs(gap.gap)),
                "95% interval": interval_text(low_ci, high_ci),
                "Clear?": "yes" if gap.p_value < 0.05 else "could be chance",
            }
        )
    return pd.DataFrame(table)


def agreement_notes(report) -> list[str]:
    """Where people agree strongly, and where they are split."""
    labels = report.framework.labels
    rows = report.agreement[~report.agreement["suppressed"]]
    notes = []
    for row in rows[rows["split"].fillna(False).astype(bool)].itertuples():
        who = "everyone" if row.group_by == "all" else _group_name(report, row.group_by, row.group)
        notes.append(
            f"Split views on {labels[row.behaviour].lower()} among {who}: answers bunch at both "
            f"ends (dip test {format_p(row.dip_p)}, bimodality coefficient {row.bc:.2f})."
        )
    everyone = rows[rows["group_by"] == "all"]
    if len(everyone):
        best = everyone.loc[everyone["r_wg"].idxmax()]
        notes.append(
            f"Agreement is highest on {labels[best['behaviour']].lower()} (r_wg "
            f"{best['r_wg']:.2f}, where 1 means everyone gave the same rating and 0 means "
            "answers as spread as pure chance)."
        )
    if not notes or len(notes) == 1:
        notes.insert(0, "No behaviour shows views split into two camps this round.")
    return notes


def quality_notes(report) -> list[str]:
    """Response, missing answers, straight-lining and reliability, in words."""
    notes = []
    missing = report.missingness[~report.missingness["suppressed"]]
    if len(missing):
        worst = missing.loc[missing["share_missing"].idxmax()]
        notes.append(
            f"On average {missing['share_missing'].mean():.0%} of ratings were left blank (most "
            f"for {report.framework.labels[worst['behaviour']].lower()}: "
            f"{worst['share_missing']:.0%})."
        )
    straight = report.straight_lining[~report.straight_lining["suppressed"]]
    if len(straight):
        notes.append(
            f"{straight['share_straight'].iloc[0]:.0%} of people gave every behaviour the same "
            "rating (straight-lining), which can mean a rushed answer."
        )
    alpha = report.reliability[~report.reliability["suppressed"]]
    low = alpha[alpha["low_alpha"].fillna(False).astype(bool)]
    if len(alpha):
        groups = report.framework.groups
        if len(low):
            names = ", ".join(groups[g] for g in low["framework_group"])
            notes.append(
                f"The behaviours within {names} do not hang together strongly this round "
                "(Cronbach's alpha below 0.7, a common convention), so read that group's index "
                "with care."
            )
        else:
            notes.append(
                "Within each group of behaviours, answers hang together well (Cronbach's alpha "
                "0.7 or more), so the group indexes are meaningful."
            )
    return notes


def question_points(report) -> list[str]:
    """The workshop questions, each with its evidence, as Markdown with the text escaped."""
    return [
        f"**{html.escape(q['text'])}**  \n<small>{html.escape(q['evidence'])}</small>"
        for q in report.questions
    ]


def responses_table(report) -> pd.DataFrame:
    """Who answered: everyone, each sector and each role, with the response rate where the place
    recorded invitations; a hidden group says "not shown"."""
    names = {**report.place.roles, **report.place.sectors}
    rows = report.responses
    return pd.DataFrame(
        {
            "Group": [names.get(g, "Everyone") for g in rows["group"]],
            "People": [
                "not shown" if hidden else int(n)
                for hidden, n in zip(rows["suppressed"], rows["respondents"], strict=True)
            ],
            "Rate": ["" if pd.isna(r) else f"{r:.0%}" for r in rows["response_rate"]],
        }
    )


#: What a group heat map is called, by grouping.
_GROUPINGS = {"sector": "sector", "role": "role"}


def heatmap_title(group_by: str) -> str:
    """The title of the averages by sector or role: "Average rating by sector"."""
    return f"Average rating by {_GROUPINGS[group_by]}"


def heatmap_alt(group_by: str) -> str:
    """The alt text of the averages by sector or role."""
    return (
        f"Heat map of average rating for each behaviour and {_GROUPINGS[group_by]}; "
        "groups too small to show are marked."
    )


def levels_alt(previous_round: int | None) -> str:
    """The alt text of the averages chart."""
    beside = f", beside round {previous_round}" if previous_round is not None else ""
    return f"Average rating of each behaviour this round, with 95% intervals{beside}."


def box(text: str) -> str:
    """Markdown for a highlighted box (the reports' "How to read" boxes)."""
    return f'<div class="evalkit-box">\n\n{text}\n\n</div>'
