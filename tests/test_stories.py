"""Stories: counts against plain pandas, shifts, numbers beside words, quotes, masking, the demo."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import NORTHBRIDGE_ORGANISATIONS as ORGANISATIONS
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.config import Place, load_framework, load_place
from evalkit.data.store import read_events, read_ratings, read_reflections
from evalkit.exceptions import EvalkitError
from evalkit.indicators import level
from evalkit.plots.stories import plot_story_mix, plot_story_mixes, story_mix_alt
from evalkit.privacy import mask_text
from evalkit.stories.counts import VALENCES, story_counts
from evalkit.stories.quotes import select_quotes
from evalkit.stories.shifts import numbers_and_words, valence_shift

FRAMEWORK = load_framework("system-behaviours")
BEHAVIOURS = FRAMEWORK.behaviour_ids
SECTORS = {
    "public": "Public sector",
    "voluntary": "Voluntary and community",
    "private": "Private sector",
    "lived_experience": "Lived experience",
}
ROLES = {"frontline": "Frontline worker", "manager": "Manager"}


def make_place(k_min: int = 5) -> Place:
    return Place(
        dir=Path("."),
        id="test",
        name="Northbridge",
        framework=FRAMEWORK,
        rounds=(),
        organisations=ORGANISATIONS,
        sectors=SECTORS,
        roles=ROLES,
        k_min=k_min,
    )


def reflections(rows: list[dict]) -> pd.DataFrame:
    """Reflections with sensible defaults for every column the store has."""
    defaults = {
        "round": 1,
        "organisation": "open-door",
        "sector": "voluntary",
        "role": "frontline",
        "behaviours": "power_shared",
        "valence": "negative",
        "consent": True,
    }
    frame = pd.DataFrame([{**defaults, **row} for row in rows])
    if "respondent" not in frame:
        frame["respondent"] = [f"r{i:03d}" for i in range(len(frame))]
    return frame


# --- counts --------------------------------------------------------------------------------------


def random_reflections(seed: int, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    behaviours = []
    for _ in range(n):
        tags = list(rng.choice(BEHAVIOURS[:5], size=rng.integers(1, 3), replace=False))
        behaviours.append(tags if rng.random() < 0.5 else ";".join(tags))  # lists and strings
    return pd.DataFrame(
        {
            "round": rng.integers(1, 4, n),
            "respondent": [f"p{i}" for i in rng.integers(0, 120, n)],  # some write twice
            "behaviours": behaviours,
            "valence": rng.choice(list(VALENCES), n, p=[0.4, 0.2, 0.4]),
        }
    )


@pytest.mark.parametrize("k_min", [1, 5, 12])
def test_story_counts_match_plain_pandas(k_min):
    data = random_reflections(seed=k_min)
    counts = story_counts(data, FRAMEWORK, k_min)

    # independent computation: one row per reflection x tag, then crosstab
    tags = data["behaviours"].map(lambda v: v if isinstance(v, list) else v.split(";"))
    long = data.assign(behaviour=tags).explode("behaviour")
    for (r, b), rows in long.groupby(["round", "behaviour"]):
        got = counts[(counts["round"] == r) & (counts["behaviour"] == b)].set_index("valence")
        hidden = rows["respondent"].nunique() < k_min
        assert got["suppressed"].all() == hidden
        if hidden:
            assert got[["n", "n_behaviour", "share"]].isna().all().all()
            continue
        for valence in VALENCES:
            expected = (rows["valence"] == valence).sum()
            assert got.loc[valence, "n"] == expected
            assert got.loc[valence, "n_behaviour"] == len(rows)
            assert got.loc[valence, "share"] == pytest.approx(expected / len(rows))
    # every round x framework behaviour x valence is present; untagged behaviours are suppressed
    assert len(counts) == 3 * len(BEHAVIOURS) * len(VALENCES)
    untouched = counts[~counts["behaviour"].isin(BEHAVIOURS[:5])]
    assert untouched["suppressed"].all()


def test_story_counts_count_people_not_reflections_for_privacy():
    # six reflections on power by only four people: below k_min = 5, so no numbers at all
    data = reflections([{"respondent": who} for who in ["a", "a", "b", "b", "c", "d"]])
    power = story_counts(data, FRAMEWORK, 5).query("behaviour == 'power_shared'")
    assert power["suppressed"].all()
    assert power[["n", "n_behaviour", "share"]].isna().all().all()
    five = story_counts(reflections([{"respondent": who} for who in "abcde"]), FRAMEWORK, 5)
    assert not five.query("behaviour == 'power_shared'")["suppressed"].any()


def test_story_counts_two_tags_count_for_each_and_ignore_unknown_tags():
    data = reflections(
        [{"behaviours": "power_shared; shared_vision;not_a_behaviour", "valence": "Positive "}] * 5
    )
    counts = story_counts(data, FRAMEWORK, 5).query("valence == 'positive'").set_index("behaviour")
    assert counts.loc[["power_shared", "shared_vision"], "n"].tolist() == [5, 5]


def test_story_counts_refuse_unknown_valence():
    with pytest.raises(EvalkitError, match="valences"):
        story_counts(reflections([{"valence": "angry"}]), FRAMEWORK, 1)


# --- shifts and numbers beside words -------------------------------------------------------------


def counts_frame(per_round: dict[int, tuple[int, int, int] | None]) -> pd.DataFrame:
    """story_counts-shaped rows for one behaviour: round -> (negative, mixed, positive) or None."""
    rows = []
    for r, cells in per_round.items():
        total = sum(cells) if cells else np.nan
        for valence, n in zip(VALENCES, cells or (np.nan,) * 3, strict=True):
            rows.append(
                {
                    "round": r,
                    "behaviour": "power_shared",
                    "valence": valence,
                    "n": n,
                    "n_behaviour": total,
                    "share": n / total if cells else np.nan,
                    "suppressed": cells is None,
                }
            )
    return pd.DataFrame(rows)


def test_valence_shift_steps_skip_suppressed_rounds_and_span_first_to_last():
    counts = counts_frame({1: (1, 1, 8), 2: (2, 0, 8), 3: None, 4: (6, 1, 3)})
    shift = valence_shift(counts)
    steps = shift[shift["span"] == "step"]
    assert steps[["previous_round", "round"]].values.tolist() == [[1, 2], [2, 4]]
    last = steps.iloc[-1]
    assert last["negative_before"] == pytest.approx(0.2)
    assert last["negative_after"] == pytest.approx(0.6)
    assert last["change_negative"] == pytest.approx(0.4)
    assert last["change_positive"] == pytest.approx(-0.5)
    assert last["turned"] == "negative"
    assert steps.iloc[0]["turned"] == ""  # 10 to 20% negative: below the 15-point threshold
    overall = shift[shift["span"] == "overall"].iloc[0]
    assert (overall["previous_round"], overall["round"]) == (1, 4)
    assert overall["change_negative"] == pytest.approx(0.5)
    # p from the 2x2 table [[1, 9], [6, 4]], worked out with scipy's Fisher exact test
    assert overall["p_negative"] == pytest.approx(0.0573, abs=1e-4)


def test_valence_shift_threshold_counts_an_exact_15_point_move():
    counts = counts_frame({1: (1, 9, 10), 2: (4, 6, 10)})  # 5% -> 20% negative
    assert valence_shift(counts).iloc[0]["turned"] == "negative"
    assert valence_shift(counts, threshold=0.2).iloc[0]["turned"] == ""


def levels_frame(means, half_widths, rounds=(1, 2)) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "round": list(rounds),
            "behaviour": "power_shared",
            "group_by": "all",
            "group": "all",
            "mean": means,
            "ci_low": np.subtract(means, half_widths),
            "ci_high": np.add(means, half_widths),
            "suppressed": False,
        }
    )


def test_numbers_and_words_flags_rating_up_while_stories_turn_negative():
    counts = counts_frame({1: (1, 1, 8), 2: (6, 1, 3)})
    levels = pd.concat(
        [
            levels_frame([5.0, 5.8], [0.2, 0.2]),
            # other groupings are ignored
            levels_frame([9.0, 1.0], [0.1, 0.1]).assign(group_by="sector", group="public"),
        ]
    )
    row = numbers_and_words(levels, counts).query("span == 'step'").iloc[0]
    assert row["rating_change"] == pytest.approx(0.8)
    assert row["rating_noise"] == pytest.approx(np.hypot(0.2, 0.2), rel=1e-3)
    assert row["rating_moved"] == "up"
    assert row["turned"] == "negative"
    assert bool(row["disagree"])


@pytest.mark.parametrize(
    ("means", "half_widths", "cells", "moved", "disagree"),
    [
        ([5.0, 5.8], [0.6, 0.6], ((1, 1, 8), (6, 1, 3)), "", False),  # within the noise
        ([5.0, 5.2], [0.05, 0.05], ((1, 1, 8), (6, 1, 3)), "", False),  # below 0.3 points
        ([5.0, 5.8], [0.2, 0.2], ((1, 1, 8), (1, 1, 8)), "up", False),  # stories steady
        ([5.0, 5.8], [0.2, 0.2], ((6, 1, 3), (1, 1, 8)), "up", False),  # both improve
        ([5.8, 5.0], [0.2, 0.2], ((6, 1, 3), (1, 1, 8)), "down", True),  # down, stories up
    ],
)
def test_numbers_and_words_thresholds(means, half_widths, cells, moved, disagree):
    counts = counts_frame({1: cells[0], 2: cells[1]})
    row = numbers_and_words(levels_frame(means, half_widths), counts).iloc[0]
    assert row["rating_moved"] == moved
    assert bool(row["disagree"]) == disagree


def test_numbers_and_words_without_a_shown_level_has_no_rating_and_no_flag():
    counts = counts_frame({1: (1, 1, 8), 2: (6, 1, 3)})
    levels = levels_frame([5.0, 6.0], [0.1, 0.1]).assign(suppressed=[False, True])
    row = numbers_and_words(levels, counts).iloc[0]
    assert np.isnan(row["rating_change"])
    assert not row["disagree"]


# --- quotes --------------------------------------------------------------------------------------


def test_select_quotes_only_with_consent():
    answers = [True, "yes", "Yes ", " YES", False, "no", "", None, np.nan, "y", "unknown", 1, "No"]
    data = reflections(
        [{"consent": c, "text": f"Story number {i}."} for i, c in enumerate(answers)]
    )
    quotes = select_quotes(data, make_place(), ["power_shared"], per_behaviour=50)
    assert sorted(quotes["text"]) == [f"Story number {i}." for i in range(4)]


@pytest.mark.parametrize("k_min", [3, 5])
@pytest.mark.parametrize("attribute", ["sector", "role"])
def test_select_quotes_never_names_a_group_below_k_min(k_min, attribute):
    big, middle, small = (
        ("public", "voluntary", "private")
        if attribute == "sector"
        else ("frontline", "manager", "senior_leader")
    )
    rows = [{attribute: big, "text": f"Big group story {i}."} for i in range(k_min + 3)]
    rows += [{attribute: middle, "text": f"Middle group story {i}."} for i in range(k_min)]
    rows += [{attribute: small, "text": f"Small group story {i}."} for i in range(k_min - 1)]
    data = reflections(rows)
    kwargs = {"k_min": k_min, "per_behaviour": 50, "attribute": attribute}
    quotes = select_quotes(data, make_place(k_min=1), ["power_shared"], **kwargs)
    labels = SECTORS if attribute == "sector" else ROLES
    by_text = quotes.set_index("text")["group"]
    assert (by_text[by_text.index.str.startswith("Big")] == labels[big]).all()
    assert (by_text[by_text.index.str.startswith("Small")] == "A partner").all()
    # "A partner" must not mean the small group alone: the next smallest is not named either
    assert (by_text[by_text.index.str.startswith("Middle")] == "A partner").all()
    assert "Private sector" not in quotes.to_string() and "Senior" not in quotes.to_string()
    # ratings from the same round bring the small group up to k_min: now all can be named
    ratings = pd.DataFrame({"round": 1, "respondent": ["extra"], attribute: [small]})
    named = select_quotes(data, make_place(k_min=1), ["power_shared"], ratings=ratings, **kwargs)
    assert "A partner" not in set(named["group"])


def test_select_quotes_group_size_is_per_round_and_k_min_is_never_lowered():
    rows = [{"round": 1, "sector": "private", "text": f"Early {i}."} for i in range(5)]
    rows += [{"round": 2, "sector": "private", "text": f"Late {i}."} for i in range(4)]
    quotes = select_quotes(reflections(rows), make_place(k_min=5), k_min=2, per_behaviour=50)
    groups = quotes.set_index("text")["group"]
    assert (groups.filter(like="Early") == "Private sector").all()
    assert (groups.filter(like="Late") == "A partner").all()  # place.k_min = 5 still holds


@settings(max_examples=40, deadline=None)
@given(
    sectors=st.lists(st.sampled_from(list(SECTORS)), min_size=1, max_size=40),
    k_min=st.integers(1, 8),
    seed=st.integers(0, 5),
)
def test_select_quotes_named_groups_always_have_k_min_people(sectors, k_min, seed):
    rng = np.random.default_rng(seed)
    data = reflections(
        [
            {
                "round": int(rng.integers(1, 3)),
                "respondent": f"p{rng.integers(0, 15)}",
                "sector": s,
                "valence": str(rng.choice(VALENCES)),
                "text": f"Text {i}.",
            }
            for i, s in enumerate(sectors)
        ]
    )
    quotes = select_quotes(data, make_place(k_min=1), k_min=k_min, per_behaviour=50, seed=seed)
    people = data.groupby(["round", "sector"])["respondent"].nunique()
    label_to_sector = {v: k for k, v in SECTORS.items()}
    for row in quotes.itertuples():
        if row.group != "A partner":
            assert people[(row.round, label_to_sector[row.group])] >= k_min


def test_select_quotes_output_has_no_ids_organisations_or_contacts():
    rows = [
        {
            "respondent": f"secret-id-{i}",
            "organisation": "open-door",
            "text": f"Open Door story {i}: mail jo@example.org or ring 07700 900{i:03d}.",
        }
        for i in range(6)
    ]
    quotes = select_quotes(reflections(rows), make_place(), per_behaviour=50)
    assert list(quotes.columns) == ["round", "behaviour", "valence", "group", "text"]
    flat = quotes.to_string()
    for leak in ("secret-id", "open-door", "Open Door", "@", "07700"):
        assert leak not in flat


def test_select_quotes_are_short_varied_deduplicated_and_deterministic():
    rows = [{"valence": "negative", "text": f"Bad {i}."} for i in range(6)]
    rows += [{"valence": "positive", "text": f"Good {i}."} for i in range(4)]
    rows += [{"valence": "positive", "text": "Long. " * 80}]  # over 300 characters
    rows += [{"valence": "negative", "text": "Bad 0."}] * 3  # the same text again
    data = reflections(rows)
    place = make_place()
    quotes = select_quotes(data, place, ["power_shared"], per_behaviour=2, seed=3)
    assert sorted(quotes["valence"]) == ["negative", "positive"]  # one of each, negative first
    assert quotes["valence"].iloc[0] == "negative"  # the most common valence leads
    every = select_quotes(data, place, ["power_shared"], per_behaviour=50)
    assert every["text"].is_unique
    assert every["text"].str.len().max() <= 300
    assert len(every) == 10
    with_long = select_quotes(data, place, ["power_shared"], per_behaviour=50, max_chars=None)
    assert len(with_long) == 11
    # the same seed gives the same quotes whatever the row order; another seed may differ
    shuffled = data.sample(frac=1, random_state=1).reset_index(drop=True)
    again = select_quotes(shuffled, place, ["power_shared"], per_behaviour=2, seed=3)
    pd.testing.assert_frame_equal(quotes, again)


def test_select_quotes_use_a_reflection_for_one_behaviour_and_prefer_single_tags():
    rows = [{"behaviours": "power_shared;shared_vision", "text": f"Both {i}."} for i in range(5)]
    rows += [{"behaviours": "shared_vision", "text": "Vision only."}]
    quotes = select_quotes(
        reflections(rows), make_place(), ["shared_vision", "power_shared"], per_behaviour=3
    )
    vision = quotes[quotes["behaviour"] == "shared_vision"]["text"].tolist()
    assert vision[0] == "Vision only."
    assert quotes["text"].is_unique
    assert (quotes["behaviour"] == "power_shared").sum() == 3


def test_select_quotes_refuses_organisation_attribution_and_missing_columns():
    with pytest.raises(EvalkitError, match="sector or a role"):
        select_quotes(reflections([{}]), make_place(), attribute="organisation")
    with pytest.raises(EvalkitError, match="consent"):
        select_quotes(reflections([{}]).drop(columns="consent"), make_place())


# --- the demo ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_place):
    place = load_place(demo_place)
    return {
        "place": place,
        "reflections": read_reflections(demo_place),
        "ratings": read_ratings(demo_place),
        "events": read_events(demo_place),
        "truth": json.loads((demo_place / "truth.json").read_text()),
        "raw": pd.concat(
            pd.read_csv(f, dtype=str) for f in sorted(demo_place.glob("incoming/*/reflections.csv"))
        ),
    }


def test_demo_quotes_leak_no_ids_contacts_or_names(demo):
    place, refl = demo["place"], demo["reflections"]
    quotes = select_quotes(refl, place, per_behaviour=5, ratings=demo["ratings"], seed=7)
    assert len(quotes) == 5 * len(BEHAVIOURS)
    # the demo does put contact details in some texts, and some of them are quoted (masked)
    assert demo["raw"]["text"].str.contains("@").any()
    text = "\n".join(quotes.astype(str).to_numpy().ravel())
    with_contacts = refl[refl["text"].str.contains(r"@|\d{4}", regex=True)]
    masked = select_quotes(with_contacts, place, per_behaviour=5, ratings=demo["ratings"], seed=7)
    assert len(masked) > 0
    assert masked["text"].str.contains(r"\[email\]|\[phone\]", regex=True).all()
    text += "\n" + "\n".join(masked.astype(str).to_numpy().ravel())
    for ident in set(refl["respondent"]) | set(demo["raw"]["respondent_id"]):
        assert ident not in text
    assert not re.search(r"@|07700|\d{5}", text)
    names = [n for o in place.organisations for n in (o.name, *o.aliases)]
    assert place.redact and masked["text"].str.contains(r"\[name\]").any()
    for name in [*names, *place.redact]:
        assert not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE), name
    # every quote is the masked text of a reflection whose writer said yes
    consented = {mask_text(t, place) for t in refl.loc[refl["consent"], "text"]}
    assert set(quotes["text"]) <= consented
    # and a named group has at least k_min people in that round
    people = pd.concat([refl, demo["ratings"]])[["round", "respondent", "sector"]].drop_duplicates()
    size = people.groupby(["round", "sector"])["respondent"].nunique()
    by_label = {v: k for k, v in place.sectors.items()}
    for row in quotes.itertuples():
        if row.group != "A partner":
            assert size[(row.round, by_label[row.group])] >= place.k_min


def test_demo_stories_turn_negative_after_the_shock(demo):
    place, truth = demo["place"], demo["truth"]["behaviours"]
    counts = story_counts(demo["reflections"], place.framework, place.k_min)
    shocked = [b for b, t in truth.items() if t["shape"] == "shock_recovery"]
    turn = truth[shocked[0]]["turning_round"]
    negative = counts[
        counts["behaviour"].isin(shocked)
        & (counts["valence"] == "negative")
        & ~counts["suppressed"]
    ]

    def share(rounds) -> float:
        rows = negative[negative["round"].isin(rounds)]
        return rows["n"].sum() / rows["n_behaviour"].sum()

    before, after = share(range(1, turn)), share([turn, turn + 1])
    assert after - before >= 0.2, (before, after)  # seed 2: about 20% before, 54% after
    shift = valence_shift(counts)
    turned = shift[(shift["span"] == "step") & shift["behaviour"].isin(shocked)]
    assert (turned[turned["round"].isin([turn, turn + 1])]["turned"] == "negative").any()
    # numbers and words run on the demo, and compare the same pairs of rounds
    levels = level(demo["ratings"], place.framework, k_min=place.k_min)
    side_by_side = numbers_and_words(levels, counts)
    assert len(side_by_side) == len(shift)
    assert side_by_side["rating_change"].notna().all()


# --- charts --------------------------------------------------------------------------------------


def test_plot_story_mix_draws_hidden_rounds_as_hatched_bars(demo):
    place = demo["place"]
    k_min = 12  # a threshold some behaviour-rounds of the demo fall under
    counts = story_counts(demo["reflections"], place.framework, k_min)
    hidden = counts[counts["suppressed"]]["behaviour"].iloc[0]
    ax = plot_story_mix(counts, place.framework, behaviour=hidden, events=demo["events"])
    assert any(p.get_hatch() for p in ax.patches)
    assert "round by round" in ax.get_title(loc="left")
    alt = story_mix_alt(counts, place.framework, behaviour=hidden)
    assert "Not shown for round" in alt and place.framework.labels[hidden].lower() in alt
    fig = plot_story_mixes(counts, place.framework, events=demo["events"])
    shown = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title(loc="left") for a in shown] == list(place.framework.labels.values())
    assert "Power shared" in story_mix_alt(counts, place.framework)
