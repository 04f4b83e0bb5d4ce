"""Indicators checked against independent computations (statsmodels, numpy, hand arithmetic)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.weightstats import DescrStatsW

from evalkit import indicators


@pytest.mark.parametrize("group_by", ["all", "sector", "role"])
def test_level_matches_statsmodels_t_interval(synthetic_ratings, group_by):
    table = indicators.level(synthetic_ratings, group_by=group_by, k_min=5)
    column = indicators.GROUPINGS[group_by]
    shown = table[~table["suppressed"]]
    assert len(shown) > 0
    for row in shown.itertuples():
        mask = (synthetic_ratings["round"] == row.round) & (
            synthetic_ratings["behaviour"] == row.behaviour
        )
        if column:
            mask &= synthetic_ratings[column] == row.group
        values = synthetic_ratings.loc[mask, "rating"].dropna().to_numpy()
        reference = DescrStatsW(values)
        low, high = reference.tconfint_mean(alpha=0.05)
        assert row.n == len(values)
        assert row.mean == pytest.approx(reference.mean)
        assert row.sd == pytest.approx(reference.std_mean * np.sqrt(len(values)))
        assert (row.ci_low, row.ci_high) == pytest.approx((low, high))


def test_level_hand_worked_example():
    # ratings 2, 4, 6, 8: mean 5, sd sqrt(20/3) = 2.582, se 1.291, t(0.975, 3) = 3.182446
    df = pd.DataFrame({"round": 1, "behaviour": "trust", "rating": [2.0, 4, 6, 8]})
    row = indicators.level(df, k_min=4).iloc[0]
    assert row["mean"] == 5
    assert row["ci_high"] - 5 == pytest.approx(3.182446 * np.sqrt(20 / 3) / 2, rel=1e-6)


def test_small_groups_are_suppressed_without_statistics(synthetic_ratings):
    table = indicators.level(synthetic_ratings, group_by="sector", k_min=5)
    tiny = table[table["group"] == "lived_experience"]
    assert tiny["suppressed"].all()
    assert tiny[["mean", "sd", "ci_low", "ci_high"]].isna().all().all()


def test_rating_distribution_counts_by_hand(synthetic_ratings):
    dist = indicators.rating_distribution(synthetic_ratings)
    one = synthetic_ratings.query("round == 1 and behaviour == 'trust'")["rating"].dropna()
    values, counts = np.unique(one, return_counts=True)
    got = dist.query("round == 1 and behaviour == 'trust'").set_index("rating")
    assert got["count"].to_dict() == dict(zip(values, counts, strict=True))
    assert got["share"].sum() == pytest.approx(1.0)


def test_respondent_counts_and_missing_share(synthetic_ratings):
    counts = indicators.respondent_counts(synthetic_ratings, group_by="sector", k_min=5)
    public = counts.query("round == 1 and group == 'public'")["respondents"].item()
    assert public == 40
    assert counts.query("group == 'lived_experience'")["respondents"].isna().all()
    missing = indicators.missing_share(synthetic_ratings)
    expected = (
        synthetic_ratings.query("round == 2 and behaviour == 'power'")["rating"].isna().mean()
    )
    assert missing.query("round == 2 and behaviour == 'power'")["missing_share"].item() == expected


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=5),
    k_min=st.integers(min_value=1, max_value=10),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_no_row_under_k_min_carries_a_statistic(sizes, k_min, seed):
    rng = np.random.default_rng(seed)
    groups = np.repeat([f"g{i}" for i in range(len(sizes))], sizes)
    df = pd.DataFrame(
        {
            "round": 1,
            "behaviour": "b",
            "sector": groups,
            "rating": rng.integers(1, 11, len(groups)).astype(float),
        }
    )
    table = indicators.level(df, group_by="sector", k_min=k_min)
    small = table[table["n"] < k_min]
    assert small["suppressed"].all()
    assert small[["mean", "sd", "ci_low", "ci_high"]].isna().all().all()
    assert table.loc[~table["suppressed"], "n"].ge(k_min).all()
