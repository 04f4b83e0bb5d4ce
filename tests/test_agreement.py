"""Agreement and polarisation indicators, each checked against an independent computation."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import diptest
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from evalkit.indicators.agreement import (
    AGREEMENT_COLUMNS,
    _null_dips,
    agreement,
    agreement_from_counts,
    dip_from_counts,
)

SCALE = np.arange(1.0, 11)
FRAMEWORK = SimpleNamespace(scale_min=1, scale_max=10)


def random_histograms(seed: int, rows: int, k: int = 10, n_max: int = 60) -> np.ndarray:
    """Histograms from flat to very lumpy (many ties, empty points), n from 1 to n_max."""
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet(np.ones(k), size=rows) ** rng.choice([0.5, 1, 3, 8], size=(rows, 1))
    shares /= shares.sum(axis=1, keepdims=True)
    return rng.multinomial(rng.integers(1, n_max + 1, size=rows), shares)


def answers(counts: np.ndarray, values: np.ndarray = SCALE) -> np.ndarray:
    return np.repeat(values, counts)


def test_sd_and_iqr_match_numpy_on_the_answers():
    counts = random_histograms(seed=1, rows=500)
    table = agreement_from_counts(counts, SCALE, scale_points=10)
    for row, c in zip(table.itertuples(), counts, strict=True):
        x = answers(c)
        assert row.iqr == pytest.approx(np.quantile(x, 0.75) - np.quantile(x, 0.25), abs=1e-12)
        if len(x) >= 2:
            assert row.sd == pytest.approx(np.std(x, ddof=1), rel=1e-12, abs=1e-12)
        else:
            assert np.isnan(row.sd)


def test_bimodality_coefficient_matches_scipy_adjusted_skew_and_kurtosis():
    counts = random_histograms(seed=2, rows=500)
    table = agreement_from_counts(counts, SCALE, scale_points=10)
    for row, c in zip(table.itertuples(), counts, strict=True):
        x = answers(c)
        n = len(x)
        if n < 4 or np.ptp(x) == 0:
            assert np.isnan(row.bc) and not row.bimodal
            continue
        g1, g2 = stats.skew(x, bias=False), stats.kurtosis(x, bias=False)
        expected = (g1**2 + 1) / (g2 + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
        assert row.bc == pytest.approx(expected, rel=1e-10)
        assert row.bimodal == (expected > 5 / 9)


def test_r_wg_by_hand():
    # Ratings 4, 5, 6, 5 on a 1-10 scale: mean 5, squared deviations 1 + 0 + 1 + 0 = 2, so
    # s^2 = 2 / 3; sigma_EU^2 = (10^2 - 1) / 12 = 8.25; r_wg = 1 - (2/3) / 8.25 = 1 - 0.0808.
    counts = np.array([[0, 0, 0, 1, 2, 1, 0, 0, 0, 0]])
    r_wg = agreement_from_counts(counts, SCALE, scale_points=10)["r_wg"].item()
    assert r_wg == pytest.approx(1 - (2 / 3) / 8.25) and round(r_wg, 3) == 0.919


def test_r_wg_is_truncated_at_zero_when_spread_exceeds_no_agreement():
    # Half at 1, half at 10: s^2 = 20.25 * 10 / 9 = 22.5 > 8.25, so 1 - s^2 / 8.25 < 0.
    counts = np.array([[5, 0, 0, 0, 0, 0, 0, 0, 0, 5]])
    assert agreement_from_counts(counts, SCALE, scale_points=10)["r_wg"].item() == 0.0


@pytest.mark.parametrize("k", [2, 3, 5, 10, 11])
def test_dip_of_the_answers_as_given_equals_diptest_exactly(k):
    counts = random_histograms(seed=k, rows=1500, k=k)
    values = 2.0 + 0.5 * np.arange(k)  # the dip does not depend on the scale's start or step
    ours = dip_from_counts(counts, spread=False)
    for d, c in zip(ours, counts, strict=True):
        # diptest's default allow_zero=True returns 0 for n distinct, equally spaced answers,
        # where the dip is 1 / (2n); allow_zero=False is right except for a single value.
        single_value = (c > 0).sum() == 1
        assert d == pytest.approx(
            diptest.dipstat(answers(c, values), allow_zero=single_value), abs=1e-12
        )


def test_diptest_default_reports_zero_where_the_dip_is_one_over_2n():
    counts = np.array([[1, 1, 1, 1]])
    x = answers(counts[0], np.arange(4.0))
    assert dip_from_counts(counts, spread=False).item() == pytest.approx(1 / 8)
    assert diptest.dipstat(x, allow_zero=False) == pytest.approx(1 / 8)
    assert diptest.dipstat(x) == 0.0


@pytest.mark.parametrize("k", [4, 10, 11])
def test_spread_dip_matches_diptest_on_answers_spread_evenly_over_their_unit(k):
    # m evenly spaced points per answer, at v - 1/2 + i / (c m) for i = 1..c m, have an ECDF
    # that touches the histogram's piecewise-linear distribution function from below and stays
    # within 1 / (n m) of it; the dip moves by no more than the sup distance.
    counts = random_histograms(seed=10 + k, rows=150, k=k, n_max=40)
    ours = dip_from_counts(counts)
    for d, c in zip(ours, counts, strict=True):
        n, m = c.sum(), -(-40_000 // c.sum())
        x = np.concatenate(
            [
                v - 0.5 + np.arange(1, cv * m + 1) / (cv * m)
                for v, cv in zip(np.arange(k), c, strict=True)
                if cv
            ]
        )
        assert abs(d - diptest.dipstat(x)) <= 1 / (n * m) + 1e-12


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=11), st.integers(0, 10))
def test_spread_dip_is_zero_when_counts_rise_then_fall(heights, peak):
    peak = min(peak, len(heights) - 1)
    counts = np.array(sorted(heights[:peak]) + [max(heights)] + sorted(heights[peak + 1 :])[::-1])
    if counts.sum():
        assert dip_from_counts(counts[None, :]).item() == pytest.approx(0, abs=1e-12)


def test_degenerate_groups_give_documented_values_without_warnings():
    counts = np.zeros((6, 10), dtype=int)
    counts[1, 4] = 1  # n = 1
    counts[2, [0, 9]] = 1  # n = 2
    counts[3, 6] = 3  # n = 3, all equal
    counts[4, 6] = 40  # all equal
    counts[5, [2, 3]] = [2, 2]  # n = 4, two values
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = agreement_from_counts(counts, SCALE, scale_points=10)
    assert table.iloc[0, 1:].drop(["bimodal", "split"]).isna().all()  # no answers
    assert np.isnan(table["sd"][1]) and np.isnan(table["r_wg"][1]) and table["iqr"][1] == 0
    assert table["dip_p"][:5].tolist()[1:] == [1.0, 1.0, 1.0, 1.0]
    assert (table.loc[3:4, ["sd", "iqr", "dip"]] == 0).all().all()
    assert (table.loc[3:4, "r_wg"] == 1).all()
    assert table["bc"][:5].isna().all() and not table["bimodal"].any()
    assert not table["split"][:5].any()
    assert table.loc[5, ["sd", "bc", "dip", "dip_p"]].notna().all()


def rejection_rate(shares: np.ndarray, n: int, sims: int = 400, seed: int = 0) -> float:
    counts = np.random.default_rng(seed).multinomial(n, shares / shares.sum(), size=sims)
    return float((agreement_from_counts(counts, SCALE, scale_points=10)["dip_p"] < 0.05).mean())


@pytest.mark.parametrize("n", [12, 50, 300, 1200])  # on and between the null's grid sizes
@pytest.mark.parametrize(
    "shares",
    [stats.binom.pmf(np.arange(10), 9, 0.6), np.ones(10), np.r_[np.ones(5), np.full(5, 0.5)]],
    ids=["binomial", "even", "step-down"],
)
def test_dip_test_holds_its_level_on_unimodal_ratings(shares, n):
    assert rejection_rate(shares, n, seed=n) <= 0.08


def test_dip_test_detects_a_split_group():
    # Half around 2, half around 9, with a little noise either side.
    shares = np.r_[0.05, 0.4, 0.05, 0, 0, 0, 0, 0.05, 0.4, 0.05]
    assert rejection_rate(shares, 60, sims=200) >= 0.95
    counts = np.random.default_rng(3).multinomial(60, shares / shares.sum(), size=200)
    assert agreement_from_counts(counts, SCALE, scale_points=10)["split"].mean() >= 0.95


def test_null_table_is_seeded_and_built_once():
    assert _null_dips(10) is _null_dips(10)
    assert not _null_dips(10).flags.writeable
    counts = random_histograms(seed=4, rows=50)
    first = agreement_from_counts(counts, SCALE, scale_points=10)["dip_p"]
    _null_dips.cache_clear()
    pd.testing.assert_series_equal(
        first, agreement_from_counts(counts, SCALE, scale_points=10)["dip_p"]
    )


def test_agreement_table_columns_and_groups(synthetic_ratings):
    table = agreement(synthetic_ratings, FRAMEWORK, group_by="sector", k_min=5)
    assert list(table.columns) == [
        "round",
        "behaviour",
        "group_by",
        "group",
        *AGREEMENT_COLUMNS,
        "suppressed",
    ]
    answered = synthetic_ratings.dropna(subset=["rating"])
    sizes = answered.groupby(["round", "behaviour", "sector"]).size()
    for row in table.itertuples():
        n = sizes[(row.round, row.behaviour, row.group)]
        if n < 5:
            assert row.suppressed
        elif row.suppressed:  # hidden so that a smaller sibling cannot be worked out
            assert (sizes[(row.round, row.behaviour)] < 5).any()
        assert pd.isna(row.n) if row.suppressed else row.n == n
    assert table.loc[table["group"] == "lived_experience", "suppressed"].all()
    assert table["split"].dtype == "boolean" and table["bimodal"].dtype == "boolean"


def test_agreement_with_place_column_keeps_it(synthetic_ratings):
    ratings = pd.concat([synthetic_ratings.assign(place=p) for p in ("a", "b")])
    table = agreement(ratings, FRAMEWORK)
    assert list(table.columns[:5]) == ["place", "round", "behaviour", "group_by", "group"]
    assert len(table) == 2 * 2 * 3


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 12), min_size=1, max_size=8),
    k_min=st.integers(1, 10),
    seed=st.integers(0, 2**16),
)
def test_no_group_smaller_than_k_min_carries_a_statistic(sizes, k_min, seed):
    rng = np.random.default_rng(seed)
    ratings = pd.DataFrame(
        {
            "round": 1,
            "behaviour": "trust",
            "sector": np.repeat([f"s{i}" for i in range(len(sizes))], sizes),
            "rating": rng.integers(1, 11, size=sum(sizes)).astype(float),
        }
    )
    table = agreement(ratings, FRAMEWORK, group_by="sector", k_min=k_min)
    true_n = table["group"].map(dict(zip([f"s{i}" for i in range(len(sizes))], sizes, strict=True)))
    small = (true_n < k_min).to_numpy()
    hidden = table["suppressed"].to_numpy()
    assert hidden[small].all() and (hidden.any() == small.any())  # small ones, and siblings
    assert table.loc[hidden, AGREEMENT_COLUMNS].isna().all().all()
    assert table.loc[~hidden, ["n", "iqr", "dip", "dip_p", "bimodal", "split"]].notna().all().all()


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="group_by"):
        agreement(
            pd.DataFrame({"round": [1], "behaviour": "x", "rating": [3.0]}),
            FRAMEWORK,
            group_by="colour",
        )
    with pytest.raises(ValueError, match="equally spaced"):
        agreement_from_counts(np.ones((1, 3), dtype=int), np.array([1.0, 2, 4]), scale_points=3)
    with pytest.raises(ValueError, match="one column per scale point"):
        agreement_from_counts(np.ones((1, 3), dtype=int), SCALE, scale_points=10)
