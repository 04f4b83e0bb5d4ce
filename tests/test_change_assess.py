"""assess_trend and assess_trends: aggregation and covariance against pandas and statsmodels, the
chosen fit against statsmodels GLS, the guard rails, known truths recovered, the false-positive rate
on seeded simulations, and the JSON form."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from evalkit.change import assess_trend, assess_trends, round_means, to_records
from evalkit.change.series import sampling_covariance
from evalkit.exceptions import EvalkitError

STAGNANT = Path(__file__).parent / "data" / "reference" / "stagnant.csv"


def ratings(curve, *, n=150, sd=2.0, round_sd=0.1, seed=0, panel=False, stay=0.85):
    """Respondent rows (round, respondent, rating) around a true curve of round means.

    With ``panel``, about ``1 - stay`` of the respondents leave after each round and are replaced,
    and each person keeps a person effect (SD ``sd`` / sqrt(2)) across rounds.
    """
    rng = np.random.default_rng(seed)
    rows, person, active = [], rng.normal(0, sd / np.sqrt(2), n), np.arange(n)
    for r, level in enumerate(curve, start=1):
        if panel and r > 1:
            stay_ids = active[rng.random(n) < stay]
            new = np.arange(person.size, person.size + n - stay_ids.size)
            person = np.append(person, rng.normal(0, sd / np.sqrt(2), new.size))
            active = np.concatenate([stay_ids, new])
        elif not panel:
            active = np.arange((r - 1) * n, r * n)
            person = np.append(person, rng.normal(0, sd / np.sqrt(2), n))
        noise = sd / np.sqrt(2)
        value = level + rng.normal(0, round_sd) + person[active] + rng.normal(0, noise, n)
        rows.append(pd.DataFrame({"round": r, "respondent": active, "rating": value}))
    return pd.concat(rows, ignore_index=True)


ROUNDS = np.arange(1.0, 9.0)


def test_round_means_match_a_pandas_groupby():
    data = ratings(5 + 0.1 * ROUNDS, seed=1)
    data.loc[::7, "rating"] = np.nan
    table = round_means(data, time="round", value="rating")
    expected = data.dropna().groupby("round")["rating"].agg(["size", "mean", "std"])
    np.testing.assert_array_equal(table["n"], expected["size"])
    np.testing.assert_allclose(table["mean"], expected["mean"])
    np.testing.assert_allclose(table["se"], expected["std"] / np.sqrt(expected["size"]))


def test_panel_covariance_is_the_cluster_robust_covariance_of_the_round_means():
    data = ratings(5 + 0 * ROUNDS, n=60, seed=2, panel=True)
    table = round_means(data, time="round", value="rating", unit="respondent")
    cov = sampling_covariance(
        data.assign(x=data["round"], value=data["rating"]), table, "respondent"
    )
    dummies = pd.get_dummies(data["round"]).to_numpy(dtype=float)
    reference = sm.OLS(data["rating"].to_numpy(), dummies).fit(
        cov_type="cluster", cov_kwds={"groups": data["respondent"].to_numpy()}
    )
    ref = reference.cov_params()
    # same correlations; the diagonal is exactly s_t^2 / n_t
    corr = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    ref_corr = ref / np.sqrt(np.outer(np.diag(ref), np.diag(ref)))
    np.testing.assert_allclose(corr, ref_corr, atol=1e-10)
    np.testing.assert_allclose(np.diag(cov), table["se"] ** 2)
    assert corr[0, 1] > 0.2  # people answering twice make neighbouring rounds agree


@pytest.mark.parametrize("unit", [None, "respondent"])
def test_the_chosen_fit_is_gls_with_the_breakpoint_fixed(unit):
    data = ratings(5 + 1.2 * (ROUNDS >= 5), seed=3, panel=unit is not None)
    result = assess_trend(data, time="round", value="rating", unit=unit)
    assert result.shape == "step" and result.nonlinear
    table = round_means(data, time="round", value="rating", unit=unit)
    if unit is None:
        cov = np.diag(table["se"] ** 2)
    else:
        rows = data.assign(x=data["round"], value=data["rating"])
        cov = sampling_covariance(rows, table, unit)
    tau2 = result.models.set_index("name").loc["step", "tau2"]
    x = np.column_stack([np.ones(8), ROUNDS >= result.breakpoints[0]["time"]])
    reference = sm.GLS(table["mean"].to_numpy(), x, sigma=cov + tau2 * np.eye(8)).fit()
    np.testing.assert_allclose(result.model.coef_, reference.params, rtol=1e-8)
    assert result.level_shift == pytest.approx(reference.params[1])
    assert result.breakpoints[0]["time"] == 5.0


def test_cluster_robust_slopes_match_statsmodels():
    data = ratings(5 + 0.5 * np.maximum(ROUNDS - 4, 0) - 0.2 * ROUNDS, seed=4, panel=True)
    result = assess_trend(data, time="round", value="rating", unit="respondent")
    assert result.shape in ("segmented", "u_shape")
    psi = result.breakpoints[0]["time"]
    t = data["round"].to_numpy(dtype=float)
    x = sm.add_constant(np.column_stack([t, np.maximum(t - psi, 0)]))
    fit = sm.OLS(data["rating"].to_numpy(), x).fit(
        cov_type="cluster", cov_kwds={"groups": data["respondent"].to_numpy()}
    )
    robust = result.robust.set_index("term")
    assert robust.loc["slope_before", "estimate"] == pytest.approx(fit.params[1])
    assert robust.loc["slope_before", "se"] == pytest.approx(fit.bse[1])
    after = fit.t_test([0, 1, 1])
    assert robust.loc["slope_after", "estimate"] == pytest.approx(float(after.effect[0]))
    assert robust.loc["slope_after", "se"] == pytest.approx(float(after.sd[0, 0]))


def test_no_breakpoint_is_claimed_with_fewer_than_six_rounds():
    data = ratings(5 + 2.0 * (np.arange(1, 6) >= 3), seed=5)
    result = assess_trend(data, time="round", value="rating", label="Trust")
    assert not result.nonlinear and np.isnan(result.p_value) and result.breakpoints == []
    assert result.shape in ("flat", "linear")
    assert "at least 6" in result.sentence() and "5 rounds" in result.sentence()


@pytest.mark.parametrize(
    ("truth", "curve", "turn"),
    [
        ("step", 5 + 1.5 * (ROUNDS >= 5), 5),
        ("segmented", 5 + 0.5 * np.maximum(ROUNDS - 4, 0), 4),
        ("u_shape", 5 + 0.3 * ROUNDS - 0.7 * np.maximum(ROUNDS - 5, 0), 5),
        ("s_curve", 5 + 2.0 / (1 + np.exp(-(ROUNDS - 4.5) / 0.5)), 4.5),
    ],
)
def test_known_truths_are_recovered_with_their_turning_round(truth, curve, turn):
    result = assess_trend(ratings(curve, n=300, seed=6), time="round", value="rating")
    assert result.nonlinear and result.p_value <= 0.01
    assert result.shape == truth
    first = result.breakpoints[0]
    assert abs(first["time"] - turn) <= 1
    assert first["low"] <= first["time"] <= first["high"]


def test_sentences_read_as_the_issue_asks():
    flat_then_rise = ratings(5 + 0.6 * np.maximum(ROUNDS - 4, 0), n=1000, round_sd=0.0, seed=7)
    result = assess_trend(flat_then_rise, time="round", value="rating")
    text = result.sentence("Open, trusting relationships")
    assert text.startswith("Open, trusting relationships stayed flat until round 4, then rose ")
    assert "0.6 points a round; a straight line fits clearly worse (p = " in text
    line = assess_trend(ratings(5 + 0.2 * ROUNDS, seed=8), time="round", value="rating")
    assert line.shape == "linear"
    assert line.sentence("Trust").startswith("Trust moved in a straight line, up about 0.2 points")


def test_dates_are_times_and_come_back_as_dates():
    data = ratings(5 + 1.5 * (ROUNDS >= 5), seed=9)
    dates = pd.date_range("2024-03-15", periods=8, freq="3MS") + pd.Timedelta(days=14)
    data["date"] = dates[data["round"].to_numpy() - 1].strftime("%Y-%m-%d")
    result = assess_trend(data, time="date", value="rating")
    assert result.nonlinear and result.shape in ("step", "s_curve")
    first = result.breakpoints[0]
    assert isinstance(first["time"], pd.Timestamp)
    assert dates[3] < first["time"] <= dates[4]  # the change happened between these surveys
    assert first["time"].strftime("%B %Y") in result.sentence()
    record = json.loads(json.dumps(result.to_record()))
    assert (
        pd.Timestamp(record["breakpoint"]) == first["time"].normalize()
        or "T" in record["breakpoint"]
    )


def test_stagnant_as_classic_regression():
    data = pd.read_csv(STAGNANT)
    result = assess_trend(data, time="x", value="y", aggregate=False)
    assert result.nonlinear and result.p_value <= 0.01
    assert result.shape in ("segmented", "two_breakpoints")
    models = result.models.set_index("name")
    assert models.loc["segmented", "rss"] == pytest.approx(0.0091402, abs=1e-7)
    # -2 log L of classic regression: n log(2 pi RSS / n) + n
    n = len(data)
    loglik = -(n * np.log(2 * np.pi * 0.0091402 / n) + n) / 2
    assert models.loc["segmented", "loglik"] == pytest.approx(loglik, abs=1e-4)


def test_nile_step_in_1898():
    nile = sm.datasets.nile.load_pandas().data
    result = assess_trend(nile, time="year", value="volume", value_unit="units")
    assert result.shape == "step"
    first = result.breakpoints[0]
    assert first["time"] == 1899  # the first year of the new regime: 1898 is the last of the old
    assert (first["low"], first["high"]) == (1896, 1903)  # R: last old year 1895 to 1902
    assert result.model.params_["level_before"] == pytest.approx(1097.75)
    after = result.model.params_["level_before"] + result.level_shift
    assert after == pytest.approx(849.97, abs=0.005)
    bic = result.models.set_index("name")["bic"]
    assert (bic["step"], bic["flat"]) == pytest.approx((1270.08, 1318.24), abs=0.005)
    assert "between 1898 and 1899" in result.sentence()


def test_false_positive_rate_on_flat_and_linear_truths():
    """8 rounds x 150 respondents (SD 2), round-level noise SD 0.1: 100 flat, 100 linear."""
    claims = 0
    for i in range(200):
        curve = 5 + (0.15 * (ROUNDS - 1) if i % 2 else 0 * ROUNDS)
        result = assess_trend(ratings(curve, seed=1000 + i), time="round", value="rating",
                              n_boot=99, seed=i)  # fmt: skip
        claims += result.nonlinear
    assert claims / 200 <= 0.08


def test_assess_trends_adjusts_across_series_and_says_so():
    frames = []
    curves = {
        "vision": 5 + 0 * ROUNDS,
        "trust": 5 + 1.5 * (ROUNDS >= 5),
        "power": 5 + 0.15 * ROUNDS,
        "voice": 5 + 0.5 * np.maximum(ROUNDS - 4, 0),
        "learning": 5 + 0 * ROUNDS,
        "leadership": 5 - 0.1 * ROUNDS,
    }
    for i, (behaviour, curve) in enumerate(curves.items()):
        for sector in ("public", "voluntary"):
            frame = ratings(curve, n=100, seed=20 + i + (sector == "public") * 50)
            frames.append(frame.assign(behaviour=behaviour, sector=sector))
    data = pd.concat(frames, ignore_index=True)
    table = assess_trends(data, time="round", value="rating", by=["behaviour", "sector"])
    assert len(table) == 12 and list(table.columns[:2]) == ["behaviour", "sector"]
    expected = multipletests(table["p_value"], method="fdr_bh")[1]
    np.testing.assert_allclose(table["p_adjusted"], expected)
    assert (table["nonlinear"] == (table["p_adjusted"] <= 0.05)).all()
    assert not table.attrs  # results are columns, not metadata that copies may drop
    assert [a.p_adjusted for a in table["assessment"]] == pytest.approx(table["p_adjusted"])
    trust = table[table["behaviour"] == "trust"]
    assert trust["nonlinear"].all() and ((trust["breakpoint"] - 5).abs() <= 1).all()
    assert "adjusted for 12 series" in trust["sentence"].iloc[0]
    # within a family, the adjustment uses only that family's series
    by_sector = assess_trends(
        data, time="round", value="rating", by=["behaviour", "sector"], family="sector"
    )
    public = by_sector["sector"] == "public"
    expected = multipletests(by_sector.loc[public, "p_value"], method="fdr_bh")[1]
    np.testing.assert_allclose(by_sector.loc[public, "p_adjusted"], expected)
    records = to_records(table)
    text = json.dumps(records)
    assert records[0]["models"][0].keys() == {"name", "aic", "aicc", "bic"}
    assert isinstance(json.loads(text)[0]["breakpoints"], list)


def test_bad_input_is_refused_clearly():
    data = ratings(5 + 0 * ROUNDS, n=20)
    with pytest.raises(EvalkitError, match="'score' not found"):
        assess_trend(data, time="round", value="score")
    with pytest.raises(EvalkitError, match="must hold numbers"):
        assess_trend(data.assign(rating="high"), time="round", value="rating")
    with pytest.raises(EvalkitError, match="dates"):
        assess_trend(data.assign(round="spring"), time="round", value="rating")
    too_short = assess_trend(data[data["round"] <= 2], time="round", value="rating")
    assert too_short.shape is None and "too few" in too_short.sentence()


def test_a_series_result_does_not_depend_on_the_other_series_listed():
    frames = [
        ratings(5 + 1.5 * (ROUNDS >= 5), n=100, seed=3).assign(behaviour="trust"),
        ratings(5 + 0 * ROUNDS, n=100, seed=4).assign(behaviour="vision"),
        ratings(5 + 0.1 * ROUNDS, n=100, seed=5).assign(behaviour="power"),
    ]
    options = {"time": "round", "value": "rating", "by": "behaviour", "pool_tau2": False}
    alone = assess_trends(pd.concat(frames[:2]), **options).set_index("behaviour")
    more = assess_trends(pd.concat(frames), **options).set_index("behaviour")
    # the same bootstrap for the same series, whatever else is listed (before, the seeds came
    # from each series' position in the list, so adding "power" moved "trust"'s p-value)
    assert more.loc["trust", "p_value"] == alone.loc["trust", "p_value"]
    assert more.loc["vision", "p_value"] == alone.loc["vision", "p_value"]
