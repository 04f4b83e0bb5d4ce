"""The evidence for non-linearity: Davies' test against R's reference and statsmodels, the
between-round variance against statsmodels' meta-analysis, and the bootstrap test's false-positive
rate and power on seeded simulations with round-level noise."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests

from evalkit.change import (
    benjamini_hochberg,
    between_round_variance,
    breakpoint_interval,
    davies_test,
    flexible_tau2_moments,
    nonlinearity_test,
)
from evalkit.change.shapes import Step
from evalkit.change.variance import VarianceModel

STAGNANT = Path(__file__).parent / "data" / "reference" / "stagnant.csv"
ROUNDS = np.arange(1.0, 9.0)


def round_means(rng, truth, n=150, sd=2.0, round_sd=0.1):
    """Means and sampling variances of rounds of n independent respondents around a truth."""
    k = len(truth)
    variances = sd**2 * rng.chisquare(n - 1, k) / (n - 1) / n
    means = truth + rng.normal(0, round_sd, k) + rng.normal(0, sd / np.sqrt(n), k)
    return means, variances


def test_davies_test_rejects_decisively_on_stagnant():
    data = pd.read_csv(STAGNANT)
    result = davies_test(data["x"], data["y"])
    assert result.p_value < 1e-10
    assert 1e-18 < result.p_value < 1e-16  # R: about 1e-17
    # R's first point (-1.39) is the tied minimum: no observation below it, so it is dropped
    assert len(result.values) == 9 and result.values[0] > -1.39
    assert result.values[-1] == pytest.approx(0.99)


def test_davies_process_is_the_t_statistic_of_the_slope_change():
    data = pd.read_csv(STAGNANT)
    result = davies_test(data["x"], data["y"], k=7)
    for psi, t_value in zip(result.values, result.process, strict=True):
        x = np.column_stack([np.maximum(data["x"] - psi, 0), np.ones(len(data)), data["x"]])
        assert t_value == pytest.approx(sm.OLS(data["y"], x).fit().tvalues.iloc[0], rel=1e-9)


def test_davies_test_does_not_reject_a_straight_line():
    rng = np.random.default_rng(2)
    t = np.arange(1.0, 31.0)
    p = [davies_test(t, 1 + 0.1 * t + rng.normal(0, 1, t.size)).p_value for _ in range(40)]
    assert np.mean(np.array(p) <= 0.05) <= 0.1


def test_dersimonian_laird_matches_statsmodels_meta_analysis():
    rng = np.random.default_rng(3)
    variances = rng.uniform(0.02, 0.05, 8)
    y = 5 + rng.normal(0, 0.3, 8)
    reference = combine_effects(y, variances, method_re="dl")
    design = np.ones((8, 1))
    assert between_round_variance(ROUNDS, y, variances, design=design) == pytest.approx(
        reference.tau2
    )


def test_dersimonian_laird_for_a_line_matches_the_textbook_formula():
    rng = np.random.default_rng(4)
    variances = rng.uniform(0.02, 0.05, 8)
    y = 5 + 0.2 * ROUNDS + rng.normal(0, 0.3, 8)
    w = 1 / variances
    x = sm.add_constant(ROUNDS)
    q = sm.WLS(y, x, weights=w).fit().ssr
    c = w.sum() - np.trace(np.linalg.inv(x.T @ (w[:, None] * x)) @ (x.T @ (w[:, None] ** 2 * x)))
    assert between_round_variance(ROUNDS, y, variances) == pytest.approx(max(0, (q - 6) / c))


def test_profile_tau2_is_the_maximum_likelihood_estimate():
    rng = np.random.default_rng(5)
    cov = np.diag(rng.uniform(0.01, 0.04, 8)) + 0.005
    model = VarianceModel(cov, 8)
    for scale in (0.0, 0.05, 0.5):
        resid = rng.normal(0, np.sqrt(0.02 + scale), 8)
        found = model.profile_tau2(resid)

        def minus2(tau2, r=resid):
            s = cov + tau2 * np.eye(8)
            return np.linalg.slogdet(s)[1] + r @ np.linalg.solve(s, r)

        best = optimize.minimize_scalar(minus2, bounds=(0, 10), method="bounded").x
        assert minus2(found) <= min(minus2(best), minus2(0.0)) + 1e-9


def test_benjamini_hochberg_matches_statsmodels():
    p = np.array([0.001, 0.2, np.nan, 0.03, 0.04, 0.5])
    tested = ~np.isnan(p)
    expected = multipletests(p[tested], method="fdr_bh")[1]
    np.testing.assert_allclose(benjamini_hochberg(p)[tested], expected)
    assert np.isnan(benjamini_hochberg(p)[2])


@pytest.mark.parametrize("truth", ["linear", "step"])
def test_flexible_tau2_is_unbiased_where_the_line_residuals_are_not(truth):
    rng = np.random.default_rng(6)
    curve = 5 + (0.1 * ROUNDS if truth == "linear" else 1.5 * (ROUNDS >= 5))
    estimates, line = [], []
    for i in range(80):
        y, v = round_means(rng, curve)
        fitted = Step().fit(ROUNDS, y, weights=1 / v).predict(ROUNDS) if truth == "step" else None
        excess, slope = flexible_tau2_moments(ROUNDS, y, v, truth=fitted, seed=i)
        estimates.append(excess / slope)  # untruncated: unbiased on average
        line.append(between_round_variance(ROUNDS, y, v))
    assert np.mean(estimates) == pytest.approx(0.01, abs=0.005)
    if truth == "step":
        assert np.mean(line) > 0.1


@pytest.mark.parametrize("truth", ["flat", "linear"])
def test_false_positive_rate_is_at_most_about_five_percent(truth):
    """8 rounds x 150 respondents (SD 2) with round-level noise SD 0.1; 100 series per truth."""
    rng = np.random.default_rng(20261126 if truth == "flat" else 20261127)
    curve = 5 + (0.15 * (ROUNDS - 1) if truth == "linear" else 0 * ROUNDS)
    rejected = 0
    for i in range(100):
        y, v = round_means(rng, curve)
        rejected += nonlinearity_test(ROUNDS, y, v, n_boot=99, seed=i).p_value <= 0.05
    assert rejected / 100 <= 0.08


def test_power_on_a_clear_step_is_high_and_the_break_is_placed():
    rng = np.random.default_rng(7)
    detected, placed = 0, 0
    for i in range(40):
        y, v = round_means(rng, 5 + 1.5 * (ROUNDS >= 5))
        detected += nonlinearity_test(ROUNDS, y, v, n_boot=99, seed=i).p_value <= 0.05
        placed += Step().fit(ROUNDS, y, weights=1 / (v + 0.01)).params_["breakpoint"] == 5
    assert detected / 40 >= 0.9
    assert placed / 40 >= 0.9


def test_classic_regression_path_is_an_exact_monte_carlo_test():
    """Without sampling variances the statistic is scale-free: p-values are uniform."""
    rng = np.random.default_rng(8)
    p = [
        nonlinearity_test(ROUNDS, 1 + 0.3 * ROUNDS + rng.normal(0, s, 8), n_boot=99, seed=i).p_value
        for i, s in enumerate(rng.uniform(0.1, 10, 150))
    ]
    assert np.mean(np.array(p) <= 0.05) <= 0.09
    assert np.mean(np.array(p) <= 0.5) == pytest.approx(0.5, abs=0.12)


def test_breakpoint_interval_covers_the_truth():
    rng = np.random.default_rng(9)
    covered = 0
    for i in range(30):
        y, v = round_means(rng, 5 + 1.0 * (ROUNDS >= 5))
        step = Step().fit(ROUNDS, y, weights=1 / (v + 0.01))
        ((low, high),) = breakpoint_interval(step, ROUNDS, v, tau2=0.01, seed=i)
        assert low <= step.params_["breakpoint"] <= high
        covered += low <= 5 <= high
    assert covered / 30 >= 0.85
