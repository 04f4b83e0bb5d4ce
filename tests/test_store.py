"""The store's readers: spec columns, stable order, round filters, the ingest log, data_hash."""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd
import pytest

from evalkit.config import load_framework
from evalkit.data import store
from evalkit.data.ingest import ingest_round
from evalkit.exceptions import StoreError

BEHAVIOURS = load_framework("system-behaviours").behaviour_ids

PLACE_YML = """\
name: Storeham
framework: system-behaviours
rounds:
  - {number: 1, label: Round 1}
  - {number: 2, label: Round 2}
  - {number: 3, label: Round 3}
roles: [manager, frontline]
organisations:
  - {id: council, name: Storeham Council, sector: public}
  - {id: nhs, name: Storeham NHS Trust, sector: public}
  - {id: shelter, name: Storeham Shelter, sector: voluntary}
  - {id: pantry, name: Community Pantry, sector: voluntary}
  - {id: shop, name: Corner Shop, sector: private}
  - {id: voices, name: Voices Group, sector: lived_experience}
"""
ORGS = ["council", "nhs", "shelter", "pantry", "shop", "voices"]


def ratings_csv(round_number: int) -> str:
    """Six respondents; respondent i rates behaviour j (i + j + round) % 10 + 1; j=0 is blank."""
    lines = ["respondent_id,organisation,role," + ",".join(BEHAVIOURS)]
    for i, org in enumerate(ORGS):
        cells = [""] + [str((i + j + round_number) % 10 + 1) for j in range(1, len(BEHAVIOURS))]
        lines.append(f"id-{i},{org},{'manager' if i % 2 else 'frontline'}," + ",".join(cells))
    return "\n".join(lines) + "\n"


FILES = {
    "ties": "respondent_id,organisation,partner,depth,trust\nid-0,council,shop,networking,2\n"
    "id-0,council,nhs,collaborating,5\n",
    "reflections": "respondent_id,organisation,role,behaviours,valence,consent,text\n"
    "id-2,shelter,frontline,power_shared,negative,no,Decisions made elsewhere\n",
    "events": "round,date,kind,description\n{round},2024-0{round}-20,decision,Joint budget\n",
}


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """Rounds 1 and 2 ingested with every kind of file (shared: treat as read-only)."""
    root = tmp_path_factory.mktemp("storeham")
    place_dir = root / "place"
    place_dir.mkdir()
    (place_dir / "place.yml").write_text(PLACE_YML)
    for round_number in (1, 2):
        paths = {}
        for kind, text in {"ratings": ratings_csv(round_number), **FILES}.items():
            paths[kind] = root / f"{kind}-{round_number}.csv"
            paths[kind].write_text(text.replace("{round}", str(round_number)))
        ingest_round(place_dir, round_number, **paths)
    return place_dir


READERS = [store.read_ratings, store.read_ties, store.read_reflections, store.read_events]


@pytest.mark.parametrize(
    "reader", [*READERS, store.read_files, store.ingested_rounds, lambda p: store.data_hash(p, [1])]
)
def test_readers_ask_for_an_ingest_when_there_is_no_store(tmp_path, reader):
    with pytest.raises(StoreError, match="run `evalkit ingest`"):
        reader(tmp_path)
    assert not (tmp_path / "store.duckdb").exists()


@pytest.mark.parametrize("reader", READERS)
def test_readers_return_the_spec_columns_in_a_stable_order(place, reader):
    table = reader.__name__.removeprefix("read_")
    frame = reader(place)
    assert list(frame.columns) == list(store.TABLES[table])
    assert sorted(frame["round"].unique()) == [1, 2]
    keys = {
        "ratings": ["round", "respondent", "behaviour"],
        "ties": ["round", "respondent", "partner"],
        "reflections": ["round", "organisation", "respondent"],
        "events": ["round", "date"],
    }[table]
    expected = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected)
    pd.testing.assert_frame_equal(reader(place), frame)


def test_ratings_values_round_trip(place):
    ratings = store.read_ratings(place, rounds=[2])
    assert len(ratings) == len(ORGS) * len(BEHAVIOURS)
    assert ratings.loc[ratings.behaviour == BEHAVIOURS[0], "rating"].isna().all()
    expected = sum((i + j + 2) % 10 + 1 for i in range(6) for j in range(1, 9))
    assert ratings["rating"].sum() == expected
    assert dict(zip(ratings.organisation, ratings.sector, strict=True))["shop"] == "private"


@pytest.mark.parametrize(
    "rounds, expected", [(None, [1, 2]), ([2], [2]), (range(1, 2), [1]), ([], []), ([3], [])]
)
def test_rounds_filter(place, rounds, expected):
    for reader in READERS:
        frame = reader(place, rounds=rounds)
        assert sorted(frame["round"].unique()) == expected
        assert list(frame.columns)[0] == "round"


def test_ingested_rounds_and_the_ingest_log(place):
    assert store.ingested_rounds(place) == [1, 2]
    files = store.read_files(place)
    assert list(files.columns) == list(store.TABLES["files"])
    assert len(files) == 8 and files["active"].all()
    assert files["kind"].tolist()[:4] == ["events", "ratings", "reflections", "ties"]
    for row in files.itertuples():
        assert hashlib.sha256((place / row.raw_path).read_bytes()).hexdigest() == row.sha256
        assert row.raw_path.startswith(f"raw/round-{row.round:02d}/{row.kind}.{row.sha256[:12]}")


def test_data_hash_matches_an_independent_computation(place):
    root = place.parent
    lines = sorted(
        f"{r}:{kind}:{hashlib.sha256((root / f'{kind}-{r}.csv').read_bytes()).hexdigest()}\n"
        for r in (1, 2)
        for kind in ("ratings", *FILES)
    )
    expected = hashlib.sha256("".join(lines).encode()).hexdigest()
    assert store.data_hash(place, [1, 2]) == store.data_hash(place, [2, 1]) == expected
    assert store.data_hash(place, [1]) != expected
    assert store.data_hash(place, []) == hashlib.sha256(b"").hexdigest()


def test_data_hash_follows_replaced_files(tmp_path):
    place_dir = tmp_path / "place"
    place_dir.mkdir()
    (place_dir / "place.yml").write_text(PLACE_YML)
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(ratings_csv(1))
    second.write_text(ratings_csv(2))
    ingest_round(place_dir, 1, ratings=first)
    before = store.data_hash(place_dir, [1])
    ingest_round(place_dir, 1, ratings=second, replace=True)
    assert store.data_hash(place_dir, [1]) != before
    ingest_round(place_dir, 1, ratings=first, replace=True)
    assert store.data_hash(place_dir, [1]) == before


def test_readers_are_read_only_and_can_share_the_store(place):
    before = (place / "store.duckdb").read_bytes()
    con = store.connect(place)
    try:
        assert len(store.read_ratings(place)) == 2 * len(ORGS) * len(BEHAVIOURS)
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM ratings")
    finally:
        con.close()
    assert (place / "store.duckdb").read_bytes() == before


def test_the_files_index_sees_what_a_killed_process_left_in_the_write_ahead_log(place, tmp_path):
    """A process killed after committing leaves its data in ``store.duckdb.wal``, not in the
    store's file: the index of active files must not be taken as current then."""
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "place"
    shutil.copytree(place, copy)
    before = store.active_files(copy)  # read from the store, and the index written
    assert (copy / store.FILES_INDEX).exists() and any(f[:2] == (2, "ties") for f in before)
    script = (
        "import duckdb, os, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute(\"UPDATE files SET active = false WHERE round = 2 AND kind = 'ties'\")\n"
        "os._exit(0)  # no checkpoint: the change stays in the write-ahead log\n"
    )
    subprocess.run([sys.executable, "-c", script, str(copy / "store.duckdb")], check=True)
    assert (copy / "store.duckdb.wal").exists()
    after = store.active_files(copy)
    assert not any(f[:2] == (2, "ties") for f in after)
    assert len(after) == len(before) - 1
