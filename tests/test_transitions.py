"""Moves between levels: counts worked by hand, suppression that subtraction cannot undo,
the balance tests against scipy and statsmodels, and the alluvial chart."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
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


def test_small_cells_are_hidden_with_others_until_they_hold_k_min_people(hand_ratings):
    table = transition_matrix(hand_ratings, FRAMEWORK, k_min=5)
    # Step 1. absent [6, 2, 1]: 2 and 1 hold 3 people, fewer than 5, so the 6 goes too.
    # between [1, 7, 5]: the 1 and the smaller shown cell (5) hold 6 together.
    # strong [0, 1, 5]: 0 and 1 hold 1 person: the 5 goes too.
    expected = np.array([[NAN] * 3, [NAN, 7, NAN], [NAN] * 3])
    np.testing.assert_array_equal(_matrix(table, 1), expected)
    np.testing.assert_array_equal(_matrix(table, 1, "n_from")[:, 0], [9, 13, 6])
    # Step 2. absent [0, 6, 0] and strong [0, 0, 6]: hidden zeros hold nobody, so the 6 goes
    # too; between [0, 3, 7]: 0 and 3 hold 3 people, so the 7 goes too.
    np.testing.assert_array_equal(_matrix(table, 2), np.full((3, 3), NAN))
    np.testing.assert_array_equal(_matrix(table, 2, "n_from")[:, 0], [6, 10, 6])
    assert table.attrs["k_min"] == 5
    # with k_min 2: absent [6, 2, 1] hides the 1 and the 2 (3 people), between [1, 7, 5] the 1
    # and the 5, strong [0, 1, 5] all; step 2 between [0, 3, 7] hides the 0 and the 3
    table = transition_matrix(hand_ratings, FRAMEWORK, k_min=2)
    expected = np.array([[6, NAN, NAN], [NAN, 7, NAN], [NAN] * 3])
    np.testing.assert_array_equal(_matrix(table, 1), expected)
    np.testing.assert_array_equal(_matrix(table, 2), [[NAN] * 3, [NAN, NAN, 7], [NAN] * 3])


def test_hidden_cells_beside_a_shown_total_never_pin_down_a_few_people():
    """The defect of issue 11: a row [6, 0, 2] showed the 6 and the total 8, hiding 0 and 2,
    so a reader knew that exactly 2 people moved from that level."""
    counts = np.array([[6, 0, 2], [0, 20, 0], [0, 0, 20]])
    table = transition_matrix(_ratings_from_counts(counts), FRAMEWORK, k_min=5)
    first = table[table["level_from"] == LEVELS[0]]
    assert first["suppressed"].all()
    assert first["n_from"].tolist() == [8.0] * 3


def test_a_row_under_k_min_is_hidden_with_its_total_and_the_next_smallest(hand_ratings):
    table = transition_matrix(hand_ratings, FRAMEWORK, k_min=7)
    step = table[table["round_from"] == 1]
    # totals 9, 13, 6 beside the panel of 28: the 6 alone would be 28 - 9 - 13
    assert step["n_from"].isna().tolist() == [True] * 3 + [False] * 3 + [True] * 3
    assert step.loc[step["level_from"] != LEVELS[1], "suppressed"].all()


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
    balance = transition_balance(hand_ratings, FRAMEWORK, k_min=2)
    # Step 1 with k_min = 2: shown cells 6 (absent->absent) and 7 (between->between), totals
    # 9, 13 and 6. n_up = 8 = absent->between + absent->strong (9 - 6 = 3) + between->strong,
    # so between->strong = 5 and between->absent = 13 - 7 - 5 = 1: one person, revealed.
    first = balance.iloc[0]
    assert bool(first["counts_hidden"])
    assert first[["n_up", "n_down", "n_same", "p_value", "p_adjusted", "bowker_p"]].isna().all()
    assert first["n_panel"] == 28
    assert (bool(first["lopsided"]), first["direction"]) == (False, "up")
    # With k_min 5 the 2 who moved down are all in hidden cells: the counts would say that
    # exactly 2 of the hidden people fell.
    first = transition_balance(hand_ratings, FRAMEWORK, k_min=5).iloc[0]
    assert bool(first["counts_hidden"]) and np.isnan(first["n_down"])


def test_balance_shows_counts_that_tell_nothing_new():
    # absent [20, 3, 4]: 3 and 4 hidden (7 together); n_up = 3 + 4 + 6 only repeats the row
    counts = np.array([[20, 3, 4], [6, 20, 6], [6, 6, 20]])
    ratings = _ratings_from_counts(counts)
    assert transition_matrix(ratings, FRAMEWORK, k_min=5)["suppressed"].sum() == 2
    row = transition_balance(ratings, FRAMEWORK, k_min=5).iloc[0]
    assert not bool(row["counts_hidden"])
    assert (row["n_up"], row["n_down"], row["n_same"]) == (13, 18, 60)
    assert row["p_value"] == pytest.approx(stats.binomtest(13, 31, 0.5).pvalue)


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
def test_no_shown_cell_is_small_and_no_hidden_cells_can_be_worked_out(counts, k_min):
    if counts.sum() == 0:
        return
    table = transition_matrix(_ratings_from_counts(counts), FRAMEWORK, k_min=k_min)
    shown_n = table["n"].to_numpy().reshape(3, 3)
    hidden = table["suppressed"].to_numpy().reshape(3, 3)
    totals = table["n_from"].to_numpy().reshape(3, 3)[:, 0]
    assert np.all(shown_n[~hidden] >= k_min)
    np.testing.assert_array_equal(shown_n[~hidden], counts[~hidden])
    assert np.all(np.isnan(shown_n[hidden]))
    # the row totals are groups beside the panel: hidden rows hold k_min people together
    hidden_rows = [i for i in range(3) if np.isnan(totals[i]) and counts[i].sum() > 0]
    if hidden_rows and counts.sum() >= k_min:
        assert len(hidden_rows) >= 2 and counts[hidden_rows].sum() >= k_min
    for i in range(3):
        if np.isnan(totals[i]):
            assert hidden[i].all()
            continue
        assert totals[i] == counts[i].sum() >= k_min
        if not hidden[i].any():
            continue
        remainder = int(totals[i] - counts[i][~hidden[i]].sum())
        cells = np.flatnonzero(hidden[i])
        # at least k_min people in the hidden cells, which could be spread in several ways
        assert len(cells) >= 2 and remainder >= k_min
        fillings = list(_compositions(remainder, len(cells)))
        for position in range(len(cells)):
            assert len({filling[position] for filling in fillings}) >= 2


def _blocks(counts, hidden, row_shown) -> list[tuple[list, int]]:
    """The hidden cells a reader knows the sum of: each shown row's, and the hidden rows'."""
    blocks = []
    for i in np.flatnonzero(row_shown):
        cells = [(i, j) for j in np.flatnonzero(hidden[i])]
        blocks.append((cells, int(counts[i][hidden[i]].sum())))
    rows = np.flatnonzero(~row_shown)
    if len(rows):
        blocks.append(([(i, j) for i in rows for j in range(3)], int(counts[rows].sum())))
    return [(cells, total) for cells, total in blocks if cells]


def _tables_a_reader_cannot_tell_apart(counts, blocks):
    """Every table with the same shown cells, shown row totals and panel size."""
    for fillings in itertools.product(*(_compositions(t, len(c)) for c, t in blocks)):
        table = counts.copy()
        for (cells, _), filling in zip(blocks, fillings, strict=True):
            for cell, value in zip(cells, filling, strict=True):
                table[cell] = value
        yield table


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(counts=counts_3x3, k_min=st.integers(2, 5))
def test_shown_balance_counts_pin_down_no_few_people(counts, k_min):
    if counts.sum() < k_min:
        return
    ratings = _ratings_from_counts(counts)
    table = transition_matrix(ratings, FRAMEWORK, k_min=k_min)
    balance = transition_balance(ratings, FRAMEWORK, k_min=k_min).iloc[0]
    hidden = table["suppressed"].to_numpy().reshape(3, 3)
    row_shown = table["n_from"].notna().to_numpy().reshape(3, 3)[:, 0]
    blocks = _blocks(counts, hidden, row_shown)
    size = np.prod([math.comb(t + len(c) - 1, len(c) - 1) for c, t in blocks])
    assume(size <= 20_000)
    if bool(balance["counts_hidden"]):
        return
    up, down = np.triu(np.ones((3, 3), bool), 1), np.tril(np.ones((3, 3), bool), -1)
    assert (balance["n_up"], balance["n_down"]) == (counts[up].sum(), counts[down].sum())
    # the hidden people of each direction are none, or at least k_min
    for direction in (up, down, np.eye(3, dtype=bool)):
        assert counts[direction & hidden].sum() == 0 or counts[direction & hidden].sum() >= k_min
    # every table the reader cannot tell apart that has the same counts
    seen = {}
    for full in _tables_a_reader_cannot_tell_apart(counts, blocks):
        if full[up].sum() == balance["n_up"] and full[down].sum() == balance["n_down"]:
            for cell in zip(*np.nonzero(hidden), strict=True):
                seen.setdefault(cell, set()).add(full[cell])
    for cell, values in seen.items():
        if 0 < counts[cell] < k_min:
            assert len(values) >= 2, f"cell {cell} pinned to {counts[cell]} by the counts"


# --- the alluvial chart ------------------------------------------------------------------


def test_alluvial_draws_one_patch_per_block_and_move_with_direct_labels(hand_ratings):
    from matplotlib.patches import Polygon, Rectangle

    from evalkit.plots.transitions import plot_alluvial

    table = transition_matrix(hand_ratings, FRAMEWORK, k_min=2)
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
    assert len(ribbons) == len(shown_moves) == 3  # 6 and 7 in step 1; 7 in step 2
    assert len(rectangles) == leaving + hatched + arriving == 6 + 6 + 3
    assert sum(p.get_hatch() == "////" for p in rectangles) == hatched
    texts = [t.get_text() for t in ax.texts]  # each block's count, where the block is wide enough
    assert {"9", "13", "7"} <= set(texts)
    assert "fewer than 2 people" in ax.get_xlabel().replace("\n", " ")
    legend = [t.get_text().replace("\n", " ") for t in ax.figure.legends[0].get_texts()]
    assert legend[:3] == [
        "Largely absent (3 or less)",
        "In between",
        "Strongly present (8 or more)",
    ]
    assert "Moves not shown" in legend
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Round 1", "Round 2", "Round 3"]
    assert ax.figure.get_suptitle().startswith("Trusting relationships:")


def test_alluvial_rejects_an_unknown_behaviour(hand_ratings):
    from evalkit.plots.transitions import plot_alluvial

    table = transition_matrix(hand_ratings, FRAMEWORK, k_min=5)
    with pytest.raises(ValueError, match="no transitions"):
        plot_alluvial(table, FRAMEWORK, behaviour="power_shared")
