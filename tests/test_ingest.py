"""Ingest: validation messages, keyed hashing, idempotence, --replace and all-or-nothing loading."""

from __future__ import annotations

import hashlib
import hmac
import stat

import numpy as np
import pandas as pd
import pytest

from evalkit.config import load_framework, load_place
from evalkit.data import ingest, store
from evalkit.data.ingest import ingest_round
from evalkit.data.keys import pseudonymise
from evalkit.data.problems import MAX_PROBLEMS_PER_FILE
from evalkit.data.validate import check_round, validate_round
from evalkit.data.vocabulary import COLUMNS
from evalkit.exceptions import StoreError, ValidationError

BEHAVIOURS = load_framework("system-behaviours").behaviour_ids

PLACE_YML = """\
name: Testbridge
framework: system-behaviours
k_min: 3
rounds:
  - {number: 1, label: Round 1, date: 2024-03-15}
  - {number: 2, label: Round 2, date: 2024-09-15}
roles: {senior_leader: Senior leader, manager: Manager, frontline: Frontline worker}
organisations:
  - {id: tb-council, name: Testbridge City Council, sector: public, aliases: [TCC]}
  - {id: tb-health, name: Testbridge Health Trust, sector: public}
  - {id: tb-shelter, name: Riverside Shelter, sector: voluntary, aliases: [Riverside]}
  - {id: tb-foodbank, name: Testbridge Foodbank, sector: voluntary}
  - {id: tb-builders, name: Harbour Builders Ltd, sector: private}
  - {id: tb-voices, name: Voices of Testbridge, sector: lived_experience}
"""
# Spellings as people type them -> the organisation id they mean.
SPELLINGS = {
    "tb-council": "tb-council",
    "  testbridge  city council ": "tb-council",
    "TCC": "tb-council",
    "Testbridge Health Trust": "tb-health",
    "riverside": "tb-shelter",
    "Testbridge Foodbank": "tb-foodbank",
    "Harbour Builders Ltd": "tb-builders",
    "tb-voices": "tb-voices",
}
SECTOR = {
    "tb-council": "public",
    "tb-health": "public",
    "tb-shelter": "voluntary",
    "tb-foodbank": "voluntary",
    "tb-builders": "private",
    "tb-voices": "lived_experience",
}
ROLES = ["senior_leader", "manager", "frontline"]


def make_ratings(seed: int, n: int = 12) -> pd.DataFrame:
    """A wide ratings sheet as received: text cells, about 10% blank."""
    rng = np.random.default_rng(seed)
    values = rng.integers(1, 11, size=(n, len(BEHAVIOURS))).astype(str).astype(object)
    values[rng.random(values.shape) < 0.1] = ""
    sheet = pd.DataFrame(values, columns=BEHAVIOURS)
    sheet.insert(0, "respondent_id", [f"RESP-SECRET-{i:03d}" for i in range(n)])
    sheet.insert(1, "organisation", rng.choice(list(SPELLINGS), size=n))
    sheet.insert(2, "role", rng.choice(ROLES, size=n))
    return sheet


def write(folder, name: str, table: pd.DataFrame | str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    text = table if isinstance(table, str) else table.to_csv(index=False)
    path.write_bytes(text.encode("utf-8"))
    return path


def snapshot(folder) -> dict[str, str]:
    """Every file's sha256 and every folder under ``folder``: equal snapshots = nothing changed."""
    return {
        p.relative_to(folder).as_posix(): "folder"
        if p.is_dir()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
    }


def keyed(raw_id: str, place_dir) -> str:
    """The expected hash of a respondent id, computed independently of evalkit."""
    key = bytes.fromhex((place_dir / ".evalkit-key").read_text().strip())
    return hmac.new(key, raw_id.encode(), hashlib.sha256).hexdigest()[:16]


@pytest.fixture
def place_dir(tmp_path):
    folder = tmp_path / "testbridge"
    folder.mkdir()
    (folder / "place.yml").write_text(PLACE_YML)
    return folder


@pytest.fixture
def incoming(tmp_path):
    return tmp_path / "incoming"


def problems_of(excinfo) -> set[tuple]:
    return {(p.row, p.column, p.value) for p in excinfo.value.problems}


# --- loading -------------------------------------------------------------------------------------


def test_ingest_stores_tidy_ratings_matching_the_csv(place_dir, incoming):
    sheet = make_ratings(seed=1)
    result = ingest_round(place_dir, 1, ratings=write(incoming, "r1.csv", sheet))
    assert result.status == {"ratings": "ingested"}
    assert str(result) == f"Round 1: ratings ingested ({len(sheet) * 9} rows)."

    ratings = store.read_ratings(place_dir)
    assert list(ratings.columns) == list(store.TABLES["ratings"])
    assert len(ratings) == len(sheet) * len(BEHAVIOURS)
    assert ratings["rating"].isna().sum() == (sheet[BEHAVIOURS] == "").sum().sum()
    expected_mean = pd.to_numeric(sheet["shared_vision"].replace("", np.nan)).mean()
    assert ratings.loc[ratings.behaviour == "shared_vision", "rating"].mean() == expected_mean
    for i in (0, 5, 11):
        row = sheet.iloc[i]
        mine = ratings[ratings.respondent == keyed(row["respondent_id"], place_dir)]
        org = SPELLINGS[row["organisation"]]
        assert set(mine.organisation) == {org} and set(mine.sector) == {SECTOR[org]}
        assert set(mine.role) == {row["role"]}
        got = mine.set_index("behaviour")["rating"]
        for behaviour in BEHAVIOURS:
            cell = row[behaviour]
            assert np.isnan(got[behaviour]) if cell == "" else got[behaviour] == float(cell)


def test_raw_ids_never_reach_the_store_and_the_key_is_private(place_dir, incoming):
    ingest_round(place_dir, 1, ratings=write(incoming, "r1.csv", make_ratings(seed=2)))
    key_file = place_dir / ".evalkit-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key_file.read_text().strip())) == 32
    assert b"RESP-SECRET" not in (place_dir / "store.duckdb").read_bytes()
    assert store.read_ratings(place_dir)["respondent"].str.fullmatch("[0-9a-f]{16}").all()


def test_hashes_are_stable_across_rounds(place_dir, incoming):
    ingest_round(place_dir, 1, ratings=write(incoming, "r1.csv", make_ratings(seed=3)))
    ingest_round(place_dir, 2, ratings=write(incoming, "r2.csv", make_ratings(seed=4)))
    ratings = store.read_ratings(place_dir)
    by_round = ratings.groupby("round")["respondent"].apply(set)
    assert (
        by_round[1] == by_round[2] == {keyed(f"RESP-SECRET-{i:03d}", place_dir) for i in range(12)}
    )


def test_pseudonymise_is_hmac_sha256_truncated():
    key = bytes(range(32))
    expected = hmac.new(key, b"abc", hashlib.sha256).hexdigest()[:16]
    assert pseudonymise(["abc", "abd", "abc"], key) == [
        expected,
        pseudonymise(["abd"], key)[0],
        expected,
    ]


def test_reingesting_the_same_bytes_is_a_no_op(place_dir, incoming, monkeypatch):
    path = write(incoming, "r1.csv", make_ratings(seed=5))
    ingest_round(place_dir, 1, ratings=path)
    before, files = snapshot(place_dir), store.read_files(place_dir)

    def no_writing(place_dir, *, read_only=True, _connect=store.connect):
        assert read_only, "an unchanged re-ingest must not open the store for writing"
        return _connect(place_dir, read_only=read_only)

    monkeypatch.setattr(store, "connect", no_writing)
    result = ingest_round(place_dir, 1, ratings=path)
    assert result.status == {"ratings": "unchanged"}
    assert snapshot(place_dir) == before
    pd.testing.assert_frame_equal(store.read_files(place_dir), files)


def test_adding_a_kind_to_an_ingested_round_keeps_the_rest(place_dir, incoming):
    ratings = write(incoming, "r1.csv", make_ratings(seed=6))
    ingest_round(place_dir, 1, ratings=ratings)
    events = write(incoming, "e1.csv", "round,date,kind,description\n1,2024-03-01,context,Cuts\n")
    result = ingest_round(place_dir, 1, ratings=ratings, events=events)
    assert result.status == {"ratings": "unchanged", "events": "ingested"}
    assert len(store.read_files(place_dir)) == 2 and len(store.read_events(place_dir)) == 1


def test_a_changed_file_is_refused_and_nothing_changes(place_dir, incoming):
    ingest_round(place_dir, 1, ratings=write(incoming, "r1.csv", make_ratings(seed=7)))
    before = snapshot(place_dir)
    changed = write(incoming, "r1-fixed.csv", make_ratings(seed=8))
    with pytest.raises(StoreError, match="--replace") as excinfo:
        ingest_round(place_dir, 1, ratings=changed)
    assert "Round 1" in str(excinfo.value) and "ratings" in str(excinfo.value)
    assert str(changed) in str(excinfo.value) and "'r1.csv'" in str(excinfo.value)
    assert snapshot(place_dir) == before


def test_replace_keeps_the_earlier_raw_file_and_shows_the_new_data(place_dir, incoming):
    first, second = make_ratings(seed=9), make_ratings(seed=10)
    first_path = write(incoming, "r1.csv", first)
    ingest_round(place_dir, 1, ratings=first_path)
    result = ingest_round(place_dir, 1, ratings=write(incoming, "r1b.csv", second), replace=True)
    assert result.status == {"ratings": "replaced"}

    files = store.read_files(place_dir)
    assert files[["filename", "active"]].values.tolist() == [["r1.csv", False], ["r1b.csv", True]]
    for raw_path, source in zip(files["raw_path"], [first_path, incoming / "r1b.csv"], strict=True):
        assert (place_dir / raw_path).read_bytes() == source.read_bytes()
    ratings = store.read_ratings(place_dir)
    assert len(ratings) == len(second) * 9
    expected = pd.to_numeric(second["power_shared"].replace("", np.nan)).sum()
    assert ratings.loc[ratings.behaviour == "power_shared", "rating"].sum() == expected
    assert not list(place_dir.rglob("*.tmp"))


def test_replacing_back_reuses_the_existing_raw_copy(place_dir, incoming):
    a = write(incoming, "a.csv", make_ratings(seed=11))
    b = write(incoming, "b.csv", make_ratings(seed=12))
    for path in (a, b, a):
        ingest_round(place_dir, 1, ratings=path, replace=True)
    files = store.read_files(place_dir)
    assert files["active"].tolist() == [False, False, True]
    assert files["raw_path"].iloc[0] == files["raw_path"].iloc[2]
    assert len(list((place_dir / "raw" / "round-01").iterdir())) == 2


class _FailingCommit:
    """A store connection whose COMMIT fails, as it would on a full disk."""

    def __init__(self, con):
        self._con = con

    def execute(self, sql, *args):
        if sql == "COMMIT":
            raise OSError("disk full")
        return self._con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)


@pytest.mark.parametrize("earlier_round", [False, True])
@pytest.mark.parametrize("failing_step", ["load", "commit"])
def test_a_failure_inside_the_transaction_leaves_the_place_as_it_was(
    place_dir, incoming, monkeypatch, earlier_round, failing_step
):
    if earlier_round:
        ingest_round(place_dir, 2, ratings=write(incoming, "r2.csv", make_ratings(seed=13)))
    before = snapshot(place_dir)
    real_load, real_connect = ingest._load_kind, store.connect

    def load_then_fail(con, checked, kind, *args):
        real_load(con, checked, kind, *args)
        if kind == "ties":
            raise OSError("disk full")
        return 0

    if failing_step == "load":
        monkeypatch.setattr(ingest, "_load_kind", load_then_fail)
    else:
        monkeypatch.setattr(store, "connect", lambda *a, **k: _FailingCommit(real_connect(*a, **k)))
    ties = write(
        incoming,
        "t1.csv",
        "respondent_id,organisation,partner,depth,trust\n"
        "RESP-SECRET-000,TCC,Riverside,cooperating,4\n",
    )
    with pytest.raises(OSError, match="disk full"):
        ingest_round(
            place_dir, 1, ratings=write(incoming, "r1.csv", make_ratings(seed=14)), ties=ties
        )
    assert snapshot(place_dir) == before


# --- validation ----------------------------------------------------------------------------------


def test_a_rejected_file_lists_every_problem_and_changes_nothing(place_dir, incoming):
    ingest_round(place_dir, 1, ratings=write(incoming, "r1.csv", make_ratings(seed=15)))
    before = snapshot(place_dir)
    sheet = make_ratings(seed=16, n=6)
    sheet.loc[1, "shared_vision"] = "11"
    sheet.loc[2, "organisation"] = "Testbrige City Council"
    sheet.loc[3, "role"] = "volunteer"
    sheet.loc[4, "respondent_id"] = sheet.loc[0, "respondent_id"]
    sheet.loc[5, "power_shared"] = "NA"
    with pytest.raises(ValidationError) as excinfo:
        ingest_round(place_dir, 2, ratings=write(incoming, "r2.csv", sheet))
    assert problems_of(excinfo) == {
        (3, "shared_vision", "11"),
        (4, "organisation", "Testbrige City Council"),
        (5, "role", "volunteer"),
        (6, "respondent_id", "RESP-SECRET-000"),
        (7, "power_shared", "NA"),
    }
    by_column = {p.column: p for p in excinfo.value.problems}
    assert "Did you mean 'Testbridge City Council'?" in by_column["organisation"].hint
    assert "alias" in by_column["organisation"].hint
    assert "senior_leader" in by_column["role"].hint
    assert by_column["respondent_id"].message == "is already used on row 2 of this round"
    assert "1 to 10" in by_column["shared_vision"].message
    assert by_column["power_shared"].message == "is not a number"
    assert all(p.file.endswith("r2.csv") for p in excinfo.value.problems)
    assert snapshot(place_dir) == before


def test_a_rejected_first_ingest_leaves_no_key_store_or_raw_folder(place_dir, incoming):
    before = snapshot(place_dir)
    sheet = make_ratings(seed=17).drop(columns="trusting_relationships")
    with pytest.raises(ValidationError) as excinfo:
        ingest_round(place_dir, 1, ratings=write(incoming, "r1.csv", sheet))
    [problem] = excinfo.value.problems
    assert (problem.row, problem.column, problem.message) == (
        None,
        "trusting_relationships",
        "is missing (a behaviour of System Behaviours)",
    )
    assert snapshot(place_dir) == before


def test_a_misspelt_behaviour_column_is_named_with_its_fix(place_dir, incoming):
    sheet = make_ratings(seed=18).rename(columns={"shared_vision": "shared_visoin"})
    check = check_round(load_place(place_dir), 1, ratings=write(incoming, "r.csv", sheet))
    [problem] = check.problems
    assert problem.column == "shared_vision" and "rename it to 'shared_vision'" in problem.hint
    [warning] = check.warnings  # the unknown column itself is only a warning
    assert warning.column == "shared_visoin"
    assert "Did you mean 'shared_vision'?" in warning.hint


def test_bom_whitespace_and_blank_lines_keep_spreadsheet_rows(place_dir, incoming):
    header = " respondent_id , Organisation,role," + ",".join(BEHAVIOURS)
    text = (
        "\n".join(
            [
                "\ufeff" + header,
                "a, TCC ,manager," + ",".join(["5"] * 9),
                "",
                "b,Riverside,  frontline," + ",".join(["", " 7 "] + ["6"] * 7),
                "c,tb-voices,manager," + ",".join(["6"] * 8 + [" 0"]),
            ]
        )
        + "\n"
    )
    path = write(incoming, "r.csv", text)
    with pytest.raises(ValidationError) as excinfo:
        validate_round(load_place(place_dir), 1, ratings=path)
    assert problems_of(excinfo) == {(5, "mutual_accountability", "0")}
    path = write(incoming, "r.csv", text.replace(" 0\n", "10\n"))
    table = validate_round(load_place(place_dir), 1, ratings=path).files["ratings"].table
    assert table["respondent_id"].tolist() == ["a"] * 9 + ["b"] * 9 + ["c"] * 9
    assert table.loc[table.respondent_id == "b", "rating"].tolist()[:2] == [
        pytest.approx(np.nan, nan_ok=True),
        7.0,
    ]
    assert table["sector"].tolist()[::9] == ["public", "voluntary", "lived_experience"]


@pytest.mark.parametrize(
    "content, expected",
    [
        (
            b"round,date,kind,description\n1,2024-01-01,context,ok\n1,2024-01-02,context,a,b\n",
            (3, "has 5 cells but the header has 4"),
        ),
        (
            b"round,date,kind,description\n1,2024-01-01,context,caf\x81\n",
            (None, "could not be read as text: it is neither UTF-8 nor Windows-1252 (byte 53"),
        ),
        (b"", (None, "is empty")),
        (
            b"round,date,kind,kind,description\n1,2024-01-01,context,context,x\n",
            (None, "appears twice in the header"),
        ),
    ],
)
def test_unreadable_files_are_reported(place_dir, incoming, content, expected):
    incoming.mkdir()
    (incoming / "e.csv").write_bytes(content)
    with pytest.raises(ValidationError) as excinfo:
        validate_round(load_place(place_dir), 1, events=incoming / "e.csv")
    [problem] = excinfo.value.problems
    assert problem.row == expected[0] and problem.message.startswith(expected[1])


def test_header_only_files_mean_nothing_to_report_except_for_ratings(place_dir, incoming):
    header_only = {
        kind: write(incoming, f"{kind}.csv", ",".join(columns) + "\n")
        for kind, columns in COLUMNS.items()
    }
    header_only["ratings"] = write(incoming, "ratings.csv", make_ratings(seed=24).head(0))
    with pytest.raises(ValidationError) as excinfo:
        validate_round(load_place(place_dir), 1, **header_only)
    assert [(p.file, p.message) for p in excinfo.value.problems] == [
        (str(header_only["ratings"]), "has no data rows")
    ]
    header_only["ratings"] = write(incoming, "r1.csv", make_ratings(seed=24))
    result = ingest_round(place_dir, 1, **header_only)
    assert result.rows == {"ratings": 12 * 9, "ties": 0, "reflections": 0, "events": 0, "log": 0}
    assert store.read_events(place_dir).empty and store.read_ties(place_dir).empty


def test_problems_are_capped_per_file_with_a_summary(place_dir, incoming):
    sheet = make_ratings(seed=20, n=30)
    sheet[BEHAVIOURS] = "99"
    with pytest.raises(ValidationError) as excinfo:
        validate_round(load_place(place_dir), 1, ratings=write(incoming, "r.csv", sheet))
    problems = excinfo.value.problems
    assert len(problems) == MAX_PROBLEMS_PER_FILE + 1
    more = 30 * 9 - MAX_PROBLEMS_PER_FILE
    assert problems[-1].message == f"has {more} more problems not listed"
    assert [p.row for p in problems[:-1]] == sorted(p.row for p in problems[:-1])


def test_problems_from_every_file_and_the_round_are_collected(place_dir, incoming):
    sheet = make_ratings(seed=21)
    sheet.loc[0, "organisation"] = ""
    ties = write(
        incoming,
        "t.csv",
        "respondent_id,organisation,partner,depth,trust\n,TCC,Riverside,cooperating,4\n",
    )
    with pytest.raises(ValidationError) as excinfo:
        validate_round(
            load_place(place_dir),
            3,
            ratings=write(incoming, "r.csv", sheet),
            ties=ties,
            events=incoming / "missing.csv",
        )
    found = {
        (p.file.rsplit("/", 1)[-1], p.row, p.column, p.message) for p in excinfo.value.problems
    }
    assert found == {
        ("place.yml", None, "rounds", "does not list round 3"),
        ("r.csv", 2, "organisation", "is blank"),
        ("t.csv", 2, "respondent_id", "is blank"),
        ("missing.csv", None, None, "could not be read (No such file or directory)"),
    }


def test_ties_problems(place_dir, incoming):
    ties = write(
        incoming,
        "t.csv",
        (
            "respondent_id,organisation,partner,depth,trust\n"
            "a,TCC,Riverside,cooperating,4\n"
            "a,TCC,Riverside Shelter,networking,\n"
            "b,Riverside,riverside,collaborating,3\n"
            "c,TCC,Harbour Builders,friends,6\n"
            "d,Testbridge Foodbank,Voices of Testbridge,Coordinating,2.5\n"
        ),
    )
    with pytest.raises(ValidationError) as excinfo:
        validate_round(load_place(place_dir), 1, ties=ties)
    messages = {(p.row, p.column, p.value): p.message for p in excinfo.value.problems}
    assert messages == {
        (3, "partner", "Riverside Shelter"): "is listed twice by this respondent",
        (4, "partner", "riverside"): "is the respondent's own organisation",
        (5, "partner", "Harbour Builders"): "is not a known organisation",
        (5, "depth", "friends"): "is not a known depth of tie",
        (5, "trust", "6"): "is outside the trust scale (1 to 5)",
        (6, "trust", "2.5"): "is not a whole number",
    }
    hint = next(p.hint for p in excinfo.value.problems if p.value == "Harbour Builders")
    assert hint.startswith("Did you mean 'Harbour Builders Ltd'?")


def test_reflections_problems(place_dir, incoming):
    reflections = write(
        incoming,
        "f.csv",
        (
            "respondent_id,organisation,role,behaviours,valence,consent,text\n"
            'a,TCC,manager,shared_vision; power_shared,positive,yes,"We now plan, together."\n'
            "b,TCC,manager,shared_visoin,good,,Better meetings\n"
            "c,TCC,frontline,,mixed,Maybe,\n"
        ),
    )
    with pytest.raises(ValidationError) as excinfo:
        validate_round(load_place(place_dir), 1, reflections=reflections)
    messages = {(p.row, p.column, p.value): p.message for p in excinfo.value.problems}
    assert messages == {
        (3, "behaviours", "shared_visoin"): "has a tag that is not a behaviour id",
        (3, "valence", "good"): "is not a known valence",
        (3, "consent", ""): "has no consent answer",
        (4, "consent", "Maybe"): "is not a known consent answer",
        (4, "text", ""): "is blank",
    }
    hint = next(p.hint for p in excinfo.value.problems if p.value == "shared_visoin")
    assert hint.startswith("Did you mean 'shared_vision'?")


def test_events_problems(place_dir, incoming):
    events = write(
        incoming,
        "e.csv",
        (
            "round,date,kind,description\n"
            "1,2024-03-01,Intervention,Shared training\n"
            "2,2024-03-02,context,Budget cut\n"
            "1,01/03/2024,decision,Pool budgets\n"
            "1,2024-03-04,gossip,\n"
        ),
    )
    with pytest.raises(ValidationError) as excinfo:
        validate_round(load_place(place_dir), 1, events=events)
    messages = {(p.row, p.column, p.value): p.message for p in excinfo.value.problems}
    assert messages == {
        (3, "round", "2"): "does not match the round being ingested (1)",
        (4, "date", "01/03/2024"): "is not a date",
        (5, "kind", "gossip"): "is not a known kind of event",
        (5, "description", ""): "is blank",
    }


def test_valid_ties_reflections_and_events_are_stored(place_dir, incoming):
    files = {
        "ratings": write(incoming, "r.csv", make_ratings(seed=22)),
        "ties": write(
            incoming,
            "t.csv",
            "respondent_id,organisation,partner,depth,trust\n"
            "RESP-SECRET-000,TCC,Riverside,Cooperating,4\n"
            "RESP-SECRET-000,TCC,tb-voices,networking,\n",
        ),
        "reflections": write(
            incoming,
            "f.csv",
            (
                "respondent_id,organisation,role,behaviours,valence,consent,text\n"
                "RESP-SECRET-001,riverside,Frontline worker,power_shared ; shared_vision,"
                "Positive,YES,We decide together now\n"
            ),
        ),
        "events": write(
            incoming, "e.csv", "round,date,kind,description\n1,2024-03-01,decision,Pool budgets\n"
        ),
    }
    result = ingest_round(place_dir, 1, **files)
    assert set(result.status.values()) == {"ingested"}
    ties = store.read_ties(place_dir)
    assert ties[["organisation", "partner", "depth"]].values.tolist() == [
        ["tb-council", "tb-shelter", "cooperating"],
        ["tb-council", "tb-voices", "networking"],
    ]
    assert ties["trust"].tolist()[0] == 4 and np.isnan(ties["trust"].tolist()[1])
    [reflection] = store.read_reflections(place_dir).to_dict("records")
    assert reflection["respondent"] == keyed("RESP-SECRET-001", place_dir)
    assert (reflection["sector"], reflection["role"], reflection["behaviours"]) == (
        "voluntary",
        "frontline",
        "power_shared;shared_vision",
    )
    assert (reflection["valence"], reflection["consent"]) == ("positive", True)
    [event] = store.read_events(place_dir).to_dict("records")
    assert (event["round"], str(event["date"])[:10], event["kind"]) == (1, "2024-03-01", "decision")


def test_a_damaged_key_is_refused_not_replaced(place_dir, incoming):
    (place_dir / ".evalkit-key").write_text("not hex\n")
    before = snapshot(place_dir)
    with pytest.raises(StoreError, match="not a valid key"):
        ingest_round(place_dir, 1, ratings=write(incoming, "r1.csv", make_ratings(seed=23)))
    assert snapshot(place_dir) == before


def test_a_lost_key_is_not_silently_replaced(place_dir, incoming):
    ingest_round(place_dir, 1, ratings=write(incoming, "r1.csv", make_ratings(seed=31)))
    (place_dir / ".evalkit-key").rename(incoming / "moved-away.key")  # as 'cp -r place/*' loses it
    before = snapshot(place_dir)
    with pytest.raises(StoreError, match="missing.*Restore the key from your backup"):
        ingest_round(place_dir, 2, ratings=write(incoming, "r2.csv", make_ratings(seed=32)))
    assert snapshot(place_dir) == before  # no new key, no round 2
    # restored from the backup, the same respondents are linked across rounds again
    (incoming / "moved-away.key").rename(place_dir / ".evalkit-key")
    ingest_round(place_dir, 2, ratings=write(incoming, "r2.csv", make_ratings(seed=32)))
    people = store.read_ratings(place_dir).groupby("round")["respondent"].agg(set)
    assert people[1] & people[2]


def test_another_key_is_refused_and_new_key_is_the_only_way_past(place_dir, incoming):
    ingest_round(place_dir, 1, ratings=write(incoming, "r1.csv", make_ratings(seed=33)))
    key = place_dir / ".evalkit-key"
    original = key.read_bytes()
    key.write_text(bytes(range(32)).hex() + "\n")  # a key from another place
    before = snapshot(place_dir)
    with pytest.raises(StoreError, match="not the key this place's store was made with"):
        ingest_round(place_dir, 2, ratings=write(incoming, "r2.csv", make_ratings(seed=34)))
    assert snapshot(place_dir) == before
    key.unlink()
    result = ingest_round(
        place_dir, 2, ratings=write(incoming, "r2.csv", make_ratings(seed=34)), new_key=True
    )
    assert key.read_bytes() != original
    assert any("is a new key" in w.message for w in result.warnings)
    people = store.read_ratings(place_dir).groupby("round")["respondent"].agg(set)
    assert not people[1] & people[2]  # what the warning says: no one is linked any more
    # the new key is now the store's key: the next ingest needs no --new-key
    again = write(incoming, "r2b.csv", make_ratings(seed=35))
    assert ingest_round(place_dir, 2, ratings=again, replace=True).status == {"ratings": "replaced"}


def test_hidden_raw_copies_left_by_a_kill_are_removed_by_the_next_ingest(place_dir, incoming):
    ingest_round(place_dir, 1, ratings=write(incoming, "r1.csv", make_ratings(seed=36)))
    left = place_dir / "raw" / "round-01" / ".ratings.0123456789ab.csv.1a2b3c4d.tmp"
    left.write_bytes(b"half a file")
    ingest_round(place_dir, 2, ratings=write(incoming, "r2.csv", make_ratings(seed=37)))
    assert not left.exists()
    assert all(not p.name.startswith(".") for p in (place_dir / "raw").rglob("*"))
