"""The shapes, each checked against an independent fit: statsmodels on the same design with the
breakpoint fixed at the estimate, brute-force profiles, scipy's curve_fit, and R's ``segmented``
on the ``stagnant`` data."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize

from evalkit.change import muggeo_iteration
from evalkit.change.shapes import (
    Flat,
    Linear,
    SCurve,
    Segmented,
    ShockRecovery,
    Step,
    TwoBreakpoints,
    UShape,
)
from evalkit.exceptions import EvalkitError

STAGNANT = Path(__file__).parent / "data" / "reference" / "stagnant.csv"


def hinge(t, psi):
    return np.maximum(t - psi, 0.0)


# each shape's design, written out independently of evalkit, at the fitted location
DESIGNS = {
    "flat": lambda t, s: np.ones((len(t), 1)),
    "linear": lambda t, s: np.column_stack([np.ones(len(t)), t]),
    "step": lambda t, s: np.column_stack([np.ones(len(t)), t >= s.params_["breakpoint"]]),
    "segmented": lambda t, s: np.column_stack(
        [np.ones(len(t)), t, hinge(t, s.params_["breakpoint"])]
    ),
    "u_shape": lambda t, s: np.column_stack(
        [np.ones(len(t)), t, hinge(t, s.params_["breakpoint"])]
    ),
    "s_curve": lambda t, s: np.column_stack(
        [
            np.ones(len(t)),
            1 / (1 + np.exp(-(t - s.params_["midpoint"]) / s.params_["scale"])),
        ]
    ),
    "shock_recovery": lambda t, s: np.column_stack(
        [
            np.ones(len(t)),
            t,
            t >= s.params_["breakpoint"],
            (t >= s.params_["breakpoint"]) * (t - s.params_["breakpoint"]),
        ]
    ),
    "two_breakpoints": lambda t, s: np.column_stack(
        [
            np.ones(len(t)),
            t,
            hinge(t, s.params_["breakpoint_1"]),
            hinge(t, s.params_["breakpoint_2"]),
        ]
    ),
}
SHAPES = [Flat, Linear, Step, Segmented, UShape, SCurve, ShockRecovery, TwoBreakpoints]


def series(n=12, seed=0):
    """A noisy series that rises, then falls back: every shape has something to fit."""
    rng = np.random.default_rng(seed)
    t = np.arange(1.0, n + 1)
    y = 5 + 0.3 * t - 0.8 * hinge(t, 0.6 * n) + rng.normal(0, 0.2, n)
    return t, y


@pytest.mark.parametrize("cls", SHAPES, ids=lambda c: c.name)
@pytest.mark.parametrize("weighting", ["ols", "wls", "gls"])
def test_coefficients_match_statsmodels_at_the_fitted_location(cls, weighting):
    t, y = series()
    rng = np.random.default_rng(1)
    variances = rng.uniform(0.02, 0.08, len(t))
    covariance = np.diag(variances) + 0.01 * np.exp(-np.abs(t[:, None] - t[None, :]))
    weights = {"ols": None, "wls": 1 / variances, "gls": np.linalg.inv(covariance)}[weighting]
    shape = cls().fit(t, y, weights=weights)
    assert shape is not None and np.isfinite(shape.rss_)
    x = DESIGNS[shape.name](t, shape).astype(float)
    if weighting == "ols":
        reference = sm.OLS(y, x).fit()
    elif weighting == "wls":
        reference = sm.WLS(y, x, weights=weights).fit()
    else:
        reference = sm.GLS(y, x, sigma=covariance).fit()
    np.testing.assert_allclose(shape.coef_, reference.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(shape.predict(t), reference.fittedvalues, rtol=1e-9)
    rss = reference.ssr if weighting != "gls" else float(reference.wresid @ reference.wresid)
    assert shape.rss_ == pytest.approx(rss, rel=1e-7)


@pytest.mark.parametrize("cls", [Step, ShockRecovery], ids=lambda c: c.name)
def test_discrete_breakpoints_are_the_global_optimum_of_a_brute_force_search(cls):
    t, y = series(10, seed=3)
    shape = cls().fit(t, y)
    ms = shape.min_segment
    ssr = {}
    for tau in t[ms : len(t) - ms + 1]:
        after = (t >= tau) * 1.0
        columns = [np.ones(len(t)), after]
        if cls is ShockRecovery:
            columns = [np.ones(len(t)), t, after, after * (t - tau)]
        ssr[tau] = sm.OLS(y, np.column_stack(columns)).fit().ssr
    assert shape.params_["breakpoint"] == min(ssr, key=ssr.get)
    assert shape.rss_ == pytest.approx(min(ssr.values()))


def test_segmented_breakpoint_is_continuous_and_beats_a_fine_brute_force_grid():
    rng = np.random.default_rng(4)
    t = np.arange(1.0, 11.0)
    y = 2 + 0.1 * t + 0.6 * hinge(t, 6.37) + rng.normal(0, 0.05, t.size)
    seg = Segmented().fit(t, y)
    grid = np.arange(t[1], t[-2], 1e-3)
    ssr = [sm.OLS(y, np.column_stack([np.ones(t.size), t, hinge(t, p)])).fit().ssr for p in grid]
    assert seg.rss_ <= min(ssr) + 1e-12
    assert seg.params_["breakpoint"] == pytest.approx(grid[int(np.argmin(ssr))], abs=2e-3)
    assert seg.params_["breakpoint"] == pytest.approx(6.37, abs=0.1)


def test_s_curve_matches_scipy_curve_fit():
    rng = np.random.default_rng(5)
    t = np.arange(1.0, 11.0)
    sigma = rng.uniform(0.05, 0.1, t.size)
    y = 4 + 2 / (1 + np.exp(-(t - 5.4) / 0.9)) + rng.normal(0, 1, t.size) * sigma
    s = SCurve().fit(t, y, weights=1 / sigma**2)

    def logistic(t, lower, upper, midpoint, scale):
        return lower + (upper - lower) / (1 + np.exp(-(t - midpoint) / scale))

    reference, _ = optimize.curve_fit(
        logistic, t, y, p0=[3.5, 6.5, 5.0, 1.0], sigma=sigma, absolute_sigma=True
    )
    found = [s.params_[k] for k in ("lower", "upper", "midpoint", "scale")]
    np.testing.assert_allclose(found, reference, rtol=1e-5)


def test_s_curve_midpoint_stays_inside_the_observed_range():
    t = np.arange(1.0, 9.0)
    s = SCurve().fit(t, 3 + 0.5 * t)  # a straight line: the logistic would run off the range
    assert t[2] <= s.params_["midpoint"] <= t[-3]


def test_segmented_reproduces_r_segmented_on_stagnant():
    data = pd.read_csv(STAGNANT)
    seg = Segmented().fit(data["x"], data["y"])
    assert seg.params_["breakpoint"] == pytest.approx(0.04110578, abs=1e-7)
    assert seg.psi_se_ == pytest.approx(0.0228348, abs=1e-7)
    assert seg.params_["intercept"] == pytest.approx(0.54466108, abs=1e-7)
    assert seg.params_["slope_before"] == pytest.approx(-0.42207682, abs=1e-7)
    assert seg.params_["slope_after"] == pytest.approx(-1.02056750, abs=1e-7)
    assert np.sqrt(seg.rss_ / (len(data) - 4)) == pytest.approx(0.01951516, abs=1e-8)
    assert seg.rss_ == pytest.approx(0.0091402, abs=1e-7)


def test_plain_muggeo_iteration_from_zero_is_stuck_where_the_grid_is_not():
    data = pd.read_csv(STAGNANT)
    plain = muggeo_iteration(data["x"], data["y"], 0.0)
    assert plain.converged
    assert plain.psi == pytest.approx(0.00848, abs=1e-5)
    assert plain.rss == pytest.approx(0.0098373, abs=1e-7)
    seg = Segmented().fit(data["x"], data["y"])
    assert seg.rss_ < plain.rss - 5e-4
    # from a good start the iteration agrees with the grid-and-refine fit
    assert muggeo_iteration(data["x"], data["y"], 0.05).psi == pytest.approx(
        seg.params_["breakpoint"], abs=1e-6
    )


def test_u_shape_needs_a_change_of_direction():
    t = np.arange(1.0, 9.0)
    rises_then_falls = 5 + 0.3 * t - 0.7 * hinge(t, 5)
    u = UShape().fit(t, rises_then_falls)
    assert u.params_["slope_before"] > 0 > u.params_["slope_after"]
    assert u.params_["breakpoint"] == pytest.approx(5.0)
    # accelerating: the best turning line is worse than the best broken line, and it does turn
    accelerating = 5 + 0.1 * t + 0.4 * hinge(t, 4) + 0.05 * np.sin(3 * t)
    u, seg = UShape().fit(t, accelerating), Segmented().fit(t, accelerating)
    assert u.rss_ > seg.rss_ + 1e-6
    assert u.params_["slope_before"] * u.params_["slope_after"] < 0
    # a straight line turns nowhere: no fit at all
    straight = UShape().fit(t, 5 + 0.2 * t)
    assert not np.isfinite(straight.rss_)
    assert np.isnan(straight.predict(t)).all()


def test_two_breakpoints_recovers_both_turns():
    rng = np.random.default_rng(6)
    t = np.arange(1.0, 15.0)
    y = 3 + 0.5 * hinge(t, 4.5) - 0.9 * hinge(t, 10.0) + rng.normal(0, 0.03, t.size)
    two = TwoBreakpoints().fit(t, y)
    assert two.breakpoints_ == pytest.approx([4.5, 10.0], abs=0.25)
    # the global optimum of a brute-force search over a fine grid of pairs
    pairs = [(a, b) for a in np.arange(2, 8, 0.02) for b in np.arange(8, 13, 0.02)]
    ssr = [
        np.linalg.lstsq(
            np.column_stack([np.ones(t.size), t, hinge(t, a), hinge(t, b)]), y, rcond=None
        )[1][0]
        for a, b in pairs
    ]
    assert two.rss_ <= min(ssr) + 1e-12
    assert two.breakpoints_ == pytest.approx(pairs[int(np.argmin(ssr))], abs=0.03)


def test_shapes_refuse_too_few_time_points():
    with pytest.raises(EvalkitError, match="at least 8"):
        SCurve().fit(np.arange(6.0), np.arange(6.0))
    with pytest.raises(EvalkitError, match="differ in length"):
        Linear().fit([1, 2, 3], [1, 2])
