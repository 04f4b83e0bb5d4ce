"""Moves between levels: counts worked by hand, suppression that subtraction cannot undo,
the balance tests against scipy and statsmodels, and the alluvial chart."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.contingency_tables import SquareTable

from evalkit.config import load_framework
from evalkit.indicators.transitions import (
    LEVELS,
    rating_level,
    transition_balance,
    transition_matrix,
)

FRAMEWORK = load_framework("system-behaviours")  # largely absent <= 3, strongly present >= 8
BEHAVIOUR = "trusting_relationships"
NAN = float("nan")
# (how many people, rating in round 1, round 2, round 3); None = no row that round
HAND_PANEL = [
    (6, 2, 2, 5),  # absent -> absent -> between
    (2, 2, 5, 5),  # absent -> between -> between
    (1, 3, 8, 9),  # absent -> strong -> strong (3 and 8 sit exactly on the thresholds)
    (7, 5, 5, 9),  # between -> between -> strong
    (1, 7, 2, NAN),  # between -> absent, no answer in round 3
    (5, 4, 8, 8),  # between -> strong -> strong
    (5, 9, 9, None),  # strong -> strong, left after round 2
    (1, 10, 6, 6),  # strong -> between -> between
    (1, 5, None, None),  # round 1 only
    (1, None, 9, None),  # round 2 only
]
# Round 1 -> 2, rows = level in round 1, columns = level in round 2 (absent, between, strong):
#   absent  [6, 2, 1]  total 9
#   between [1, 7, 5]  total 13
#   strong  [0, 1, 5]  total 6      panel 28, up 2 + 1 + 5 = 8, down 1 + 0 + 1 = 2
# Round 2 -> 3 (only those rated in both):
#   absent  [0, 6, 0]  total 6
#   between [0, 3, 7]  total 10
#   strong  [0, 0, 6]  total 6      panel 22, up 6 + 7 = 13, down 0
STEP_1 = np.array([[6, 2, 1], [1, 7, 5], [0, 1, 5]])
STEP_2 = np.array([[0, 6, 0], [0, 3, 7], [0, 0, 6]])


def _ratings(panel, behaviour=BEHAVIOUR) -> pd.DataFrame:
    rows, person = [], 0
    for count, *by_round in panel:
        for _ in range(count):
            person += 1
            for round_number, rating in enumerate(by_round, start=1):
                if rating is not None:
                    rows.append(
                        {
                            "round": round_number,
                            "respondent": f"p{person:03d}",
                            "behaviour": behaviour,
                            "rating": rating,
                        }
                    )
    return pd.DataFrame(rows)


@pytest.fixture
def hand_ratings() -> pd.DataFrame:
    return _ratings(HAND_PANEL)


def _matrix(table: pd.DataFrame, round_from: int, column: str = "n") -> np.ndarray:
    step = table[table["round_from"] == round_from]
    return step[column].to_numpy(dtype=float).reshape(3, 3)


def test_levels_use_the_framework_thresholds_inclusively():
    levels = rating_level(pd.Series([1.0, 3.0, 3.5, 7.9, 8.0, 10.0]), FRAMEWORK)
    assert levels.tolist() == [LEVELS[0], LEVELS[0], LEVELS[1], LEVELS[1], LEVELS[2], LEVELS[2]]


def test_counts_match_the_hand_worked_panel(hand_ratings):
    table = transition_matrix(hand_ratings, FRAMEWORK, k_min=0)
    assert list(table.columns) == [
        "round_from",
        "round_to",
        "behaviour",
        "level_from",
        "level_to",
        "n",
        "n_from",
        "share",
        "suppressed",
    ]
    assert table[["round_from", "round_to"]].drop_duplicates().values.tolist() == [[1, 2], [2, 3]]
    np.testing.assert_array_equal(_matrix(table, 1), STEP_1)
    np.testing.assert_array_equal(_matrix(table, 2), STEP_2)
    np.testing.assert_array_equal(_matrix(table, 1, "n_from")[:, 0], [9, 13, 6])
    np.testing.assert_allclose(_matrix(table, 1, "share")[1], [1 / 13, 7 / 13, 5 / 13])
    assert table["level_from"].tolist()[:3] == [LEVELS[0]] * 3
    assert table["level_to"].tolist()[:3] == list(LEVELS)
    assert not table["suppressed"].any()


def test_small_cells_are_suppressed_with_a_second_cell_where_one_would_be_recoverable(
    hand_ratings,
):
    table = transition_matrix(hand_ratings, FRAMEWORK, k_min=5)
    # Step 1. absent [6, 2, 1]: 2 and 1 hidden (two cells, sum 3: not recoverable).
    # between [1, 7, 5]: only the 1 is small, so the smaller shown cell (5) goes too.
    # strong [0, 1, 5]: 0 and 1 hidden (sum 1 shared by two cells).
    expected = np.array([[6, NAN, NAN], [NAN, 7, NAN], [NAN, NAN, 5]])
    np.testing.assert_array_equal(_matrix(table, 1), expected)
    np.testing.assert_array_equal(_matrix(table, 1, "n_from")[:, 0], [9, 13, 6])
    # Step 2. absent [0, 6, 0]: the hidden zeros would be known to be 0 from the total, so the
    # 6 is hidden too; likewise strong [0, 0, 6]; between [0, 3, 7] keeps the 7.
    expected = np.array([[NAN] * 3, [NAN, NAN, 7], [NAN] * 3])
    np.testing.assert_array_equal(_matrix(table, 2), expected)
    assert table.attrs["k_min"] == 5


def test_a_row_under_k_min_is_hidden_with_its_total(hand_ratings):
    table = transition_matrix(hand_ratings, FRAMEWORK, k_min=7)
    step = table[table["round_from"] == 1]
    assert step["n_from"].isna().tolist() == [False] * 3 + [False] * 3 + [True] * 3
    assert step.loc[step["level_from"] == LEVELS[2], "suppressed"].all()


def test_rounds_missing_from_the_data_make_the_step_span_them(hand_ratings):
    table = transition_matrix(hand_ratings[hand_ratings["round"] != 2], FRAMEWORK, k_min=0)
    assert table[["round_from", "round_to"]].drop_duplicates().values.tolist() == [[1, 3]]


def test_places_and_behaviours_are_kept_apart(hand_ratings):
    other = _ratings(HAND_PANEL, behaviour="power_shared")
    both = pd.concat([hand_ratings, other])
    two_places = pd.concat([both.assign(place="north"), both.assign(place="south")])
    table = transition_matrix(two_places, FRAMEWORK, k_min=0)
    assert table.columns[0] == "place"
    assert len(table) == 2 * 2 * 2 * 9  # places x steps x behaviours x cells
    first_step = table[(table["place"] == "north") & (table["round_from"] == 1)]
    assert first_step["behaviour"].unique().tolist() == [BEHAVIOUR, "power_shared"]  # framework
    one = transition_matrix(two_places, FRAMEWORK, k_min=0, behaviour="power_shared")
    np.testing.assert_array_equal(_matrix(one[one["place"] == "south"], 1), STEP_1)
    with pytest.raises(ValueError, match="not behaviours"):
        transition_matrix(two_places, FRAMEWORK, behaviour="trust")


def test_balance_matches_the_hand_counts_and_scipy_and_statsmodels(hand_ratings):
    balance = transition_balance(hand_ratings, FRAMEWORK, k_min=0)
    first, second = balance.iloc[0], balance.iloc[1]
    assert (first["n_panel"], first["n_up"], first["n_down"], first["n_same"]) == (28, 8, 2, 18)
    assert (second["n_panel"], second["n_up"], second["n_down"]) == (22, 13, 0)
    # sign test: P(X >= 8 or X <= 2), X ~ Bin(10, 1/2) = 2 (1 + 10 + 45) / 1024
    assert first["p_value"] == pytest.approx(112 / 1024)
    assert first["p_value"] == pytest.approx(stats.binomtest(8, 10, 0.5).pvalue)
    assert second["p_value"] == pytest.approx(2 * 0.5**13)
    # Bowker by hand: (2-1)^2/3 + (1-0)^2/1 + (5-1)^2/6 = 1/3 + 1 + 8/3 = 4 on 3 df
    assert first["bowker_statistic"] == pytest.approx(4.0)
    reference = SquareTable(STEP_1, shift_zeros=False).symmetry()
    assert first["bowker_p"] == pytest.approx(reference.pvalue)
    assert first["bowker_p"] == pytest.approx(stats.chi2.sf(4.0, 3))
    assert first["bowker_df"] == 3
    # Benjamini-Hochberg within a step: one behaviour per step, so unchanged
    assert balance["p_adjusted"].tolist() == pytest.approx(balance["p_value"].tolist())
    assert balance["lopsided"].tolist() == [False, True]
    assert balance["direction"].tolist() == ["up", "up"]
    assert not balance["counts_hidden"].any()


def test_balance_hides_counts_that_would_undo_the_matrix_suppression(hand_ratings):
    balance = transition_balance(hand_ratings, FRAMEWORK, k_min=5)
    # Step 1 with k_min = 5: shown cells 6, 7, 5 and totals 9, 13, 6. n_down = 2 covers the
    # hidden cells between->absent (1), strong->absent (0) and strong->between (1); the strong
    # row's hidden cells add to 6 - 5 = 1, so between->absent = 2 - 1 = 1 would be revealed.
    first = balance.iloc[0]
    assert bool(first["counts_hidden"])
    assert np.isnan(first["n_up"]) and np.isnan(first["n_down"])
    assert first["p_value"] == pytest.approx(112 / 1024)  # the test result is still shown
    assert first["n_panel"] == 28


def test_balance_is_suppressed_for_a_panel_under_k_min(hand_ratings):
    balance = transition_balance(hand_ratings, FRAMEWORK, k_min=25)
    assert balance["suppressed"].tolist() == [False, True]
    assert balance.iloc[1][["n_panel", "p_value", "bowker_p"]].isna().all()
    assert pd.isna(balance.iloc[1]["lopsided"])


# --- suppression cannot be undone by subtraction (property tests) ---------------------------

LEVEL_RATING = {0: 2.0, 1: 5.0, 2: 9.0}


def _ratings_from_counts(counts: np.ndarray) -> pd.DataFrame:
    panel = [
        (int(counts[i, j]), LEVEL_RATING[i], LEVEL_RATING[j])
        for i, j in itertools.product(range(3), range(3))
    ]
    return _ratings(panel)


def _compositions(total: int, parts: int):
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


counts_3x3 = st.lists(st.integers(0, 7), min_size=9, max_size=9).map(
    lambda v: np.array(v).reshape(3, 3)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=counts_3x3, k_min=st.integers(1, 6))
def test_no_shown_cell_is_small_and_no_suppressed_cell_is_recoverable(counts, k_min):
    if counts.sum() == 0:
        return
    table = transition_matrix(_ratings_from_counts(counts), FRAMEWORK, k_min=k_min)
    shown_n = table["n"].to_numpy().reshape(3, 3)
    hidden = table["suppressed"].to_numpy().reshape(3, 3)
    totals = table["n_from"].to_numpy().reshape(3, 3)[:, 0]
    assert np.all(shown_n[~hidden] >= k_min)
    np.testing.assert_array_equal(shown_n[~hidden], counts[~hidden])
    assert np.all(np.isnan(shown_n[hidden]))
    for i in range(3):
        if np.isnan(totals[i]):
            assert counts[i].sum() < k_min and hidden[i].all()
            continue
        assert totals[i] == counts[i].sum() >= k_min
        remainder = int(totals[i] - counts[i][~hidden[i]].sum())
        cells = np.flatnonzero(hidden[i])
        # every way of filling the suppressed cells that agrees with the shown row total
        fillings = list(_compositions(remainder, len(cells)))
        for position in range(len(cells)):
            assert len({filling[position] for filling in fillings}) >= 2


def _row_fillings(counts, hidden, row_shown, i, k_min):
    """Every completion of row i consistent with what the matrix publishes about it."""
    cells = np.flatnonzero(hidden[i])
    if row_shown[i]:
        remainder = int(counts[i].sum() - counts[i][~hidden[i]].sum())
        totals = [remainder]
    else:
        totals = range(k_min)  # a hidden row holds fewer than k_min people
    for total in totals:
        for filling in _compositions(total, len(cells)):
            row = counts[i].copy()
            row[cells] = filling
            yield row


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=counts_3x3, k_min=st.integers(2, 5))
def test_shown_balance_counts_do_not_reveal_a_small_suppressed_cell(counts, k_min):
    if counts.sum() < k_min:
        return
    ratings = _ratings_from_counts(counts)
    table = transition_matrix(ratings, FRAMEWORK, k_min=k_min)
    balance = transition_balance(ratings, FRAMEWORK, k_min=k_min).iloc[0]
    hidden = table["suppressed"].to_numpy().reshape(3, 3)
    row_shown = table["n_from"].notna().to_numpy().reshape(3, 3)[:, 0]
    n_up, n_down = np.triu(counts, 1).sum(), np.tril(counts, -1).sum()
    if bool(balance["counts_hidden"]):
        return
    assert (balance["n_up"], balance["n_down"]) == (n_up, n_down)
    fillings = [list(_row_fillings(counts, hidden, row_shown, i, k_min)) for i in range(3)]
    seen_without, seen_with = {}, {}
    for rows in itertools.product(*fillings):
        full = np.array(rows)
        if full.sum() != counts.sum():
            continue
        for cell in zip(*np.nonzero(hidden), strict=True):
            seen_without.setdefault(cell, set()).add(full[cell])
            if np.triu(full, 1).sum() == n_up and np.tril(full, -1).sum() == n_down:
                seen_with.setdefault(cell, set()).add(full[cell])
    for cell, values in seen_with.items():
        if 0 < counts[cell] < k_min and len(values) == 1:
            assert len(seen_without[cell]) == 1, f"cell {cell} revealed only by the counts"


# --- the alluvial chart ------------------------------------------------------------------


def test_alluvial_draws_one_patch_per_block_and_move_with_direct_labels(hand_ratings):
    from matplotlib.patches import Polygon, Rectangle

    from evalkit.plots.transitions import plot_alluvial

    table = transition_matrix(hand_ratings, FRAMEWORK, k_min=5)
    ax = plot_alluvial(table, FRAMEWORK, behaviour=BEHAVIOUR)
    shown_moves = table[~table["suppressed"] & (table["n"] > 0)]
    rows = table.drop_duplicates(["round_from", "level_from"])
    leaving = rows["n_from"].notna().sum()
    remainders = (rows.set_index(["round_from", "level_from"])["n_from"]).sub(
        shown_moves.groupby(["round_from", "level_from"])["n"].sum(), fill_value=0
    )
    hatched = int((remainders.dropna() > 0).sum())
    arriving = len(shown_moves.drop_duplicates(["round_from", "level_to"]))
    rectangles = [p for p in ax.patches if isinstance(p, Rectangle)]
    ribbons = [p for p in ax.patches if isinstance(p, Polygon)]
    assert len(ribbons) == len(shown_moves) == 4  # 6, 7, 5 in step 1; 7 in step 2
    assert len(rectangles) == leaving + hatched + arriving == 6 + 6 + 4
    assert sum(p.get_hatch() == "////" for p in rectangles) == hatched
    texts = [t.get_text() for t in ax.texts]
    assert "Largely absent (3 or less)\n9 people" in texts
    assert "In between\n13 people" in texts
    assert "Strongly present (8 or more)\n7 shown" in texts
    assert any("fewer than 5 people" in t for t in texts)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == [
        "Largely absent (3 or less)",
        "In between",
        "Strongly present (8 or more)",
    ]
    assert "Moves not shown" in legend
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Round 1", "Round 2", "Round 3"]
    assert ax.get_title(loc="left").startswith("Trusting relationships:")


def test_alluvial_rejects_an_unknown_behaviour(hand_ratings):
    from evalkit.plots.transitions import plot_alluvial

    table = transition_matrix(hand_ratings, FRAMEWORK, k_min=5)
    with pytest.raises(ValueError, match="no transitions"):
        plot_alluvial(table, FRAMEWORK, behaviour="power_shared")
