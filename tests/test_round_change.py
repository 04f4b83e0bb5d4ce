"""Change since the last round, checked against scipy, statsmodels and hand arithmetic."""

import numpy as np
import pandas as pd
import pytest
from conftest import small_framework
from scipy import stats
from statsmodels.stats.multitest import multipletests

from evalkit.indicators.round_change import change_since_last_round

BEHAVIOURS = ["trust", "vision", "power"]
FRAMEWORK = small_framework({"all": BEHAVIOURS})


def two_rounds(before, after, people_after=None) -> pd.DataFrame:
    """One behaviour (trust) rated by people r0, r1, ... in round 1 and ``people_after`` in 2."""
    people_after = people_after or [f"r{i}" for i in range(len(after))]
    return pd.DataFrame(
        {
            "round": [1] * len(before) + [2] * len(after),
            "respondent": [f"r{i}" for i in range(len(before))] + people_after,
            "behaviour": "trust",
            "rating": np.asarray([*before, *after], dtype=float),
        }
    )


def cell(ratings, round_number, behaviour, group_by, group):
    mask = (ratings["round"] == round_number) & (ratings["behaviour"] == behaviour)
    if group_by != "all":
        mask &= ratings[group_by] == group
    return ratings[mask].dropna(subset=["rating"])


@pytest.mark.parametrize("group_by", ["all", "sector"])
def test_cliffs_delta_and_mann_whitney_match_brute_force_and_scipy(synthetic_ratings, group_by):
    table = change_since_last_round(synthetic_ratings, FRAMEWORK, group_by=group_by)
    shown = table[~table["suppressed"]]
    assert len(shown) > 0
    for row in shown.itertuples():
        x = cell(synthetic_ratings, 2, row.behaviour, group_by, row.group)["rating"].to_numpy()
        y = cell(synthetic_ratings, 1, row.behaviour, group_by, row.group)["rating"].to_numpy()
        m, n = len(x), len(y)
        brute = (np.sum(x[:, None] > y[None, :]) - np.sum(x[:, None] < y[None, :])) / (m * n)
        reference = stats.mannwhitneyu(x, y, alternative="two-sided")
        assert (row.n_after, row.n_before) == (m, n)
        assert row.cliffs_delta == pytest.approx(brute)
        assert row.cliffs_delta == pytest.approx(2 * reference.statistic / (m * n) - 1)
        assert row.mannwhitney_p == pytest.approx(reference.pvalue)


@pytest.mark.parametrize("group_by", ["all", "role"])
def test_paired_interval_matches_ttest_rel(synthetic_ratings, group_by):
    # roles are redrawn each round: the role panel is who kept the same role
    table = change_since_last_round(synthetic_ratings, FRAMEWORK, group_by=group_by)
    shown = table[~table["suppressed_panel"]]
    assert len(shown) > 0
    for row in shown.itertuples():
        before = cell(synthetic_ratings, 1, row.behaviour, group_by, row.group)
        after = cell(synthetic_ratings, 2, row.behaviour, group_by, row.group)
        pairs = before.merge(after, on="respondent", suffixes=("_1", "_2"))
        reference = stats.ttest_rel(pairs["rating_2"], pairs["rating_1"])
        interval = reference.confidence_interval(0.95)
        assert row.n_panel == len(pairs)
        assert row.mean_change == pytest.approx((pairs["rating_2"] - pairs["rating_1"]).mean())
        assert (row.ci_low, row.ci_high) == pytest.approx((interval.low, interval.high))


def test_reliable_change_index_by_hand():
    # x1 = 2, 4, 6, 8, 10 (s1^2 = 40/4 = 10); x2 = 7, 5, 6, 6, 5; d = +5, +1, 0, -2, -5
    # with r_xx = 0.75: SE^2 = 10 * 0.25 = 2.5, sqrt(2 SE^2) = sqrt(5) = 2.236
    # RCI = 2.236, 0.447, 0, -0.894, -2.236: one improved, one declined, three stable
    # paired interval: mean d = -0.2, squares 27.04 + 1.44 + 0.04 + 3.24 + 23.04 = 54.8,
    # sd = sqrt(13.7) = 3.701351, se = 1.655295, t(0.975, 4) = 2.776445 -> -0.2 +/- 4.595834
    df = two_rounds([2, 4, 6, 8, 10], [7, 5, 6, 6, 5])
    row = change_since_last_round(df, FRAMEWORK, reliability=0.75).iloc[0]
    assert (row["n_panel"], row["mean_change"], row["r_xx"]) == (5, pytest.approx(-0.2), 0.75)
    assert (row["share_improved"], row["share_declined"], row["share_stable"]) == (0.2, 0.2, 0.6)
    assert row["ci_low"] == pytest.approx(-0.2 - 4.595834, abs=1e-6)
    assert row["ci_high"] == pytest.approx(-0.2 + 4.595834, abs=1e-6)
    # estimated r_xx: cross-products of deviations -4.8 + 1.6 + 0 + 0.4 - 3.2 = -6,
    # squares 40 and 2.8 -> r = -6 / sqrt(112) = -0.567; sqrt(2 * 10 * 1.567) = 5.6: none reliable
    row = change_since_last_round(df, FRAMEWORK).iloc[0]
    assert row["r_xx"] == pytest.approx(-6 / np.sqrt(112))
    assert (row["share_improved"], row["share_declined"], row["share_stable"]) == (0, 0, 1)


def test_benjamini_hochberg_matches_statsmodels(synthetic_ratings):
    table = change_since_last_round(synthetic_ratings, FRAMEWORK, group_by="sector")
    for _, family in table[~table["suppressed"]].groupby(["round", "group"]):
        rejected, adjusted, *_ = multipletests(family["mannwhitney_p"], method="fdr_bh")
        assert family["p_adjusted"].to_numpy() == pytest.approx(adjusted)
        assert family["clear"].tolist() == list(rejected)


def test_small_panel_hides_only_the_panel_part():
    # six people each round, only r0 and r1 in both: n_panel = 2 < 5
    df = two_rounds([3, 4, 5, 6, 7, 8], [5, 6, 6, 7, 8, 9], ["r0", "r1", "n2", "n3", "n4", "n5"])
    before = df.copy()
    row = change_since_last_round(df, FRAMEWORK, k_min=5).iloc[0]
    assert row["suppressed_panel"] and not row["suppressed"]
    assert np.isnan([row["n_panel"], row["mean_change"], row["share_improved"]]).all()
    assert (row["n_before"], row["n_after"]) == (6, 6) and row["cliffs_delta"] > 0
    hidden = change_since_last_round(df, FRAMEWORK, k_min=7).iloc[0]
    assert hidden["suppressed"] and hidden["suppressed_panel"]
    assert np.isnan([hidden["n_before"], hidden["cliffs_delta"], hidden["p_adjusted"]]).all()
    assert pd.isna(hidden["clear"])
    pd.testing.assert_frame_equal(df, before)


def test_each_round_is_compared_with_the_previous_one_present(synthetic_ratings):
    three = pd.concat(
        [synthetic_ratings, synthetic_ratings.query("round == 2").assign(round=5)],
        ignore_index=True,
    ).assign(place="x")
    table = change_since_last_round(three, FRAMEWORK)
    assert table[["place", "round", "previous_round"]].drop_duplicates().values.tolist() == [
        ["x", 2, 1],
        ["x", 5, 2],
    ]
    same = table[table["round"] == 5]
    assert (same["mean_change"] == 0).all() and (same["cliffs_delta"] == 0).all()
    assert (same["r_xx"] == 1).all() and (same["share_stable"] == 1).all()
