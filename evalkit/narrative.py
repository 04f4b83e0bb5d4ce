"""Plain-English sentences and readable tables for the reports, built from indicator tables.

Nothing here touches raw ratings: every number comes from an indicator table that has already
been privacy-checked, so a suppressed group cannot leak into the words.
"""

from __future__ import annotations

import html

import pandas as pd

__all__ = [
    "format_p",
    "how_to_read",
    "levels_title",
    "headline",
    "respondents_sentence",
    "suppression_note",
    "index_table",
    "change_table",
    "gaps_table",
    "agreement_notes",
    "quality_notes",
    "SHAPE_WORDS",
    "trajectory_overview",
    "trajectory_table",
    "events_table",
    "trajectory_title",
]


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def format_p(p: float) -> str:
    """A p-value as a reader should see it.

    Examples
    --------
    >>> format_p(0.0312), format_p(0.00001), format_p(None)
    ('p = 0.031', 'p < 0.001', 'not tested')
    """
    if p is None or p != p:  # no test, e.g. fewer than 6 rounds for a turning point
        return "not tested"
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
        f"{labels[top['behaviour']]} is seen as most present ({_fmt(top['mean'])} on average); "
        f"{labels[bottom['behaviour']].lower()} least ({_fmt(bottom['mean'])})"
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
                f"{labels[top['behaviour']]} {direction} by about {_fmt(abs(change))} points "
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
            f"{_fmt(abs(gap['gap']))} points higher than "
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


def _interval(low: float, high: float) -> str:
    return f"{low:.1f} to {high:.1f}"


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
                "Average": _fmt(now["mean"]),
                "95% interval": _interval(now["ci_low"], now["ci_high"]),
                "Strongly present": f"{now['share_strong']:.0%}",
                "Last round": ""
                if before.empty or bool(before["suppressed"].iloc[0])
                else _fmt(before["mean"].iloc[0]),
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
                "95% interval": _interval(row["ci_low"], row["ci_high"]) if panel else "",
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
                "Gap (points)": _fmt(abs(gap.gap)),
                "95% interval": _interval(low_ci, high_ci),
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


#: Shapes in words a partner can read.
SHAPE_WORDS = {
    "flat": "Flat",
    "linear": "Straight line",
    "step": "Step change",
    "segmented": "Turned (a bend)",
    "u_shape": "Dip and recovery (or rise and fall)",
    "s_curve": "Tipping point (S-curve)",
    "shock_recovery": "Shock, then partial recovery",
    "two_breakpoints": "Two turns",
}


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


# --- connections, stories and questions -----------------------------------------------------------

_NETWORK_ROWS = (
    ("n_orgs", "Organisations", "{:.0f}"),
    ("n_ties", "Ties between organisations (either side reported)", "{:.0f}"),
    ("density", "Density: share of all possible ties", "{:.0%}"),
    ("cross_sector_share", "Ties that cross sectors", "{:.0%}"),
    ("ei_index", "E-I index (-1 all within sectors, +1 all across)", "{:+.2f}"),
    ("reciprocity", "Ties reported by both sides", "{:.0%}"),
    ("depth_collaborating", "Ties described as collaborating", "{:.0%}"),
    ("n_isolates", "Organisations with no tie", "{:.0f}"),
)


def network_table(report) -> pd.DataFrame:
    """This round's network indicators beside last round's, in plain words."""
    return _network_columns(report.network, [report.previous_round, report.round])


def _network_columns(network: pd.DataFrame, rounds) -> pd.DataFrame:
    network = network.set_index("round")
    table = {"Measure": [label for _, label, _ in _NETWORK_ROWS]}
    for number in [r for r in rounds if r in network.index]:
        table[f"Round {number}"] = [
            "" if pd.isna(network.loc[number, column]) else fmt.format(network.loc[number, column])
            for column, _, fmt in _NETWORK_ROWS
        ]
    return pd.DataFrame(table)


def network_points(report) -> list[str]:
    """Ties that started, ended, deepened or weakened since last round, and the brokers."""
    points = []
    if not report.churn.empty:
        c = report.churn.iloc[-1]
        points.append(
            f"Since round {int(c['round_from'])}: {int(c['new'])} ties new, {int(c['lost'])} "
            f"no longer reported, {int(c['deepened'])} deepened and {int(c['weakened'])} weakened "
            f"({int(c['unchanged'])} unchanged). A tie can also drop out when nobody from either "
            "organisation answered."
        )
    if not report.brokers.empty:
        names = [
            f"{html.escape(str(b['name']))} ({report.place.sectors.get(b['sector'], b['sector'])})"
            for _, b in report.brokers.head(3).iterrows()
        ]
        points.append(
            "Organisations that most often sit on the paths between others (brokers): "
            + ", ".join(names)
            + "."
        )
    return points


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


def question_points(report) -> list[str]:
    """The workshop questions, each with its evidence, as Markdown with the text escaped."""
    return [
        f"**{html.escape(q['text'])}**  \n<small>{html.escape(q['evidence'])}</small>"
        for q in report.questions
    ]


def network_rounds_table(trajectory) -> pd.DataFrame:
    """The network's main indicators, one column per round."""
    return _network_columns(trajectory.network, sorted(trajectory.network["round"]))
