"""Questions for the workshop: drawn from the round's own findings, and changing with its data."""

import dataclasses
import re

import pandas as pd
import pytest

from evalkit.reports.questions import MAX_QUESTIONS, MIN_QUESTIONS, workshop_questions
from evalkit.reports.round import build_round_report


@pytest.fixture(scope="module")
def round5(demo_place):
    return build_round_report(demo_place, 5)


@pytest.fixture(scope="module")
def round6(demo_place):
    return build_round_report(demo_place, 6)


def _numbers(text):
    return [float(x) for x in re.findall(r"-?\d+\.\d", text)]


def test_between_three_and_seven_open_questions_each_with_evidence(round5, round6):
    for report in (round5, round6):
        questions = report.questions
        assert MIN_QUESTIONS <= len(questions) <= MAX_QUESTIONS
        for q in questions:
            assert q["text"].endswith("?") and q["evidence"]
        assert len({q["kind"] for q in questions}) >= 2, "more than one kind of finding"


def test_the_largest_shift_is_asked_about_with_the_reports_own_numbers(round5):
    shifts = [q for q in round5.questions if q["kind"] == "shift"]
    change = round5.change[(round5.change["group_by"] == "all") & round5.change["clear"]]
    levels = round5.levels[round5.levels["group_by"] == "all"].pivot(
        index="behaviour", columns="round", values="mean"
    )
    moved = (levels[5] - levels[4]).loc[change["behaviour"]]
    biggest = moved.abs().idxmax()
    label = round5.framework.labels[biggest]
    assert shifts and shifts[0]["text"].startswith(label)
    before, after, delta = _numbers(shifts[0]["evidence"])[:3]
    assert before == pytest.approx(levels.loc[biggest, 4], abs=0.05)
    assert after == pytest.approx(levels.loc[biggest, 5], abs=0.05)
    assert "fell" in shifts[0]["text"] if moved[biggest] < 0 else "rose" in shifts[0]["text"]


def test_a_gap_question_cites_a_significant_gap_of_the_report(round5):
    gaps = [q for q in round5.questions if q["kind"] == "gap"]
    table = round5.gaps[~round5.gaps["suppressed"] & (round5.gaps["p_value"] < 0.05)]
    widest = table.loc[table["gap"].abs().idxmax()]
    assert gaps and gaps[0]["evidence"].startswith(round5.framework.labels[widest["behaviour"]])
    assert _numbers(gaps[0]["evidence"])[0] == pytest.approx(abs(widest["gap"]), abs=0.05)


def test_numbers_and_words_disagreeing_is_asked_about(round6):
    words = round6.words
    this = words[(words["span"] == "step") & (words["round"] == 6)].index
    # the demo's stories of round 6, turned against a rating that rose
    rose = words.loc[this].dropna(subset=["rating_change"]).sort_values("rating_change").index[-1]
    assert words.loc[rose, "rating_change"] > 0
    disagree = words.assign(disagree=False)
    disagree.loc[rose, ["disagree", "negative_before", "negative_after"]] = [True, 0.2, 0.6]
    report = dataclasses.replace(round6, words=disagree)
    asked = [q for q in report.questions if q["kind"] == "numbers_and_words"]
    label = round6.framework.labels[words.loc[rose, "behaviour"]]
    assert len(asked) == 1 and label.lower() in asked[0]["text"]
    assert "20% of" in asked[0]["evidence"] and "60% of" in asked[0]["evidence"]
    shown = any(q["kind"] == "numbers_and_words" for q in round6.questions)
    assert shown == bool(words.loc[this, "disagree"].any())


def test_change_the_data_and_the_questions_change(round5):
    before = round5.questions
    # the same round where nothing moved clearly and no two groups differ
    quiet = dataclasses.replace(
        round5,
        change=round5.change.assign(clear=False),
        gaps=round5.gaps.assign(p_value=0.5),
    )
    after = quiet.questions
    assert after != before
    assert not {q["kind"] for q in after} & {"shift", "gap"}
    assert len(after) >= MIN_QUESTIONS  # filled with what is most and least present
    # a split view appears when the agreement table says so
    split = round5.agreement.copy()
    row = split.index[(split["group_by"] == "all") & ~split["suppressed"]][0]
    split.loc[row, ["split", "bc"]] = [True, 0.7]
    asked = workshop_questions(dataclasses.replace(quiet, agreement=split))
    label = round5.framework.labels[split.loc[row, "behaviour"]].lower()
    assert any(q["kind"] == "split" and label in q["text"] for q in asked)


def test_suppressed_rows_never_give_a_question(round5):
    hidden = dataclasses.replace(
        round5,
        change=round5.change.assign(suppressed=True),
        gaps=round5.gaps.assign(suppressed=True),
        agreement=round5.agreement.assign(suppressed=True),
        words=pd.DataFrame(),
        network=pd.DataFrame(),
        trends=pd.DataFrame(),
    )
    assert {q["kind"] for q in hidden.questions} == {"presence"}


def test_summary_json_carries_the_questions_and_the_network(round6):
    summary = round6.summary()
    assert summary["questions"] == [
        {"text": q["text"], "evidence": q["evidence"]} for q in round6.questions
    ]
    network = summary["network"]
    row = round6.network.set_index("round").loc[6]
    for key in ("n_orgs", "n_ties", "density", "ei_index", "reciprocity"):
        assert network[key] == pytest.approx(row[key])
