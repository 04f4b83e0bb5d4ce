"""Indicators checked against independent computations (statsmodels, numpy, hand arithmetic)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit import indicators
from evalkit.config import load_framework
from evalkit.indicators.bootstrap import _exact, bootstrap_mean_interval


@pytest.fixture(scope="module")
def framework():
    return load_framework("system-behaviours")


@pytest.mark.parametrize("group_by", ["all", "sector", "role"])
def test_level_statistics_match_numpy_on_the_raw_answers(synthetic_ratings, framework, group_by):
    table = indicators.level(synthetic_ratings, framework, group_by=group_by, k_min=5)
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
        assert row.n == len(values)
        assert row.mean == pytest.approx(values.mean())
        assert row.median == np.median(values)
        assert row.sd == pytest.approx(values.std(ddof=1))
        assert row.share_strong == pytest.approx(np.mean(values >= 8))
        assert row.share_absent == pytest.approx(np.mean(values <= 3))
        assert row.ci_low < row.mean < row.ci_high


@pytest.mark.parametrize("n", [6, 25, 120, 450, 1500])
def test_bootstrap_interval_agrees_with_a_plain_resampling_loop(framework, n):
    rng = np.random.default_rng(n)
    answers = rng.choice(np.arange(1.0, 11), size=n, p=rng.dirichlet(np.full(10, 0.6)))
    df = pd.DataFrame({"round": 1, "behaviour": "trust", "rating": answers})
    row = indicators.level(df, framework, k_min=1).iloc[0]
    resamples = 20_000
    means = np.array([rng.choice(answers, size=n).mean() for _ in range(resamples)])
    low, high = np.percentile(means, [2.5, 97.5])
    # Monte Carlo error of a 2.5% quantile from 20,000 resamples is about 0.02 standard errors;
    # the exact distribution also sits on a lattice of step 1/n.
    tolerance = 0.12 * answers.std() / np.sqrt(n) + 1 / n
    assert row["ci_low"] == pytest.approx(low, abs=tolerance)
    assert row["ci_high"] == pytest.approx(high, abs=tolerance)
    seeded = indicators.level(df, framework, k_min=1, n_resamples=2000, seed=3).iloc[0]
    again = indicators.level(df, framework, k_min=1, n_resamples=2000, seed=3).iloc[0]
    assert seeded["ci_low"] == again["ci_low"]
    assert seeded["ci_low"] == pytest.approx(low, abs=3 * tolerance)


def test_bootstrap_hand_worked_example():
    # Answers 2, 3, 3, 4: each resampled answer is 2 + Binomial(2, 1/2), so the resampled sum of
    # four is 8 + Binomial(8, 1/2). P(B <= 0) = 1/256 < 0.025 <= P(B <= 1) = 9/256, so the 2.5%
    # point of the sum is 9 (mean 2.25); P(B <= 6) = 247/256 < 0.975 <= 255/256, so 15 (3.75).
    low, high = bootstrap_mean_interval(np.array([[0, 1, 2, 1, 0]]), np.arange(1.0, 6))
    assert (low[0], high[0]) == (2.25, 3.75)


@pytest.mark.parametrize("concentration", [0.05, 0.2, 1.0, 5.0])
@pytest.mark.parametrize(("items", "n"), [(1, 114), (1, 600), (1, 2000), (3, 40), (9, 300)])
def test_expansion_agrees_with_the_exact_bootstrap(items, n, concentration):
    # Past the exact limit, near-symmetric groups use the Cornish-Fisher expansion; it must agree
    # with the exact quantiles well inside the Monte Carlo error of 2,000 resamples (about 0.06
    # standard errors), give or take one step of the lattice the exact answer sits on. Lumpy
    # histograms (small concentration) are skewed and must fall back to the exact convolution.
    rng = np.random.default_rng(items * 10_000 + n + int(concentration * 100))
    probabilities = rng.dirichlet(np.full(10, concentration), size=40)
    sums = np.stack(
        [rng.choice(np.arange(1, 11), size=(n, items), p=p).sum(axis=1) for p in probabilities]
    )
    counts = np.stack([np.bincount(row - items, minlength=9 * items + 1) for row in sums])
    values = np.arange(items, 10 * items + 1) / items
    low, high = bootstrap_mean_interval(counts, values)
    exact_low, exact_high = _exact(counts, values, 0.05)
    se = (sums / items).std(axis=1) / np.sqrt(n)
    step = 1 / (items * n)
    assert np.all(np.abs(low - exact_low) <= 0.07 * se + step)
    assert np.all(np.abs(high - exact_high) <= 0.07 * se + step)


def test_exact_bootstrap_on_a_window_matches_the_full_circle(monkeypatch):
    import evalkit.indicators.bootstrap as bootstrap

    rng = np.random.default_rng(11)
    values = np.arange(9.0, 91.0) / 9
    counts = rng.multinomial(400, rng.dirichlet(np.full(82, 0.3)), size=6)
    full = bootstrap._exact(counts, values, 0.05)
    monkeypatch.setattr(bootstrap, "_FULL_CIRCLE", 1024)  # forces a window of 12 SD a side
    windowed = bootstrap._exact(counts, values, 0.05)
    np.testing.assert_array_equal(windowed[0], full[0])
    np.testing.assert_array_equal(windowed[1], full[1])


def test_index_level_uses_complete_cases(framework):
    rows = []
    for person, ratings in {"a": [3, 4, 8], "b": [5, 5, 6], "c": [9, None, 9]}.items():
        for behaviour, rating in zip(
            ["power_shared", "devolved_decisions", "mutual_accountability"], ratings, strict=True
        ):
            rows.append(
                {"round": 1, "respondent": person, "behaviour": behaviour, "rating": rating}
            )
    table = indicators.index_level(pd.DataFrame(rows), framework, k_min=1)
    power = table[table["behaviour"] == "power"].iloc[0]
    # a: (3 + 4 + 8) / 3 = 5; b: 16 / 3; c has a blank, so is left out
    assert power["n"] == 2
    assert power["mean"] == pytest.approx((5 + 16 / 3) / 2)


def test_small_groups_are_suppressed_without_statistics(synthetic_ratings, framework):
    table = indicators.level(synthetic_ratings, framework, group_by="sector", k_min=5)
    tiny = table[table["group"] == "lived_experience"]
    assert tiny["suppressed"].all()
    assert tiny[indicators.LEVEL_COLUMNS].isna().all().all()


def test_rating_distribution_counts_by_hand(synthetic_ratings):
    dist = indicators.rating_distribution(synthetic_ratings)
    one = synthetic_ratings.query("round == 1 and behaviour == 'trust'")["rating"].dropna()
    values, counts = np.unique(one, return_counts=True)
    got = dist.query("round == 1 and behaviour == 'trust'").set_index("rating")
    assert got["count"].to_dict() == dict(zip(values, counts, strict=True))
    assert got["share"].sum() == pytest.approx(1.0)


FRAMEWORK = load_framework("system-behaviours")


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
    table = indicators.level(df, FRAMEWORK, group_by=("all", "sector"), k_min=k_min)
    sizes_of = dict(zip(*np.unique(groups, return_counts=True), strict=True)) | {"all": len(groups)}
    small = table[table["group"].map(sizes_of) < k_min]
    assert small["suppressed"].all()
    assert small[indicators.LEVEL_COLUMNS].isna().all().all()
    assert table.loc[~table["suppressed"], "n"].ge(k_min).all()
