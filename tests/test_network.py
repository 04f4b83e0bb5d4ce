"""Connections: organisation networks, their indicators, churn, trends and maps.

The small example below is worked by hand (the arithmetic is in the comments); measures networkx
also has are checked against networkx on seeded random tie reports.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from evalkit.exceptions import EvalkitError
from evalkit.network import brokers
from evalkit.network.brokers import BROKER_COLUMNS
from evalkit.network.churn import CHURN_COLUMNS, tie_churn
from evalkit.network.graph import DEPTHS, organisation_network
from evalkit.network.indicators import NETWORK_COLUMNS, network_indicators, network_summary
from evalkit.network.trends import assess_network, network_series
from evalkit.words.network import describe_network

SECRET = "respondent-secret-"  # prefix of every respondent id: none may reach an output

# Five organisations in two sectors: a, b public; c, d, e voluntary.
ORGS = pd.DataFrame(
    {
        "id": list("abcde"),
        "name": ["Ash Council", "Birch Trust", "Cedar Hub", "Dale Project", "Elm Centre"],
        "sector": ["public", "public", "voluntary", "voluntary", "voluntary"],
    }
)

# Round 1, as reported (organisation -> partner):
#   a->b coordinating (trust 4), b->a networking (trust 2), a->c cooperating (trust 3),
#   c->d collaborating, a->d networking; e names nobody and nobody names e.
# Round 2:
#   a->b collaborating, c->a networking, b->c coordinating, d->b networking,
#   b->e networking, d->c collaborating.
REPORTS = [
    (1, "a", "b", "coordinating", 4.0),
    (1, "b", "a", "networking", 2.0),
    (1, "a", "c", "cooperating", 3.0),
    (1, "c", "d", "collaborating", np.nan),
    (1, "a", "d", "networking", np.nan),
    (2, "a", "b", "collaborating", np.nan),
    (2, "c", "a", "networking", np.nan),
    (2, "b", "c", "coordinating", np.nan),
    (2, "d", "b", "networking", np.nan),
    (2, "b", "e", "networking", np.nan),
    (2, "d", "c", "collaborating", np.nan),
]


@pytest.fixture
def small_ties() -> pd.DataFrame:
    rows = pd.DataFrame(REPORTS, columns=["round", "organisation", "partner", "depth", "trust"])
    rows.insert(1, "respondent", [f"{SECRET}{i}" for i in range(len(rows))])
    return rows


@pytest.fixture
def random_ties() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded random tie reports: 3 rounds, 15 organisations in 3 sectors, repeats included."""
    rng = np.random.default_rng(20240615)
    orgs = pd.DataFrame(
        {
            "id": [f"o{i:02d}" for i in range(15)],
            "name": [f"Organisation {i}" for i in range(15)],
            "sector": np.repeat(["public", "voluntary", "private"], 5),
        }
    )
    rows = []
    for r in (1, 2, 3):
        for k in range(40 + 10 * r):
            a, b = rng.choice(15, size=2, replace=False)
            rows.append(
                {
                    "round": r,
                    "respondent": f"{SECRET}{r}-{k}",
                    "organisation": orgs["id"][a],
                    "partner": orgs["id"][b],
                    "depth": DEPTHS[rng.integers(0, 4)],
                    "trust": float(rng.integers(1, 6)) if rng.random() < 0.8 else np.nan,
                }
            )
    return pd.DataFrame(rows), orgs


# --- the graphs ----------------------------------------------------------------------------------


def test_graphs_hold_every_organisation_with_sectors_and_the_deepest_depth(small_ties):
    networks = organisation_network(small_ties, ORGS, k_min=0)
    assert list(networks) == [1, 2]
    one = networks[1]
    assert one.round == 1
    for graph in (one.directed, one.undirected):
        assert sorted(graph.nodes) == list("abcde")  # e is an isolate, still a node
        assert graph.nodes["e"] == {"name": "Elm Centre", "sector": "voluntary", "nameable": True}
    assert one.directed.number_of_edges() == 5
    assert one.undirected.number_of_edges() == 4
    # a->b said coordinating, b->a networking: the undirected tie takes the deeper one
    assert one.directed.edges["b", "a"]["depth"] == "networking"
    tie = one.undirected.edges["a", "b"]
    assert (tie["depth"], tie["depth_level"], tie["reciprocated"]) == ("coordinating", 2, True)
    assert tie["trust"] == pytest.approx(3.0)  # mean of 4 and 2
    assert tie["n_reports"] == 2
    assert one.undirected.edges["c", "d"]["reciprocated"] is False
    assert np.isnan(one.undirected.edges["c", "d"]["trust"])


def test_several_answers_from_one_organisation_keep_the_deepest_and_average_trust():
    ties = pd.DataFrame(
        {
            "round": 1,
            "respondent": ["x", "y", "z"],
            "organisation": "a",
            "partner": "b",
            "depth": ["networking", "cooperating", "coordinating"],
            "trust": [1.0, 5.0, np.nan],
        }
    )
    edge = organisation_network(ties, ORGS, k_min=3)[1].directed.edges["a", "b"]
    assert (edge["depth"], edge["trust"], edge["n_reports"]) == ("cooperating", 3.0, 3)


def test_place_organisations_are_accepted_as_well_as_a_frame(small_ties):
    from evalkit.config import Organisation

    objects = [Organisation(o.id, o.name, o.sector) for o in ORGS.itertuples()]
    by_objects = network_indicators(small_ties, objects, k_min=0)
    pd.testing.assert_frame_equal(by_objects, network_indicators(small_ties, ORGS, k_min=0))


def test_a_round_without_ties_is_all_isolates(small_ties):
    networks = organisation_network(small_ties, ORGS, rounds=[1, 2, 3], k_min=0)
    assert networks[3].undirected.number_of_edges() == 0
    assert networks[3].undirected.number_of_nodes() == 5
    row = network_indicators(small_ties, ORGS, rounds=[3], k_min=0).iloc[0]
    assert row["n_ties"] == 0 and row["density"] == 0 and row["n_isolates"] == 5
    assert np.isnan(row["ei_index"]) and np.isnan(row["reciprocity"])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"partner": "zz"}, "not in the place"),
        ({"depth": "friends"}, "Unknown depth"),
        ({"partner": "a"}, "own organisation"),
    ],
)
def test_bad_ties_raise_our_error(small_ties, change, message):
    bad = small_ties.copy()
    for column, value in change.items():
        bad.loc[0, column] = value
    with pytest.raises(EvalkitError, match=message):
        network_indicators(bad, ORGS)


# --- indicators, by hand -------------------------------------------------------------------------


def test_network_summary_is_json_ready(small_ties):
    import json

    indicators = network_indicators(small_ties, ORGS, rounds=[1, 2, 3], k_min=0)
    summary = network_summary(indicators, 1)
    assert list(summary) == NETWORK_COLUMNS[1:]
    assert json.loads(json.dumps(summary)) == summary
    assert (summary["n_ties"], summary["density"], summary["ei_index"]) == (4, 0.4, 0.0)
    assert isinstance(summary["n_orgs"], int) and isinstance(summary["reciprocity"], float)
    assert network_summary(indicators, 3)["ei_index"] is None  # no ties in round 3
    with pytest.raises(EvalkitError, match="round 9"):
        network_summary(indicators, 9)


def test_indicators_of_the_hand_worked_example(small_ties):
    table = network_indicators(small_ties, ORGS, k_min=0)
    assert list(table.columns) == NETWORK_COLUMNS
    one, two = table.iloc[0], table.iloc[1]

    # Round 1: undirected ties ab, ac, cd, ad (4) of 5 * 4 / 2 = 10 possible: density 0.4.
    assert (one["n_orgs"], one["n_reported"], one["n_ties"]) == (5, 5, 4)
    assert one["density"] == pytest.approx(4 / 10)
    # 5 reported ties; a<->b is reported both ways: 2 of the 5 are reciprocated.
    assert one["reciprocity"] == pytest.approx(2 / 5)
    # across sectors: ac, ad (E = 2); within: ab, cd (I = 2): share 2/4, E-I (2 - 2) / 4 = 0
    assert one["cross_sector_share"] == pytest.approx(0.5)
    assert one["ei_index"] == pytest.approx(0.0)
    # degrees a 3, b 1, c 2, d 2, e 0; max 3: (0 + 2 + 1 + 1 + 3) / ((5 - 1)(5 - 2)) = 7/12
    assert one["degree_centralisation"] == pytest.approx(7 / 12)
    # e is alone: 1 isolate, components {a, b, c, d} and {e}, the largest holds 4 of 5
    assert (one["n_isolates"], one["n_components"]) == (1, 2)
    assert one["largest_component_share"] == pytest.approx(0.8)
    # deepest depths: ab coordinating, ac cooperating, cd collaborating, ad networking
    assert [one[f"depth_{d}"] for d in DEPTHS] == pytest.approx([0.25] * 4)
    # trust given 4, 2, 3: mean 3
    assert one["mean_trust"] == pytest.approx(3.0)

    # Round 2: ab, ac, bc, bd, be, cd (6 ties): density 6/10.
    assert two["n_ties"] == 6 and two["density"] == pytest.approx(0.6)
    # no pair is reported both ways
    assert two["reciprocity"] == 0
    # across: ac, bc, bd, be (E = 4); within: ab, cd (I = 2): share 4/6, E-I (4 - 2) / 6 = 1/3
    assert two["cross_sector_share"] == pytest.approx(4 / 6)
    assert two["ei_index"] == pytest.approx(1 / 3)
    # degrees a 2, b 4, c 3, d 2, e 1; max 4: (2 + 0 + 1 + 2 + 3) / 12 = 8/12
    assert two["degree_centralisation"] == pytest.approx(8 / 12)
    assert (two["n_isolates"], two["n_components"], two["largest_component_share"]) == (0, 1, 1)
    # ab collaborating, ac networking, bc coordinating, bd networking, be networking,
    # cd collaborating: networking 3/6, coordinating 1/6, cooperating 0, collaborating 2/6
    assert [two[f"depth_{d}"] for d in DEPTHS] == pytest.approx([3 / 6, 1 / 6, 0, 2 / 6])
    assert np.isnan(two["mean_trust"])


def test_ei_index_and_cross_sector_share_are_one_measure():
    """E-I = (E - I) / (E + I) = 2 share - 1 with share = E / (E + I)."""
    ties = pd.DataFrame(
        {
            "round": 1,
            # within: ab, cd, ce (I = 3); across: ac (E = 1): E-I = (1 - 3) / 4 = -0.5
            "organisation": ["a", "c", "c", "a"],
            "partner": ["b", "d", "e", "c"],
            "depth": "networking",
        }
    )
    row = network_indicators(ties, ORGS, k_min=0).iloc[0]
    assert row["ei_index"] == pytest.approx(-0.5)
    assert row["cross_sector_share"] == pytest.approx(0.25)
    assert row["ei_index"] == pytest.approx(2 * row["cross_sector_share"] - 1)


def test_a_star_is_fully_centralised_and_a_ring_not_at_all():
    orgs = ORGS.assign(sector="public")
    star = pd.DataFrame({"round": 1, "organisation": "a", "partner": list("bcde")})
    # centre degree 4, leaves 1: 4 * (4 - 1) / ((5 - 1)(5 - 2)) = 12 / 12 = 1
    ring = pd.DataFrame({"round": 2, "organisation": list("abcde"), "partner": list("bcdea")})
    ties = pd.concat([star, ring]).assign(depth="networking")
    table = network_indicators(ties, orgs, k_min=0)
    assert table["degree_centralisation"].tolist() == pytest.approx([1.0, 0.0])
    # one sector only: no tie crosses sectors, E-I is -1
    assert table["ei_index"].tolist() == [-1.0, -1.0]


# --- indicators, against networkx ----------------------------------------------------------------


def test_indicators_match_networkx(random_ties):
    ties, orgs = random_ties
    table = network_indicators(ties, orgs, k_min=0).set_index("round")
    for r, network in organisation_network(ties, orgs, k_min=0).items():
        row, graph = table.loc[r], network.undirected
        assert row["density"] == pytest.approx(nx.density(graph))
        assert row["reciprocity"] == pytest.approx(nx.reciprocity(network.directed))
        assert row["n_components"] == nx.number_connected_components(graph)
        assert row["n_isolates"] == nx.number_of_isolates(graph)
        largest = max(len(c) for c in nx.connected_components(graph))
        assert row["largest_component_share"] == pytest.approx(largest / 15)
        # the undirected graph is networkx's own to_undirected of the reported ties
        assert set(map(frozenset, graph.edges)) == set(
            map(frozenset, network.directed.to_undirected().edges)
        )


def test_brokers_are_networkx_betweenness_highest_first(random_ties):
    ties, orgs = random_ties
    graph = organisation_network(ties, orgs, k_min=0)[2].undirected
    expected = nx.betweenness_centrality(graph)
    top = brokers(ties, orgs, round=2, n=4, k_min=0)
    assert list(top.columns) == BROKER_COLUMNS
    assert top["rank"].tolist() == [1, 2, 3, 4]
    assert top["betweenness"].is_monotonic_decreasing
    for row in top.itertuples():
        assert row.betweenness == pytest.approx(expected[row.organisation])
        assert row.name == orgs.set_index("id").loc[row.organisation, "name"]
        assert row.degree == graph.degree(row.organisation)
    assert top["betweenness"].iloc[0] == pytest.approx(max(expected.values()))


def test_brokers_of_the_hand_worked_example(small_ties):
    # Round 2: b lies on the only shortest paths e-a, e-c, e-d (3 of the 4 * 3 / 2 = 6 pairs
    # not involving b), and on one of the two paths a-d (a-b-d, a-c-d): 3.5 / 6 = 0.5833.
    top = brokers(small_ties, ORGS, round=2, k_min=0)
    assert top.loc[0, "name"] == "Birch Trust"
    assert top.loc[0, "betweenness"] == pytest.approx(3.5 / 6)
    # organisations on no shortest path are not brokers: e (a leaf) never comes back
    assert "e" not in set(top["organisation"])


# --- churn ---------------------------------------------------------------------------------------


def test_churn_of_the_hand_worked_example(small_ties):
    churn = tie_churn(small_ties, ORGS, k_min=0)
    assert list(churn.columns) == CHURN_COLUMNS
    row = churn.iloc[0]
    # round 1: ab coordinating, ac cooperating, cd collaborating, ad networking
    # round 2: ab collaborating, ac networking, cd collaborating, bc, bd, be
    # new: bc, bd, be (3); lost: ad (1); ab deepened, ac weakened, cd unchanged
    assert (row["round_from"], row["round_to"]) == (1, 2)
    assert row[["new", "lost", "deepened", "weakened", "unchanged"]].tolist() == [3, 1, 1, 1, 1]
    assert row["depth_hidden"] == 0
    assert (row["n_ties_from"], row["n_ties_to"]) == (4, 6)


def test_churn_adds_up(random_ties):
    ties, orgs = random_ties
    churn = tie_churn(ties, orgs, k_min=0)
    assert churn["round_to"].tolist() == [2, 3]
    both = churn["deepened"] + churn["weakened"] + churn["unchanged"] + churn["depth_hidden"]
    assert (churn["n_ties_to"] == churn["n_ties_from"] + churn["new"] - churn["lost"]).all()
    assert (churn["n_ties_from"] == both + churn["lost"]).all()
    sizes = network_indicators(ties, orgs, k_min=0)["n_ties"].tolist()
    assert churn["n_ties_from"].tolist() == sizes[:-1]
    assert churn["n_ties_to"].tolist() == sizes[1:]


# --- privacy -------------------------------------------------------------------------------------


def test_no_respondent_id_reaches_any_output(small_ties):
    indicators = network_indicators(small_ties, ORGS)
    outputs = [
        indicators,
        tie_churn(small_ties, ORGS),
        brokers(small_ties, ORGS, round=2),
        network_series(indicators),
    ]
    text = " ".join(frame.to_csv() for frame in outputs)
    for network in organisation_network(small_ties, ORGS).values():
        for graph in (network.directed, network.undirected):
            text += repr(list(graph.nodes(data=True))) + repr(list(graph.edges(data=True)))
            text += repr(graph.graph)
    assert SECRET not in text
    assert "respondent" not in text


# Round 1: five people of a (Ash Council) report a-b, one of them a-c too; one person of b
# reports b-a and b-d, one of c reports c-d. With k_min 5 only a's answers carry depth and trust.
FEW = pd.DataFrame(
    [(1, f"{SECRET}a{i}", "a", "b", "coordinating", 4.0) for i in range(5)]
    + [
        (1, f"{SECRET}a0", "a", "c", "cooperating", 3.0),
        (1, f"{SECRET}b0", "b", "a", "collaborating", 1.0),
        (1, f"{SECRET}b0", "b", "d", "collaborating", 2.0),
        (1, f"{SECRET}c0", "c", "d", "networking", np.nan),
    ],
    columns=["round", "respondent", "organisation", "partner", "depth", "trust"],
)


def test_depth_and_trust_come_only_from_organisations_with_k_min_people():
    one = organisation_network(FEW, ORGS, k_min=5)[1]
    assert one.directed.edges["a", "b"]["depth"] == "coordinating"
    assert one.directed.edges["a", "b"]["trust"] == 4.0
    for edge in (("b", "a"), ("b", "d"), ("c", "d")):  # one person's answers
        assert one.directed.edges[edge]["depth"] is None
        assert np.isnan(one.directed.edges[edge]["trust"])
    # a-b was reported by both sides: it keeps a's depth, not b's one person's deeper one
    tie = one.undirected.edges["a", "b"]
    assert (tie["depth"], tie["trust"], tie["reciprocated"]) == ("coordinating", 4.0, True)
    assert one.undirected.edges["b", "d"]["depth"] is None
    assert [n for n, named in one.undirected.nodes(data="nameable") if named] == ["a"]
    # with k_min 1 everything is shown, as before
    everything = organisation_network(FEW, ORGS, k_min=1)[1].undirected.edges["a", "b"]
    assert everything["depth"] == "collaborating"


def test_indicators_mix_only_the_depths_and_trust_shown():
    row = network_indicators(FEW, ORGS, k_min=5).iloc[0]
    # ties ab, ac, bd, cd: depth shown for ab (coordinating) and ac (cooperating)
    assert row["n_ties"] == 4 and row["depth_shown"] == 0.5
    assert [row[f"depth_{d}"] for d in DEPTHS] == [0, 0.5, 0.5, 0]
    assert row["mean_trust"] == pytest.approx((4 * 5 + 3) / 6)  # b's 1 and 2 left out
    everything = network_indicators(FEW, ORGS, k_min=0).iloc[0]
    assert everything["depth_shown"] == 1 and everything["mean_trust"] == pytest.approx(26 / 8)


def test_churn_counts_depth_changes_only_where_both_rounds_show_the_depth():
    later = FEW.assign(round=2, depth="networking")  # every tie weakened or unchanged...
    ties = pd.concat([FEW, later], ignore_index=True)
    row = tie_churn(ties, ORGS, k_min=5).iloc[0]
    # ab coordinating -> networking and ac cooperating -> networking: 2 weakened; bd and cd
    # come from one person each: their change is not told
    assert row[["deepened", "weakened", "unchanged", "depth_hidden"]].tolist() == [0, 2, 0, 2]
    assert tie_churn(ties, ORGS, k_min=0).iloc[0]["weakened"] == 3  # bd's collaborating too


def test_brokers_and_map_labels_name_only_organisations_with_k_min_people():
    from evalkit.plots.network import plot_network_map, stable_positions

    # a, b, c and d form a square (ab, ac, bd, cd): each brokers one pair equally
    assert brokers(FEW, ORGS, round=1, k_min=0)["organisation"].tolist() == list("abcd")
    named = brokers(FEW, ORGS, round=1, k_min=5)
    assert named["organisation"].tolist() == ["a"] and named["rank"].tolist() == [1]
    assert brokers(FEW, ORGS, round=1, k_min=6).empty
    networks = organisation_network(FEW, ORGS, k_min=5)
    ax = plot_network_map(networks[1], stable_positions(networks), n_labels=3)
    assert [t.get_text() for t in ax.texts] == ["Ash Council"]


def _drawn_ties(ax) -> list[tuple[float, str, int]]:
    """(line width, dashed or solid, number of ties) of each group of ties on a map."""
    from matplotlib.collections import LineCollection

    drawn = []
    for lines in ax.collections:
        if isinstance(lines, LineCollection):
            dashed = lines.get_linestyle()[0][1] is not None
            drawn.append(
                (round(float(lines.get_linewidth()[0]), 3), dashed, len(lines.get_segments()))
            )
    return drawn


def test_a_single_respondents_answers_never_shape_the_map():
    """The defect of issue 11: maps drew each tie's depth (line width) even when a single person
    of the reporting organisation gave it."""
    from evalkit.plots.network import DEPTH_STYLES, HIDDEN_DEPTH_STYLE, plot_network_map

    positions = {o: (i, i % 2) for i, o in enumerate("abcde")}
    maps = []
    for depth in ("networking", "collaborating"):  # what b's one person said of b-d
        ties = FEW.assign(depth=FEW["depth"].where(FEW["respondent"] != f"{SECRET}b0", depth))
        network = organisation_network(ties, ORGS, k_min=5)[1]
        ax = plot_network_map(network, positions)
        maps.append(_drawn_ties(ax))
        legend = [t.get_text() for t in ax.artists[0].get_texts()]
        assert legend[-1] == "Not shown (fewer than 5\npeople answered)"
    assert maps[0] == maps[1]
    width = {depth: style[0] for depth, style in DEPTH_STYLES.items()}
    assert maps[0] == [
        (HIDDEN_DEPTH_STYLE[0], True, 2),  # b-d and c-d, dashed
        (width["coordinating"], False, 1),  # a-b
        (width["cooperating"], False, 1),  # a-c
    ]


def test_ties_without_respondents_cannot_be_protected():
    with pytest.raises(EvalkitError, match="respondent column"):
        network_indicators(FEW.drop(columns="respondent"), ORGS)
    assert network_indicators(FEW.drop(columns="respondent"), ORGS, k_min=0)["n_ties"].item() == 4


# --- through the change engine -------------------------------------------------------------------


def _stepped_indicators() -> pd.DataFrame:
    """8 rounds: density flat near 0.10, then near 0.20 from round 5; E-I flat near -0.2."""
    rng = np.random.default_rng(7)
    rounds = np.arange(1, 9)
    density = np.where(rounds >= 5, 0.20, 0.10) + rng.normal(0, 0.005, 8)
    ei = -0.2 + rng.normal(0, 0.02, 8)
    return pd.DataFrame(
        {
            "round": rounds,
            "density": density,
            "ei_index": ei,
            "cross_sector_share": (ei + 1) / 2,
        }
    )


def test_network_series_goes_through_assess_trends_with_one_value_per_round():
    from evalkit.change import TREND_COLUMNS, assess_trends

    series = network_series(_stepped_indicators())
    assert list(series.columns) == ["round", "indicator", "value"]
    assert not series.duplicated(["round", "indicator"]).any()
    table = assess_trends(series, time="round", value="value", by="indicator", seed=1)
    assert list(table.columns) == ["indicator", *TREND_COLUMNS, "assessment"]
    density = table.set_index("indicator").loc["density"]
    assert density["shape"] == "step" and density["nonlinear"]
    assert density["breakpoint"] == 5
    assert (table["n_times"] == 8).all()


def test_assess_network_finds_the_step_in_density_and_nothing_in_a_flat_ei_index():
    table = assess_network(_stepped_indicators(), seed=1)
    assert table["indicator"].tolist() == ["density", "ei_index", "cross_sector_share"]
    density, ei, share = (table.iloc[i] for i in range(3))
    assert density["shape"] == "step" and density["nonlinear"]
    assert density["breakpoint"] == 5
    # shares are assessed in percentage points: a jump of 0.10 is 10 points
    assert density["level_shift"] == pytest.approx(10, abs=1)
    assert density["unit"] == "percentage points"
    assert "rose by about 10 percentage points between round 4 and round 5" in density["sentence"]
    assert density["sentence"].startswith("The share of possible ties that exist (density)")
    assert ei["shape"] == "flat" and not ei["nonlinear"]
    assert not share["nonlinear"]
    assert table["assessment"].iloc[0].shape == "step"
    assert table["assessment"].iloc[0].label == density["label"]


def test_network_series_refuses_an_unknown_indicator():
    with pytest.raises(EvalkitError, match="No network indicator"):
        network_series(_stepped_indicators(), ["closeness"])


# --- the demo ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_network(demo_place):
    from evalkit.config import load_place
    from evalkit.data.store import read_ties

    place = load_place(demo_place)
    ties = read_ties(demo_place)
    return place, ties, network_indicators(ties, place.organisations)


def test_demo_network_has_every_organisation_and_round(demo_network):
    place, ties, indicators = demo_network
    assert indicators["round"].tolist() == place.round_numbers
    assert (indicators["n_orgs"] == len(place.organisations)).all()
    assert indicators["n_ties"].gt(0).all()
    summary = describe_network(indicators, 1)
    assert summary.startswith(f"In round 1, {len(place.organisations)} organisations had ")


def test_demo_cross_sector_share_of_ties_rises(demo_network):
    """The demo draws cross-sector partners more often as trust tips (see demo._ties)."""
    _, _, indicators = demo_network
    share = indicators["cross_sector_share"].to_numpy()
    early, late = share[:3].mean(), share[-3:].mean()
    assert late > early + 0.15  # about 0.38 in rounds 1-3 against 0.66 in rounds 6-8
    assert np.corrcoef(indicators["round"], share)[0, 1] > 0.9
    assert indicators["ei_index"].iloc[-1] > 0 > indicators["ei_index"].iloc[0]
    # and ties deepen: collaborating grows, networking shrinks
    assert indicators["depth_collaborating"].iloc[-1] > indicators["depth_collaborating"].iloc[0]
    assert indicators["depth_networking"].iloc[-1] < indicators["depth_networking"].iloc[0]
    table = assess_network(indicators, ["cross_sector_share"])
    assert table.loc[0, "shape"] in {"linear", "step", "s_curve", "segmented"}
    assert table.loc[0, "slope_before"] > 0 or table.loc[0, "level_shift"] > 0


# --- maps ----------------------------------------------------------------------------------------


def _scatter_points(ax) -> set[tuple[float, float]]:
    from matplotlib.collections import PathCollection

    points = set()
    for collection in ax.collections:
        if isinstance(collection, PathCollection):
            points |= {(round(x, 9), round(y, 9)) for x, y in collection.get_offsets()}
    return points


def test_stable_positions_do_not_depend_on_round_order(small_ties):
    from evalkit.plots.network import stable_positions

    networks = organisation_network(small_ties, ORGS, k_min=0)
    positions = stable_positions(networks)
    assert sorted(positions) == list("abcde")
    backwards = stable_positions([networks[2], networks[1]])
    for org, (x, y) in positions.items():
        assert backwards[org] == pytest.approx((x, y))


def test_network_map_has_a_sector_legend_and_names_only_brokers(small_ties):
    from evalkit.plots.network import plot_network_map, stable_positions

    networks = organisation_network(small_ties, ORGS, k_min=0)
    positions = stable_positions(networks)
    sectors = {"public": "Public sector", "voluntary": "Voluntary and community"}
    ax = plot_network_map(networks[2], positions, sectors=sectors, title="Round 2")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Public sector", "Voluntary and community"]
    texts = [t.get_text() for t in ax.texts]
    top = brokers(small_ties, ORGS, round=2, n=3, k_min=0)["name"].tolist()
    assert texts == top  # only brokers are named, by organisation name, never by id
    assert not set(texts) & set(ORGS["id"])
    bare = plot_network_map(networks[2], positions, n_labels=0, legend=False)
    assert len(bare.texts) == 0 and bare.get_legend() is None


def test_maps_keep_organisations_in_place_across_rounds(small_ties):
    import matplotlib.pyplot as plt

    from evalkit.plots.network import plot_network_map, stable_positions

    networks = organisation_network(small_ties, ORGS, k_min=0)
    positions = stable_positions(networks)
    expected = {(round(x, 9), round(y, 9)) for x, y in positions.values()}
    _, axes = plt.subplots(1, 2)
    for ax, network in zip(axes, networks.values(), strict=True):
        plot_network_map(network, positions, ax=ax)
        assert _scatter_points(ax) == expected
    assert axes[0].get_xlim() == axes[1].get_xlim()
    assert axes[0].get_ylim() == axes[1].get_ylim()


def test_small_multiples_show_each_round_with_one_legend(demo_network, demo_place):
    from evalkit.plots.network import plot_network_small_multiples, stable_positions

    place, ties, indicators = demo_network
    networks = organisation_network(ties, place.organisations)
    positions = stable_positions(networks)
    fig = plot_network_small_multiples(
        networks, positions, rounds=[1, 4, 8], sectors=place.sectors, title="Ties across sectors"
    )
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    n_ties = indicators.set_index("round")["n_ties"]
    assert titles == [f"Round {r}: {n_ties[r]} ties" for r in (1, 4, 8)]
    (legend,) = fig.legends
    labels = [t.get_text() for t in legend.get_texts()]
    # first row: sectors (padded), second row: depths, and ties whose depth is not shown
    assert labels[0::2] == [*place.sectors.values(), " "]
    assert labels[1::2] == [d.capitalize() for d in DEPTHS] + [
        "Not shown (fewer than 5\npeople answered)"
    ]
    points = [_scatter_points(ax) for ax in fig.axes if ax.get_title(loc="left")]
    assert points[0] == points[1] == points[2]
    assert len(points[0]) == len(place.organisations)
