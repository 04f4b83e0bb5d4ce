"""``evalkit validate``, answer labels, warnings, and reading files in any supported format."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from evalkit.cli import main
from evalkit.config import load_place
from evalkit.data import readers, store
from evalkit.data.ingest import ingest_round
from evalkit.data.validate import check_round
from evalkit.data.vocabulary import MISSING_ANSWERS
from evalkit.exceptions import ValidationError

BAD = Path(__file__).parent / "data" / "bad"
GOOD = BAD / "good"
HEADER = "respondent_id,organisation,role,shared_vision,trusting_relationships,power_shared"
ALL_KINDS = {
    kind: GOOD / f"{kind}-round2.csv" for kind in ("ratings", "ties", "reflections", "events")
}


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): "folder"
        if p.is_dir()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def place(tmp_path) -> Path:
    """The catalogue's place (three behaviours, a few organisations), nothing ingested yet."""
    return shutil.copytree(BAD / "place", tmp_path / "larkhill")


def ratings_file(folder: Path, *rows: str, header: str = HEADER) -> Path:
    path = folder / "ratings.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def ratings_of(place_dir: Path, *cells: str, **options) -> list[float]:
    """The ratings read from one row whose three rating cells are ``cells``."""
    path = ratings_file(place_dir.parent, "P1,LCC,leader," + ",".join(cells))
    check = check_round(load_place(place_dir), 2, ratings=path, **options)
    assert check.ok, check.problems
    return check.files["ratings"].table["rating"].tolist()


# --- the command ---------------------------------------------------------------------------------


def test_validate_writes_nothing_and_says_what_it_read(place, capsys):
    before = snapshot(place)
    args = ["validate", str(place), "--round", "2"]
    for kind, path in ALL_KINDS.items():
        args += [f"--{kind}", str(path)]
    assert main(args) == 0
    report = capsys.readouterr().out
    assert report.splitlines()[0] == "All good: round 2 of Larkhill can be ingested."
    assert "(CSV, UTF-8, comma-separated): 9 respondents, 20 ratings and 7 not answered" in report
    assert "3 ties" in report and "2 reflections, 1 with consent to quote" in report
    assert report.rstrip().endswith("Nothing was written.")
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert snapshot(place) == before  # no store, no key, no raw/


def test_problems_in_every_file_are_reported_in_one_pass(place, tmp_path, capsys):
    ties = tmp_path / "ties.csv"
    ties.write_text("respondent_id,organisation,partner,depth,trust\nP1,LCC,LCC,networking,\n")
    events = tmp_path / "events.csv"
    events.write_text("round,date,kind,description\n2,2025-13-01,context,Cuts\n")
    ratings = ratings_file(tmp_path, "P1,LCC,leader,7,6,55")
    args = [str(place), "--round", "2", "--ratings", str(ratings), "--ties", str(ties)]
    assert main(["validate", *args, "--events", str(events), "--json"]) == 2
    found = {
        (Path(r["file"]).name, r["row"], r["column"]) for r in json.loads(capsys.readouterr().out)
    }
    assert found == {
        ("ratings.csv", 2, "power_shared"),
        ("ties.csv", 2, "partner"),
        ("events.csv", 2, "date"),
    }


def test_a_broken_place_yml_is_reported_like_any_file(place, capsys):
    with open(place / "place.yml", "a") as handle:
        handle.write("k_min: 0\nallow_fraction_ratings: maybe\n")
    args = ["validate", str(place), "--round", "2", "--ratings", str(GOOD / "ratings-round2.csv")]
    assert main([*args, "--json"]) == 2
    records = json.loads(capsys.readouterr().out)
    assert {(Path(r["file"]).name, r["column"], r["level"]) for r in records} == {
        ("place.yml", "k_min", "error"),
        ("place.yml", "allow_fraction_ratings", "error"),
    }
    assert main(args) == 2
    assert "allow_fraction_ratings: true" in capsys.readouterr().out


def test_validate_warns_that_a_different_file_needs_replace(place, capsys):
    ingest_round(place, 2, ratings=GOOD / "ratings-round2.csv")
    before = snapshot(place)
    args = ["validate", str(place), "--round", "2", "--ratings", str(GOOD / "ratings-round1.csv")]
    assert main(args) == 0
    report = capsys.readouterr().out
    assert "1 warning" in report and "is not the ratings file already ingested" in report
    assert "--replace" in report
    assert snapshot(place) == before


def test_an_unknown_column_is_a_warning_kept_in_raw_but_not_loaded(place, capsys):
    path = ratings_file(
        place.parent, "P1,LCC,leader,7,6,5,called back", header=HEADER + ",Interviewer notes"
    )
    args = [str(place), "--round", "2", "--ratings", str(path)]
    assert main(["validate", *args]) == 0
    report = capsys.readouterr().out
    assert report.startswith("All good") and "1 warning" in report
    assert "column 'interviewer notes': is not a column of a ratings file" in report
    assert main(["ingest", *args]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Round 2: ratings ingested (3 rows).\n1 warning:")
    [raw_path] = store.read_files(place)["raw_path"]
    assert (place / raw_path).read_bytes() == path.read_bytes()
    assert b"called back" not in (place / "store.duckdb").read_bytes()


def test_sheet_is_ignored_for_csv_files(place, capsys):
    args = ["--round", "2", "--ratings", str(GOOD / "ratings-round2.csv"), "--sheet", "Round 2"]
    assert main(["validate", str(place), *args]) == 0


# --- answer labels -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    [
        "",
        "Don't know",
        "don\u2019t  know",
        "DONT KNOW",
        "N/A",
        "n/a",
        "N/A.",
        "DK",
        " dk ",
        "Prefer not to say",
        "not applicable",
    ],  # fmt: skip
)
def test_no_answer_labels_become_missing(place, label):
    assert ratings_of(place, label, "5", label.replace(",", "")) == pytest.approx(
        [np.nan, 5.0, np.nan], nan_ok=True
    )


def test_the_no_answer_labels_are_the_documented_ones():
    assert {"don't know", "n/a", "prefer not to say", "dk"} <= MISSING_ANSWERS
    assert "na" not in MISSING_ANSWERS  # 'NA' stays an error: it may be a typo for a number


def test_fractions_are_read_only_when_the_place_allows_them(place):
    path = ratings_file(place.parent, "P1,LCC,leader,7/10, 8 / 10 ,0/10")
    check = check_round(load_place(place), 2, ratings=path)
    assert [(p.column, p.value) for p in check.problems] == [
        ("shared_vision", "7/10"),
        ("trusting_relationships", "8 / 10"),
        ("power_shared", "0/10"),
    ]
    assert "allow_fraction_ratings: true" in check.problems[0].hint
    with open(place / "place.yml", "a") as handle:
        handle.write("allow_fraction_ratings: true\n")
    check = check_round(load_place(place), 2, ratings=path)
    [problem] = check.problems  # 0 is still outside the scale, and shown as written
    assert (problem.value, problem.message) == ("0/10", "is outside the scale (1 to 10)")
    assert ratings_of(place, "7/10", "8/10", "10/10") == [7.0, 8.0, 10.0]


def test_scale_end_labels_are_read_as_their_numbers(place):
    cells = ["10 - Fully present", "Not present at all", "fully present (10)"]
    assert ratings_of(place, *cells) == [10.0, 1.0, 10.0]
    assert ratings_of(place, "1: not present at all", "10 \u2013 Fully present", "7") == [
        1.0,
        10.0,
        7.0,
    ]


@pytest.mark.parametrize("low, high", [("", "Fully present"), ("Fully present", "Fully present")])
def test_scale_end_labels_are_not_guessed_when_ambiguous(place, tmp_path, low, high):
    loaded = load_place(place)
    framework = dataclasses.replace(loaded.framework, low_label=low, high_label=high)
    path = ratings_file(tmp_path, "P1,LCC,leader,Fully present,10 - Fully present,5")
    check = check_round(dataclasses.replace(loaded, framework=framework), 2, ratings=path)
    assert [(p.column, p.message) for p in check.problems] == [
        ("shared_vision", "is not a number"),
        ("trusting_relationships", "is not a number"),
    ]


def test_the_built_in_framework_labels_its_ends(tmp_path):
    from evalkit.config import load_framework

    framework = load_framework("system-behaviours")
    assert (framework.low_label, framework.high_label) == ("Not present at all", "Fully present")


# --- reading files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, text, encoding",
    [
        ("Café".encode(), "Café", "UTF-8"),  # strict UTF-8 first: never read as 'CafÃ©'
        ("Café".encode("utf-8-sig"), "Café", "UTF-8 with BOM"),
        ("Café".encode("utf-16"), "Café", "UTF-16"),
        ("Café".encode("utf-32"), "Café", "UTF-32"),
        ("Café \u2013 Nour".encode("cp1252"), "Café \u2013 Nour", "Windows-1252"),
    ],
)
def test_decoding(content, text, encoding):
    assert readers.decode_text(content) == (text, encoding)


def test_the_delimiter_comes_from_the_header_not_the_text(place, tmp_path):
    path = tmp_path / "reflections.csv"
    path.write_text(
        "respondent_id;organisation;role;behaviours;valence;consent;text\n"
        "P1;LCC;leader;shared_vision;positive;yes;We meet, plan, and share budgets.\n"
    )
    check = check_round(load_place(place), 2, ratings=GOOD / "ratings-round2.csv", reflections=path)
    assert check.ok, check.problems
    table = check.files["reflections"].table
    assert table["text"].tolist() == ["We meet, plan, and share budgets."]
    assert check.files["reflections"].source == "CSV, UTF-8, semicolon-separated"


def test_a_workbook_keeps_excel_row_numbers_after_blank_rows(place, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in (HEADER.split(","), ["P1", "LCC", "leader", 7, 6, 5], [], []):
        sheet.append(row)
    sheet.append(["P2", "LNT", "manager", 99, 6, None])  # row 5, as Excel shows it
    book.save(tmp_path / "r.xlsx")
    with pytest.raises(ValidationError) as excinfo:
        ingest_round(place, 2, ratings=tmp_path / "r.xlsx")
    [problem] = excinfo.value.problems
    assert (problem.row, problem.column, problem.value) == (5, "shared_vision", "99")
    assert not (place / "store.duckdb").exists()
