"""The demo generator: deterministic, in the spec's formats, faithful to the truth it reports."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from evalkit.config import DEFAULT_SECTORS, load_framework, load_place
from evalkit.data.vocabulary import COLUMNS as INGEST_COLUMNS
from evalkit.demo.files import write_demo, write_programme
from evalkit.demo.simulator import DEFAULT_SEED, DEPTHS, PROGRAMME, SHAPES, simulate
from evalkit.exceptions import EvalkitError

BEHAVIOURS = load_framework("system-behaviours").behaviour_ids
# the demo writes exactly the columns ingest expects, behaviours after the ratings' own columns
COLUMNS = {kind: list(columns) for kind, columns in INGEST_COLUMNS.items()}
COLUMNS["ratings"] += BEHAVIOURS
# noise and rounding of one rating, around the latent mean plus the person's effect
RATING_SD = np.sqrt(1.2**2 + 1 / 12)


@pytest.fixture(scope="module")
def demo():
    return simulate(seed=1)


@pytest.fixture(scope="module")
def place_dir(tmp_path_factory):
    return write_demo(tmp_path_factory.mktemp("demo") / "northbridge", seed=1)


@pytest.fixture(scope="module")
def rated(demo):
    """Ratings in long form with each respondent's sector and hidden person effect."""
    long = demo.ratings.melt(
        id_vars=["round", "respondent_id"],
        value_vars=BEHAVIOURS,
        var_name="behaviour",
        value_name="rating",
    ).dropna(subset=["rating"])
    hidden = demo.respondents[["respondent_id", "sector", "person_effect"]]
    return long.merge(hidden, on="respondent_id").astype({"rating": float})


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- determinism and the place folder ------------------------------------------------------------


def test_same_seed_writes_identical_bytes(place_dir, tmp_path):
    again = write_demo(tmp_path / "again", seed=1)
    assert _files(again) == _files(place_dir)
    assert len(_files(place_dir)) == 2 + 4 * 8


def test_different_seed_gives_different_ratings(demo):
    other = simulate(seed=2)
    assert not demo.ratings.equals(other.ratings)
    assert demo.truth["behaviours"] == other.truth["behaviours"]


def test_place_yml_loads(place_dir):
    place = load_place(place_dir)
    assert (
        place.name == "Northbridge"
        and place.k_min == 5
        and place.framework.id == "system-behaviours"
    )
    assert place.round_numbers == list(range(1, 9))
    assert place.round(5).date.isoformat() == "2025-03-15"
    assert list(place.sectors) == list(DEFAULT_SECTORS)
    assert set(place.roles) == {
        "senior_leader",
        "manager",
        "frontline",
        "expert_by_experience",
        "elected_member",
    }
    by_sector = pd.Series([o.sector for o in place.organisations]).value_counts()
    assert 55 <= len(place.organisations) <= 65 and set(by_sector.index) == set(DEFAULT_SECTORS)
    assert by_sector.min() >= 5
    assert "Northbridge City Council" in [o.name for o in place.organisations]


def test_csv_columns_match_the_spec(place_dir):
    for folder in sorted((place_dir / "incoming").iterdir()):
        assert re.fullmatch(r"round-\d\d", folder.name)
        for kind, columns in COLUMNS.items():
            if kind == "log":  # the learning log is written by 'evalkit log', not by surveys
                assert not (folder / f"{kind}.csv").exists()
                continue
            assert list(pd.read_csv(folder / f"{kind}.csv", nrows=0).columns) == columns


def test_ratings_are_whole_numbers_in_scale_or_blank(place_dir):
    raw = pd.read_csv(
        place_dir / "incoming" / "round-03" / "ratings.csv", dtype=str, keep_default_na=False
    )
    values = raw[BEHAVIOURS].to_numpy().ravel()
    assert all(v == "" or v.isdigit() and 1 <= int(v) <= 10 for v in values)
    assert 0.01 < np.mean(values == "") < 0.06


def test_every_organisation_spelling_resolves(place_dir, demo):
    lookup = load_place(place_dir).organisation_lookup()
    typed = demo.ratings["organisation"]
    resolved = typed.map(lambda name: lookup[" ".join(name.casefold().split())].id)
    assert (
        resolved
        == demo.ratings["respondent_id"].map(
            demo.respondents.set_index("respondent_id")["organisation"]
        )
    ).all()
    names = {o.name for o in load_place(place_dir).organisations}
    assert 0.03 < (~typed.isin(names)).mean() < 0.25
    for kind in ("ties", "reflections"):
        assert getattr(demo, kind)["organisation"].isin(names).all()


def test_events_files_hold_only_their_round(place_dir, demo):
    for r in range(1, 9):
        events = pd.read_csv(place_dir / "incoming" / f"round-{r:02d}" / "events.csv")
        assert (events["round"] == r).all()
        assert events["kind"].isin(["intervention", "context", "decision"]).all()
    wanted = {
        (3, "context", "New partnership board formed"),
        (5, "intervention", "Shared learning programme launched"),
        (5, "context", "Funding cut to partnership budget"),
        (6, "decision", "Board agreed to co-chair with people with lived experience"),
    }
    assert wanted <= set(
        demo.events[["round", "kind", "description"]].itertuples(index=False, name=None)
    )
    assert pd.to_datetime(demo.events["date"], format="%Y-%m-%d").notna().all()


def test_truth_json_is_the_simulated_truth(place_dir, demo):
    truth = json.loads((place_dir / "truth.json").read_text(encoding="utf-8"))
    assert truth == json.loads(json.dumps(demo.truth))
    assert (
        truth["seed"] == 1
        and truth["place"] == "Northbridge"
        and truth["rounds"] == list(range(1, 9))
    )


def test_rewrites_an_earlier_demo_but_refuses_other_folders(place_dir, tmp_path):
    write_demo(place_dir, seed=1)
    (place_dir / "store.duckdb").write_bytes(b"")
    write_demo(place_dir, seed=1)  # the same demo: the store is not stale
    with pytest.raises(EvalkitError, match="different demo"):
        write_demo(place_dir, seed=2)
    (place_dir / "store.duckdb").unlink()
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(EvalkitError, match="notes.txt"):
        write_demo(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_bad_settings_are_refused():
    with pytest.raises(EvalkitError, match="rounds"):
        simulate(n_rounds=3)
    with pytest.raises(EvalkitError, match="name"):
        simulate(name=" ")


def test_place_name_shapes_organisations():
    orgs = simulate(seed=1, n_rounds=6, name="West Harbour").place["organisations"]
    assert orgs[0] == {
        "id": "wh-council",
        "name": "West Harbour City Council",
        "sector": "public",
        "aliases": ["WCC", "West Harbour Council"],
    }


# --- respondents ---------------------------------------------------------------------------------


def test_panel_of_respondents(demo):
    per_round = demo.ratings.groupby("round")["respondent_id"]
    assert per_round.size().between(150, 300).all()
    assert (
        per_round.size().loc[1] == 220
        and not per_round.apply(lambda ids: ids.duplicated().any()).any()
    )
    assert demo.ratings["respondent_id"].str.fullmatch(r"R\d{4}").all()
    ids = per_round.apply(set)
    for r in range(2, 9):
        stayed = ids[r] & ids[r - 1]
        assert 0.7 < len(stayed) / len(ids[r - 1]) < 0.95
        assert ids[r] - ids[r - 1] and ids[r - 1] - ids[r]


def test_roles_follow_sector(demo):
    who = demo.respondents
    lived = who["sector"] == "lived_experience"
    assert (who.loc[lived, "role"] == "expert_by_experience").all()
    staff = who.loc[~lived, "role"].value_counts()
    assert "expert_by_experience" not in staff and staff.index.tolist() == [
        "frontline",
        "manager",
        "senior_leader",
        "elected_member",
    ]
    assert (who.loc[who["role"] == "elected_member", "sector"] == "public").all()


def test_some_groups_are_too_small_to_show(demo):
    hidden = demo.respondents.set_index("respondent_id")
    who = demo.ratings[["round"]].join(hidden, on=demo.ratings["respondent_id"])
    by_org = who.groupby(["round", "organisation"]).size()
    by_sector_role = who.groupby(["round", "sector", "role"]).size()
    assert (by_org < 5).any() and (by_org >= 10).any()
    assert (by_sector_role < 5).any()


# --- the truth behind the ratings ----------------------------------------------------------------


def test_latent_levels_stay_in_the_unclipped_range(demo):
    for behaviour in demo.truth["behaviours"].values():
        assert np.all(
            (np.array(list(behaviour["latent"].values())) >= 3.0)
            & (np.array(list(behaviour["latent"].values())) <= 7.5)
        )


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_ratings_centre_on_the_latent_means(rated, demo, behaviour):
    """Mean rating less the mean person effect of who answered is within 4 standard errors."""
    truth = demo.truth["behaviours"][behaviour]["latent"]
    for sector, group in rated.loc[rated["behaviour"] == behaviour].groupby("sector"):
        by_round = group.groupby("round").agg(
            rating=("rating", "mean"), person=("person_effect", "mean"), n=("rating", "size")
        )
        error = by_round["rating"] - by_round["person"] - np.array(truth[sector])
        assert (error.abs() < 4 * RATING_SD / np.sqrt(by_round["n"])).all(), (
            sector,
            error.round(2).tolist(),
        )


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_large_sectors_follow_the_latent_trajectory(rated, demo, behaviour):
    truth = demo.truth["behaviours"][behaviour]
    for sector in ("public", "voluntary"):
        group = rated.loc[(rated["behaviour"] == behaviour) & (rated["sector"] == sector)]
        mean = group.groupby("round")["rating"].mean().to_numpy()
        latent = np.array(truth["latent"][sector])
        assert np.abs(mean - latent).max() < 0.6
        if truth["shape"] != "flat":
            assert np.corrcoef(mean, latent)[0, 1] > 0.8


def _check_shape(shape, turning, series):
    rise = np.diff(series)
    if shape == "flat":
        assert np.ptp(series) < 0.3 and turning is None
    elif shape == "linear":
        assert np.allclose(rise, rise[0], atol=1e-3) and abs(rise[0]) > 0.1 and turning is None
    elif shape == "step":
        jump = np.flatnonzero(np.abs(rise) > 1e-3)
        assert jump.tolist() == [turning - 2] and abs(rise[turning - 2]) >= 1.0
    elif shape == "segmented":
        assert np.allclose(rise[: turning - 1], 0) and np.allclose(
            rise[turning - 1 :], rise[-1], atol=1e-3
        )
        assert abs(rise[-1]) > 0.2
    elif shape == "s_curve":
        assert (rise > 0).all() and abs(int(np.argmax(rise)) + 2 - turning) <= 1
        assert series[-1] - series[0] > 1.5
    elif shape == "shock_recovery":
        assert int(np.argmin(rise)) + 2 == turning and rise.min() < -1.0
        assert series[-1] < series[turning - 2] and (rise[turning - 1 :] > 0).all()
    else:
        raise AssertionError(f"unknown shape {shape}")


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_truth_shape_matches_its_latent_series(demo, behaviour):
    truth = demo.truth["behaviours"][behaviour]
    assert truth["shape"] in SHAPES
    for sector, series in truth["latent"].items():
        timing = truth.get("by_sector", {}).get(sector, truth)
        assert timing["shape"] == truth["shape"]
        _check_shape(timing["shape"], timing["turning_round"], np.array(series))


def test_story_of_the_place(demo):
    behaviours = demo.truth["behaviours"]
    trust = behaviours["trusting_relationships"]
    assert (
        trust["by_sector"]["voluntary"]["turning_round"]
        < trust["by_sector"]["private"]["turning_round"]
    )
    assert behaviours["collaborative_leadership"]["turning_round"] == trust["turning_round"] + 1
    assert "by_sector" not in behaviours["power_shared"]
    for power in ("power_shared", "devolved_decisions", "mutual_accountability"):
        latent = behaviours[power]["latent"]
        gap = np.mean(latent["public"]) - np.mean(latent["lived_experience"])
        assert 0.8 <= gap <= 1.6


# --- ties and reflections ------------------------------------------------------------------------


def test_ties_cross_sectors_and_deepen_as_trust_grows(demo):
    sector = {o["name"]: o["sector"] for o in demo.place["organisations"]}
    ties = demo.ties
    assert (ties["organisation"] != ties["partner"]).all()
    assert ties.groupby(["round", "respondent_id"]).size().between(1, 4).all()
    assert not ties.duplicated(["round", "respondent_id", "partner"]).any()
    assert ties["depth"].isin(DEPTHS).all() and ties["trust"].dropna().between(1, 5).all()
    assert 0.03 < ties["trust"].isna().mean() < 0.2
    crossing = ties["organisation"].map(sector) != ties["partner"].map(sector)
    depth = ties["depth"].map({d: i for i, d in enumerate(DEPTHS)})
    early, late = ties["round"] <= 2, ties["round"] >= 7
    assert crossing[late].mean() > crossing[early].mean() + 0.2
    assert depth[late].mean() > depth[early].mean() + 0.5


def test_reflections(demo):
    stories = demo.reflections
    share = stories.groupby("round").size() / demo.ratings.groupby("round").size()
    assert share.between(0.35, 0.55).all()
    assert stories["valence"].isin(["positive", "negative", "mixed"]).all()
    assert (
        stories["consent"].isin(["yes", "no"]).all()
        and 0.7 < (stories["consent"] == "yes").mean() < 0.9
    )
    tags = stories["behaviours"].str.split(";")
    assert (tags.map(len) == 1).all() and tags.explode().isin(BEHAVIOURS).all()
    assert stories["text"].str.contains(r"@example\.org|07700 900").any()
    first = tags.str[0]
    positive = stories["valence"] == "positive"
    power = first.isin(["power_shared", "mutual_accountability"])
    before, after = stories["round"] <= 4, stories["round"].between(5, 7)
    assert positive[power & before].mean() > positive[power & after].mean() + 0.2
    trust = first == "trusting_relationships"
    assert (
        positive[trust & (stories["round"] >= 6)].mean()
        > positive[trust & (stories["round"] <= 3)].mean() + 0.2
    )


# --- variants and the demo programme -------------------------------------------------------------


@pytest.mark.parametrize("variant", [1, 2])
@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_variant_truth_matches_its_latent_series(variant, behaviour):
    truth = simulate(seed=1, variant=variant).truth["behaviours"][behaviour]
    assert truth["shape"] in SHAPES
    for sector, series in truth["latent"].items():
        timing = truth.get("by_sector", {}).get(sector, truth)
        assert timing["shape"] == truth["shape"]
        _check_shape(timing["shape"], timing["turning_round"], np.array(series))


def test_variants_recast_the_story_and_move_its_timing(demo):
    base = demo.truth["behaviours"]
    for variant, shift in [(1, -1), (2, 1)]:
        other = simulate(seed=1, variant=variant)
        behaviours = other.truth["behaviours"]
        # each behaviour takes the trajectory of the one three places further along
        for i, b in enumerate(BEHAVIOURS):
            source = base[BEHAVIOURS[(i + 3 * variant) % len(BEHAVIOURS)]]
            assert behaviours[b]["shape"] == source["shape"]
            if source["turning_round"] is None:
                continue
            # the S-curves keep their timing (both plateaus stay in view in eight rounds)
            moves = 0 if source["shape"] == "s_curve" else shift
            assert behaviours[b]["turning_round"] == source["turning_round"] + moves
        assert sum(behaviours[b]["shape"] != base[b]["shape"] for b in BEHAVIOURS) >= 6
        moved = demo.events.assign(round=demo.events["round"] + shift)
        assert other.events[["round", "kind", "description"]].equals(
            moved[["round", "kind", "description"]]
        )
        assert other.truth["variant"] == variant
        assert other.ratings.shape == demo.ratings.shape  # the same people, differently minded
        assert not other.ratings.equals(demo.ratings)
    assert "variant" not in demo.truth and simulate(seed=1, variant=0).truth == demo.truth


def test_bad_variants_are_refused():
    with pytest.raises(EvalkitError, match="variants 0, 1 and 2"):
        simulate(variant=3)
    with pytest.raises(EvalkitError, match="variants"):
        simulate(variant=True)
    with pytest.raises(EvalkitError, match="7 to 12 rounds"):
        simulate(n_rounds=6, variant=2)
    assert simulate(n_rounds=6, variant=1).truth["rounds"] == list(range(1, 7))


def test_write_programme(tmp_path):
    dirs = write_programme(tmp_path / "programme")
    assert [d.name for d in dirs] == ["northbridge", "kingsford", "millbrook"]
    for folder, (name, seed, variant) in zip(dirs, PROGRAMME, strict=True):
        place = load_place(folder)
        assert place.id == folder.name and place.name == name
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        assert (truth["seed"], truth.get("variant", 0)) == (seed, variant)
        assert (
            (folder / "place.yml")
            .read_text()
            .startswith(
                f"# A fictional place generated by evalkit.demo (seed {seed}"
                + (f", variant {variant})" if variant else ")")
            )
        )
        # evalkit's four files a round, or a tool's export and events a round with mapping.yml
        exported = (folder / "mapping.yml").exists()
        assert exported == (name in ("Kingsford", "Millbrook"))
        assert len(_files(folder)) == (3 + 2 * 8 if exported else 2 + 4 * 8)
    # the first place is the demo of `make demo`, byte for byte
    assert PROGRAMME[0][1:] == (DEFAULT_SEED, 0)
    assert _files(dirs[0]) == _files(write_demo(tmp_path / "demo", seed=DEFAULT_SEED))
    assert [d.name for d in write_programme(tmp_path / "programme", n_rounds=7)] == [
        d.name for d in dirs
    ]  # written again over itself
    (tmp_path / "file").write_text("")
    with pytest.raises(EvalkitError, match="is a file"):
        write_programme(tmp_path / "file")
