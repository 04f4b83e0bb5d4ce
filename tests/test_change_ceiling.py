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
