"""Cronbach's alpha and item-rest correlations, checked by hand and against numpy."""

import numpy as np
import pandas as pd
import pytest
from conftest import small_framework

from evalkit.indicators.reliability import item_rest, reliability

HEAD, HEART = ["a", "b", "c"], ["d", "e"]
FRAMEWORK = small_framework({"head": HEAD, "heart": HEART})


def tidy(scores, items, round_number=1, sectors=None) -> pd.DataFrame:
    """Respondent x item scores as a tidy ratings frame."""
    wide = pd.DataFrame(np.asarray(scores, dtype=float), columns=items)
    wide["respondent"] = [f"r{i:03d}" for i in range(len(wide))]
    wide["sector"] = sectors if sectors is not None else "public"
    long = wide.melt(id_vars=["respondent", "sector"], var_name="behaviour", value_name="rating")
    return long.assign(round=round_number)


def synthetic(rng, n, loading) -> np.ndarray:
    """Ratings of the five items: a shared latent factor (times ``loading``) plus noise."""
    latent = rng.normal(size=(n, 1))
    return np.clip(np.round(5.5 + loading * latent + rng.normal(size=(n, 5))), 1, 10)


def numpy_alpha(matrix: np.ndarray) -> float:
    """alpha = k / (k - 1) * (1 - trace(C) / sum(C)), C the items' covariance matrix."""
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    cov = np.cov(complete, rowvar=False)
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def test_alpha_and_item_rest_by_hand():
    # items a, b, c for four people: (2,3,4), (4,4,5), (3,5,6), (5,6,7)
    # item variances (ddof 1): a: mean 3.5, squares 2.25+0.25+0.25+2.25 = 5 -> 5/3; b and c alike
    # totals 9, 13, 14, 18: mean 13.5, squares 20.25+0.25+0.25+20.25 = 41 -> 41/3
    # alpha = 3/2 * (1 - 5 / (41/3)) = 3/2 * 26/41 = 39/41
    scores = [[2, 3, 4], [4, 4, 5], [3, 5, 6], [5, 6, 7]]
    df = tidy(scores, HEAD)
    row = reliability(df, FRAMEWORK, k_min=4).iloc[0]
    assert (row["framework_group"], row["n"], row["n_items"]) == ("head", 4, 3)
    assert row["alpha"] == pytest.approx(39 / 41)
    assert not row["low_alpha"] and not row["suppressed"]
    # item a against rest = b + c = 7, 9, 11, 13: deviations (-1.5, .5, -.5, 1.5) and
    # (-3, -1, 1, 3); cross-products 4.5 - .5 - .5 + 4.5 = 8; r = 8 / sqrt(5 * 20) = 0.8
    rest = item_rest(df, FRAMEWORK, k_min=4).set_index("behaviour")
    assert rest.loc["a", "item_rest"] == pytest.approx(0.8)
    assert rest.loc["b", "item_rest"] == pytest.approx(9 / np.sqrt(90))


@pytest.mark.parametrize("group_by", ["all", "sector"])
def test_alpha_and_item_rest_match_numpy(group_by):
    rng = np.random.default_rng(7)
    frames = []
    for round_number in (1, 2):
        scores = synthetic(rng, 150, loading=1.5)
        scores[rng.random(scores.shape) < 0.05] = np.nan
        sectors = rng.choice(["public", "voluntary"], size=150)
        frames.append(tidy(scores, HEAD + HEART, round_number, sectors))
    df = pd.concat(frames, ignore_index=True)
    alphas = reliability(df, FRAMEWORK, group_by=group_by)
    rests = item_rest(df, FRAMEWORK, group_by=group_by)
    assert len(alphas) == 2 * 2 * (1 if group_by == "all" else 2)
    for row in alphas.itertuples():
        items = HEAD if row.framework_group == "head" else HEART
        part = df[(df["round"] == row.round) & ((df["sector"] == row.group) | (row.group == "all"))]
        matrix = part.pivot(index="respondent", columns="behaviour", values="rating")[items]
        assert row.n == matrix.notna().all(axis=1).sum()
        assert row.alpha == pytest.approx(numpy_alpha(matrix.to_numpy()))
        complete = matrix.dropna().to_numpy()
        for j, item in enumerate(items):
            got = rests[
                (rests["round"] == row.round)
                & (rests["group"] == row.group)
                & (rests["behaviour"] == item)
            ]
            expected = np.corrcoef(complete[:, j], complete.sum(axis=1) - complete[:, j])[0, 1]
            assert got["item_rest"].item() == pytest.approx(expected)


def test_alpha_is_high_for_a_shared_factor_and_near_zero_for_noise():
    rng = np.random.default_rng(11)
    shared = tidy(synthetic(rng, 400, loading=2.0), HEAD + HEART)
    noise = tidy(synthetic(rng, 400, loading=0.0), HEAD + HEART)
    high = reliability(shared, FRAMEWORK).set_index("framework_group")
    low = reliability(noise, FRAMEWORK).set_index("framework_group")
    assert high.loc["head", "alpha"] > 0.8 and high.loc["heart", "alpha"] > 0.7
    assert low["alpha"].abs().max() < 0.2
    assert low["low_alpha"].all() and not high["low_alpha"].any()


def test_too_few_complete_cases_are_suppressed_and_input_is_untouched():
    scores = np.array([[2, 3, 4], [4, 4, 5], [3, 5, 6], [5, 6, 7], [6, 6, 6], [1, 2, 2]], float)
    scores[0, 1] = scores[1, 2] = np.nan  # six respondents, four complete cases
    df = tidy(scores, HEAD)
    before = df.copy()
    row = reliability(df, FRAMEWORK, k_min=5).iloc[0]
    assert row["suppressed"] and np.isnan(row["n"]) and np.isnan(row["alpha"])
    assert pd.isna(row["low_alpha"])
    assert item_rest(df, FRAMEWORK, k_min=5)["item_rest"].isna().all()
    assert reliability(df, FRAMEWORK, k_min=4).iloc[0]["n"] == 4
    pd.testing.assert_frame_equal(df, before)


def test_a_group_with_one_item_asked_has_no_alpha():
    rng = np.random.default_rng(3)
    df = tidy(synthetic(rng, 20, loading=1.0), HEAD + HEART)
    df = df[df["behaviour"] != "e"]
    table = reliability(df, FRAMEWORK).set_index("framework_group")
    assert table.loc["heart", "n_items"] == 1 and np.isnan(table.loc["heart", "alpha"])
    assert np.isnan(item_rest(df, FRAMEWORK).set_index("behaviour").loc["d", "item_rest"])
