"""Questions for the sense-making workshop, drawn from a round's strongest findings.

Each question is an open prompt for partners to discuss, never a verdict, with the one line of
evidence behind it. Candidates come from the round report's own tables: the largest clear shift
since last round, the widest gap between voices, a behaviour on which views split, a turning point
in the trajectory so far, a change in who works with whom, and numbers and stories that disagree.
Each kind has a strength (its effect measured against a yardstick a workshop would call large);
the strongest of each kind come first, then the next strongest, up to seven. When the data hold
fewer than three findings, the most and least present behaviours make up the three.
"""

from __future__ import annotations

import math

import pandas as pd

from evalkit.words.numbers import format_p
from evalkit.words.shapes import shape_verb

__all__ = [
    "MAX_QUESTIONS",
    "MIN_QUESTIONS",
    "workshop_questions",
    "PER_KIND",
]

MAX_QUESTIONS = 7
MIN_QUESTIONS = 3
PER_KIND = 2  # so that no one kind of finding crowds out the others


def workshop_questions(report, *, max_questions: int = MAX_QUESTIONS) -> list[dict]:
    """Three to ``max_questions`` questions, each ``{"kind", "text", "evidence"}``, strongest first.

    ``report`` is a :class:`~evalkit.reports.round.RoundReport`; its optional parts (``network``,
    ``words``, ``trends``) add their kinds of question when present. Suppressed rows never give a
    question.
    """
    candidates = [
        *_shifts(report),
        *_gaps(report),
        *_splits(report),
        *_turns(report),
        *_network(report),
        *_words(report),
    ]
    candidates.sort(key=lambda c: -c["strength"])
    chosen: list[dict] = []
    for rank in range(PER_KIND):  # the strongest of each kind, then the second strongest
        for candidate in candidates:
            same = [c for c in chosen if c["kind"] == candidate["kind"]]
            if len(same) == rank and candidate["about"] not in {c["about"] for c in same}:
                chosen.append(candidate)
    # chosen holds each kind's strongest first, so the cut keeps them (as the module says)
    chosen = chosen[:max_questions]
    if len(chosen) < MIN_QUESTIONS:
        chosen += _presence(report)[: MIN_QUESTIONS - len(chosen)]
    chosen.sort(key=lambda c: -c["strength"])
    return [{"kind": c["kind"], "text": c["text"], "evidence": c["evidence"]} for c in chosen]


def _question(kind: str, strength: float, text: str, evidence: str, about: str = "") -> dict:
    """A candidate; ``about`` (a behaviour) keeps two questions of a kind off the same subject."""
    return {
        "kind": kind,
        "strength": float(strength),
        "text": text,
        "evidence": evidence,
        "about": about or text,
    }


def _label(report, behaviour: str) -> str:
    return report.framework.labels.get(behaviour, behaviour.replace("_", " ").capitalize())


def _group(report, group_by: str, group: str) -> str:
    names = report.place.sectors if group_by == "sector" else report.place.roles
    return names.get(group, group.replace("_", " ").capitalize())


def _shown(table: pd.DataFrame | None, *flags: str) -> pd.DataFrame:
    if table is None or table.empty:
        return pd.DataFrame()
    keep = pd.Series(True, index=table.index)
    for flag in flags:
        if flag in table:
            keep &= ~table[flag].fillna(True).astype(bool)
    return table[keep]


def _shifts(report) -> list[dict]:
    change = _shown(report.change, "suppressed")
    if change.empty:
        return []
    clear = change[(change["group_by"] == "all") & change["clear"].fillna(False).astype(bool)]
    found = []
    for row in clear.itertuples():
        before = _mean(report, row.behaviour, report.previous_round)
        after = _mean(report, row.behaviour, report.round)
        if before is None or after is None:
            continue
        moved = after - before
        label = _label(report, row.behaviour)
        if moved >= 0:
            text = f"{label} rose since last round. What made the difference, and how can it last?"
        else:
            text = f"{label} fell since last round. What got in the way, and what would help?"
        evidence = (
            f"Average {before:.1f} in round {report.previous_round}, {after:.1f} in round "
            f"{report.round} ({moved:+.1f} points; {format_p(row.p_adjusted)} after allowing for "
            f"{len(report.framework.behaviours)} behaviours)."
        )
        found.append(_question("shift", abs(moved) / 0.5, text, evidence, row.behaviour))
    return found


def _mean(report, behaviour: str, round_number) -> float | None:
    levels = report.levels
    rows = levels[
        (levels["behaviour"] == behaviour)
        & (levels["group_by"] == "all")
        & (levels["round"] == round_number)
        & ~levels["suppressed"]
    ]
    return None if rows.empty else float(rows["mean"].iloc[0])


def _gaps(report) -> list[dict]:
    gaps = _shown(report.gaps, "suppressed")
    if gaps.empty:
        return []
    gaps = gaps[gaps["p_value"] < 0.05]
    found = []
    for row in gaps.itertuples():
        high, low = (row.group_a, row.group_b) if row.gap > 0 else (row.group_b, row.group_a)
        high_name = _group(report, row.group_by, high)
        low_name = _group(report, row.group_by, low)
        label = _label(report, row.behaviour)
        text = (
            f"{low_name} respondents see {label.lower()} less than {high_name.lower()} "
            "respondents do. What do they experience that others may not?"
        )
        low_ci, high_ci = sorted((abs(row.ci_low), abs(row.ci_high)))
        evidence = (
            f"{label}: {abs(row.gap):.1f} points apart (95% interval {low_ci:.1f} to "
            f"{high_ci:.1f}; {int(row.n_a)} and {int(row.n_b)} people)."
        )
        found.append(_question("gap", abs(row.gap) / 1.0, text, evidence, row.behaviour))
    return found


def _splits(report) -> list[dict]:
    agreement = _shown(report.agreement, "suppressed")
    if agreement.empty:
        return []
    split = agreement[(agreement["group_by"] == "all") & agreement["split"].astype(bool)]
    found = []
    for row in split.itertuples():
        label = _label(report, row.behaviour)
        text = (
            f"Views on {label.lower()} are split into two camps. What lies behind each view, "
            "and what would it take to bring them together?"
        )
        evidence = (
            f"{int(row.n)} answers; bimodality coefficient {row.bc:.2f} (above 0.56 suggests two "
            f"groups), dip test {format_p(row.dip_p)}."
        )
        found.append(_question("split", 1.0 + (row.bc - 5 / 9), text, evidence, row.behaviour))
    return found


def _turns(report) -> list[dict]:
    trends = getattr(report, "trends", None)
    if trends is None or trends.empty:
        return []
    found = []
    for row in trends[trends["nonlinear"]].itertuples():
        if not row.breakpoints:
            continue
        point = row.breakpoints[0]
        if point["time"] < report.round - 3:  # an old turn is the trajectory report's business
            continue
        label = _label(report, row.behaviour)
        verb = shape_verb(row.shape)
        text = (
            f"{label} {verb} around round {point['time']:.0f}. What happened then, and is it "
            "the change partners hoped for?"
        )
        evidence = f"{row.sentence}"
        strength = 1.0 + max(0.0, 3 + point["time"] - report.round) / 3
        found.append(_question("turn", strength, text, evidence, row.behaviour))
    return found


def _network(report) -> list[dict]:
    network = getattr(report, "network", None)
    if network is None or network.empty or report.previous_round is None:
        return []
    by_round = network.set_index("round")
    if report.round not in by_round.index or report.previous_round not in by_round.index:
        return []
    before, after = by_round.loc[report.previous_round], by_round.loc[report.round]
    found = []
    cross = after["cross_sector_share"] - before["cross_sector_share"]
    if not math.isnan(cross) and abs(cross) >= 0.05:
        way = "more" if cross > 0 else "less"
        text = (
            f"Organisations reported working {way} across sectors than last round. Which "
            "connections made the difference, and who is still on the outside?"
        )
        evidence = (
            f"{before['cross_sector_share']:.0%} of ties crossed sectors in round "
            f"{report.previous_round}, {after['cross_sector_share']:.0%} in round {report.round} "
            f"({int(before['n_ties'])} and {int(after['n_ties'])} ties between organisations)."
        )
        found.append(_question("network", abs(cross) / 0.1, text, evidence))
    deep = after["depth_collaborating"] - before["depth_collaborating"]
    if not math.isnan(deep) and abs(deep) >= 0.05:
        way = "deepened" if deep > 0 else "thinned"
        text = (
            f"Working relationships {way}: more of them are now described as "
            f"{'collaborating' if deep > 0 else 'networking or coordinating'}. What has that "
            "changed in practice?"
        )
        evidence = (
            f"Collaborating ties: {before['depth_collaborating']:.0%} of the ties whose depth is "
            f"shown in round {report.previous_round}, {after['depth_collaborating']:.0%} in round "
            f"{report.round}."
        )
        found.append(_question("network", abs(deep) / 0.1, text, evidence))
    return found


def _words(report) -> list[dict]:
    words = getattr(report, "words", None)
    if words is None or words.empty:
        return []
    here = words[(words["span"] == "step") & (words["round"] == report.round) & words["disagree"]]
    found = []
    for row in here.itertuples():
        label = _label(report, row.behaviour)
        rose = row.rating_change > 0
        text = (
            f"Ratings of {label.lower()} {'rose' if rose else 'fell'}, but the stories about it "
            f"turned {'negative' if rose else 'positive'}. What are the numbers missing, or the "
            "stories?"
        )
        share, before = (
            (row.negative_after, row.negative_before)
            if rose
            else (row.positive_after, row.positive_before)
        )
        evidence = (
            f"Average {row.mean_before:.1f} to {row.mean_after:.1f}; "
            f"{'negative' if rose else 'positive'} stories {before:.0%} of {int(row.n_before)} to "
            f"{share:.0%} of {int(row.n_after)}."
        )
        found.append(_question("numbers_and_words", 1.2, text, evidence, row.behaviour))
    return found


def _presence(report) -> list[dict]:
    now = report.levels[
        (report.levels["group_by"] == "all")
        & (report.levels["round"] == report.round)
        & ~report.levels["suppressed"]
    ].sort_values("mean")
    if now.empty:
        return []
    low, high = now.iloc[0], now.iloc[-1]
    found = [
        _question(
            "presence",
            0.1,
            f"{_label(report, low['behaviour'])} is seen as least present. What would help it "
            "most, and who could make that happen?",
            f"Average {low['mean']:.1f} out of {report.framework.scale_max}, the lowest of the "
            f"{len(now)} behaviours.",
        ),
        _question(
            "presence",
            0.05,
            f"{_label(report, high['behaviour'])} is seen as most present. What is working there "
            "that others could learn from?",
            f"Average {high['mean']:.1f} out of {report.framework.scale_max}, the highest of the "
            f"{len(now)} behaviours.",
        ),
    ]
    return found
