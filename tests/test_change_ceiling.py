"""The ceiling check: a bend that is only the scale running out, against a real tipping point."""

import numpy as np
import pandas as pd
import pytest

from evalkit.change import assess_trend, ceiling_check, near_bound


def _ratings(latent_means, seed, n=200, sd=1.5):
    rng = np.random.default_rng(seed)
    t = np.repeat(np.arange(1, len(latent_means) + 1), n)
    latent = np.repeat(latent_means, n) + rng.normal(0, sd, t.size)
    return pd.DataFrame({"round": t, "rating": np.clip(np.rint(latent), 1, 10)})


def _check(df):
    found = assess_trend(df, time="round", value="rating", n_boot=99, max_boot=99)
    return found, ceiling_check(df, found.predict, time="round", value="rating")


def test_a_steady_rise_into_the_ceiling_is_put_down_to_the_ceiling():
    # latent means rise 0.6 a round from 6.5 to 10.7: the observed means flatten near 10
    latent = 6.5 + 0.6 * np.arange(8)
    bent, explained = 0, 0
    for seed in range(6):
        found, check = _check(_ratings(latent, seed))
        if found.nonlinear:
            bent += 1
            explained += check.explained_by_bound
    assert bent >= 4, "the ceiling should make the means look non-linear"
    assert explained >= bent - 1


def test_a_real_tipping_point_in_the_middle_of_the_scale_is_kept():
    t = np.arange(1, 9)
    latent = 4 + 2 / (1 + np.exp(-(t - 4.5) / 0.5))
    kept = 0
    for seed in range(6):
        found, check = _check(_ratings(latent, seed))
        assert found.nonlinear
        kept += not check.explained_by_bound
    assert kept >= 5


@pytest.mark.parametrize(
    ("means", "expected"), [([5.0, 6.0, 8.6], True), ([2.4, 4.0], True), ([4.0, 7.0], False)]
)
def test_near_bound(means, expected):
    assert near_bound(means, 1, 10) is expected


def test_a_bend_explained_by_the_ceiling_takes_the_shape_its_slope_supports():
    from evalkit.change import assess_trends
    from evalkit.config import load_framework
    from evalkit.reports.assessments import _bound_check

    rising = _ratings(6.5 + 0.6 * np.arange(8), seed=0).assign(behaviour="vision")
    tipping = _ratings(4 + 2 / (1 + np.exp(-(np.arange(1, 9) - 4.5) / 0.5)), seed=0)
    ratings = pd.concat([rising, tipping.assign(behaviour="trust")], ignore_index=True)
    ratings = ratings.assign(group_by="all", group="all", label=ratings["behaviour"])
    found = assess_trends(
        ratings, time="round", value="rating", by=["behaviour", "group_by", "group", "label"]
    )
    assert found["nonlinear"].all(), "both look non-linear in the means"
    levels = ratings.groupby(["behaviour", "group_by", "group", "round"], as_index=False)[
        "rating"
    ].mean()
    levels = levels.rename(columns={"rating": "mean"})
    fw = load_framework("system-behaviours")
    checked = {
        row["behaviour"]: row.to_dict() | _bound_check(row["assessment"], row, ratings, levels, fw)
        for _, row in found.iterrows()
    }
    vision, trust = checked["vision"], checked["trust"]
    assert not vision["nonlinear"] and vision["bound_p"] > 0.05
    assert "the scale running out, not a turning point" in vision["sentence"]
    # before, the shape stayed "s_curve" (a "Tipping point" in every table) beside that sentence
    assert vision["shape"] == "linear" and vision["breakpoints"] == []
    assert vision["slope_before"] == pytest.approx(0.45, abs=0.15)  # the means' steady rise
    assert trust["nonlinear"] and "bound_p" not in trust and trust["shape"] != "linear"
