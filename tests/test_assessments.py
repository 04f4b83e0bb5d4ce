"""Each place's trajectories are computed once, and every report reads the same verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.config import load_place
from evalkit.data import store
from evalkit.reports.assessments import CACHE_DIR, TREND_TABLE_COLUMNS, place_trends
from evalkit.reports.round import build_round_report
from evalkit.reports.trajectory import build_trajectory

VERDICT = ["shape", "nonlinear", "p_value", "p_adjusted", "breakpoint", "sentence"]


@pytest.fixture(scope="module")
def trends(demo_place):
    return place_trends(demo_place)


def test_one_row_per_series_in_framework_and_sector_order(demo_place, trends):
    assert trends.columns.tolist() == TREND_TABLE_COLUMNS
    everyone = trends[trends["group_by"] == "all"]
    framework = load_place(demo_place).framework
    assert everyone["behaviour"].tolist() == framework.behaviour_ids
    assert not everyone["suppressed"].any()
    sectors = trends[trends["group_by"] == "sector"]
    assert set(sectors["group"]) <= {"public", "voluntary", "private", "lived_experience"}
    # a sector's series is shown only when the sector is shown in every round
    levels = store.read_ratings(demo_place).dropna(subset=["rating"])
    smallest = levels.groupby(["behaviour", "sector", "round"]).size().groupby(level=[0, 1]).min()
    for row in sectors.itertuples():
        assert row.suppressed == (smallest[(row.behaviour, row.group)] < 5), row
        assert (row.shape is None) == row.suppressed


def test_the_round_report_the_trajectory_and_the_programme_agree(demo_place, trends):
    from evalkit.reports import programme

    report = build_round_report(demo_place, 8).trends.set_index("behaviour")
    trajectory = build_trajectory(demo_place, 8).overall()
    places = programme.programme_places([demo_place])
    compared = programme.programme_trends(places).set_index("behaviour")
    for table in (report, compared):
        pd.testing.assert_frame_equal(
            table.loc[trajectory.index, VERDICT], trajectory[VERDICT], check_dtype=False
        )


def test_computed_once_then_read_from_the_cache(demo_place, trends, monkeypatch):
    cached = list((demo_place / CACHE_DIR).glob("trends-*.json"))
    assert cached
    from evalkit.reports import assessments

    def refuse(*args, **kwargs):
        raise AssertionError("the trends were computed again")

    monkeypatch.setattr(assessments, "_compute", refuse)
    again = place_trends(demo_place)
    pd.testing.assert_frame_equal(again, trends)


def test_the_cache_gives_what_a_fresh_computation_gives(demo_place, trends):
    fresh = place_trends(demo_place, cache=False)
    shown = ~trends["suppressed"]
    for column in ["shape", "nonlinear", "sentence", "n_times"]:
        assert fresh.loc[shown, column].tolist() == trends.loc[shown, column].tolist()
    np.testing.assert_allclose(fresh.loc[shown, "p_value"], trends.loc[shown, "p_value"])


def test_a_series_with_a_round_under_the_threshold_is_not_assessed(demo_place):
    answers = store.read_ratings(demo_place).dropna(subset=["rating"])
    fewest = answers.groupby(["behaviour", "round"]).size().groupby(level=0).min()
    k = int(fewest.median()) + 1  # about half the behaviours have a round under it
    trends = place_trends(demo_place, k_min=k)
    everyone = trends[trends["group_by"] == "all"].set_index("behaviour")
    for behaviour, n in fewest.items():
        hidden = bool(everyone.loc[behaviour, "suppressed"])
        assert hidden == (n < k), behaviour
        if hidden:
            assert everyone.loc[behaviour, ["shape", "sentence"]].isna().all()
            assert everyone.loc[behaviour, "points"] == []
