"""Voice gaps checked against scipy's Welch t-test and a hand-worked interval."""

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evalkit.indicators.gaps import voice_gaps, widest_gaps


def test_welch_interval_by_hand():
    # x: 4, 6, 8 -> mean 6, variance 4; y: 1..5 -> mean 3, variance 2.5; gap = 3
    # se^2 = 4/3 + 2.5/5 = 11/6, se = 1.354006
    # df = (11/6)^2 / ((4/3)^2 / 2 + (1/2)^2 / 4) = (121/36) / (137/144) = 484/137 = 3.532847
    # t(0.975, 3.532847) = 2.927405; half width 2.927405 * 1.354006 = 3.963726
    df = pd.DataFrame(
        {
            "round": 1,
            "behaviour": "trust",
            "sector": ["x"] * 3 + ["y"] * 5,
            "rating": [4.0, 6, 8, 1, 2, 3, 4, 5],
        }
    )
    row = voice_gaps(df, k_min=3).iloc[0]
    assert (row["group_a"], row["group_b"], row["n_a"], row["n_b"]) == ("x", "y", 3, 5)
    assert (row["mean_a"], row["mean_b"], row["gap"]) == (6, 3, 3)
    assert row["df"] == pytest.approx(484 / 137)
    assert row["t"] == pytest.approx(3 / np.sqrt(11 / 6))
    assert row["ci_low"] == pytest.approx(3 - 3.963726, abs=1e-6)
    assert row["ci_high"] == pytest.approx(3 + 3.963726, abs=1e-6)


@pytest.mark.parametrize("group_by", ["sector", "role"])
def test_matches_scipy_welch(synthetic_ratings, group_by):
    gaps = voice_gaps(synthetic_ratings, group_by=group_by, k_min=5)
    shown = gaps[~gaps["suppressed"]]
    assert len(shown) > 0
    answered = synthetic_ratings.dropna(subset=["rating"])
    for row in shown.itertuples():
        cell = answered[(answered["round"] == row.round) & (answered["behaviour"] == row.behaviour)]
        a = cell.loc[cell[group_by] == row.group_a, "rating"]
        b = cell.loc[cell[group_by] == row.group_b, "rating"]
        reference = stats.ttest_ind(a, b, equal_var=False)
        interval = reference.confidence_interval(0.95)
        assert row.t == pytest.approx(reference.statistic)
        assert row.p_value == pytest.approx(reference.pvalue)
        assert row.df == pytest.approx(reference.df)
        assert (row.ci_low, row.ci_high) == pytest.approx((interval.low, interval.high))
        assert row.gap == pytest.approx(a.mean() - b.mean())


def test_each_pair_once_in_sorted_order_and_small_groups_hidden(synthetic_ratings):
    gaps = voice_gaps(synthetic_ratings, group_by="sector", k_min=5)
    sectors = sorted(synthetic_ratings["sector"].unique())
    per_cell = gaps.groupby(["round", "behaviour"])[["group_a", "group_b"]]
    for _, pairs in per_cell:
        assert list(map(tuple, pairs.to_numpy())) == list(combinations(sectors, 2))
    tiny = gaps[(gaps["group_a"] == "lived_experience") | (gaps["group_b"] == "lived_experience")]
    assert tiny["suppressed"].all()
    assert tiny[["n_a", "n_b", "mean_a", "mean_b", "gap", "p_value"]].isna().all().all()
    assert not gaps.loc[gaps["n_a"].notna(), "suppressed"].any()


def test_widest_gaps_ranks_shown_rows_by_absolute_gap(synthetic_ratings):
    gaps = voice_gaps(synthetic_ratings, group_by="sector", k_min=5)
    top = widest_gaps(gaps, n=2)  # one pair per behaviour is shown: private hides with lived
    assert not top["suppressed"].any()
    for round_number, ranked in top.groupby("round"):
        assert ranked["rank"].tolist() == [1, 2]
        shown = gaps[(gaps["round"] == round_number) & ~gaps["suppressed"]]
        expected = shown["gap"].abs().sort_values(ascending=False).head(2)
        assert ranked["gap"].abs().tolist() == pytest.approx(expected.tolist())


def test_all_is_not_a_comparison(synthetic_ratings):
    with pytest.raises(ValueError, match="group_by"):
        voice_gaps(synthetic_ratings, group_by="all")
