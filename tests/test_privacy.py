"""Nobody exposed: no group under k_min can be seen or worked out by subtraction, no output holds
a respondent id, a contact detail or the key, and exports cannot run formulas."""

from __future__ import annotations

import base64
import csv
import io
import itertools
import json
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import NORTHBRIDGE_ORGANISATIONS
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evalkit import indicators
from evalkit.config import Place, load_framework, load_place
from evalkit.data import store
from evalkit.data.export import FORMULA_PREFIXES, neutralise, write_csv, write_xlsx
from evalkit.data.keys import KEY_FILE
from evalkit.indicators import LEVEL_COLUMNS
from evalkit.network import brokers, network_indicators, tie_churn
from evalkit.privacy import hidden_groups, mask_text

# --- subtraction-safe suppression ---------------------------------------------------------------


def _audit(
    sizes: dict[str, int], hidden: dict[str, bool], k_min: int, minimal: bool = True
) -> list[str]:
    """What a reader could work out of sibling groups shown beside their total.

    The reader knows the shown counts, the total (shown when it is at least ``k_min``) and that
    every group listed holds at least one person, so each hidden group holds from 1 to
    H - (h - 1), with H the hidden groups' total and h their number. ``minimal``: also check
    that no more is hidden than needed; without it (groups hidden for another reason too), a
    set whose hidden groups are all of ``k_min`` or more has nothing small to protect.
    """
    problems = [f"{g} ({n}) is shown" for g, n in sizes.items() if n < k_min and not hidden[g]]
    people = {g: n for g, n in sizes.items() if n > 0}
    concealed = {g: n for g, n in people.items() if hidden[g]}
    total = sum(people.values())
    if not concealed or total < k_min:  # nothing hidden, or the total is hidden too
        return problems
    if not minimal and min(concealed.values()) >= k_min:
        return problems
    h, count = sum(concealed.values()), len(concealed)
    if count < 2:
        problems.append(f"{list(concealed)} is the total minus the groups shown")
    if h < k_min:
        problems.append(f"{list(concealed)} hold {h} people together, fewer than {k_min}")
    if count < len(people) and h - (count - 1) <= 1:
        problems.append(f"{list(concealed)} can only hold one person each")
    complements = [n for n in concealed.values() if n >= k_min] if minimal else []
    shown = [n for g, n in people.items() if not hidden[g]]
    if complements and shown and max(complements) > min(shown):
        problems.append("a larger group is hidden while a smaller one is shown")
    if complements:  # hiding one group fewer would not have been enough
        last = max(complements)
        fewer, rest = count - 1, h - last
        if fewer >= 2 and rest >= k_min and rest > fewer:
            problems.append(f"a group of {last} is hidden without need")
    return problems


def _sibling_table(sets: list[list[int]]) -> pd.DataFrame:
    rows = []
    for i, sizes in enumerate(sets):
        rows.append({"round": i, "group_by": "all", "group": "all", "n": sum(sizes)})
        rows += [
            {"round": i, "group_by": "sector", "group": f"s{j}", "n": n}
            for j, n in enumerate(sizes)
        ]
    return pd.DataFrame(rows)


@settings(max_examples=400, deadline=None)
@given(
    sets=st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=8), min_size=1, max_size=3),
    k_min=st.integers(1, 12),
    order=st.randoms(use_true_random=False),
)
def test_no_hidden_group_can_be_worked_out_from_the_total(sets, k_min, order):
    table = _sibling_table(sets)
    shuffled = table.sample(frac=1, random_state=order.randrange(2**32))
    hidden = hidden_groups(shuffled, k_min=k_min, within=["round", "group_by"]).reindex(table.index)
    for i, sizes in enumerate(sets):
        total = table.index[(table["round"] == i) & (table["group_by"] == "all")]
        assert hidden[total].item() == (sum(sizes) < k_min)
        groups = table[(table["round"] == i) & (table["group_by"] == "sector")]
        flags = dict(zip(groups["group"], hidden[groups.index], strict=True))
        sizes_by_group = dict(zip(groups["group"], groups["n"], strict=True))
        assert _audit(sizes_by_group, flags, k_min) == [], (sizes, k_min, flags)


@pytest.mark.parametrize(
    ("sizes", "k_min", "expected"),
    [
        ([3, 18, 29, 60], 5, [True, True, False, False]),  # one small: the next smallest too
        ([3, 4, 29, 60], 5, [True, True, False, False]),  # two small that protect each other
        ([1, 2, 29, 60], 5, [True, True, True, False]),  # 1 + 2 < 5: one more
        ([1, 1, 1, 1, 1, 60], 5, [True] * 5 + [True]),  # five ones: each would be exactly one
        ([1, 1, 1, 1, 1, 7, 60], 5, [True] * 6 + [False]),
        ([0, 29, 60], 5, [True, False, False]),  # nobody: hidden, protects nothing, needs nothing
        ([5, 29, 60], 5, [False, False, False]),
        ([2], 5, [True]),
    ],
)
def test_hidden_groups_by_hand(sizes, k_min, expected):
    table = _sibling_table([sizes]).query("group_by == 'sector'")
    assert hidden_groups(table, k_min=k_min, within=["round"]).tolist() == expected


def test_hidden_groups_ties_break_by_name_and_rows_hidden_for_another_reason_count():
    table = pd.DataFrame({"group": ["b", "a", "c", "d"], "n": [12, 12, 2, 40]})
    assert hidden_groups(table, k_min=5, within=[]).tolist() == [False, True, True, False]
    also = pd.Series([False, False, False, True])
    assert hidden_groups(table, k_min=5, within=[], also=also).tolist() == [
        False,
        False,
        True,
        True,
    ]


@pytest.mark.parametrize(
    ("cells", "k_min", "expected"),
    [
        ([6, 0, 2], 5, [True, True, True]),  # 0 + 2 < 5: the 6 goes too (issue 11)
        ([8, 0, 0], 5, [True, True, True]),  # hidden zeros hold nobody: everyone stayed
        ([1, 7, 5], 5, [True, False, True]),  # 1 + 5 >= 5, two cells
        ([0, 9, 20], 5, [True, True, False]),
        # five ones, which as groups would each be exactly one; as cells each could hold 0 to 5
        ([1, 1, 1, 1, 1, 20], 5, [True] * 5 + [False]),
        ([9, 9, 9], 5, [False, False, False]),
    ],
)
def test_hidden_groups_of_cells_count_zeros_as_small(cells, k_min, expected):
    table = pd.DataFrame({"group": list("abcdef")[: len(cells)], "n": cells})
    assert hidden_groups(table, k_min=k_min, within=[], zeros="cells").tolist() == expected
    with pytest.raises(ValueError, match="zeros"):
        hidden_groups(table, k_min=k_min, within=[], zeros="none")


def _true_answers(ratings: pd.DataFrame) -> pd.Series:
    """Answers per round, behaviour, group_by and group, counted straight from the ratings."""
    answered = ratings.dropna(subset=["rating"])
    everyone = answered.groupby(["round", "behaviour"]).size().rename("n").reset_index()
    parts = [everyone.assign(group_by="all", group="all")]
    for column in ("sector", "role"):
        part = answered.groupby(["round", "behaviour", column]).size().rename("n").reset_index()
        parts.append(part.rename(columns={column: "group"}).assign(group_by=column))
    counts = pd.concat(parts, ignore_index=True)
    return counts.set_index(["round", "behaviour", "group_by", "group"])["n"]


def _audit_table(table: pd.DataFrame, sizes: pd.Series, k_min: int) -> tuple[list[str], int]:
    """Audit every set of a level-like table against true sizes; also count complements."""
    flags = table.set_index(["round", "behaviour", "group_by", "group"])["suppressed"]
    problems, complements = [], 0
    for (round_number, behaviour), everyone in sizes.groupby(level=["round", "behaviour"]):
        total = everyone.xs("all", level="group_by").item()
        for group_by in ("sector", "role"):
            groups = everyone.xs(group_by, level="group_by").droplevel(["round", "behaviour"])
            assert groups.sum() == total  # the groups add up: subtraction is the real threat
            hidden = {g: bool(flags[(round_number, behaviour, group_by, g)]) for g in groups.index}
            found = _audit(groups.to_dict(), hidden, k_min)
            problems += [f"round {round_number}, {behaviour}, {group_by}: {p}" for p in found]
            complements += sum(hidden[g] and n >= k_min for g, n in groups.items())
    return problems, complements


@pytest.mark.parametrize("k_min", [5, 30])
def test_the_demo_level_tables_leave_nothing_to_work_out(demo_place, k_min):
    place = load_place(demo_place)
    ratings = store.read_ratings(demo_place)
    groupings = ("all", "sector", "role")
    levels = indicators.level(ratings, place.framework, group_by=groupings, k_min=k_min)
    problems, complements = _audit_table(levels, _true_answers(ratings), k_min)
    assert problems == []
    assert complements > 0, "the demo should need a group hidden to protect another"
    assert levels.loc[levels["suppressed"], LEVEL_COLUMNS].isna().all().all()
    # the framework-group indexes count complete cases: audit them against their own counts
    indexes = indicators.index_level(ratings, place.framework, group_by=groupings, k_min=k_min)
    counts = indicators.index_level(ratings, place.framework, group_by=groupings, k_min=1)
    sizes = counts.set_index(["round", "behaviour", "group_by", "group"])["n"].astype(int)
    problems, _ = _audit_table(indexes, sizes, k_min)
    assert problems == []


@pytest.mark.parametrize("k_min", [5, 30])
def test_every_table_of_a_round_hides_the_same_groups(demo_place, k_min):
    """Each table protects its groups, and hides the same ones: one table must not show a group
    that another hides to protect a small one."""
    place = load_place(demo_place)
    ratings = store.read_ratings(demo_place, rounds=[5, 6])
    now = ratings[ratings["round"] == 6]
    groupings = ("all", "sector", "role")
    levels = indicators.level(ratings, place.framework, group_by=groupings, k_min=k_min)

    def hidden_in(table, round_number=6):
        rows = table[table["round"] == round_number]
        hidden = rows.loc[rows["suppressed"], ["behaviour", "group_by", "group"]]
        return set(map(tuple, hidden.to_numpy()))

    hidden_now, hidden_before = hidden_in(levels), hidden_in(levels, 5)
    assert hidden_now
    agreement = indicators.agreement(now, place.framework, group_by=groupings, k_min=k_min)
    assert hidden_in(agreement) == hidden_now
    for group_by in ("sector", "role"):
        gaps = indicators.voice_gaps(now, group_by=group_by, k_min=k_min)
        shown = gaps[~gaps["suppressed"]]
        in_pairs = {
            (row.behaviour, group_by, group)
            for row in shown.itertuples()
            for group in (row.group_a, row.group_b)
        }
        assert in_pairs and not in_pairs & hidden_now
        change = indicators.change_since_last_round(
            ratings, place.framework, group_by=group_by, k_min=k_min
        )
        change_hidden = hidden_in(change)
        wanted = {key for key in hidden_now | hidden_before if key[1] == group_by}
        assert change_hidden == wanted
        panel = change[~change["suppressed_panel"]]
        assert not set(map(tuple, panel[["behaviour", "group_by", "group"]].to_numpy())) & wanted
    responses = indicators.response_counts(now, place, k_min=k_min)
    people = now.drop_duplicates("respondent")
    for group_by in ("sector", "role"):
        rows = responses[responses["group_by"] == group_by].set_index("group")
        sizes = people.groupby(group_by).size()
        assert _audit(sizes.to_dict(), rows["suppressed"].to_dict(), k_min) == []


# --- every kind of table, on generated places ----------------------------------------------------

SECTORS = ("public", "voluntary", "private", "lived_experience")
ROLES = ("frontline", "manager", "senior_leader")
PERSPECTIVE = ("interconnected_whole", "people_resourceful", "shared_vision")  # one group


def _generated_place(sizes: list[list[int]], seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ratings and reflections of two rounds: sizes[r][s] people of sector s in round r + 1 (the
    first min(...) of them in both rounds), roles in turn, a few answers missing, and about half
    of the people writing one consented reflection each."""
    rng = np.random.default_rng(seed)
    ratings, reflections = [], []
    for r, by_sector in enumerate(sizes, start=1):
        for sector, n in zip(SECTORS, by_sector, strict=True):
            for i in range(n):
                person = {
                    "round": r,
                    "respondent": f"{sector}-{i}",
                    "organisation": "o",
                    "sector": sector,
                    "role": ROLES[i % 3],
                }
                for b in PERSPECTIVE:
                    missing = rng.random() < 0.15
                    rating = np.nan if missing else float(rng.integers(1, 11))
                    ratings.append({**person, "behaviour": b, "rating": rating})
                if rng.random() < 0.5:
                    reflections.append(
                        {
                            **person,
                            "behaviours": str(rng.choice(PERSPECTIVE)),
                            "valence": str(rng.choice(["positive", "negative", "mixed"])),
                            "consent": "yes",
                            "text": f"Story {r}-{sector}-{i}.",
                        }
                    )
    columns = ["round", "respondent", "organisation", "sector", "role", "behaviours", "valence"]
    return pd.DataFrame(ratings), pd.DataFrame(reflections, columns=[*columns, "consent", "text"])


def _people(frame: pd.DataFrame, column: str) -> dict:
    return frame.drop_duplicates("respondent").groupby(column).size().to_dict()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.lists(st.integers(0, 11), min_size=4, max_size=4), min_size=2, max_size=2),
    k_min=st.integers(2, 8),
    seed=st.integers(0, 2**16),
)
def test_no_table_of_a_generated_place_gives_a_small_group_away(sizes, k_min, seed):
    """Levels, indexes, agreement, gaps, change, response counts, reliability, data quality,
    story counts and quote attribution, each audited against the true group sizes."""
    from evalkit.stories.counts import story_counts
    from evalkit.stories.quotes import select_quotes

    assume(sum(sizes[1]) >= 1 and sum(sizes[0]) >= 1)
    ratings, reflections = _generated_place(sizes, seed)
    fw = load_framework("system-behaviours")
    now = ratings[ratings["round"] == 2]
    groupings = ("all", "sector", "role")
    answers = _true_answers(ratings)
    # levels and indexes: every set of siblings, against the true number of answers
    levels = indicators.level(ratings, fw, group_by=groupings, k_min=k_min)
    assert _audit_table(levels, answers, k_min)[0] == []
    indexes = indicators.index_level(ratings, fw, group_by=groupings, k_min=k_min)
    complete = ratings.groupby(["round", "respondent"])["rating"].count() == len(PERSPECTIVE)
    whole = ratings.merge(complete[complete].reset_index()[["round", "respondent"]])
    index_sizes = _true_answers(whole[whole["behaviour"] == PERSPECTIVE[0]]).rename(
        index={PERSPECTIVE[0]: "perspective"}, level="behaviour"
    )
    index_rows = indexes[indexes["behaviour"] == "perspective"]
    assert _audit_table(index_rows, index_sizes, k_min)[0] == []

    def hidden_in(table):
        rows = table[(table["round"] == 2) & table["suppressed"].astype(bool)]
        return set(map(tuple, rows[["behaviour", "group_by", "group"]].to_numpy()))

    hidden_now = hidden_in(levels)
    # agreement hides exactly the groups the levels hide; a gap needs both groups shown
    assert hidden_in(indicators.agreement(now, fw, group_by=groupings, k_min=k_min)) == hidden_now
    for group_by in ("sector", "role"):
        gaps = indicators.voice_gaps(now, group_by=group_by, k_min=k_min)
        for gap in gaps[~gaps["suppressed"]].itertuples():
            for group in (gap.group_a, gap.group_b):
                assert (gap.behaviour, group_by, group) not in hidden_now
    # change: hidden where either round hides the group (or has no answers); the panel is
    # audited on its own sizes
    change = indicators.change_since_last_round(ratings, fw, group_by="sector", k_min=k_min)

    def shown_in(round_number):
        rows = levels[(levels["round"] == round_number) & ~levels["suppressed"].astype(bool)]
        return set(map(tuple, rows[["behaviour", "group_by", "group"]].to_numpy()))

    keys = set(map(tuple, change[["behaviour", "group_by", "group"]].to_numpy()))
    assert hidden_in(change) == keys - (shown_in(1) & shown_in(2))
    answered = ratings.dropna(subset=["rating"])
    both = answered[
        answered.groupby(["respondent", "behaviour"])["round"].transform("nunique") == 2
    ]
    for behaviour, rows in change.groupby("behaviour"):
        panel = both[(both["behaviour"] == behaviour) & (both["round"] == 2)]
        sizes_now = panel.groupby("sector").size().reindex(rows["group"], fill_value=0)
        flags = dict(zip(rows["group"], rows["suppressed_panel"].astype(bool), strict=True))
        assert _audit(sizes_now.to_dict(), flags, k_min, minimal=False) == []
    # who answered, by sector and role
    responses = indicators.response_counts(now, None, k_min=k_min)
    for group_by in ("sector", "role"):
        rows = responses[responses["group_by"] == group_by].set_index("group")
        assert _audit(_people(now, group_by), rows["suppressed"].to_dict(), k_min) == []
    # reliability by sector: complete cases of the framework group
    table = indicators.reliability(now, fw, group_by="sector", k_min=k_min).set_index("group")
    cases = whole[(whole["round"] == 2)].drop_duplicates("respondent").groupby("sector").size()
    cases = cases.reindex(table.index, fill_value=0).to_dict()
    assert _audit(cases, table["suppressed"].to_dict(), k_min) == []
    # data quality is per round: shown only for a round of k_min people or more
    people_now = now["respondent"].nunique()
    for table in (
        indicators.item_missingness(now, k_min=k_min),
        indicators.straight_lining(now, k_min=k_min, min_items=3),
    ):
        assert table["suppressed"].astype(bool).all() == (people_now < k_min)
    distribution = indicators.rating_distribution(now, k_min=k_min)
    assert (distribution.groupby("behaviour")["count"].sum() >= k_min).all()
    # stories: a behaviour written about by fewer than k_min people shows no numbers
    if len(reflections):
        counts = story_counts(reflections, fw, k_min)
        writers = reflections.groupby(["round", "behaviours"])["respondent"].nunique()
        for row in counts.itertuples():
            small = writers.get((row.round, row.behaviour), 0) < k_min
            assert bool(row.suppressed) == small
        # quotes: every sector that wrote is named, or not, as a hidden group would be
        place = Place(Path("."), "x", "X", fw, (), (), {s: s for s in SECTORS}, {}, k_min=k_min)
        mine = reflections[reflections["round"] == 2]
        if len(mine):
            quotes = select_quotes(mine, place, ratings=now, per_behaviour=1000, max_chars=None)
            by_text = dict(zip(quotes["text"], quotes["group"], strict=True))
            flags = {}
            for row in mine.itertuples():
                flags.setdefault(row.sector, by_text[row.text] == "A partner")
                assert flags[row.sector] == (by_text[row.text] == "A partner")
            sizes_now = {s: n for s, n in _people(now, "sector").items() if s in flags}
            others = sum(n for s, n in _people(now, "sector").items() if s not in flags)
            if others == 0:  # every sector wrote, so the reader sees every sector's label
                assert _audit(sizes_now, flags, k_min) == []
            assert all(sizes_now[s] >= k_min for s, anonymous in flags.items() if not anonymous)


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(0, 9), min_size=9, max_size=9), k_min=st.integers(2, 8))
def test_a_table_of_moves_gives_no_small_group_away(counts, k_min):
    """Transitions: the levels people moved from are groups beside the panel, and a level shown
    holds its hidden moves in cells of k_min people together."""
    from evalkit.indicators.transitions import transition_balance, transition_matrix

    matrix = np.array(counts).reshape(3, 3)
    assume(matrix.sum() > 0)
    rows = []
    for i, j in itertools.product(range(3), range(3)):
        for person in range(matrix[i, j]):
            for r, level in ((1, i), (2, j)):
                rating = (2.0, 5.0, 9.0)[level]
                rows.append(
                    {
                        "round": r,
                        "respondent": f"{i}{j}-{person}",
                        "behaviour": PERSPECTIVE[0],
                        "rating": rating,
                    }
                )
    ratings = pd.DataFrame(rows)
    fw = load_framework("system-behaviours")
    table = transition_matrix(ratings, fw, k_min=k_min)
    totals = table["n_from"].to_numpy().reshape(3, 3)[:, 0]
    hidden = table["suppressed"].to_numpy().reshape(3, 3)
    sizes = {f"level{i}": int(matrix[i].sum()) for i in range(3)}
    flags = {f"level{i}": bool(np.isnan(totals[i])) for i in range(3)}
    assert _audit(sizes, flags, k_min) == []
    for i in np.flatnonzero(~np.isnan(totals)):
        if hidden[i].any():
            assert hidden[i].sum() >= 2 and matrix[i][hidden[i]].sum() >= k_min
    balance = transition_balance(ratings, fw, k_min=k_min).iloc[0]
    assert bool(balance["suppressed"]) == (matrix.sum() < k_min)
    if not balance["suppressed"] and not balance["counts_hidden"]:
        for direction in (np.triu(np.ones((3, 3), bool), 1), np.tril(np.ones((3, 3), bool), -1)):
            held = matrix[direction & hidden].sum()
            assert held == 0 or held >= k_min


def _random_ties(seed: int, people: list[list[int]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tie reports of two rounds: people[r][o] people of organisation o, each naming 1 to 3
    partners with a depth and (mostly) a trust rating."""
    from evalkit.data.vocabulary import DEPTHS

    rng = np.random.default_rng(seed)
    orgs = pd.DataFrame(
        {
            "id": [f"o{i}" for i in range(6)],
            "name": [f"Org {i}" for i in range(6)],
            "sector": ["public", "public", "voluntary", "voluntary", "private", "lived_experience"],
        }
    )
    rows = []
    for r, by_org in enumerate(people, start=1):
        for o, n in enumerate(by_org):
            for p in range(n):
                partners = rng.choice([i for i in range(6) if i != o], rng.integers(1, 4), False)
                for partner in partners:
                    trust = float(rng.integers(1, 6)) if rng.random() < 0.8 else np.nan
                    rows.append(
                        (
                            r,
                            f"r{r}-o{o}-{p}",
                            f"o{o}",
                            f"o{partner}",
                            DEPTHS[rng.integers(0, 4)],
                            trust,
                        )
                    )
    columns = ["round", "respondent", "organisation", "partner", "depth", "trust"]
    return pd.DataFrame(rows, columns=columns), orgs


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    people=st.lists(st.lists(st.integers(0, 7), min_size=6, max_size=6), min_size=2, max_size=2),
    k_min=st.integers(2, 6),
    seed=st.integers(0, 2**16),
)
def test_no_network_table_or_map_shows_a_small_organisations_answers(people, k_min, seed):
    """Whatever the people of an organisation with fewer than k_min respondents said about how
    closely they work and how far they trust, no indicator, churn count, broker list, graph or
    map changes; an organisation with k_min or more keeps its depths."""
    import matplotlib.pyplot as plt

    from evalkit.data.vocabulary import DEPTHS
    from evalkit.network.graph import organisation_network
    from evalkit.network.trends import pair_observations
    from evalkit.plots.network import plot_network_map, stable_positions

    ties, orgs = _random_ties(seed, people)
    assume(len(ties) > 0)
    reporting = ties.groupby(["round", "organisation"])["respondent"].nunique()
    small = reporting.reindex(pd.MultiIndex.from_frame(ties[["round", "organisation"]])) < k_min
    small = small.to_numpy()
    rng = np.random.default_rng(seed + 1)
    other = ties.copy()
    other.loc[small, "depth"] = rng.choice(DEPTHS, small.sum())
    other.loc[small, "trust"] = rng.choice([1.0, 5.0, np.nan], small.sum())

    def outputs(frame):
        networks = organisation_network(frame, orgs, k_min=k_min)
        edges = {
            (r, kind): sorted((u, v, d["depth"], d["trust"]) for u, v, d in graph.edges(data=True))
            for r, n in networks.items()
            for kind, graph in (("directed", n.directed), ("undirected", n.undirected))
        }
        ax = plot_network_map(networks[max(networks)], stable_positions(networks), n_labels=6)
        drawn = [
            (len(c.get_segments()), c.get_linestyle()[0][1] is None)
            for c in ax.collections
            if hasattr(c, "get_segments")
        ]
        labels = [t.get_text() for t in ax.texts]
        plt.close(ax.figure)
        return {
            "indicators": network_indicators(frame, orgs, k_min=k_min),
            "churn": tie_churn(frame, orgs, k_min=k_min),
            "brokers": [brokers(frame, orgs, r, n=6, k_min=k_min) for r in networks],
            "pairs": pair_observations(networks, ["depth_collaborating", "depth_shown"]),
            "edges": edges,
            "map": (drawn, labels),
        }

    mine, theirs = outputs(ties), outputs(other)
    for key in ("indicators", "churn", "pairs"):
        pd.testing.assert_frame_equal(mine[key], theirs[key])
    for a, b in zip(mine["brokers"], theirs["brokers"], strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert repr(mine["edges"]) == repr(theirs["edges"]) and mine["map"] == theirs["map"]
    # only organisations with k_min people are named; their reported ties keep their depth
    for table in mine["brokers"]:
        for row in table.itertuples():
            assert reporting[(row.round, row.organisation)] >= k_min
    names = set(orgs.set_index("id")["name"])
    for label in mine["map"][1]:
        org = orgs.loc[orgs["name"] == label, "id"].item()
        assert label in names and reporting[(max(ties["round"]), org)] >= k_min
    level = {d: i for i, d in enumerate(DEPTHS)}
    for (r, kind), edges in mine["edges"].items():
        if kind != "directed":
            continue
        for u, _, depth, _ in edges:
            if reporting.get((r, u), 0) >= k_min:
                said = ties[(ties["round"] == r) & (ties["organisation"] == u)]["depth"]
                assert depth is not None and level[depth] <= max(said.map(level))
            else:
                assert depth is None


# --- masking -------------------------------------------------------------------------------------


def _masking_place(**changes) -> Place:
    settings = {"redact": ("Siobhán O'Neill", "Jo Bloggs", "Bloggs"), **changes}
    return Place(
        Path("."), "test", "Northbridge", None, (), NORTHBRIDGE_ORGANISATIONS, {}, {}, **settings
    )


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",
        "07700900123",
        "07700-900-123",
        "07700 900 123",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)7700 900123",
        "0044 7700 900123",
        "0161 496 0000",
        "(0161) 496 0000",
        "0161-496-0000",
        "020 7946 0000",
        "02079460000",
        "01632 960001",
        "01632960001",
        "0113 496 0000",
        "0800 123 4567",
    ],
)
def test_mask_text_masks_uk_phone_numbers(phone):
    assert mask_text(f"Ring {phone}, ta.", _masking_place()) == "Ring [phone], ta."


@pytest.mark.parametrize(
    "text",
    [
        "In 2024 we met 12 times; 3 of 10 said so.",
        "The budget fell by £1,200,000 on 15/03/2025 (2025-03-15).",
        "Round 5, about 12.5% fewer.",
        "Case ref 123456 was closed.",
    ],
)
def test_mask_text_leaves_other_numbers(text):
    assert mask_text(text, _masking_place()) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jo.bloggs@example.org.", "mail [email]."),
        ("JO_B+north@Mail.Example.co.uk or sam@x.org", "[email] or [email]"),
        ("see https://opendoor.example.org/about, or www.example.org.", "see [link], or [link]."),
    ],
)
def test_mask_text_masks_emails_and_links(text, expected):
    assert mask_text(text, _masking_place()) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NORTHBRIDGE CITY COUNCIL decided.", "[organisation] decided."),
        ("ncc and northbridge   council.", "[organisation] and [organisation]."),
        (
            "The open door team, Open Door's staff.",
            "The [organisation] team, [organisation]'s staff.",
        ),
        ("At Northbridge Women’s Centre.", "At [organisation]."),  # curly apostrophe
        ("Harrow and Daughters Builders.", "[organisation]."),
        ("riverside recovery café, Riverside Recovery Cafe", "[organisation], [organisation]"),
        ("Open Door Homeless Project", "[organisation]"),  # the name, not alias + leftovers
    ],
)
def test_mask_text_masks_names_and_aliases_in_any_case(text, expected):
    assert mask_text(text, _masking_place()) == expected


@pytest.mark.parametrize(
    "text",
    [
        "A policeman and a police-like approach",  # 'police-like' is masked: see below
        "Probationary staff, ICBs, picbx and the opendoorway",
        "Northbridge residents, not councils",
    ],
)
def test_mask_text_does_not_mask_inside_other_words(text):
    masked = mask_text(text, _masking_place())
    for word in ("policeman", "Probationary", "ICBs", "picbx", "opendoorway", "Northbridge"):
        if word in text:
            assert word in masked
    # a hyphen is a word boundary: 'police-like' names the police
    assert "police-like" not in masked


def test_mask_text_masks_extra_names_and_takes_a_list_of_names():
    assert mask_text("Thanks to jo bloggs", ["x"], also=["Jo Bloggs"]) == "Thanks to [name]"
    assert mask_text("At Acme.", ["ACME"]) == "At [organisation]."
    assert mask_text(None, _masking_place()) == ""


# Numbers written with a country code, as people write them in other countries
@pytest.mark.parametrize(
    "phone",
    [
        "+1 (415) 555-2671",
        "+1-202-555-0143",
        "+33 1 23 45 67 89",
        "0033 1 23 45 67 89",
        "+49 30 901820",
        "+353 1 234 5678",
        "+61 2 9374 4000",
        "+81 3-1234-5678",
        "+91 98765 43210",
        "+27 21 123 4567",
        "+55 11 91234-5678",
        "+7 495 123-45-67",
    ],
)
def test_mask_text_masks_numbers_of_any_country_written_with_its_code(phone):
    assert mask_text(f"Ring {phone}, ta.", _masking_place()) == "Ring [phone], ta."
    assert mask_text(f"(tel. {phone})", _masking_place()) == "(tel. [phone])"


@pytest.mark.parametrize(
    ("country", "phone"),
    [
        ("US", "(415) 555-2671"),
        ("US", "415.555.2671"),
        ("FR", "01 23 45 67 89"),
        ("DE", "030 901820"),
        ("IE", "(01) 234 5678"),
        ("AU", "(02) 9374 4000"),
        ("IN", "098765 43210"),
        ("JP", "03-1234-5678"),
    ],
)
def test_mask_text_reads_numbers_without_a_code_as_the_places_country(country, phone):
    place = _masking_place(country=country)
    assert mask_text(f"Ring {phone} today.", place) == "Ring [phone] today."
    # the country can also be given for a text, whatever the place says
    assert mask_text(f"Ring {phone} today.", [], country=country) == "Ring [phone] today."


def test_mask_text_masks_every_countrys_example_numbers():
    """libphonenumber's own example numbers of every region: written internationally they are
    masked in any place; written nationally, in a place of that country (7 digits or more: a
    few territories have shorter numbers, which the Notes of mask_text leave to the reader)."""
    import phonenumbers

    formats = phonenumbers.PhoneNumberFormat
    kinds = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE)
    missed, checked = [], 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in kinds:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            written = [
                (phonenumbers.format_number(number, formats.INTERNATIONAL), "GB"),
                (phonenumbers.format_number(number, formats.E164), "GB"),
            ]
            national = phonenumbers.format_number(number, formats.NATIONAL)
            if sum(c.isdigit() for c in national) >= 7:
                written.append((national, region))
            for text, country in written:
                checked += 1
                if mask_text(f"Call {text} now", [], country=country) != "Call [phone] now":
                    missed.append((region, text))
    assert missed == [] and checked > 700


@pytest.mark.parametrize(
    "text",
    [
        "Between 2019-2023 we met people aged 16-25 (1300 in all) on 05/03/2024 and 2024-06-30.",
        "Rounds 1-8 of 2024, 12.5% to 40% of 3,500 people, at 10:30-12:00.",
    ],
)
def test_mask_text_leaves_years_dates_and_counts(text):
    assert mask_text(text, _masking_place()) == text


@pytest.mark.parametrize(
    "postcode",
    [
        "SW1A 1AA",
        "M1 1AE",
        "B33 8TH",
        "CR2 6XH",
        "DN55 1PT",
        "EC1A 1BB",
        "W1A 0AX",
        "ls1 4ap",
        "GIR 0AA",
        "SW1A1AA",
    ],
)
def test_mask_text_masks_uk_postcodes(postcode):
    assert mask_text(f"She lives at {postcode}, near us.", _masking_place()) == (
        "She lives at [postcode], near us."
    )


@pytest.mark.parametrize(
    "text", ["The SW1A district", "the A1 2nd junction", "B2B work", "COVID-19 in 2021", "M62"]
)
def test_mask_text_leaves_what_is_not_a_full_postcode(text):
    assert mask_text(text, _masking_place()) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thanks to jo bloggs and JO  BLOGGS.", "Thanks to [name] and [name]."),
        ("Mr Bloggs said so; Bloggs's idea.", "Mr [name] said so; [name]'s idea."),
        ("Siobhan O’Neill and siobhán o'neill", "[name] and [name]"),  # accents, apostrophes
        ("Jo said so, and the Bloggsworth team", "Jo said so, and the Bloggsworth team"),
    ],
)
def test_mask_text_masks_the_names_place_yml_lists_to_redact(text, expected):
    assert mask_text(text, _masking_place()) == expected


def test_mask_text_masks_names_listed_in_place_yml(tmp_path):
    import yaml

    (tmp_path / "place.yml").write_text(
        yaml.safe_dump(
            {
                "name": "Testham",
                "framework": "system-behaviours",
                "rounds": [{"number": 1}],
                "roles": ["frontline"],
                "organisations": [{"id": "fb", "name": "Testham Food Bank", "sector": "public"}],
                "redact": ["Zoë Hart"],
                "country": "FR",
            }
        )
    )
    place = load_place(tmp_path)
    text = "Zoe Hart at the food bank (Testham Food Bank, 01 23 45 67 89)."
    assert mask_text(text, place) == "[name] at the food bank ([organisation], [phone])."


@settings(max_examples=60, deadline=None)
@given(
    name=st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzéøñ'", min_size=2, max_size=9).filter(
            lambda w: w.strip("'") == w
        ),
        min_size=1,
        max_size=3,
    ),
    before=st.sampled_from(["", "Thanks to ", "I told ", "("]),
    after=st.sampled_from(["", ".", " said so", "'s team", ")"]),
    upper=st.booleans(),
)
def test_a_listed_name_never_survives_masking(name, before, after, upper):
    listed = " ".join(w.capitalize() for w in name)
    written = "  ".join(name).upper() if upper else "  ".join(name)
    masked = mask_text(f"{before}{written}{after}", [], also=[listed])
    assert masked == f"{before}[name]{after}"


# --- safe exports -------------------------------------------------------------------------------

DANGEROUS = [
    "=1+1",
    '=HYPERLINK("http://example.org/x","click")',
    "+1+1",
    "-1+1",
    "-",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=",
]
HARMLESS = ["fine", "a=b", " =1+1", "'quoted", "", "naïve café £5"]


def _read_csv_back(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def _frame(text: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"text": [text, "plain"], "mean": [-3.5, 2.0], "n": [-2, 7], "flag": [True, False]}
    )


def test_formula_prefixes_are_the_owasp_list():
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize("text", DANGEROUS)
def test_write_csv_neutralises_every_formula_prefix_and_leaves_numbers(tmp_path, text):
    frame = _frame(text)
    rows = _read_csv_back(write_csv(frame, tmp_path / "export.csv"))
    assert rows == [
        ["text", "mean", "n", "flag"],
        ["'" + text, "-3.5", "-2", "True"],
        ["plain", "2.0", "7", "False"],
    ]
    assert frame["text"].iloc[0] == text  # the frame given is not modified


def test_write_csv_quotes_line_breaks_so_that_no_row_starts_inside_a_cell(tmp_path):
    frame = pd.DataFrame({"text": ["ok\r=1+1", "ok\n@SUM(A1)", "ok\r\n+1"], "n": [1, 2, 3]})
    rows = _read_csv_back(write_csv(frame, tmp_path / "export.csv"))
    assert rows[1:] == [["ok\r=1+1", "1"], ["ok\n@SUM(A1)", "2"], ["ok\r\n+1", "3"]]


@pytest.mark.parametrize("text", HARMLESS)
def test_write_csv_leaves_harmless_text_alone(tmp_path, text):
    rows = _read_csv_back(write_csv(_frame(text), tmp_path / "export.csv"))
    assert rows[1][0] == text


def test_neutralise_covers_headers_index_categories_and_mixed_columns():
    frame = pd.DataFrame(
        {"=cmd": ["-x", "y"], "mixed": [-1, "@x"], "kind": pd.Categorical(["+a", "b"])},
        index=pd.Index(["=i", "j"], name="@name"),
    )
    safe = neutralise(frame)
    assert list(safe.columns) == ["'=cmd", "mixed", "kind"]
    assert safe["'=cmd"].tolist() == ["'-x", "y"]
    assert safe["mixed"].tolist() == [-1, "'@x"]  # the number stays a number
    assert safe["kind"].tolist() == ["'+a", "b"]
    assert list(safe.index) == ["'=i", "j"] and safe.index.name == "'@name"


@pytest.mark.parametrize("text", DANGEROUS + HARMLESS)
def test_write_xlsx_writes_text_as_text_and_numbers_as_numbers(tmp_path, text):
    openpyxl = pytest.importorskip("openpyxl")
    path = write_xlsx(_frame(text), tmp_path / "export.xlsx")
    sheet = openpyxl.load_workbook(path).active
    cell = sheet["A2"]
    expected = "'" + text if text.startswith(FORMULA_PREFIXES) else text
    assert (cell.value or "") == expected.replace("\r", "\n")  # XML keeps line breaks as LF
    assert cell.data_type in ("s", "inlineStr")  # text, never "f", a formula
    assert [sheet["B2"].value, sheet["C2"].value, sheet["D2"].value] == [-3.5, -2, True]
    assert [sheet["B2"].data_type, sheet["C2"].data_type] == ["n", "n"]
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


class _Unprintable:
    def __str__(self):
        raise RuntimeError("cannot be written")


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_exports_are_written_whole_or_not_at_all(tmp_path, writer):
    if writer is write_xlsx:
        pytest.importorskip("openpyxl")
    path = tmp_path / ("export.csv" if writer is write_csv else "export.xlsx")
    writer(_frame("first"), path)
    before = path.read_bytes()
    broken = pd.DataFrame({"text": ["a"] * 1000 + [_Unprintable()]})
    with pytest.raises((RuntimeError, ValueError, TypeError)):
        writer(broken, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


# --- the demo's outputs: no identifier, contact or key ------------------------------------------

_EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# UK numbers, as people write them: 07700 900123, 07700-900-123, +44 7700 900123, (0113) 496 0000
_PHONE = re.compile(rb"(?<![\w+])(?:\+44[\s-]?\(?0?\)?|\(?0)\d{2,4}\)?(?:[\s-]?\d){6,8}(?!\d)")
_DATA_URI = re.compile(rb"data:[\w/+.-]+;base64,([A-Za-z0-9+/=]+)")
_PNG = re.compile(rb"iVBORw0KGgo[A-Za-z0-9+/=]*(?:\\n[A-Za-z0-9+/=]+)*")  # in a notebook's JSON
_BLOB = re.compile(rb"[A-Za-z0-9+/]{400,}")
_WORD = re.compile(rb"[A-Za-z0-9_]+")


def _respondent_columns(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [row["respondent_id"] for row in csv.DictReader(handle) if "respondent_id" in row]


#: The columns of the demo's exports that describe the person (listed here, not taken from
#: evalkit's own list, so the scan does not trust the code it checks).
_EXPORT_PERSONAL = {
    "IPAddress", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference",
    "LocationLatitude", "LocationLongitude", "ResponseId", "about/code", "about/email",
    "about/where", "_about/where_latitude", "_about/where_longitude", "deviceid", "_uuid",
    "meta/instanceID",
}  # fmt: skip


def _export_metadata(path: Path) -> set[bytes]:
    """Every value of a demo export's personal columns (and its raw respondent codes)."""
    text = path.read_text(encoding="utf-8")
    delimiter = (
        ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    )
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = rows[0]
    values = set()
    for row in rows[1:]:
        for name, cell in zip(header, row, strict=False):
            if name in _EXPORT_PERSONAL and cell and not cell.startswith("{"):
                values.add(cell.encode())
    return values


def _png_metadata(png: bytes) -> bytes:
    """Every chunk of a PNG but its pixels (IDAT), text chunks decompressed."""
    found, at = [], 8
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        data = png[at + 8 : at + 8 + length]
        at += 12 + length
        if kind == b"IDAT":
            continue
        found.append(kind + b" " + data)
        if kind in (b"zTXt", b"iTXt"):
            for start in range(len(data)):
                try:
                    found.append(zlib.decompress(data[start:]))
                    break
                except zlib.error:
                    continue
    return b"\n".join(found)


def _readable(path: Path) -> tuple[bytes, list[bytes]]:
    """A file's bytes with embedded files (base64) taken out, and what those hold: a PNG's
    metadata (its pixels cannot hold text, and random bytes could match a short id), any other
    file's bytes (e.g. the SVG icons in the page's CSS)."""
    content = path.read_bytes()
    if path.suffix == ".png":
        return b"", [_png_metadata(content)]
    embedded = []

    def take(match: re.Match) -> bytes:
        blob = match.group(match.lastindex or 0).replace(b"\\n", b"")
        data = base64.b64decode(blob + b"=" * (-len(blob) % 4))
        embedded.append(_png_metadata(data) if data.startswith(b"\x89PNG") else data)
        return b"[embedded]"

    text = _PNG.sub(take, _DATA_URI.sub(take, content))
    return text, embedded


def _ids_in(content: bytes, ids: set[bytes]) -> set[bytes]:
    """The ids that occur in ``content`` as whole words (or anywhere, for ids with symbols)."""
    words = {i for i in ids if _WORD.fullmatch(i)}
    return (set(_WORD.findall(content)) & words) | {i for i in ids - words if i in content}


def _visible_text(html: str) -> str:
    html = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", html)
    html = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", " ", html)
    return re.sub(r"(?s)<[^>]+>", " ", html)


@pytest.fixture(scope="module")
def secrets(demo_programme_outputs) -> dict[str, set[bytes]]:
    """What must never reach outputs: raw ids, pseudonyms, contacts written in reflections, keys."""
    programme, _ = demo_programme_outputs
    found = {"raw id": set(), "pseudonym": set(), "contact": set(), "key": set(), "name": set()}
    found["export metadata"] = set()
    for place_dir in sorted(p.parent for p in programme.glob("*/place.yml")):
        found["name"] |= {n.encode() for n in load_place(place_dir).redact}
        for path in (place_dir / "incoming").glob("round-*/export.csv"):
            found["export metadata"] |= _export_metadata(path)
        for path in (place_dir / "incoming").glob("round-*/*.csv"):
            if path.name == "export.csv":
                continue
            found["raw id"] |= {i.encode() for i in _respondent_columns(path)}
            if path.name == "reflections.csv":
                text = path.read_bytes()
                found["contact"] |= set(_EMAIL.findall(text)) | set(_PHONE.findall(text))
        for read in (store.read_ratings, store.read_ties, store.read_reflections):
            found["pseudonym"] |= {r.encode() for r in read(place_dir)["respondent"].unique()}
        key = (place_dir / KEY_FILE).read_bytes()
        found["key"] |= {key, key.strip(), bytes.fromhex(key.decode().strip())}
    assert all(found.values()), {k: len(v) for k, v in found.items()}
    return found


@pytest.mark.slow
def test_no_output_holds_an_id_a_contact_or_the_key(demo_programme_outputs, secrets):
    _, outputs = demo_programme_outputs
    ids = secrets["raw id"] | secrets["pseudonym"] | secrets["export metadata"]
    files = [p for p in sorted(outputs.rglob("*")) if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".html", ".ipynb", ".json"} <= kinds, kinds
    leaks = []
    for path in files:
        text, embedded = _readable(path)
        assert not _BLOB.search(text), f"{path} embeds something the scan cannot read"
        for where, content in [("text", text), *(("embedded file", e) for e in embedded)]:
            leaks += [(path, where, i) for i in sorted(_ids_in(content, ids))[:3]]
            leaks += [(path, where, c) for c in secrets["contact"] if c in content]
            lowered = content.lower()
            leaks += [(path, where, n) for n in secrets["name"] if n.lower() in lowered]
        raw = path.read_bytes()
        leaks += [(path, "bytes", b"the key") for key in secrets["key"] if key in raw]
    assert leaks == []


@pytest.mark.slow
def test_quotes_in_the_reports_carry_no_contact_details(demo_programme_outputs, secrets):
    _, outputs = demo_programme_outputs
    reports = sorted(outputs.glob("*/round-*/round_report.html"))
    assert len(reports) == 24
    masked = names = 0
    for path in reports:
        text = _visible_text(path.read_text(encoding="utf-8")).encode()
        assert not _EMAIL.findall(text), path
        assert not _PHONE.findall(text), path
        masked += text.count(b"[email]") + text.count(b"[phone]")
        names += text.count(b"[name]")
    assert masked > 0, "no quote had a contact detail to mask: the test proves nothing"
    assert names > 0, "no quote had a redacted name to mask: the test proves nothing"


def _answers_by_group(place_dir: Path, round_number: int) -> pd.Series:
    return _true_answers(store.read_ratings(place_dir, rounds=[round_number]))


@pytest.mark.slow
def test_published_summaries_leave_no_small_group_to_work_out(demo_programme_outputs):
    """Every summary.json, audited against the true group sizes in the store."""
    programme, outputs = demo_programme_outputs
    complements = 0
    for path in sorted(outputs.glob("*/round-*/summary.json")):
        summary = json.loads(path.read_text())
        place_dir, k = programme / summary["place"], summary["k_min"]
        sizes = _answers_by_group(place_dir, summary["round"])
        table = pd.DataFrame(summary["indicators"]).assign(round=summary["round"])
        problems, found = _audit_table(table, sizes, k)
        assert problems == [], path
        complements += found
        hidden = {tuple(r) for r in table.loc[table["suppressed"], ["behaviour", "group"]].values}
        agreement = pd.DataFrame(summary["agreement"])
        rows = agreement.loc[agreement["suppressed"], ["behaviour", "group"]]
        assert {tuple(r) for r in rows.to_numpy()} == hidden, path
        for gap in summary["voice_gaps"]:
            if not gap["suppressed"]:
                assert (gap["behaviour"], gap["group_a"]) not in hidden, path
                assert (gap["behaviour"], gap["group_b"]) not in hidden, path
        for record in summary["indicators"]:
            if record["suppressed"]:
                assert set(record) == {"behaviour", "group_by", "group", "suppressed"}, path
    assert complements > 0
