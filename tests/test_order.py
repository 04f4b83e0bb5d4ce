"""Who moved first: ordering, pairwise gaps and overlap, and the sentence, on hand-made frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.change.order import moved_first_pairs, order_sentence, who_moved_first

LABELS = {
    "trusting_relationships": "Trusting relationships",
    "power_shared": "Power shared",
    "shared_vision": "Shared vision",
    "devolved_decisions": "Devolved decisions",
}
SECTORS = {
    "voluntary": "the voluntary sector",
    "public": "the public sector",
    "private": "the private sector",
}


@pytest.fixture
def assessments() -> pd.DataFrame:
    """Four behaviours: three turned (one with an overlapping interval), one straight line."""
    return pd.DataFrame(
        {
            "behaviour": [
                "power_shared",
                "shared_vision",
                "trusting_relationships",
                "devolved_decisions",
            ],
            "shape": ["segmented", "linear", "step", "segmented"],
            "nonlinear": [True, False, True, True],
            "p_value": [0.01, 0.4, 0.002, 0.03],
            "breakpoint": [5.0, np.nan, 3.0, 5.6],
            "breakpoint_low": [4.5, np.nan, 2.6, 4.9],
            "breakpoint_high": [5.5, np.nan, 3.4, 6.4],
        }
    )


def test_only_series_that_turned_are_ordered_by_breakpoint(assessments):
    ordered = who_moved_first(assessments)
    assert ordered["behaviour"].tolist() == [
        "trusting_relationships",
        "power_shared",
        "devolved_decisions",
    ]
    assert ordered["rank"].tolist() == [1, 2, 3]
    assert "shape" in ordered.columns  # other columns are kept


def test_a_breakpoint_without_a_nonlinear_verdict_is_not_ordered(assessments):
    # False, and unknown (e.g. a suppressed group): neither is shown to have turned
    assessments["nonlinear"] = pd.array([False, False, True, None], dtype="boolean")
    assert who_moved_first(assessments)["behaviour"].tolist() == ["trusting_relationships"]


def test_equal_breakpoints_share_a_rank(assessments):
    assessments.loc[3, "breakpoint"] = 5.0
    assert who_moved_first(assessments)["rank"].tolist() == [1, 2, 2]


def test_pairs_give_the_gap_and_whether_the_intervals_overlap(assessments):
    pairs = moved_first_pairs(who_moved_first(assessments))
    assert pairs[["first", "second"]].values.tolist() == [
        ["trusting_relationships", "power_shared"],
        ["trusting_relationships", "devolved_decisions"],
        ["power_shared", "devolved_decisions"],
    ]
    # gaps: 5.0 - 3.0, 5.6 - 3.0, 5.6 - 5.0; intervals [2.6, 3.4], [4.5, 5.5], [4.9, 6.4]
    assert pairs["gap"].tolist() == pytest.approx([2.0, 2.6, 0.6])
    assert pairs["overlap"].tolist() == [False, False, True]
    assert pairs["gap_words"].tolist() == ["two rounds", "about three rounds", "about one round"]


def test_an_unknown_interval_counts_as_overlapping(assessments):
    assessments.loc[0, "breakpoint_high"] = np.nan
    pairs = moved_first_pairs(who_moved_first(assessments))
    assert pairs["overlap"].tolist() == [True, False, True]


def test_sectors_are_ordered_within_each_behaviour():
    sectors = pd.DataFrame(
        {
            "behaviour": ["trust"] * 3 + ["power"] * 2,
            "group": ["public", "voluntary", "private", "public", "voluntary"],
            "nonlinear": True,
            "breakpoint": [4.0, 3.0, 6.0, 5.0, 6.0],
            "breakpoint_low": [3.5, 2.5, 5.5, 4.5, 5.2],
            "breakpoint_high": [4.6, 3.4, 6.5, 5.5, 6.8],
        }
    )
    ordered = who_moved_first(sectors, by="group", within="behaviour")
    assert ordered[["behaviour", "group", "rank"]].values.tolist() == [
        ["power", "public", 1],
        ["power", "voluntary", 2],
        ["trust", "voluntary", 1],
        ["trust", "public", 2],
        ["trust", "private", 3],
    ]
    pairs = moved_first_pairs(ordered, by="group", within="behaviour")
    assert len(pairs) == 1 + 3
    assert pairs.loc[0, ["behaviour", "first", "second"]].tolist() == [
        "power",
        "public",
        "voluntary",
    ]
    trust = ordered[ordered["behaviour"] == "trust"]
    assert (
        order_sentence(trust, SECTORS, by="group")
        == "The voluntary sector moved first (round 3); the private sector last (round 6)."
    )


def test_two_clearly_ordered_behaviours_read_without_a_hedge(assessments):
    ordered = who_moved_first(assessments.iloc[:3])
    assert (
        order_sentence(ordered, LABELS)
        == "Trusting relationships turned two rounds before power shared."
    )


def test_overlapping_intervals_make_the_sentence_say_the_order_is_uncertain(assessments):
    ordered = who_moved_first(assessments.iloc[[0, 3]])
    assert order_sentence(ordered, LABELS) == (
        "Power shared turned about one round before devolved decisions; their intervals "
        "overlap, so the order is not certain."
    )
    three = who_moved_first(assessments.assign(breakpoint_low=[4.5, np.nan, 2.6, 2.9]))
    assert order_sentence(three, LABELS) == (
        "Trusting relationships moved first (round 3); devolved decisions last (about round 6)"
        "; but their intervals overlap, so the order is not certain."
    )


def test_sentences_for_one_and_for_none(assessments):
    assert (
        order_sentence(who_moved_first(assessments.iloc[[2]]), LABELS)
        == "Only trusting relationships has clearly turned (round 3)."
    )
    assert order_sentence(who_moved_first(assessments.iloc[[1]]), LABELS).startswith(
        "Nothing has clearly turned"
    )


def test_same_time_and_other_units():
    ordered = pd.DataFrame(
        {
            "behaviour": ["a", "b"],
            "breakpoint": [7.0, 7.2],
            "breakpoint_low": [6.0, 6.5],
            "breakpoint_high": [8.0, 8.0],
        }
    )
    sentence = order_sentence(ordered, {"a": "Trust", "b": "Power"}, unit="month")
    assert sentence.startswith("Trust and power turned at about the same time;")
    ordered["breakpoint"] = [3.0, 14.0]
    ordered[["breakpoint_low", "breakpoint_high"]] = [[2.0, 4.0], [13.0, 15.0]]
    sentence = order_sentence(ordered, {"a": "NHS trusts", "b": "Power"}, unit="month")
    assert sentence == "NHS trusts turned 11 months before power."


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="breakpoint_low"):
        who_moved_first(pd.DataFrame({"behaviour": ["a"], "nonlinear": [True], "breakpoint": [3]}))
