"""Data-quality indicators on hand-made frames, and the k_min rule across every new indicator."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import small_framework
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.indicators.gaps import voice_gaps
from evalkit.indicators.quality import item_missingness, response_counts, straight_lining
from evalkit.indicators.reliability import item_rest, reliability
from evalkit.indicators.round_change import change_since_last_round

BEHAVIOURS = ["a", "b", "c", "d", "e"]
FRAMEWORK = small_framework({"head": ["a", "b", "c"], "heart": ["d", "e"]})


def people(round_number, sectors: dict, roles: dict | None = None, behaviours=("a", "b")):
    """Rows for respondents {id: sector} answering ``behaviours`` with 5s."""
    roles = roles or {}
    return pd.DataFrame(
        [
            {
                "round": round_number,
                "respondent": person,
                "sector": sector,
                "role": roles.get(person, "frontline"),
                "behaviour": behaviour,
                "rating": 5.0,
            }
            for person, sector in sectors.items()
            for behaviour in behaviours
        ]
    )


def test_response_counts_with_invitations_by_hand():
    # round 1: public a-f (f a manager), voluntary g-k; round 2: public a-e, voluntary g-l
    first = people(
        1,
        {**dict.fromkeys("abcdef", "public"), **dict.fromkeys("ghijk", "voluntary")},
        roles={"f": "manager"},
    )
    second = people(2, {**dict.fromkeys("abcde", "public"), **dict.fromkeys("ghijkl", "voluntary")})
    invited = {
        "sector": {"public": 12, "voluntary": 10},
        "role": {"frontline": 20},
        2: {"sector": {"public": 8}},  # round 2 invited fewer public-sector people
    }
    table = response_counts(pd.concat([first, second]), SimpleNamespace(invited=invited))
    got = table.set_index(["round", "group"])
    expected = {
        (1, "public"): (6, 12, 6 / 12),
        (1, "voluntary"): (5, 10, 5 / 10),
        (2, "public"): (5, 8, 5 / 8),
        (2, "voluntary"): (6, 10, 6 / 10),
        (2, "frontline"): (11, 20, 11 / 20),
    }
    for key, values in expected.items():
        assert tuple(got.loc[key, ["respondents", "invited", "response_rate"]]) == values
    manager = got.loc[(1, "manager")]
    assert manager["suppressed"] and manager[["respondents", "invited"]].isna().all()
    frontline = got.loc[(1, "frontline")]  # hidden too: 11 - 10 would give the manager away
    assert frontline["suppressed"] and frontline[["respondents", "invited"]].isna().all()
    no_invitations = response_counts(first)
    assert no_invitations["response_rate"].isna().all()
    assert no_invitations.query("group == 'public'")["respondents"].item() == 6


def test_response_counts_gives_invitations_only_to_the_named_place():
    both = pd.concat([people(1, dict.fromkeys("abcde", "public")).assign(place=p) for p in "xy"])
    table = response_counts(both, SimpleNamespace(id="x", invited={"sector": {"public": 10}}))
    rates = table.query("group_by == 'sector'").set_index("place")["response_rate"]
    assert rates["x"] == 0.5 and np.isnan(rates["y"])
    with pytest.raises(ValueError, match="invited"):
        response_counts(both, {"sectors": {"public": 10}})


def test_item_missingness_by_hand():
    # round 1: six people; b has one blank (r1) and one person with no row (r5); round 2: three
    first = people(1, dict.fromkeys([f"r{i}" for i in range(6)], "public"))
    first.loc[(first["respondent"] == "r1") & (first["behaviour"] == "b"), "rating"] = np.nan
    first.loc[(first["respondent"] == "r2") & (first["behaviour"] == "a"), "rating"] = np.nan
    first = first[~((first["respondent"] == "r5") & (first["behaviour"] == "b"))]
    second = people(2, dict.fromkeys(["r0", "r1", "r2"], "public"))
    table = item_missingness(pd.concat([first, second]), k_min=5).set_index(["round", "behaviour"])
    assert tuple(table.loc[(1, "a"), ["n_respondents", "n_missing", "share_missing"]]) == (
        6,
        1,
        1 / 6,
    )
    assert tuple(table.loc[(1, "b"), ["n_respondents", "n_missing", "share_missing"]]) == (
        6,
        2,
        2 / 6,
    )
    assert table.loc[2, "suppressed"].all() and table.loc[2, "share_missing"].isna().all()


def test_straight_lining_by_hand():
    # round 1, five behaviours: p1 all 5s, p2 all 7s, p6 all 6s -> straight; p3 all 3s but one
    # blank (four answers, too few); p4 and p5 vary -> 3 of 6 = 0.5. Round 2 has four people.
    answers = {
        "p1": [5, 5, 5, 5, 5],
        "p2": [7, 7, 7, 7, 7],
        "p3": [3, 3, 3, 3, np.nan],
        "p4": [1, 2, 3, 4, 5],
        "p5": [5, 5, 5, 5, 6],
        "p6": [6, 6, 6, 6, 6],
    }
    rows = [
        {"round": 1, "respondent": p, "behaviour": b, "rating": float(x)}
        for p, xs in answers.items()
        for b, x in zip(BEHAVIOURS, xs, strict=True)
    ]
    rows += [{"round": 2, "respondent": f"q{i}", "behaviour": "a", "rating": 5.0} for i in range(4)]
    table = straight_lining(pd.DataFrame(rows), k_min=5).set_index("round")
    assert tuple(table.loc[1, ["n_respondents", "n_straight", "share_straight"]]) == (6, 3, 0.5)
    assert table.loc[2, "suppressed"] and table.loc[2, ["n_straight"]].isna().all()
    assert straight_lining(pd.DataFrame(rows), min_items=4).loc[0, "n_straight"] == 4


def random_ratings(sizes, seed) -> pd.DataFrame:
    """Two rounds; sector s has sizes[s] = (n1, n2) people, the first min(n1, n2) in both."""
    rng = np.random.default_rng(seed)
    rows = []
    for s, pair in enumerate(sizes):
        for round_number, size in enumerate(pair, start=1):
            for i in range(size):
                role = rng.choice(["frontline", "manager"])
                for behaviour in BEHAVIOURS:
                    rating = np.nan if rng.random() < 0.1 else float(rng.integers(1, 11))
                    rows.append((round_number, f"s{s}p{i}", f"s{s}", role, behaviour, rating))
    columns = ["round", "respondent", "sector", "role", "behaviour", "rating"]
    return pd.DataFrame(rows, columns=columns).assign(organisation=lambda d: d["sector"])


def check_hidden(table, small, statistics, flag="suppressed"):
    """Rows of small groups are flagged; flagged rows carry no statistic."""
    small = np.asarray(small, dtype=bool)
    assert table.loc[small, flag].all()
    assert table.loc[table[flag], statistics].isna().all().all()


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.tuples(st.integers(1, 12), st.integers(1, 12)), min_size=1, max_size=4),
    k_min=st.integers(min_value=1, max_value=10),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_no_row_under_k_min_carries_a_statistic(sizes, k_min, seed):
    df = random_ratings(sizes, seed)
    size = df.groupby(["round", "sector"])["respondent"].nunique()
    role_size = df.groupby(["round", "role"])["respondent"].nunique()
    round_size = df.groupby("round")["respondent"].nunique()

    def sector_small(table, group="group", round_column="round"):
        keys = zip(table[round_column], table[group], strict=True)
        return [size.get(key, 0) < k_min for key in keys]

    table = reliability(df, FRAMEWORK, group_by="sector", k_min=k_min)
    check_hidden(table, sector_small(table), ["n", "n_items", "alpha", "low_alpha"])
    table = item_rest(df, FRAMEWORK, group_by="sector", k_min=k_min)
    check_hidden(table, sector_small(table), ["n", "item_rest"])

    table = voice_gaps(df, group_by="sector", k_min=k_min)
    small = np.logical_or(sector_small(table, "group_a"), sector_small(table, "group_b"))
    check_hidden(
        table,
        small,
        ["n_a", "n_b", "mean_a", "mean_b", "gap", "t", "df", "ci_low", "ci_high", "p_value"],
    )

    table = change_since_last_round(df, FRAMEWORK, group_by="sector", k_min=k_min)
    small = np.logical_or(sector_small(table), sector_small(table, round_column="previous_round"))
    everyone = ["n_before", "n_after", "cliffs_delta", "mannwhitney_p", "p_adjusted", "clear"]
    check_hidden(table, small, everyone)
    panel_size = {f"s{s}": min(pair) for s, pair in enumerate(sizes)}
    small_panel = small | (table["group"].map(panel_size) < k_min).to_numpy()
    panel = [
        "n_panel",
        "mean_change",
        "ci_low",
        "ci_high",
        "r_xx",
        "share_improved",
        "share_declined",
        "share_stable",
    ]
    check_hidden(table, small_panel, panel, flag="suppressed_panel")

    table = response_counts(df, {"sector": {"s0": 12}}, k_min=k_min)
    sizes_by = {"sector": size, "role": role_size}
    small = [
        (round_size.get(r, 0) if by == "all" else sizes_by[by].get((r, g), 0)) < k_min
        for r, by, g in zip(table["round"], table["group_by"], table["group"], strict=True)
    ]
    check_hidden(table, small, ["respondents", "invited", "response_rate"])

    for table, statistics in [
        (item_missingness(df, k_min=k_min), ["n_respondents", "n_missing", "share_missing"]),
        (straight_lining(df, k_min=k_min), ["n_respondents", "n_straight", "share_straight"]),
    ]:
        check_hidden(table, (table["round"].map(round_size) < k_min).to_numpy(), statistics)
